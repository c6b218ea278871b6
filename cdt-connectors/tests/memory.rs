//! Peak memory stays bounded on big and hostile files: a 100 MB line, a million
//! columns, and 40 MB of well-formed rows are validated by a process whose peak
//! resident memory stays far under the size of its input. This file holds one test
//! so that the test process measures nothing else (Linux: `VmHWM` of /proc/self).

use std::io::Write;
use std::path::Path;

use cdt_connectors::{Code, Limits, validate_bundle};

fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn write_users(dir: &Path, body: impl FnOnce(&mut dyn Write)) {
    std::fs::write(
        dir.join("manifest.csv"),
        "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\nfile.users,bulk\n",
    )
    .unwrap();
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("users.csv")).unwrap());
    f.write_all(b"sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n")
        .unwrap();
    body(&mut f);
    f.flush().unwrap();
}

#[test]
#[allow(clippy::print_stderr)] // says why it skips, and what it measured
fn peak_memory_stays_far_under_the_input_size() {
    let Some(before) = peak_rss_kb() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI runs on Linux, where /proc/self/status exists"
        );
        eprintln!("skipped: no /proc/self/status (not Linux), so peak memory cannot be read");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut input_bytes = 0u64;

    // A 100 MB line.
    write_users(dir.path(), |w| {
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..100 {
            w.write_all(&chunk).unwrap();
        }
    });
    input_bytes += 100 << 20;
    let r = validate_bundle(dir.path(), Limits::default()).unwrap();
    assert!(r.with_code(Code::CsvRowTooLong).next().is_some());

    // A million columns.
    write_users(dir.path(), |w| w.write_all(&vec![b','; 1_000_000]).unwrap());
    let r = validate_bundle(dir.path(), Limits::default()).unwrap();
    assert!(r.with_code(Code::CsvTooManyColumns).next().is_some());

    // 40 MB of well-formed users, each with a long unique payload.
    let pad = "p".repeat(300);
    let mut rows = 0u64;
    write_users(dir.path(), |w| {
        let mut written = 0usize;
        while written < 40 << 20 {
            let line = format!("u{rows},,,true,org-1,student,user{rows},,Given{pad},Family,,,,,,,05,\n");
            written += line.len();
            rows += 1;
            w.write_all(line.as_bytes()).unwrap();
        }
    });
    input_bytes += 40 << 20;
    let r = validate_bundle(dir.path(), Limits::default()).unwrap();
    assert_eq!(r.rows["users.csv"], rows);

    let peak = peak_rss_kb().unwrap();
    eprintln!(
        "peak RSS {peak} kB (before: {before} kB) for {} MB of input",
        input_bytes >> 20
    );
    assert!(
        peak < before + 32 * 1024,
        "peak RSS {peak} kB grew by more than 32 MB over {before} kB for {} MB of input",
        input_bytes >> 20
    );
}
