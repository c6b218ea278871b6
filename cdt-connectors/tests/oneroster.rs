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

#[test]
fn every_code_has_a_test() {
    // The codes the tests above and the hostile-file tests meet; a new code must be
    // added to a test before it is added here.
    let mut seen = BTreeSet::new();
    for name in ["v11-small", "v12-small", "v11-delta", "broken-v11", "broken-v12"] {
        seen.extend(validate(&fixture(name)).findings.iter().map(|f| f.code));
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
