//! `cdt triage`: every demo case's ticket (in the triage corpus) gives the case's tool,
//! its inputs and its status; a ticket about none of the tools runs nothing; an unknown
//! customer is held, not guessed.

mod common;

use common::{cdt, demo_cases, root, stderr, stdout};
use serde_json::Value;

fn tickets() -> Vec<(String, Value)> {
    let dir = root().join("tests/fixtures/tickets");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            (p.strip_prefix(root()).unwrap().display().to_string(), v)
        })
        .collect()
}

fn same(name: &str, a: &str, b: &str) -> bool {
    if name.contains("email") {
        cdt_core::matching::same_email(a, b)
    } else {
        cdt_core::matching::same_text(a, b)
    }
}

#[test]
fn every_demo_case_ticket_gets_its_tool_inputs_and_status() {
    let cases = demo_cases();
    let mut seen = vec![false; cases.len()];
    for (file, ticket) in tickets() {
        let Some(index) = ticket["expect"]["demo_case"].as_u64() else {
            continue;
        };
        let case = &cases[usize::try_from(index).unwrap()];
        seen[usize::try_from(index).unwrap()] = true;
        let out = cdt(&["triage", "--from-file", &file, "--json"]);
        let json: Value = serde_json::from_str(&stdout(&out))
            .unwrap_or_else(|e| panic!("{file}: {e}\n{}\n{}", stdout(&out), stderr(&out)));
        let result = &json["result"];
        assert_eq!(result["tool_id"], case.tool_id.as_str(), "{file}: {}", stdout(&out));
        assert_eq!(
            result["status"],
            case.expected_status.as_str(),
            "{file}: {}",
            stdout(&out)
        );
        let inputs = result["inputs"].as_object().unwrap();
        let expected = ticket["expect"]["inputs"].as_object().unwrap();
        assert_eq!(inputs.len(), expected.len(), "{file}: {inputs:?}");
        for (k, v) in expected {
            let got = inputs.get(k).and_then(Value::as_str).unwrap_or_default();
            assert!(same(k, got, v.as_str().unwrap()), "{file}: {k} = {got}, expected {v}");
        }
        let code = out.status.code();
        let want = i32::from(case.expected_status != "NO_ISSUE");
        assert_eq!(code, Some(want), "{file}");
        let note = json["note_html"].as_str().unwrap();
        assert!(
            note.contains(&case.expected_status) && note.contains("Evidence"),
            "{file}"
        );
    }
    assert!(seen.iter().all(|s| *s), "demo cases without a ticket: {seen:?}");
}

#[test]
fn a_ticket_about_none_of_the_tools_runs_nothing() {
    let (file, _) = tickets()
        .into_iter()
        .find(|(_, t)| t["expect"]["tool"].is_null() && !t["expect"]["customer"].is_null())
        .unwrap();
    let out = cdt(&["triage", "--from-file", &file]);
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    assert!(stdout(&out).contains("not run:"), "{}", stdout(&out));
    assert!(!stdout(&out).contains("status:"), "{}", stdout(&out));
}

#[test]
fn a_ticket_from_an_unknown_district_is_held_not_guessed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.json");
    std::fs::write(
        &path,
        r#"{"subject": "parent can't see her son", "content": "Hi, I am at Riverside County Schools. Ana Ruiz can't see her son Leo Ruiz. Her email is ana.ruiz@example.com", "company": "Riverside County Schools"}"#,
    )
    .unwrap();
    let out = cdt(&["triage", "--from-file", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    assert!(stdout(&out).contains("no customer matches"), "{}", stdout(&out));
}

#[test]
fn a_ticket_file_that_is_not_a_ticket_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.json");
    std::fs::write(&path, "{\"subject\": 3}").unwrap();
    let out = cdt(&["triage", "--from-file", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("bad.json") && stderr(&out).contains("not a ticket"),
        "{}",
        stderr(&out)
    );
}
