//! `cdt validate` end to end: the summary, `--json`, `--csv` and the exit codes.

mod common;

use common::{cdt, root, stdout};

const BROKEN: &str = "cdt-connectors/tests/fixtures/broken-v11";

#[test]
fn the_demo_bundle_is_valid_and_its_true_warnings_are_shown() {
    let out = cdt(&["validate", "demo/oneroster"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("valid: 0 error(s), 2 warning(s)"), "{text}");
    assert!(text.contains("users.csv 647"), "{text}");
    assert!(
        text.contains("enrollments.csv, row 1689, column classSourcedId: `demo-cls-forensic` is tobedeleted"),
        "{text}"
    );
}

#[test]
fn a_broken_bundle_exits_1_with_counts_then_the_first_findings() {
    let out = cdt(&["validate", BROKEN, "--limit", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("NOT VALID"), "{text}");
    let by_code = text.find("By code:").unwrap();
    let by_file = text.find("By file:").unwrap();
    let first = text.find("First findings of each code:").unwrap();
    assert!(by_code < by_file && by_file < first, "{text}");
    assert!(text.contains("reference.missing_target "), "{text}");
    assert!(
        text.contains("  users.csv, row 3, column sourcedId: sourcedId `stu-1` is already on row 2"),
        "{text}"
    );
    assert!(
        text.contains("… and 2 more"),
        "--limit 1 shows one finding a code: {text}"
    );
}

#[test]
fn json_is_the_whole_report() {
    let out = cdt(&["validate", BROKEN, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["oneroster_version"], "1.1");
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(
        u64::try_from(findings.len()).unwrap(),
        json["counts"]["errors"].as_u64().unwrap()
            + json["counts"]["warnings"].as_u64().unwrap()
            + json["counts"]["infos"].as_u64().unwrap()
    );
    let dup = findings
        .iter()
        .find(|f| f["code"] == "id.duplicate_sourced_id")
        .unwrap();
    assert_eq!(dup["file"], "users.csv");
    assert_eq!(dup["row"], 3);
    assert_eq!(dup["column"], "sourcedId");
    assert_eq!(dup["severity"], "error");
}

#[test]
fn the_csv_error_file_is_escaped_against_formula_injection() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(root().join(BROKEN)).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    // A hostile file name and a hostile cell value end up in findings.
    std::fs::write(dir.path().join("=HYPERLINK(1).csv"), "a\n").unwrap();
    let mut orgs = std::fs::read_to_string(dir.path().join("orgs.csv")).unwrap();
    orgs.push_str("org-y,,,Evil,@SUM(A1),,org-d,\n");
    // A formula after a `;` inside a cell, for spreadsheets that split on `;`.
    orgs.push_str("org-z,,,Evil,x;=cmd|' /c calc'!A0,,org-d,\n");
    std::fs::write(dir.path().join("orgs.csv"), orgs).unwrap();
    let out = cdt(&["validate", dir.path().to_str().unwrap(), "--csv"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("file,row,column,code,severity,message"));
    assert!(text.contains("\r\n"));
    assert!(
        text.contains("\"'=HYPERLINK(1).csv\",\"\",\"\",\"package.unknown_file\",\"info\","),
        "{text}"
    );
    assert!(
        text.contains(
            "\"users.csv\",\"3\",\"sourcedId\",\"id.duplicate_sourced_id\",\"error\",\"sourcedId `stu-1` is already on row 2"
        ),
        "{text}"
    );
    // Every line that starts a record starts with a safe character.
    for line in text.lines().skip(1) {
        assert!(!line.starts_with(['=', '+', '-', '@']), "{line}");
        assert!(!line.contains(";="), "a formula after `;` is neutralised: {line}");
    }
    let rows = csv_field_counts(&text);
    assert!(rows.iter().all(|&n| n == 6), "every row has 6 cells: {rows:?}");
}

/// The number of cells of each record of a CSV text (quotes respected).
fn csv_field_counts(text: &str) -> Vec<usize> {
    let mut counts = Vec::new();
    let (mut n, mut quoted, mut prev) = (1, false, '\0');
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => n += 1,
            '\n' if !quoted && prev == '\r' => {
                counts.push(n);
                n = 1;
            }
            _ => {}
        }
        prev = c;
    }
    counts
}

#[test]
fn an_unreadable_bundle_exits_2_naming_it() {
    let out = cdt(&["validate", "no/such/bundle.zip"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no/such/bundle.zip"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("roster.xlsx");
    std::fs::write(&fake, b"PK\x03\x04 not really").unwrap();
    let out = cdt(&["validate", fake.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("roster.xlsx"));
}

#[test]
fn a_folder_with_no_oneroster_file_exits_2_and_lists_what_it_holds() {
    let out = cdt(&["validate", "cdt-connectors/tests/fixtures/shapes/nothing-recognised"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("NOT VALID"), "{text}");
    assert!(
        text.contains("no OneRoster file was recognised, so nothing was checked; found: `students.csv`, `teachers.csv`, `readme.txt`"),
        "{text}"
    );
    // Also a single CSV file that is no OneRoster file, and with --json.
    let one = "cdt-connectors/tests/fixtures/shapes/nothing-recognised/students.csv";
    assert_eq!(cdt(&["validate", one]).status.code(), Some(2));
    assert_eq!(cdt(&["validate", one, "--json"]).status.code(), Some(2));
    // Vendor names are read, with warnings: valid.
    let out = cdt(&["validate", "cdt-connectors/tests/fixtures/shapes/vendor-date-suffix"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("package.nonstandard_file_name"));
}
