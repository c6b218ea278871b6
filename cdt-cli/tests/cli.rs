//! The `cdt` binary end to end: the demo district, exit codes, errors.

mod common;

use common::{cdt, demo_cases, root, stderr, stdout};

#[test]
fn every_demo_case_gives_its_status_and_exit_code() {
    let cases = demo_cases();
    assert!(cases.len() >= 21, "the demo has a case of every status of every tool");
    for case in cases {
        let mut args = vec!["run", case.tool_id.as_str(), "--customer", "demo-district", "--json"];
        let inputs: Vec<String> = case.inputs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        for i in &inputs {
            args.extend(["--input", i.as_str()]);
        }
        let out = cdt(&args);
        let json: serde_json::Value = serde_json::from_str(&stdout(&out))
            .unwrap_or_else(|e| panic!("{}: not JSON ({e}); stderr: {}", case.story, stderr(&out)));
        assert_eq!(
            json["status"], case.expected_status,
            "{}\n{}",
            case.story, json["summary"]
        );
        let want = i32::from(case.expected_status != "NO_ISSUE");
        assert_eq!(out.status.code(), Some(want), "{}", case.story);
        if case.expected_status != "NO_ISSUE" {
            assert!(!json["remediation"].as_array().unwrap().is_empty(), "{}", case.story);
        }
    }
}

#[test]
fn the_demo_is_what_its_generator_makes() {
    let dir = tempfile::tempdir().unwrap();
    let out = cdt(&["demo", "generate", "--out", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let committed = root().join("demo");
    for sub in ["oneroster", "platform-snapshot"] {
        let mut names: Vec<_> = std::fs::read_dir(committed.join(sub))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert!(!names.is_empty());
        for name in names {
            let a = std::fs::read(committed.join(sub).join(&name)).unwrap();
            let b = std::fs::read(dir.path().join(sub).join(&name)).unwrap();
            assert!(
                a == b,
                "demo/{sub}/{} differs from a fresh generation: run `cargo cdt demo generate --out demo`",
                name.to_string_lossy()
            );
        }
    }
    let a = std::fs::read_to_string(committed.join("cases.json")).unwrap();
    let b = std::fs::read_to_string(dir.path().join("cases.json")).unwrap();
    assert_eq!(a, b, "demo/cases.json differs from a fresh generation");
    // The store's bytes may differ between SQLite builds; its rows may not.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use cdt_core::PlatformConnector;
        let a = cdt_connectors::EmbeddedStore::open(&committed.join("platform.sqlite"), "bm-org-0001")
            .await
            .unwrap();
        let b = cdt_connectors::EmbeddedStore::open(&dir.path().join("platform.sqlite"), "bm-org-0001")
            .await
            .unwrap();
        assert_eq!(
            a.load().await.unwrap(),
            b.load().await.unwrap(),
            "demo/platform.sqlite differs from a fresh generation"
        );
    });
}

#[test]
fn tools_lists_the_builtins_with_their_inputs() {
    let out = cdt(&["tools"]);
    assert!(out.status.success());
    let text = stdout(&out);
    for id in [
        "student-mismatch",
        "missing-data",
        "parent-conflicts",
        "campus-transfer",
    ] {
        assert!(text.contains(id), "{text}");
    }
    assert!(text.contains("--input parent_email=…"), "{text}");
    let out = cdt(&["tools", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let ids: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["id"].as_str())
        .collect();
    for id in [
        "campus-transfer",
        "missing-data",
        "parent-conflicts",
        "student-mismatch",
    ] {
        assert!(ids.contains(&id), "{ids:?}");
    }
}

#[test]
fn a_run_on_files_needs_no_customer() {
    let out = cdt(&[
        "run",
        "parent-conflicts",
        "--source",
        "demo/oneroster",
        "--platform",
        "demo/platform-snapshot",
        "--input",
        "parent_email=nobody.here@unknown-family.example",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("status: NOT_FOUND"), "{}", stdout(&out));
}

#[test]
fn the_readable_report_and_the_hubspot_note() {
    let case = demo_cases()
        .into_iter()
        .find(|c| c.expected_status == "ISSUE_IN_SOURCE")
        .unwrap();
    let inputs: Vec<String> = case.inputs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut args = vec!["run", case.tool_id.as_str(), "--customer", "demo-district"];
    for i in &inputs {
        args.extend(["--input", i.as_str()]);
    }
    let text = stdout(&cdt(&args));
    assert!(
        text.contains("status: ISSUE_IN_SOURCE") && text.contains("remediation:\n  1. [SIS]"),
        "{text}"
    );
    args.push("--hubspot");
    let html = stdout(&cdt(&args));
    assert!(html.starts_with("<p><strong>cdt · "), "{html}");
    assert!(html.contains("<ol><li>[SIS]"), "{html}");
}

#[test]
fn could_not_run_exits_2_and_says_why() {
    let cases: [(&[&str], &str); 6] = [
        (
            &["run", "no-such-tool", "--customer", "demo-district"],
            "unknown tool `no-such-tool`",
        ),
        (
            &["run", "parent-conflicts", "--customer", "nobody"],
            "customer `nobody` not found",
        ),
        (
            &["run", "parent-conflicts", "--customer", "demo-district"],
            "input `parent_email`: required",
        ),
        (
            &[
                "run",
                "parent-conflicts",
                "--customer",
                "demo-district",
                "--input",
                "parent_email=not-an-email",
            ],
            "is not an email address",
        ),
        (
            &[
                "run",
                "parent-conflicts",
                "--customer",
                "demo-district",
                "--input",
                "colour=blue",
            ],
            "input `colour`",
        ),
        (
            &[
                "run",
                "parent-conflicts",
                "--source",
                "nowhere.zip",
                "--platform",
                "demo/platform.sqlite",
                "--input",
                "parent_email=a@b.org",
            ],
            "nowhere.zip",
        ),
    ];
    for (args, want) in cases {
        let out = cdt(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn a_broken_settings_file_is_named_with_its_field() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(root().join("customer-integration-settings/demo-district.json")).unwrap();
    std::fs::write(
        dir.path().join("x.json"),
        good.replace("\"demo-district\"", "\"x\"")
            .replace("\"staging\"", "\"prod\""),
    )
    .unwrap();
    let out = cdt(&[
        "run",
        "parent-conflicts",
        "--customer",
        "x",
        "--settings-dir",
        dir.path().to_str().unwrap(),
        "--input",
        "parent_email=a@b.org",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("x.json") && err.contains("bookmarked_environment"),
        "{err}"
    );
    let out = cdt(&["customers", "--settings-dir", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).contains("x  INVALID"), "{}", stdout(&out));
}

#[test]
fn customers_lists_the_demo() {
    let out = cdt(&["customers"]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("demo-district  Demo Unified School District"),
        "{}",
        stdout(&out)
    );
}

/// Outside text (here an input, echoed in the report or the error) reaches the
/// terminal without escape sequences and cannot forge a line of the report.
#[test]
fn outside_text_cannot_forge_lines_or_send_escapes() {
    for input in [
        "parent_email=a\u{1b}]0;owned\u{7}\u{1b}[2J@x.example\nstatus: NO_ISSUE",
        "parent_email=nobody\u{202e}@x.example",
    ] {
        let out = cdt(&[
            "run",
            "parent-conflicts",
            "--source",
            "demo/oneroster",
            "--platform",
            "demo/platform-snapshot",
            "--input",
            input,
        ]);
        let (o, e) = (stdout(&out), stderr(&out));
        for text in [&o, &e] {
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\u{202e}'),
                "{text:?}"
            );
            assert!(!text.lines().any(|l| l.starts_with("status: NO_ISSUE")), "{text}");
        }
    }
}
