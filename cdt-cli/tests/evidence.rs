//! Capturing evidence: `cdt run --evidence` and `cdt snapshot` write folders that
//! replay offline (`cdt run --source … --platform …`) to the same result.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

use serde_json::Value;

mod common;

use common::{DemoCase, cdt, demo_cases, stderr};

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&o.stdout),
            stderr(o)
        )
    })
}

/// `run <tool> <target…> --json --input …` plus `extra`.
fn run_case(case: &DemoCase, target: &[&str], extra: &[&str]) -> Output {
    let inputs: Vec<String> = case.inputs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut args = vec!["run", case.tool_id.as_str()];
    args.extend(target);
    args.push("--json");
    for i in &inputs {
        args.extend(["--input", i.as_str()]);
    }
    args.extend(extra);
    cdt(&args)
}

/// What a replay must reproduce: the status, the findings and the exit code.
fn verdict(o: &Output) -> (Value, Value, Option<i32>) {
    let json = json_of(o);
    (json["status"].clone(), json["findings"].clone(), o.status.code())
}

fn rows(csv: &Path) -> Vec<String> {
    std::fs::read_to_string(csv)
        .unwrap()
        .lines()
        .skip(1)
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_demo_case_captured_with_evidence_replays_to_the_same_result() {
    let tmp = tempfile::tempdir().unwrap();
    let mut tools = BTreeSet::new();
    for (i, case) in demo_cases().iter().enumerate() {
        let dir = tmp.path().join(format!("case-{i}"));
        let dir_text = dir.to_str().unwrap();
        let original = run_case(case, &["--customer", "demo-district"], &["--evidence", dir_text]);
        assert!(
            stderr(&original).contains("wrote the evidence of this case"),
            "{}: {}",
            case.story,
            stderr(&original)
        );
        let source = dir.join("source");
        let platform = dir.join("platform");
        assert!(source.join("manifest.csv").is_file(), "{}", case.story);
        assert!(platform.join("students.csv").is_file(), "{}", case.story);

        let replay = run_case(
            case,
            &[
                "--source",
                source.to_str().unwrap(),
                "--platform",
                platform.to_str().unwrap(),
            ],
            &[],
        );
        assert_eq!(verdict(&replay), verdict(&original), "{}", case.story);
        tools.insert(case.tool_id.clone());
    }
    assert_eq!(
        tools.into_iter().collect::<Vec<_>>(),
        [
            "campus-transfer",
            "missing-data",
            "parent-conflicts",
            "student-mismatch"
        ],
        "every built-in tool has a demo case"
    );
}

#[test]
fn a_district_snapshot_replays_like_the_embedded_platform() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snapshot");
    let o = cdt(&[
        "snapshot",
        "--customer",
        "demo-district",
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let written = json_of(&o);
    assert_eq!(written["snapshot"]["path"], out.to_str().unwrap());
    let students = written["snapshot"]["rows"]["students"].as_u64().unwrap();
    assert_eq!(students, rows(&out.join("students.csv")).len() as u64);
    assert!(students > 300, "the whole district: {students}");

    // The first case of each tool, on the embedded store and on the snapshot.
    let mut seen = BTreeSet::new();
    for case in demo_cases().iter().filter(|c| seen.insert(c.tool_id.clone())) {
        let embedded = run_case(case, &["--customer", "demo-district"], &[]);
        let replay = run_case(
            case,
            &["--source", "demo/oneroster", "--platform", out.to_str().unwrap()],
            &[],
        );
        assert_eq!(verdict(&replay), verdict(&embedded), "{}", case.story);
    }
    assert_eq!(seen.len(), 4);
}

#[test]
fn a_case_snapshot_holds_only_that_case_slice() {
    let tmp = tempfile::tempdir().unwrap();
    let case = demo_cases()
        .into_iter()
        .find(|c| c.tool_id == "missing-data" && c.inputs.contains_key("student_name"))
        .unwrap();
    let out = tmp.path().join("case");
    let mut args = vec![
        "snapshot",
        "--customer",
        "demo-district",
        "--tool",
        case.tool_id.as_str(),
        "--out",
        out.to_str().unwrap(),
    ];
    let inputs: Vec<String> = case.inputs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    for i in &inputs {
        args.extend(["--input", i.as_str()]);
    }
    let o = cdt(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("wrote platform snapshot"));

    // The same slice a run's evidence holds, and a small part of the district.
    let evidence = tmp.path().join("evidence");
    let run = run_case(
        &case,
        &["--customer", "demo-district"],
        &["--evidence", evidence.to_str().unwrap()],
    );
    assert!(run.status.code().is_some_and(|c| c < 2), "{}", stderr(&run));
    for table in ["students", "parents", "classes", "enrollments", "import_errors"] {
        let file = format!("{table}.csv");
        assert_eq!(
            rows(&out.join(&file)),
            rows(&evidence.join("platform").join(&file)),
            "{table}"
        );
    }
    let students = rows(&out.join("students.csv")).len();
    assert!((1..20).contains(&students), "{students} students");
}

#[test]
fn evidence_never_replaces_a_foreign_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mine");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "keep me").unwrap();
    let case = &demo_cases()[0];
    let o = run_case(
        case,
        &["--customer", "demo-district"],
        &["--evidence", dir.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("notes.txt"), "{}", stderr(&o));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}
