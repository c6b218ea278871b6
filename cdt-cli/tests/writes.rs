//! `cdt demo generate` writes cannot be redirected by links planted in its output
//! folder, and what it writes is owner-only.

#![cfg(unix)]

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::process::{Command, Output};

fn generate(out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cdt"))
        .args(["demo", "generate", "--students", "40", "--out"])
        .arg(out)
        .env_remove("CDT_LOG")
        .output()
        .unwrap()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn planted_links_are_never_written_through() {
    let root = tempfile::tempdir().unwrap();
    let victim = root.path().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let out = root.path().join("district");
    std::fs::create_dir(&out).unwrap();
    // A link where the case list goes, and one at the temporary name an earlier
    // version used for a snapshot table.
    symlink(&victim, out.join("cases.json")).unwrap();
    std::fs::create_dir(out.join("platform-snapshot")).unwrap();
    symlink(&victim, out.join("platform-snapshot/.students.csv.tmp")).unwrap();

    let o = generate(&out);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    // The snapshot folder holding a foreign entry is refused, naming it.
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stdout));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("platform-snapshot") && err.contains(".students.csv.tmp"),
        "{err}"
    );

    // Without the foreign entry the run succeeds; the link at cases.json is replaced
    // by a file, not followed.
    std::fs::remove_file(out.join("platform-snapshot/.students.csv.tmp")).unwrap();
    let o = generate(&out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    let cases = out.join("cases.json");
    assert!(!std::fs::symlink_metadata(&cases).unwrap().file_type().is_symlink());
    assert!(std::fs::read_to_string(&cases).unwrap().starts_with('['));
}

#[test]
fn generated_files_are_owner_only_and_nothing_temporary_is_left() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("district");
    for _ in 0..2 {
        let o = generate(&out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    for p in [
        "cases.json",
        "platform.sqlite",
        "oneroster/users.csv",
        "platform-snapshot/students.csv",
    ] {
        assert_eq!(mode(&out.join(p)) & 0o077, 0, "{p}");
    }
    for dir in ["oneroster", "platform-snapshot"] {
        assert_eq!(mode(&out.join(dir)) & 0o077, 0, "{dir}");
    }
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["cases.json", "oneroster", "platform-snapshot", "platform.sqlite"],
        "no temporary or set-aside entry is left"
    );
}
