//! Reading and validating OneRoster bundles: folders, ZIPs, single files, 1.1 and 1.2,
//! bulk and delta, and one test for every validation code.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use cdt_connectors::{Code, Limits, OneRosterCsv, Severity, ValidationReport, validate_bundle};
use cdt_core::roster::{RecordStatus, Role};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn validate(path: &Path) -> ValidationReport {
    validate_bundle(path, Limits::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Asserts a finding with this code at this file, row and column.
#[track_caller]
fn assert_finding(r: &ValidationReport, code: Code, file: &str, row: Option<u64>, column: Option<&str>) {
    assert!(
        r.findings
            .iter()
            .any(|f| f.code == code && f.file == file && f.row == row && f.column.as_deref() == column),
        "no {code} at {file} {row:?} {column:?}; findings:\n{}",
        r.findings
            .iter()
            .map(|f| format!("  {f}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Copies a fixture into a temporary folder, to change it.
fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture(name)).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    dir
}

/// Zips a folder's files, under `prefix` inside the archive.
fn zip_dir(src: &Path, dest: &Path, prefix: &str) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(dest).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(src).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    for p in paths {
        let name = format!("{prefix}{}", p.file_name().unwrap().to_str().unwrap());
        zip.start_file(name, opts).unwrap();
        zip.write_all(&std::fs::read(&p).unwrap()).unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn a_folder_bundle_reads_into_the_roster_model() {
    let (r, report) = OneRosterCsv::new(fixture("v11-small")).read_with_report().unwrap();
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
    assert!(guardian.enabled, "TRUE is read as true");
    assert_eq!(r.class("cls-1").unwrap().title, "Grade 4 Homeroom, Room 12");
    assert_eq!(r.class("cls-1").unwrap().term_sourced_ids, ["as-t1"]);
    assert_eq!(r.enrollments[0].status, RecordStatus::Active);
    let linked: Vec<&str> = r.linked_users(stu).iter().map(|u| u.sourced_id.as_str()).collect();
    assert_eq!(linked, ["par-1", "par-2"]);
    // The one finding: `TRUE` is read, but is not how the specification writes it.
    assert!(!report.has_errors());
    assert_eq!(report.counts.warnings, 1, "{:?}", report.findings);
    assert_finding(&report, Code::ValueCase, "users.csv", Some(4), Some("enabledUser"));
    assert!(r.invalid_records.is_empty());
}

#[test]
fn a_valid_v12_bundle_has_no_findings_and_takes_roles_from_roles_csv() {
    let (r, report) = OneRosterCsv::new(fixture("v12-small")).read_with_report().unwrap();
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.oneroster_version, "1.2");
    assert_eq!(r.provenance.oneroster_version.as_deref(), Some("1.2"));
    let par2 = r.user("par-2").unwrap();
    assert_eq!(par2.primary_role(), Some(&Role::Guardian));
    assert_eq!(par2.org_sourced_ids().collect::<Vec<_>>(), ["org-s1", "org-s2"]);
    let tea = r.user("tea-1").unwrap();
    assert!(tea.has_role(&Role::Other("ext:coach".into())));
    assert_eq!(r.user("stu-1").unwrap().preferred_given_name.as_deref(), Some("Teo"));
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

#[test]
fn zips_read_the_same_with_files_at_the_root_or_in_one_folder() {
    let dir = tempfile::tempdir().unwrap();
    let want = OneRosterCsv::new(fixture("v11-small")).read().unwrap();
    for prefix in ["", "export-2026-11-25/"] {
        let path = dir.path().join("b.zip");
        zip_dir(&fixture("v11-small"), &path, prefix);
        let got = OneRosterCsv::new(&path).read().unwrap();
        assert_eq!(got.users, want.users);
        assert_eq!(got.enrollments, want.enrollments);
        assert!(got.provenance.description.contains("ZIP"));
    }
}

#[test]
fn a_bundle_in_memory_reads_like_the_same_bundle_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.zip");
    zip_dir(&fixture("broken-v11"), &path, "upload/");
    let on_disk = validate_bundle(&path, Limits::default()).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let in_memory = cdt_connectors::validate_bytes("b.zip", bytes, Limits::default()).unwrap();
    assert_eq!(in_memory.findings, on_disk.findings);
    let users = std::fs::read(fixture("v11-small").join("users.csv")).unwrap();
    let (roster, _) = cdt_connectors::read_bytes_with_report("users.csv", users, Limits::default()).unwrap();
    assert_eq!(roster.users.len(), 4);
    let err = cdt_connectors::validate_bytes("notes.txt", b"hello".to_vec(), Limits::default()).unwrap_err();
    assert!(err.to_string().contains("notes.txt"), "{err}");
}

#[test]
fn a_single_users_file_is_a_bundle_of_people() {
    let r = OneRosterCsv::new(fixture("v11-small").join("users.csv"))
        .read()
        .unwrap();
    assert_eq!(r.users.len(), 4);
    assert!(r.classes.is_empty());
}

#[test]
fn a_row_with_errors_still_loads_and_is_remembered() {
    let dir = copy_fixture("v11-small");
    let mut users = std::fs::read_to_string(dir.path().join("users.csv")).unwrap();
    users.push_str("stu-9,sleeping,,true,org-s1,student,x,,Zoë,Nguyễn,,,,,,,05,\r\n");
    users.push_str("stu-8,,,maybe,org-s1,student,x,,Zoë,Nguyễn,,,,,,,05,\r\n");
    std::fs::write(dir.path().join("users.csv"), users).unwrap();
    let (r, report) = OneRosterCsv::new(dir.path()).read_with_report().unwrap();
    assert_eq!(r.users.len(), 6);
    assert_finding(&report, Code::ValueEnum, "users.csv", Some(6), Some("status"));
    assert_finding(
        &report,
        Code::LifecycleForbiddenInBulk,
        "users.csv",
        Some(6),
        Some("status"),
    );
    assert_finding(&report, Code::ValueBoolean, "users.csv", Some(7), Some("enabledUser"));
    assert!(r.invalid_records["stu-9"].starts_with("users.csv, row 6:"));
    assert_eq!(r.invalid_records["stu-8"], "users.csv, row 7: value.invalid_boolean");
    assert!(r.warnings[0].contains("3 validation error(s)"), "{:?}", r.warnings);
}

#[test]
fn findings_name_the_records_they_are_about() {
    let dir = copy_fixture("v11-small");
    let mut users = std::fs::read_to_string(dir.path().join("users.csv")).unwrap();
    users.push_str("stu-8,,,maybe,org-s1,student,x,,Zoë,Nguyễn,,,,,,,05,\r\n");
    std::fs::write(dir.path().join("users.csv"), users).unwrap();
    let (r, report) = OneRosterCsv::new(dir.path()).read_with_report().unwrap();
    // The record of the finding's row.
    let f = report.with_code(Code::ValueBoolean).next().unwrap();
    assert_eq!(f.records, ["stu-8"]);
    assert_eq!(r.record_findings["stu-8"], [f.to_string()]);
    // Only the totals are the roster's own warnings: findings about records are named
    // by the results that rely on them.
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(r.warnings[0].contains("(0 info)"), "{:?}", r.warnings);

    // The record a finding refers to, even when its row's record is not read.
    let (r, report) = OneRosterCsv::new(fixture("broken-v11")).read_with_report().unwrap();
    let f = report
        .with_code(Code::ReferenceMissing)
        .find(|f| f.file == "enrollments.csv")
        .unwrap();
    assert!(f.records.iter().any(|id| id == "cls-9"), "{:?}", f.records);
    assert!(r.record_findings["cls-9"].contains(&f.to_string()));
    // Findings about a whole file (a header) stay in the roster's warnings.
    assert!(
        r.warnings.iter().any(|w| w.contains("header.missing_column")),
        "{:?}",
        r.warnings
    );
}

#[test]
fn broken_v11_bundle_names_file_row_and_column_of_each_problem() {
    use Code::*;
    let r = validate(&fixture("broken-v11"));
    assert!(r.has_errors());
    for (code, file, row, col) in [
        (
            ManifestInvalidManifestVersion,
            "manifest.csv",
            None,
            Some("manifest.version"),
        ),
        (ManifestInvalidFileMode, "manifest.csv", Some(10), Some("value")),
        (ManifestUnknownProperty, "manifest.csv", Some(11), Some("propertyName")),
        (
            ManifestDuplicateProperty,
            "manifest.csv",
            Some(12),
            Some("propertyName"),
        ),
        (ManifestFileMissing, "manifest.csv", None, Some("file.courses")),
        (ManifestFileUnexpected, "manifest.csv", None, Some("file.demographics")),
        (
            ManifestMissingFileMode,
            "manifest.csv",
            None,
            Some("file.academicSessions"),
        ),
        (PackageUnknownFile, "notes.csv", None, None),
        (HeaderDuplicateColumn, "orgs.csv", Some(1), Some("Name")),
        (LifecycleForbiddenInBulk, "orgs.csv", Some(4), Some("status")),
        (ValueCase, "orgs.csv", Some(4), Some("type")),
        (ReferenceSelf, "orgs.csv", Some(4), Some("parentSourcedId")),
        (ValueEnum, "orgs.csv", Some(5), Some("type")),
        (ValueDateFormat, "academicSessions.csv", Some(3), Some("startDate")),
        (ValueDate, "academicSessions.csv", Some(3), Some("endDate")),
        (ValueYear, "academicSessions.csv", Some(3), Some("schoolYear")),
        (ValueDateOrder, "academicSessions.csv", Some(4), Some("endDate")),
        (
            ReferenceMissing,
            "academicSessions.csv",
            Some(4),
            Some("parentSourcedId"),
        ),
        (ValueList, "classes.csv", Some(2), Some("grades")),
        (ValueList, "classes.csv", Some(2), Some("termSourcedIds")),
        (ReferenceMissingFile, "classes.csv", Some(2), Some("courseSourcedId")),
        (ValueGrade, "classes.csv", Some(3), Some("grades")),
        (ValueEnum, "classes.csv", Some(3), Some("classType")),
        (ReferenceOrgType, "classes.csv", Some(3), Some("schoolSourcedId")),
        (HeaderCase, "users.csv", Some(1), Some("givenname")),
        (HeaderUnknownColumn, "users.csv", Some(1), Some("nickname")),
        (HeaderOtherVersion, "users.csv", Some(1), Some("preferredGivenName")),
        (IdDuplicate, "users.csv", Some(3), Some("sourcedId")),
        (ValueBoolean, "users.csv", Some(4), Some("enabledUser")),
        (ValueUserIds, "users.csv", Some(4), Some("userIds")),
        (ValueRequired, "users.csv", Some(5), Some("familyName")),
        (ReferenceMissing, "users.csv", Some(5), Some("orgSourcedIds")),
        (ValueSourcedId, "users.csv", Some(6), Some("sourcedId")),
        (ReferenceSelf, "users.csv", Some(6), Some("agentSourcedIds")),
        (ValueEnum, "users.csv", Some(7), Some("role")),
        (CsvRowWidth, "users.csv", Some(8), Some("")),
        (HeaderMissingColumn, "enrollments.csv", Some(1), Some("role")),
        (ReferenceMissing, "enrollments.csv", Some(3), Some("classSourcedId")),
    ] {
        assert_finding(&r, code, file, row, col);
    }
    // Metadata columns are allowed.
    assert!(!r.findings.iter().any(|f| f.column.as_deref() == Some("metadata.foo")));
    // Messages name the value.
    let f = r
        .with_code(ReferenceMissing)
        .find(|f| f.file == "enrollments.csv")
        .unwrap();
    assert_eq!(f.message, "`cls-9` is not in classes.csv");
    assert_eq!(r.counts.by_code["id.duplicate_sourced_id"], 1);
    assert_eq!(r.rows["users.csv"], 7);
}

#[test]
fn broken_v12_bundle_checks_roles_and_the_12_vocabulary() {
    use Code::*;
    let r = validate(&fixture("broken-v12"));
    for (code, file, row, col) in [
        (HeaderOtherVersion, "users.csv", Some(1), Some("role")),
        (RolesPrimaryOrg, "users.csv", Some(2), Some("primaryOrgSourcedId")),
        (RolesNoRole, "users.csv", Some(4), Some("sourcedId")),
        (RolesNoRole, "users.csv", Some(5), Some("sourcedId")),
        (RolesMultiplePrimary, "roles.csv", Some(4), Some("roleType")),
        (ReferenceMissing, "roles.csv", Some(5), Some("userSourcedId")),
        (ValueEnum, "roles.csv", Some(5), Some("role")),
        (ReferenceMissingFile, "roles.csv", Some(5), Some("userProfileSourcedId")),
        (ValueEnum, "demographics.csv", Some(2), Some("sex")),
    ] {
        assert_finding(&r, code, file, row, col);
    }
    // The lenient 1.1 `role` column gives roles when roles.csv has none for a user.
    let roster = OneRosterCsv::new(fixture("broken-v12")).read().unwrap();
    assert_eq!(roster.user("tea-1").unwrap().primary_role(), Some(&Role::Teacher));
}

#[test]
fn delta_files_need_status_and_date_and_may_refer_outside_the_bundle() {
    use Code::*;
    let r = validate(&fixture("v11-delta"));
    for (code, file, row, col) in [
        (ValueCase, "users.csv", Some(4), Some("status")),
        (ValueDateFormat, "users.csv", Some(4), Some("dateLastModified")),
        (LifecycleRequiredInDelta, "users.csv", Some(5), Some("status")),
        (ValueLegacyStatus, "users.csv", Some(6), Some("status")),
        (ValueDateTime, "users.csv", Some(6), Some("dateLastModified")),
        (
            LifecycleDeletedTarget,
            "enrollments.csv",
            Some(4),
            Some("userSourcedId"),
        ),
        (LifecycleDeletedTarget, "users.csv", Some(2), Some("agentSourcedIds")),
        (ReferenceMissingDelta, "enrollments.csv", Some(5), Some("userSourcedId")),
    ] {
        assert_finding(&r, code, file, row, col);
    }
    assert!(r.with_code(ReferenceMissing).next().is_none());
    let roster = OneRosterCsv::new(fixture("v11-delta")).read().unwrap();
    assert_eq!(roster.user("par-1").unwrap().status, RecordStatus::ToBeDeleted);
    assert_eq!(roster.user("stu-3").unwrap().status, RecordStatus::ToBeDeleted);
}

#[test]
fn manifest_problems_and_package_problems() {
    // No manifest: guessed version, with a warning.
    let dir = copy_fixture("v12-small");
    std::fs::remove_file(dir.path().join("manifest.csv")).unwrap();
    let r = validate(dir.path());
    assert_finding(&r, Code::PackageMissingManifest, "manifest.csv", None, None);
    assert_eq!(
        r.oneroster_version, "1.2",
        "guessed from users.csv without a role column"
    );

    // A manifest without a version, one with an unknown version, one with a bad header.
    std::fs::write(
        dir.path().join("manifest.csv"),
        "propertyName,value\nmanifest.version,1.0\n",
    )
    .unwrap();
    assert_finding(
        &validate(dir.path()),
        Code::ManifestMissingVersion,
        "manifest.csv",
        None,
        Some("oneroster.version"),
    );
    std::fs::write(
        dir.path().join("manifest.csv"),
        "propertyName,value\nmanifest.version,1.0\noneroster.version,2.0\n",
    )
    .unwrap();
    let r = validate(dir.path());
    assert_finding(
        &r,
        Code::ManifestInvalidVersion,
        "manifest.csv",
        None,
        Some("oneroster.version"),
    );
    assert_eq!(r.oneroster_version, "1.2");
    std::fs::write(dir.path().join("manifest.csv"), "name;value\n").unwrap();
    assert_finding(
        &validate(dir.path()),
        Code::ManifestInvalidHeader,
        "manifest.csv",
        Some(1),
        None,
    );

    // Two files that differ only in case.
    std::fs::write(dir.path().join("ORGS.csv"), "sourcedId\n").unwrap();
    let r = validate(dir.path());
    let dup = r
        .with_code(Code::PackageDuplicateFile)
        .next()
        .expect("duplicate file finding");
    assert!(
        dup.message.contains("ORGS.csv") && dup.message.contains("orgs.csv"),
        "{dup}"
    );
}

#[test]
fn encodings_bom_windows_1252_invalid_utf8_and_utf16() {
    let dir = copy_fixture("v11-small");
    let users = std::fs::read(dir.path().join("users.csv")).unwrap();
    // A BOM is read through and noted.
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(&users);
    std::fs::write(dir.path().join("users.csv"), &with_bom).unwrap();
    let r = validate(dir.path());
    assert_finding(&r, Code::EncodingBom, "users.csv", Some(1), None);
    assert!(
        r.with_code(Code::HeaderMissingColumn).next().is_none(),
        "the BOM is not part of sourcedId"
    );

    // Windows-1252: decoded, names come out right.
    let text = String::from_utf8(users.clone()).unwrap();
    let (latin, _, bad) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!bad);
    std::fs::write(dir.path().join("users.csv"), &latin[..]).unwrap();
    let (roster, r) = OneRosterCsv::new(dir.path()).read_with_report().unwrap();
    assert_finding(&r, Code::EncodingWindows1252, "users.csv", None, None);
    assert_eq!(roster.user("par-2").unwrap().family_name, "García-López");
    assert_eq!(roster.user("stu-1").unwrap().family_name, "Ríos");

    // UTF-8 first, then bytes that are neither: the cell is named, the rest loads.
    let mut mixed = users.clone();
    mixed.extend_from_slice(b"stu-7,,,true,org-s1,student,x,,Bad\x81\xff,Name,,,,,,,05,\r\n");
    std::fs::write(dir.path().join("users.csv"), &mixed).unwrap();
    let (roster, r) = OneRosterCsv::new(dir.path()).read_with_report().unwrap();
    assert_finding(&r, Code::EncodingInvalidUtf8, "users.csv", Some(6), Some("givenName"));
    assert_eq!(roster.user("stu-7").unwrap().given_name, "Bad\u{fffd}\u{fffd}");

    // UTF-16 is refused for that file, with a finding.
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    std::fs::write(dir.path().join("users.csv"), utf16).unwrap();
    assert_finding(
        &validate(dir.path()),
        Code::EncodingUnsupported,
        "users.csv",
        None,
        None,
    );
}

#[test]
fn csv_syntax_problems_are_findings() {
    let dir = copy_fixture("v11-small");
    std::fs::write(dir.path().join("courses.csv"), "").unwrap();
    let mut users = std::fs::read_to_string(dir.path().join("users.csv")).unwrap();
    users.push_str("stu-6,,,true,org-s1,student,x,,\"Unclosed,Name,,,,,,,05,\r\n");
    std::fs::write(dir.path().join("users.csv"), users).unwrap();
    let r = validate(dir.path());
    assert_finding(&r, Code::CsvEmptyFile, "courses.csv", None, None);
    assert_finding(&r, Code::CsvMalformed, "users.csv", None, None);
}

#[test]
fn a_hybrid_bundle_with_10_style_headers_is_read_leniently() {
    let dir = copy_fixture("v11-small");
    std::fs::write(
        dir.path().join("users.csv"),
        "sourcedId,status,dateLastModified,orgSourcedIds,role,username,userId,givenName,familyName,identifier,email,sms,phone,agents\n\
         stu-1,,,org-s1,student,mrios,42,Mateo,Ríos,S001,,,,par-1\n\
         par-1,,,org-s1,parent,arios,,Ana,Ríos,,,,,stu-1\n",
    )
    .unwrap();
    let (roster, r) = OneRosterCsv::new(dir.path()).read_with_report().unwrap();
    assert_finding(&r, Code::HeaderOtherVersion, "users.csv", Some(1), Some("agents"));
    assert_finding(&r, Code::HeaderOtherVersion, "users.csv", Some(1), Some("userId"));
    assert_finding(&r, Code::HeaderMissingColumn, "users.csv", Some(1), Some("enabledUser"));
    assert_eq!(roster.user("stu-1").unwrap().agent_sourced_ids, ["par-1"]);
    assert!(
        roster.user("stu-1").unwrap().enabled,
        "a missing enabledUser reads as enabled"
    );
}

/// A bundle of the shapes corpus (`tests/fixtures/shapes/`, see `tests/shapes.rs`).
fn shape(name: &str) -> PathBuf {
    fixture("shapes").join(name)
}

#[test]
fn vendor_file_names_are_read_with_a_warning_or_refused_by_name() {
    use Code::*;
    let r = validate(&shape("vendor-date-suffix"));
    assert_finding(&r, PackageNonstandardFileName, "users-2025-11-16.csv", None, None);
    assert_finding(&r, PackageNonstandardFileName, "orgs-2025-11-16.csv", None, None);
    assert_eq!(r.rows["users-2025-11-16.csv"], 3);
    assert!(!r.has_errors(), "{:#?}", r.findings);

    let r = validate(&shape("vendor-prefix-district"));
    assert_finding(&r, PackageNonstandardFileName, "OneRoster_manifest.csv", None, None);
    assert_finding(
        &r,
        PackageNonstandardFileName,
        "users_20251116_lakeside.csv",
        None,
        None,
    );
    assert!(
        r.with_code(ManifestFileMissing).next().is_none(),
        "users.csv is there under another name"
    );

    let r = validate(&shape("ambiguous-users"));
    assert_finding(&r, PackageAmbiguousFile, "users_20251116_district.csv", None, None);
    assert_finding(&r, PackageAmbiguousFile, "users_20251117_district.csv", None, None);
    let f = r.with_code(PackageAmbiguousFile).next().unwrap();
    assert!(
        f.message
            .contains("`users_20251116_district.csv`, `users_20251117_district.csv` all look like users.csv"),
        "{f}"
    );
    assert!(!r.rows.contains_key("users_20251116_district.csv"), "neither is read");

    let r = validate(&shape("exact-and-dated-copy"));
    assert_finding(&r, PackageAmbiguousFile, "users-2025-10-01.csv", None, None);
    assert_eq!(r.rows["users.csv"], 3);
    assert!(!r.rows.contains_key("users-2025-10-01.csv"));

    let r = validate(&shape("wrong-case"));
    for file in ["Manifest.csv", "Orgs.csv", "USERS.CSV"] {
        assert_finding(&r, PackageFileNameCase, file, None, None);
    }
    let f = r.findings.iter().find(|f| f.file == "USERS.CSV").unwrap();
    assert!(f.message.contains("should be named `users.csv`"), "{f}");
    assert!(!r.has_errors(), "{:#?}", r.findings);
}

#[test]
fn nothing_recognised_is_never_valid_and_lists_what_was_found() {
    let r = validate(&shape("nothing-recognised"));
    assert!(r.recognised_nothing() && r.has_errors());
    assert_finding(&r, Code::PackageNothingRecognised, "nothing-recognised", None, None);
    let f = r.with_code(Code::PackageNothingRecognised).next().unwrap();
    assert!(
        f.message.contains("`students.csv`, `teachers.csv`, `readme.txt`"),
        "{f}"
    );
    // One file that is no OneRoster file, and the connector's load.
    let one = shape("nothing-recognised").join("students.csv");
    assert!(validate(&one).recognised_nothing());
    let err = OneRosterCsv::new(shape("nothing-recognised")).read().unwrap_err();
    assert!(err.to_string().contains("no OneRoster file was recognised"), "{err}");
    assert!(!validate(&shape("v11-manifest")).recognised_nothing());
}

#[test]
fn headers_are_checked_as_the_certified_validator_checks_them() {
    use Code::*;
    let r = validate(&shape("header-shapes"));
    assert_finding(&r, HeaderEmptyColumnName, "orgs.csv", Some(1), None);
    assert_finding(
        &r,
        HeaderMetadataBeforeSpecColumn,
        "orgs.csv",
        Some(1),
        Some("metadata.region"),
    );
    assert_finding(&r, HeaderColumnOrder, "users.csv", Some(1), Some("orgSourcedIds"));
    assert_finding(&r, HeaderMissingOptionalColumn, "users.csv", Some(1), Some("userIds"));
    assert_eq!(HeaderMissingOptionalColumn.severity(), Severity::Warning);
    // Each is its own code, not an unknown column; a metadata column at the end is fine.
    assert!(r.with_code(HeaderUnknownColumn).next().is_none(), "{:#?}", r.findings);
    assert!(!r.findings.iter().any(|f| f.column.as_deref() == Some("metadata.house")));
    assert_eq!(
        r.counts.by_code["header.column_order"], 1,
        "one column moved, one finding"
    );
}

#[test]
fn the_mode_of_a_file_without_a_manifest_is_inferred_once_not_an_error_a_row() {
    use Code::*;
    let r = validate(&shape("v11-no-manifest-delta"));
    assert_finding(&r, LifecycleInferredMode, "users.csv", None, None);
    assert_finding(&r, LifecycleInferredMode, "orgs.csv", None, None);
    assert!(!r.has_errors(), "{:#?}", r.findings);
    assert_eq!(r.counts.by_code["lifecycle.inferred_mode"], 2);
    let f = r
        .findings
        .iter()
        .find(|f| f.file == "users.csv" && f.code == LifecycleInferredMode)
        .unwrap();
    assert!(f.message.ends_with("so it was read as delta"), "{f}");
    let roster = OneRosterCsv::new(shape("v11-no-manifest-delta")).read().unwrap();
    assert_eq!(roster.user("par-1").unwrap().status, RecordStatus::ToBeDeleted);

    let r = validate(&shape("v12-no-manifest-mixed"));
    assert_finding(&r, LifecycleMixedMode, "users.csv", Some(3), None);
    assert_finding(&r, LifecycleMixedMode, "roles.csv", Some(3), None);
    assert!(
        r.with_code(LifecycleForbiddenInBulk).next().is_none(),
        "{:#?}",
        r.findings
    );

    // A blank and an unknown mode in the manifest: one finding each, no file missing.
    let r = validate(&shape("manifest-blank-mode"));
    assert_finding(&r, ManifestInvalidFileMode, "manifest.csv", Some(8), Some("value"));
    assert_finding(&r, ManifestInvalidFileMode, "manifest.csv", Some(16), Some("value"));
    assert_finding(&r, LifecycleInferredMode, "users.csv", None, None);
    assert!(r.with_code(ManifestFileMissing).next().is_none(), "{:#?}", r.findings);
    assert!(
        r.with_code(LifecycleForbiddenInBulk).next().is_none(),
        "{:#?}",
        r.findings
    );
}

#[test]
fn dates_are_read_the_same_way_in_a_whole_column() {
    use Code::*;
    // Day-first: `25/08/2023` can only be day-first, so `01/08/2023` is 1 August.
    let (roster, r) = OneRosterCsv::new(shape("dates-day-first")).read_with_report().unwrap();
    let session = |id: &str| roster.academic_sessions.iter().find(|s| s.sourced_id == id).unwrap();
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    assert_eq!(session("as-y").start_date, d("2023-08-01"));
    assert_eq!(session("as-t1").start_date, d("2023-08-25"));
    assert_eq!(session("as-t2").start_date, d("2024-01-08"));
    assert_finding(&r, ValueDateFormat, "academicSessions.csv", Some(2), Some("startDate"));
    let f = r
        .findings
        .iter()
        .find(|f| f.row == Some(2) && f.column.as_deref() == Some("startDate"))
        .unwrap();
    assert!(
        f.message
            .contains("read day-first (DD/MM/YYYY), like `25/08/2023` on row 3"),
        "{f}"
    );
    assert!(!r.has_errors(), "{:#?}", r.findings);
    assert!(r.with_code(ValueDateOrder).next().is_none());

    // A column whose dates could all be either order follows the file's other date
    // column when it shows an order.
    let (roster, r) = OneRosterCsv::new(shape("dates-follow-other-column"))
        .read_with_report()
        .unwrap();
    let start = |id: &str| {
        roster
            .academic_sessions
            .iter()
            .find(|s| s.sourced_id == id)
            .unwrap()
            .start_date
    };
    assert_eq!(start("as-y"), d("2023-09-01"));
    assert_eq!(start("as-t2"), d("2024-01-08"));
    assert_finding(&r, ValueDateFormat, "academicSessions.csv", Some(2), Some("startDate"));
    assert!(r.with_code(ValueAmbiguousDate).next().is_none(), "{:#?}", r.findings);
    assert!(!r.has_errors(), "{:#?}", r.findings);

    // Ambiguous: once per column, read month-first, and the message says so.
    let r = validate(&shape("dates-ambiguous"));
    assert_finding(
        &r,
        ValueAmbiguousDate,
        "academicSessions.csv",
        Some(2),
        Some("startDate"),
    );
    assert_finding(&r, ValueAmbiguousDate, "academicSessions.csv", Some(2), Some("endDate"));
    assert_eq!(r.counts.by_code["value.ambiguous_date"], 2);
    assert!(
        r.findings
            .iter()
            .all(|f| f.message.contains("read month-first (MM/DD/YYYY)"))
    );

    // Both orders in one column: one error.
    let r = validate(&shape("dates-mixed"));
    assert_finding(
        &r,
        ValueMixedDateOrder,
        "academicSessions.csv",
        Some(3),
        Some("startDate"),
    );
    assert_eq!(r.counts.by_code["value.mixed_date_order"], 1);
    // Every date finding says how the value was read.
    for f in r.findings.iter().filter(|f| f.code == ValueDateFormat) {
        assert!(f.message.contains(" as 20"), "{f}");
    }
}

/// The findings of a code, as (file, row, column), in report order.
fn places(r: &ValidationReport, code: Code) -> Vec<(String, Option<u64>, Option<String>)> {
    r.with_code(code)
        .map(|f| (f.file.clone(), f.row, f.column.clone()))
        .collect()
}

/// (file, row, column) with a named column, for comparing with [`places`].
fn at(file: &str, rows: &[u64], column: &str) -> Vec<(String, Option<u64>, Option<String>)> {
    rows.iter()
        .map(|&r| (file.to_owned(), Some(r), Some(column.to_owned())))
        .collect()
}

#[test]
fn every_row_referring_to_a_problem_is_reported() {
    use Code::*;
    let r = validate(&fixture("cross-file-v11"));
    // Three active enrollments in a tobedeleted class: three findings. The fourth
    // enrollment is tobedeleted itself.
    assert_eq!(
        places(&r, LifecycleDeletedTarget),
        at("enrollments.csv", &[14, 15, 16], "classSourcedId")
    );
    let mut missing = at("enrollments.csv", &[9, 10, 11], "userSourcedId");
    missing.extend(at("users.csv", &[2, 3], "agentSourcedIds"));
    assert_eq!(places(&r, ReferenceMissing), missing);
    assert_eq!(
        places(&r, ReferenceOrgType),
        at("classes.csv", &[4, 5], "schoolSourcedId")
    );
    assert_eq!(r.counts.by_code["reference.missing_target"], 5);
    let f = r.with_code(LifecycleDeletedTarget).nth(1).unwrap();
    assert_eq!(
        f.message,
        "`cls-5` is tobedeleted in classes.csv (row 6), but this active record refers to it"
    );
    let f = r.with_code(ReferenceMissing).next().unwrap();
    assert_eq!(f.message, "`stu-9` is not in users.csv");
    let f = r.with_code(ReferenceOrgType).next().unwrap();
    assert_eq!(
        f.message,
        "`org-d` is an org of orgs.csv (row 2) whose type is not school"
    );
}

#[test]
fn enrollments_that_contradict_their_user_or_their_class_are_reported() {
    use Code::*;
    let r = validate(&fixture("cross-file-v11"));
    // A teacher enrolled as a student, a student as a teacher, a parent as a student;
    // not: an aide as a teacher, the same users in their own roles, a tobedeleted
    // enrollment.
    assert_eq!(
        places(&r, ReferenceEnrollmentRole),
        at("enrollments.csv", &[4, 5, 7], "role")
    );
    let messages: Vec<&str> = r
        .with_code(ReferenceEnrollmentRole)
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "`tea-2` is enrolled as `student`, but users.csv (row 5) gives them the role `teacher`",
            "`stu-2` is enrolled as `teacher`, but users.csv (row 3) gives them the role `student`",
            "`par-1` is enrolled as `student`, but users.csv (row 6) gives them the role `parent`",
        ]
    );
    // The class is at org-s2; one of its enrollments says org-s1.
    assert_eq!(
        places(&r, ReferenceEnrollmentSchool),
        at("enrollments.csv", &[8], "schoolSourcedId")
    );
    assert_eq!(
        r.with_code(ReferenceEnrollmentSchool).next().unwrap().message,
        "the enrollment is at school `org-s1`, but its class `cls-2` is at `org-s2` in classes.csv (row 3)"
    );
    assert_eq!(ReferenceEnrollmentRole.severity(), Severity::Error);
    assert_eq!(ReferenceEnrollmentSchool.severity(), Severity::Warning);
}

#[test]
fn every_row_is_found_in_a_zip_too_and_counted_past_the_cap() {
    use Code::*;
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("bundle.zip");
    zip_dir(&fixture("cross-file-v11"), &zip, "export/");
    let folder = validate(&fixture("cross-file-v11"));
    let zipped = validate(&zip);
    assert_eq!(zipped.findings, folder.findings);
    let limits = Limits {
        max_findings_per_code: 2,
        ..Limits::default()
    };
    let r = validate_bundle(&fixture("cross-file-v11"), limits).unwrap();
    assert_eq!(r.with_code(ReferenceMissing).count(), 2);
    assert_eq!(r.counts.by_code["reference.missing_target"], 5);
    assert_eq!(r.with_code(LifecycleDeletedTarget).count(), 2);
    assert_eq!(r.counts.by_code["lifecycle.reference_to_deleted"], 3);
    assert_eq!(r.counts.by_code["reference.enrollment_role_mismatch"], 3);
}

#[test]
fn a_class_with_its_only_enrollment_at_another_school_is_reported() {
    // A class at one school with its only enrollment at another (the problem's one
    // row is known from the first read).
    let dir = copy_fixture("v11-small");
    let mut classes = std::fs::read_to_string(dir.path().join("classes.csv")).unwrap();
    classes.push_str("cls-2,,,Grade 4 Science,04,crs-1,G4-SCI,scheduled,,org-s2,as-t1,,,\n");
    std::fs::write(dir.path().join("classes.csv"), classes).unwrap();
    let mut enrollments = std::fs::read_to_string(dir.path().join("enrollments.csv")).unwrap();
    enrollments.push_str("enr-3,,,cls-2,org-s1,stu-1,student,false,,\n");
    std::fs::write(dir.path().join("enrollments.csv"), enrollments).unwrap();
    let r = validate(dir.path());
    assert_eq!(
        places(&r, Code::ReferenceEnrollmentSchool),
        at("enrollments.csv", &[4], "schoolSourcedId")
    );
    // Nothing else but the fixture's own `TRUE`.
    assert!(
        r.findings
            .iter()
            .all(|f| f.code == Code::ReferenceEnrollmentSchool || f.code == Code::ValueCase),
        "{:#?}",
        r.findings
    );
}

#[test]
fn v12_enrollments_are_checked_against_every_role_of_the_user() {
    let dir = copy_fixture("v12-small");
    let mut enrollments = std::fs::read_to_string(dir.path().join("enrollments.csv")).unwrap();
    // A parent and a student in the wrong roles; a teacher who also has an `ext:`
    // role enrolled as a student is not judged.
    enrollments.push_str(
        "enr-3,,,cls-1,org-s1,par-2,student,false,,\n\
         enr-4,,,cls-1,org-s1,stu-1,teacher,false,,\n\
         enr-5,,,cls-1,org-s1,tea-1,student,false,,\n",
    );
    std::fs::write(dir.path().join("enrollments.csv"), enrollments).unwrap();
    let r = validate(dir.path());
    assert_eq!(
        places(&r, Code::ReferenceEnrollmentRole),
        at("enrollments.csv", &[4, 5], "role")
    );
    let messages: Vec<&str> = r
        .with_code(Code::ReferenceEnrollmentRole)
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "`par-2` is enrolled as `student`, but roles.csv gives them only family roles (parent, guardian, relative)",
            "`stu-1` is enrolled as `teacher`, but roles.csv gives them only a student role",
        ]
    );
}

#[test]
fn every_10_column_name_is_read_as_its_11_column() {
    let dir = copy_fixture("v11-small");
    let p = dir.path();
    std::fs::write(
        p.join("users.csv"),
        "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userId,givenName,familyName,identifier,email,sms,phone,agents,grade\n\
         stu-1,,,true,org-s1,student,mrios,42,Mateo,Ríos,S001,,,,par-1,4\n\
         par-1,,,true,org-s1,parent,arios,,Ana,Ríos,,,,,stu-1,\n\
         tea-1,,,true,org-s1,teacher,tkim,,Kim,Lee,,,,,,\n",
    )
    .unwrap();
    std::fs::write(
        p.join("classes.csv"),
        "sourcedId,status,dateLastModified,title,grade,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedId\n\
         cls-1,,,Homeroom,4,crs-1,HR,homeroom,,org-s1,as-t9\n",
    )
    .unwrap();
    std::fs::write(
        p.join("courses.csv"),
        "sourcedId,status,dateLastModified,schoolYearId,title,courseCode,grade,orgSourcedId\n\
         crs-1,,,as-y9,Grade 4,G4,4,org-s1\n",
    )
    .unwrap();
    std::fs::write(
        p.join("demographics.csv"),
        "userSourcedId,status,dateLastModified,birthDate,sex\n\
         stu-9,,,2016-03-02,male\n",
    )
    .unwrap();
    let mut manifest = std::fs::read_to_string(p.join("manifest.csv")).unwrap();
    manifest = manifest.replace("file.demographics,absent", "file.demographics,bulk");
    std::fs::write(p.join("manifest.csv"), manifest).unwrap();
    let (roster, r) = OneRosterCsv::new(p).read_with_report().unwrap();
    // Each 1.0 name: a warning on the header, and its values checked as the 1.1
    // column's (a grade that is not CEDS, an id that points nowhere).
    for (file, old, new) in [
        ("users.csv", "agents", "agentSourcedIds"),
        ("users.csv", "userId", "userIds"),
        ("users.csv", "grade", "grades"),
        ("classes.csv", "grade", "grades"),
        ("classes.csv", "termSourcedId", "termSourcedIds"),
        ("courses.csv", "grade", "grades"),
        ("courses.csv", "schoolYearId", "schoolYearSourcedId"),
        ("demographics.csv", "userSourcedId", "sourcedId"),
    ] {
        assert_finding(&r, Code::HeaderOtherVersion, file, Some(1), Some(old));
        let f = r
            .with_code(Code::HeaderOtherVersion)
            .find(|f| f.file == file && f.column.as_deref() == Some(old))
            .unwrap();
        assert!(f.message.contains(&format!("`{new}`")), "{}", f.message);
        assert!(
            !r.findings
                .iter()
                .any(|f| f.file == file && f.code == Code::HeaderUnknownColumn),
            "{file}: {:#?}",
            r.findings
        );
    }
    assert_finding(&r, Code::ValueGrade, "users.csv", Some(2), Some("grades"));
    assert_finding(&r, Code::ValueGrade, "classes.csv", Some(2), Some("grades"));
    assert_finding(&r, Code::ValueGrade, "courses.csv", Some(2), Some("grades"));
    assert_finding(
        &r,
        Code::ReferenceMissing,
        "classes.csv",
        Some(2),
        Some("termSourcedIds"),
    );
    assert_finding(
        &r,
        Code::ReferenceMissing,
        "courses.csv",
        Some(2),
        Some("schoolYearSourcedId"),
    );
    assert_finding(
        &r,
        Code::ReferenceMissing,
        "demographics.csv",
        Some(2),
        Some("sourcedId"),
    );
    assert!(
        !r.findings
            .iter()
            .any(|f| f.code == Code::HeaderMissingColumn && f.file == "demographics.csv")
    );
    let stu = roster.user("stu-1").unwrap();
    assert_eq!(stu.grades, ["4"]);
    assert_eq!(stu.agent_sourced_ids, ["par-1"]);
    assert_eq!(roster.classes[0].term_sourced_ids, ["as-t9"]);
}

#[test]
fn every_code_has_a_test() {
    // The codes the tests above and the hostile-file tests meet; a new code must be
    // added to a test before it is added here.
    let mut seen = BTreeSet::new();
    for name in [
        "v11-small",
        "v12-small",
        "v11-delta",
        "broken-v11",
        "broken-v12",
        "cross-file-v11",
    ] {
        seen.extend(validate(&fixture(name)).findings.iter().map(|f| f.code));
    }
    for entry in std::fs::read_dir(fixture("shapes")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            seen.extend(validate(&path).findings.iter().map(|f| f.code));
        }
    }
    let elsewhere = [
        Code::PackageMissingManifest,
        Code::PackageDuplicateFile,
        Code::PackageXlsx,
        Code::ManifestMissingVersion,
        Code::ManifestInvalidVersion,
        Code::ManifestInvalidHeader,
        Code::EncodingBom,
        Code::EncodingWindows1252,
        Code::EncodingInvalidUtf8,
        Code::EncodingUnsupported,
        Code::CsvEmptyFile,
        Code::CsvMalformed,
        Code::CsvRowTooLong,
        Code::CsvTooManyColumns,
        Code::CsvTooLarge,
    ];
    seen.extend(elsewhere);
    let missing: Vec<&str> = Code::ALL.iter().filter(|c| !seen.contains(c)).map(|c| c.id()).collect();
    assert!(missing.is_empty(), "codes without a test: {missing:?}");
    assert!(Code::ALL.iter().any(|c| c.severity() == Severity::Info));
}

#[test]
fn the_demo_bundle_is_valid_with_only_true_warnings() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo/oneroster");
    let r = validate(&demo);
    assert!(!r.has_errors(), "{:#?}", r.findings);
    // The planted cases: an active enrollment in a deleted class, a student listing a
    // deleted parent.
    assert!(
        r.findings.iter().all(|f| f.code == Code::LifecycleDeletedTarget),
        "{:#?}",
        r.findings
    );
}
