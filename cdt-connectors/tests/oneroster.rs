//! Reading OneRoster CSV bundles: folders, ZIPs, single files, and hostile archives.

use std::io::Write;
use std::path::{Path, PathBuf};

use cdt_connectors::{Limits, OneRosterCsv};
use cdt_core::roster::{RecordStatus, Role};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v11-small")
}

/// Zips the fixture's files, under `prefix` inside the archive.
fn zip_fixture(dest: &Path, prefix: &str) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(dest).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    for entry in std::fs::read_dir(fixture()).unwrap() {
        let p = entry.unwrap().path();
        let name = format!("{prefix}{}", p.file_name().unwrap().to_str().unwrap());
        zip.start_file(name, opts).unwrap();
        zip.write_all(&std::fs::read(&p).unwrap()).unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn a_folder_bundle_reads_into_the_roster_model() {
    let r = OneRosterCsv::new(fixture()).read().unwrap();
    assert_eq!(r.provenance.oneroster_version.as_deref(), Some("1.1"));
    assert_eq!(
        (r.orgs.len(), r.users.len(), r.classes.len(), r.enrollments.len()),
        (3, 4, 1, 2)
    );
    let stu = r.user("stu-1").unwrap();
    assert!(stu.is_student() && stu.is_live());
    assert_eq!(stu.family_name, "Ríos");
    assert_eq!(stu.agent_sourced_ids, ["par-1", "par-2"]);
    let guardian = r.user("par-2").unwrap();
    assert_eq!(guardian.primary_role(), Some(&Role::Guardian));
    assert_eq!(guardian.org_sourced_ids().collect::<Vec<_>>(), ["org-s1", "org-s2"]);
    assert_eq!(guardian.family_name, "García-López");
    assert_eq!(r.class("cls-1").unwrap().title, "Grade 4 Homeroom, Room 12");
    assert_eq!(r.class("cls-1").unwrap().term_sourced_ids, ["as-t1"]);
    assert_eq!(r.enrollments[0].status, RecordStatus::Active);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let linked: Vec<&str> = r.linked_users(stu).iter().map(|u| u.sourced_id.as_str()).collect();
    assert_eq!(linked, ["par-1", "par-2"]);
}

#[test]
fn zips_read_the_same_with_files_at_the_root_or_in_one_folder() {
    let dir = tempfile::tempdir().unwrap();
    let want = OneRosterCsv::new(fixture()).read().unwrap();
    for prefix in ["", "export-2026-11-25/"] {
        let path = dir.path().join("b.zip");
        zip_fixture(&path, prefix);
        let got = OneRosterCsv::new(&path).read().unwrap();
        assert_eq!(got.users, want.users);
        assert_eq!(got.enrollments, want.enrollments);
        assert!(got.provenance.description.contains("ZIP"));
    }
}

#[test]
fn a_single_users_file_is_a_bundle_of_people() {
    let r = OneRosterCsv::new(fixture().join("users.csv")).read().unwrap();
    assert_eq!(r.users.len(), 4);
    assert!(r.classes.is_empty());
}

#[test]
fn a_bad_row_is_skipped_with_a_warning_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture()).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    let mut users = std::fs::read_to_string(dir.path().join("users.csv")).unwrap();
    users.push_str("stu-9,sleeping,,true,org-s1,student,x,,Zoë,Nguyễn,,,,,,,05,\r\n");
    users.push_str("stu-8,,,maybe,org-s1,student,x,,Zoë,Nguyễn,,,,,,,05,\r\n");
    std::fs::write(dir.path().join("users.csv"), users).unwrap();
    let r = OneRosterCsv::new(dir.path()).read().unwrap();
    assert_eq!(r.users.len(), 4);
    assert_eq!(r.warnings.len(), 2, "{:?}", r.warnings);
    assert!(
        r.warnings[0].contains("users.csv, row 6, column status"),
        "{:?}",
        r.warnings
    );
    assert!(
        r.warnings[1].contains("users.csv, row 7, column enabledUser"),
        "{:?}",
        r.warnings
    );
}

#[test]
fn a_missing_required_column_is_an_error_naming_file_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("users.csv"), "sourcedId,givenName\nu1,Ann\n").unwrap();
    let err = OneRosterCsv::new(dir.path()).read().unwrap_err().to_string();
    assert!(err.contains("users.csv, row 1, column familyName"), "{err}");
}

#[test]
fn not_a_bundle_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("notes.txt");
    std::fs::write(&p, "hello").unwrap();
    let err = OneRosterCsv::new(&p).read().unwrap_err().to_string();
    assert!(err.contains("not a OneRoster bundle"), "{err}");
    let err = OneRosterCsv::new(dir.path().join("missing.zip"))
        .read()
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing.zip"), "{err}");
    let p = dir.path().join("broken.zip");
    std::fs::write(&p, b"PK\x03\x04 then garbage").unwrap();
    let err = OneRosterCsv::new(&p).read().unwrap_err().to_string();
    assert!(
        err.contains("broken.zip") && err.contains("not a readable ZIP"),
        "{err}"
    );
}

#[test]
fn entries_escaping_the_archive_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for evil in ["../users.csv", "/etc/users.csv", "a/../../users.csv"] {
        let path = dir.path().join("evil.zip");
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        zip.start_file(evil, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(b"sourcedId\n").unwrap();
        zip.finish().unwrap();
        let err = OneRosterCsv::new(&path).read().unwrap_err().to_string();
        assert!(err.contains("points outside the archive"), "{evil}: {err}");
    }
}

#[test]
fn zip_bombs_stop_at_the_limits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("users.csv", opts).unwrap();
    zip.write_all(b"sourcedId,givenName,familyName,role\n").unwrap();
    let zeros = vec![b'0'; 1 << 20];
    for _ in 0..64 {
        zip.write_all(&zeros).unwrap();
    }
    zip.finish().unwrap();
    // 64 MiB of zeros deflates about 1000:1, far past the default ratio limit.
    let err = OneRosterCsv::new(&path).read().unwrap_err().to_string();
    assert!(err.contains("zip bomb"), "{err}");
    // And a size limit holds even when the ratio is allowed.
    let limits = Limits {
        max_ratio: u64::MAX,
        max_file_bytes: 1 << 20,
        ..Limits::default()
    };
    let err = OneRosterCsv::new(&path)
        .with_limits(limits)
        .read()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("more than the limit") || err.contains("past its limit"),
        "{err}"
    );
}
