//! The `OneRoster` 1.1 bundle writer: headers, row counts, modes, quoting, ZIP, atomicity.

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::Path;

use cdt_core::roster::{RecordStatus, Roster};
use cdt_demo::generator::{GenConfig, generate};
use cdt_demo::oneroster_csv::{
    BundleFile, DELTA_DATE_LAST_MODIFIED, MANIFEST_FILES_1_1, write_bundle_dir, write_bundle_zip,
};

fn roster() -> Roster {
    generate(&GenConfig::new(400, 21)).roster
}

fn read_csv(bytes: &[u8]) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut rdr = csv::Reader::from_reader(bytes);
    let header = rdr.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = rdr.records().map(Result::unwrap).collect();
    (header, rows)
}

fn manifest(dir: &Path) -> HashMap<String, String> {
    let (header, rows) = read_csv(&fs::read(dir.join("manifest.csv")).unwrap());
    assert_eq!(header, ["propertyName", "value"]);
    rows.iter().map(|r| (r[0].to_owned(), r[1].to_owned())).collect()
}

#[test]
fn bulk_bundle_reads_back() {
    let roster = roster();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bundle");
    write_bundle_dir(&roster, &dir).unwrap();

    let m = manifest(&dir);
    assert_eq!(m["manifest.version"], "1.0");
    assert_eq!(m["oneroster.version"], "1.1");
    for stem in MANIFEST_FILES_1_1 {
        let expected = if BundleFile::ALL.iter().any(|f| f.stem() == stem) {
            "bulk"
        } else {
            "absent"
        };
        assert_eq!(m[&format!("file.{stem}")], expected, "{stem}");
    }

    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "academicSessions.csv",
            "classes.csv",
            "courses.csv",
            "enrollments.csv",
            "manifest.csv",
            "orgs.csv",
            "users.csv"
        ]
    );

    for file in BundleFile::ALL {
        let bytes = fs::read(dir.join(file.file_name())).unwrap();
        assert!(!bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "no BOM");
        let (header, rows) = read_csv(&bytes);
        assert_eq!(header, file.header(), "{}", file.file_name());
        assert_eq!(rows.len(), file.row_count(&roster), "{}", file.file_name());
        for row in &rows {
            assert_eq!(row.len(), header.len());
            assert_eq!(
                (&row[1], &row[2]),
                ("", ""),
                "bulk rows leave status and dateLastModified blank"
            );
        }
    }
    assert_eq!(file_header_len(BundleFile::Users), 18);

    // Users: one row per user, multi-valued fields comma-joined in one quoted field.
    let (_, users) = read_csv(&fs::read(dir.join("users.csv")).unwrap());
    for (row, user) in users.iter().zip(&roster.users) {
        assert_eq!(&row[0], user.sourced_id);
        assert_eq!(&row[3], "true");
        assert_eq!(
            row[4].split(',').collect::<Vec<_>>(),
            user.org_sourced_ids().collect::<Vec<_>>()
        );
        assert_eq!(&row[5], user.primary_role().unwrap().as_str());
        assert_eq!(&row[8], user.given_name);
        assert_eq!(&row[9], user.family_name);
        assert_eq!(row.get(12), user.email.as_deref().or(Some("")));
        let agents: Vec<&str> = row[15].split(',').filter(|s| !s.is_empty()).collect();
        assert_eq!(agents, user.agent_sourced_ids);
        assert_eq!(&row[16], user.grades.join(","));
    }
    let raw = fs::read_to_string(dir.join("users.csv")).unwrap();
    assert!(raw.contains("\r\n"));
    let two_agents = roster.users.iter().find(|u| u.agent_sourced_ids.len() > 1).unwrap();
    assert!(raw.contains(&format!("\"{}\"", two_agents.agent_sourced_ids.join(","))));

    // Classes carry both terms in one field; enrollments their dates.
    let (_, classes) = read_csv(&fs::read(dir.join("classes.csv")).unwrap());
    assert_eq!(classes[0][10].split(',').count(), 2);
    let (_, enrollments) = read_csv(&fs::read(dir.join("enrollments.csv")).unwrap());
    assert_eq!(&enrollments[0][6], "teacher");
    assert_eq!(&enrollments[0][7], "true");
    assert_eq!(&enrollments[0][8], "2026-08-17");
    assert_eq!(&enrollments[0][9], "");

    // No temporary files left beside the bundle.
    let leftovers: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, ["bundle"]);
}

fn file_header_len(file: BundleFile) -> usize {
    file.header().len()
}

#[test]
fn a_deleted_record_makes_its_file_delta() {
    let mut roster = roster();
    let gone = roster.users.iter().position(cdt_core::roster::User::is_family).unwrap();
    roster.users[gone].status = RecordStatus::ToBeDeleted;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("b");
    write_bundle_dir(&roster, &dir).unwrap();

    let m = manifest(&dir);
    assert_eq!(m["file.users"], "delta");
    assert_eq!(m["file.enrollments"], "bulk");
    let (_, users) = read_csv(&fs::read(dir.join("users.csv")).unwrap());
    assert_eq!(users.len(), roster.users.len());
    for (i, row) in users.iter().enumerate() {
        assert_eq!(&row[1], if i == gone { "tobedeleted" } else { "active" });
        assert_eq!(&row[2], DELTA_DATE_LAST_MODIFIED);
    }
    let (_, enrollments) = read_csv(&fs::read(dir.join("enrollments.csv")).unwrap());
    assert!(enrollments.iter().all(|r| r[1].is_empty() && r[2].is_empty()));
}

#[test]
fn zip_holds_the_same_files_at_its_root() {
    let roster = roster();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bundle");
    let zip_path = tmp.path().join("bundle.zip");
    write_bundle_dir(&roster, &dir).unwrap();
    write_bundle_zip(&roster, &zip_path).unwrap();

    let mut archive = zip::ZipArchive::new(fs::File::open(&zip_path).unwrap()).unwrap();
    let mut names: Vec<String> = archive.file_names().map(str::to_owned).collect();
    names.sort();
    assert_eq!(names.len(), 7);
    for name in names {
        let mut entry = archive.by_name(&name).unwrap();
        assert_eq!(entry.compression(), zip::CompressionMethod::Deflated);
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        assert_eq!(bytes, fs::read(dir.join(&name)).unwrap(), "{name}");
    }

    // Deterministic bytes, and rewriting replaces the archive.
    let first = fs::read(&zip_path).unwrap();
    write_bundle_zip(&roster, &zip_path).unwrap();
    assert_eq!(first, fs::read(&zip_path).unwrap());
    let leftovers = fs::read_dir(tmp.path()).unwrap().count();
    assert_eq!(leftovers, 2);
}

#[test]
fn replaces_an_old_bundle_but_not_a_foreign_folder() {
    let roster = roster();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bundle");
    write_bundle_dir(&roster, &dir).unwrap();
    fs::write(dir.join("demographics.csv"), "stale").unwrap();
    write_bundle_dir(&roster, &dir).unwrap();
    assert!(
        !dir.join("demographics.csv").exists(),
        "an earlier bundle is replaced whole"
    );

    let foreign = tmp.path().join("mine");
    fs::create_dir(&foreign).unwrap();
    fs::write(foreign.join("notes.txt"), "keep me").unwrap();
    let err = write_bundle_dir(&roster, &foreign).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("notes.txt") && msg.contains("mine"), "{msg}");
    assert_eq!(fs::read_to_string(foreign.join("notes.txt")).unwrap(), "keep me");
    assert_eq!(fs::read_dir(&foreign).unwrap().count(), 1);
    let leftovers = fs::read_dir(tmp.path()).unwrap().count();
    assert_eq!(leftovers, 2);
}

#[test]
fn errors_name_the_file() {
    let roster = roster();
    let tmp = tempfile::tempdir().unwrap();
    let blocker = tmp.path().join("file");
    fs::write(&blocker, "x").unwrap();
    let err = write_bundle_zip(&roster, &blocker.join("out.zip")).unwrap_err();
    assert!(err.to_string().contains("file"), "{err}");
}
