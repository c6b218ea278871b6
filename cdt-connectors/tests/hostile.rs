//! Hostile bundles: zip bombs (by ratio, by total, with lying sizes, with overlapping
//! entries), escaping entry names, nested archives, a 100 MB line, a million columns,
//! a ZIP renamed `.xlsx`. Each gets a clear error or finding, never a panic. Big inputs
//! are generated here at run time; nothing big is committed.

use std::io::Write;
use std::path::{Path, PathBuf};

use cdt_connectors::{Code, Limits, OneRosterCsv, validate_bundle};

const HEADER: &str =
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName\n";

fn zip_with(path: &Path, entries: &[(&str, &[u8])], method: zip::CompressionMethod) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(method)
        .large_file(false);
    for (name, data) in entries {
        zip.start_file(*name, opts).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap();
}

fn err_of(path: &Path, limits: Limits) -> String {
    match OneRosterCsv::new(path).with_limits(limits).read() {
        Ok(r) => panic!("{} was read: {:?}", path.display(), r.warnings),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_zip_bomb_by_ratio_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.zip");
    let mut data = HEADER.as_bytes().to_vec();
    data.resize(64 << 20, b'0');
    zip_with(&path, &[("users.csv", &data)], zip::CompressionMethod::Deflated);
    // 64 MiB of zeros deflates about 1000:1, far past the default ratio limit.
    let err = err_of(&path, Limits::default());
    assert!(err.contains("bomb.zip") && err.contains("zip bomb"), "{err}");
    // A size limit holds even when the ratio is allowed.
    let limits = Limits {
        max_ratio: u64::MAX,
        max_file_bytes: 1 << 20,
        ..Limits::default()
    };
    let err = err_of(&path, limits);
    assert!(err.contains("more than the limit"), "{err}");
}

#[test]
fn a_zip_bomb_by_total_size_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("total.zip");
    // Incompressible-ish data: each entry is within its own limits, all together not.
    let mut seed = 1u64;
    let block: Vec<u8> = (0..(600 << 10))
        .map(|_| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            b'a' + u8::try_from(seed >> 59).unwrap()
        })
        .collect();
    zip_with(
        &path,
        &[("users.csv", &block), ("orgs.csv", &block), ("classes.csv", &block)],
        zip::CompressionMethod::Deflated,
    );
    let limits = Limits {
        max_total_bytes: 1 << 20,
        ..Limits::default()
    };
    let err = err_of(&path, limits);
    assert!(
        err.contains("total.zip") && err.contains("in all, more than the limit"),
        "{err}"
    );
}

/// Sets the uncompressed size of every entry, in the local headers and the central
/// directory, to `size`: the archive lies about what it inflates to.
fn lie_about_sizes(bytes: &mut [u8], size: u32) {
    let mut i = 0;
    while i + 30 < bytes.len() {
        if bytes[i..].starts_with(b"PK\x03\x04") {
            bytes[i + 22..i + 26].copy_from_slice(&size.to_le_bytes());
        } else if bytes[i..].starts_with(b"PK\x01\x02") {
            bytes[i + 24..i + 28].copy_from_slice(&size.to_le_bytes());
        }
        i += 1;
    }
}

#[test]
fn a_zip_that_lies_about_its_sizes_stops_at_what_it_really_inflates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("liar.zip");
    let mut data = HEADER.as_bytes().to_vec();
    while data.len() < 8 << 20 {
        data.extend_from_slice(b"u1,,,true,org-1,student,a,,Ann,Lee\n");
    }
    zip_with(&path, &[("users.csv", &data)], zip::CompressionMethod::Deflated);
    let mut bytes = std::fs::read(&path).unwrap();
    lie_about_sizes(&mut bytes, 1000);
    std::fs::write(&path, &bytes).unwrap();
    // The declared ratio (1000 bytes from the compressed size) is within the limit;
    // what the entry really inflates to is not.
    let limits = Limits {
        max_ratio: 20,
        ..Limits::default()
    };
    let err = err_of(&path, limits);
    assert!(err.contains("liar.zip") && err.contains("zip bomb"), "{err}");
}

/// Adds a second central-directory record pointing at the first entry's data, under
/// another name of the same length: two entries overlapping in the archive.
fn add_overlapping_entry(bytes: &[u8], new_name: &[u8]) -> Vec<u8> {
    let cd = bytes.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    let eocd = bytes.windows(4).rposition(|w| w == b"PK\x05\x06").unwrap();
    let record = &bytes[cd..eocd];
    let name_len = usize::from(u16::from_le_bytes([record[28], record[29]]));
    assert_eq!(name_len, new_name.len());
    let mut copy = record.to_vec();
    copy[46..46 + name_len].copy_from_slice(new_name);
    let mut out = bytes[..eocd].to_vec();
    out.extend_from_slice(&copy);
    let mut end = bytes[eocd..].to_vec();
    let entries = u16::from_le_bytes([end[10], end[11]]) + 1;
    end[8..10].copy_from_slice(&entries.to_le_bytes());
    end[10..12].copy_from_slice(&entries.to_le_bytes());
    let size = u32::from_le_bytes([end[12], end[13], end[14], end[15]]) + u32::try_from(copy.len()).unwrap();
    end[12..16].copy_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&end);
    out
}

#[test]
fn overlapping_entries_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("overlap.zip");
    zip_with(
        &path,
        &[("users.csv", HEADER.as_bytes())],
        zip::CompressionMethod::Deflated,
    );
    let bytes = add_overlapping_entry(&std::fs::read(&path).unwrap(), b"roles.csv");
    std::fs::write(&path, bytes).unwrap();
    let err = err_of(&path, Limits::default());
    assert!(err.contains("overlap"), "{err}");
}

#[test]
fn entries_escaping_the_archive_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for evil in [
        "../users.csv",
        "/etc/users.csv",
        "a/../../users.csv",
        "..\\users.csv",
        "C:\\users.csv",
    ] {
        let path = dir.path().join("evil.zip");
        zip_with(&path, &[(evil, b"sourcedId\n")], zip::CompressionMethod::Stored);
        let err = err_of(&path, Limits::default());
        assert!(err.contains("points outside the archive"), "{evil}: {err}");
    }
}

#[test]
fn nested_archives_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let inner = dir.path().join("inner.zip");
    zip_with(
        &inner,
        &[("users.csv", HEADER.as_bytes())],
        zip::CompressionMethod::Deflated,
    );
    let outer = dir.path().join("outer.zip");
    zip_with(
        &outer,
        &[("export/bundle.zip", &std::fs::read(&inner).unwrap())],
        zip::CompressionMethod::Stored,
    );
    let err = err_of(&outer, Limits::default());
    assert!(
        err.contains("nested archives are not read") && err.contains("export/bundle.zip"),
        "{err}"
    );
}

#[test]
fn a_zip_renamed_xlsx_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roster.xlsx");
    zip_with(
        &path,
        &[("users.csv", HEADER.as_bytes())],
        zip::CompressionMethod::Deflated,
    );
    let err = err_of(&path, Limits::default());
    assert!(
        err.contains("roster.xlsx") && err.contains("not an Excel workbook") && err.contains("users.csv"),
        "{err}"
    );
    // And a text file renamed .xlsx.
    std::fs::write(&path, "sourcedId\n").unwrap();
    let err = err_of(&path, Limits::default());
    assert!(err.contains("not an Excel workbook"), "{err}");
}

fn bundle_with_users(dir: &Path, write_users: impl FnOnce(&mut dyn Write)) -> PathBuf {
    std::fs::write(
        dir.join("manifest.csv"),
        "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\nfile.users,bulk\nfile.orgs,bulk\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("orgs.csv"),
        "sourcedId,status,dateLastModified,name,type\norg-1,,,School,school\n",
    )
    .unwrap();
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("users.csv")).unwrap());
    write_users(&mut f);
    f.flush().unwrap();
    dir.to_owned()
}

#[test]
fn a_100_mb_line_stops_the_file_with_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let path = bundle_with_users(dir.path(), |w| {
        w.write_all(HEADER.as_bytes()).unwrap();
        w.write_all(b"u1,,,true,org-1,student,a,,Ann,Lee\n").unwrap();
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..100 {
            w.write_all(&chunk).unwrap();
        }
        w.write_all(b"\nu2,,,true,org-1,student,b,,Bo,Lee\n").unwrap();
    });
    let (roster, report) = OneRosterCsv::new(&path).read_with_report().unwrap();
    let f = report.with_code(Code::CsvRowTooLong).next().expect("row too long");
    assert_eq!((f.file.as_str(), f.row), ("users.csv", Some(3)));
    // What came before is loaded; the orgs file is unaffected.
    assert_eq!(roster.users.len(), 1);
    assert_eq!(roster.orgs.len(), 1);
}

#[test]
fn a_million_columns_stop_the_file_with_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let path = bundle_with_users(dir.path(), |w| {
        w.write_all(HEADER.as_bytes()).unwrap();
        w.write_all(b"u1,,,true,org-1,student,a,,Ann,Lee").unwrap();
        w.write_all(&vec![b','; 1_000_000]).unwrap();
        w.write_all(b"\n").unwrap();
    });
    let report = validate_bundle(&path, Limits::default()).unwrap();
    let f = report
        .with_code(Code::CsvTooManyColumns)
        .next()
        .expect("too many columns");
    assert_eq!((f.file.as_str(), f.row), ("users.csv", Some(2)));
    // A million header cells too.
    let path = bundle_with_users(dir.path(), |w| {
        w.write_all(&b",".repeat(1_000_000)).unwrap();
    });
    let report = validate_bundle(&path, Limits::default()).unwrap();
    let f = report
        .with_code(Code::CsvTooManyColumns)
        .next()
        .expect("too many columns");
    assert_eq!(f.row, Some(1));
}

#[test]
fn a_file_over_the_size_limit_stops_with_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let path = bundle_with_users(dir.path(), |w| {
        w.write_all(HEADER.as_bytes()).unwrap();
        for i in 0..10_000 {
            writeln!(w, "u{i},,,true,org-1,student,a{i},,Ann,Lee").unwrap();
        }
    });
    let limits = Limits {
        max_file_bytes: 100_000,
        ..Limits::default()
    };
    let report = validate_bundle(&path, limits).unwrap();
    let f = report.with_code(Code::CsvTooLarge).next().expect("too large");
    assert_eq!(f.file, "users.csv");
    assert!(report.rows["users.csv"] > 1000, "rows before the limit are read");
}

#[test]
fn every_row_broken_keeps_memory_for_findings_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let path = bundle_with_users(dir.path(), |w| {
        w.write_all(HEADER.as_bytes()).unwrap();
        for i in 0..30_000 {
            writeln!(w, "u{i},,,maybe,org-x,pupil,a,,Ann,Lee").unwrap();
        }
    });
    let limits = Limits {
        max_findings_per_code: 100,
        ..Limits::default()
    };
    let report = validate_bundle(&path, limits).unwrap();
    assert_eq!(report.counts.by_code["value.invalid_boolean"], 30_000);
    assert_eq!(report.with_code(Code::ValueBoolean).count(), 100);
    assert!(report.omitted >= 29_900);
    // One missing org, referred to from every row: each row counted, the first kept.
    assert_eq!(report.counts.by_code["reference.missing_target"], 30_000);
    let missing: Vec<_> = report.with_code(Code::ReferenceMissing).collect();
    assert_eq!(missing.len(), 100);
    assert_eq!(missing[0].row, Some(2));
    assert_eq!(missing[0].message, "`org-x` is not in orgs.csv");
}

/// A bundle whose `orgs.csv` is a link to a secret: refused, naming the link, and the
/// secret is read nowhere (neither by `read` nor by `validate`).
#[test]
fn a_symlink_in_a_bundle_folder_is_refused_and_never_read() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join(".env");
    std::fs::write(&secret, "BOOKMARKED_PRODUCTION_API_TOKEN=sentinel-5ec2e7\n").unwrap();
    let bundle = dir.path().join("bundle");
    std::fs::create_dir(&bundle).unwrap();
    std::fs::write(bundle.join("users.csv"), HEADER).unwrap();
    std::os::unix::fs::symlink(&secret, bundle.join("orgs.csv")).unwrap();
    let err = err_of(&bundle, Limits::default());
    assert!(err.contains("orgs.csv") && err.contains("symbolic link"), "{err}");
    assert!(!err.contains("sentinel"), "{err}");
    let report = validate_bundle(&bundle, Limits::default());
    let text = format!("{report:?}");
    assert!(!text.contains("sentinel"), "the secret leaked into the report");
    // A linked sub-folder is not followed either.
    let outer = dir.path().join("outer");
    std::fs::create_dir(&outer).unwrap();
    std::os::unix::fs::symlink(dir.path().join("elsewhere"), outer.join("bundle")).unwrap();
    std::fs::create_dir(dir.path().join("elsewhere")).unwrap();
    std::fs::write(dir.path().join("elsewhere/users.csv"), HEADER).unwrap();
    let err = err_of(&outer, Limits::default());
    assert!(err.contains("no CSV file"), "{err}");
}

/// A ZIP entry stored as a symbolic link is refused (its content is the link's target).
#[test]
fn a_symlink_entry_in_a_zip_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("links.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    zip.start_file("users.csv", opts).unwrap();
    zip.write_all(HEADER.as_bytes()).unwrap();
    zip.add_symlink("orgs.csv", "../../.env", opts).unwrap();
    zip.finish().unwrap();
    let err = err_of(&path, Limits::default());
    assert!(err.contains("orgs.csv") && err.contains("symbolic link"), "{err}");
}

/// A named pipe where a CSV should be is refused at once, not waited on.
#[test]
fn a_pipe_in_a_bundle_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("users.csv"), HEADER).unwrap();
    let fifo = dir.path().join("orgs.csv");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status();
    // mkfifo is part of coreutils on every Unix this runs on.
    assert!(status.is_ok_and(|s| s.success()), "mkfifo failed");
    let err = err_of(dir.path(), Limits::default());
    assert!(err.contains("orgs.csv") && err.contains("not a regular file"), "{err}");
}
