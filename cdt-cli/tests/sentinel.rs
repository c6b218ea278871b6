//! The secret sentinel over the command line: every command a support engineer runs on
//! customers whose secrets are all sentinels (environment, `.env`, Secrets Manager,
//! AWS keys, a literal in a settings file), on success and error paths, with TRACE
//! logging on: no planted secret appears on stdout or stderr.

use std::process::{Command, Output};

use cdt_tests::sentinel::{Scenario, assert_clean};

async fn cdt(scenario: &Scenario, args: Vec<String>) -> (Output, String) {
    let env = scenario.env.clone();
    tokio::task::spawn_blocking(move || {
        let out = Command::new(env!("CARGO_BIN_EXE_cdt"))
            .args(&args)
            .env_remove("CDT_SETTINGS_DIR")
            .envs(env)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out, text)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_planted_secret_reaches_any_cli_output() {
    let s = Scenario::start("no_planted_secret_reaches_any_cli_output").await;
    let settings = s.settings_dir().to_string_lossy().into_owned();
    let literal = s.literal_settings.path().to_string_lossy().into_owned();
    let mut ran = 0;
    for c in &s.customers {
        for json in [false, true] {
            let mut args = vec!["run".to_owned(), s.tool.clone(), "--customer".into(), c.id.to_owned()];
            args.extend(["--settings-dir".into(), settings.clone()]);
            for (k, v) in &s.inputs {
                args.extend(["--input".into(), format!("{k}={v}")]);
            }
            if json {
                args.push("--json".into());
            }
            let (out, text) = cdt(&s, args).await;
            assert_clean(&text, &format!("cdt run {} (json: {json})", c.id));
            // The slot was really reached: a success, or a failure to run (exit 2).
            let code = out.status.code();
            if c.succeeds {
                assert!(matches!(code, Some(0 | 1)), "{}: {text}", c.id);
                ran += 1;
            } else {
                assert_eq!(code, Some(2), "{}: {text}", c.id);
                let said = text
                    .lines()
                    .filter(|l| l.starts_with("error"))
                    .collect::<Vec<_>>()
                    .join("\n");
                assert!(
                    [
                        "refused the login",
                        "password authentication failed",
                        "401",
                        "rejected the token"
                    ]
                    .iter()
                    .any(|w| said.contains(w)),
                    "{}: the error path was reached: {said}",
                    c.id
                );
            }
            assert!(
                text.contains("TRACE") || text.contains("DEBUG"),
                "trace logging is on: {text}"
            );
        }
        let (_, text) = cdt(
            &s,
            vec!["check".into(), c.id.into(), "--settings-dir".into(), settings.clone()],
        )
        .await;
        assert_clean(&text, &format!("cdt check {}", c.id));
    }
    let succeeding = s.customers.iter().filter(|c| c.succeeds).count();
    assert_eq!(ran, 2 * succeeding, "the accepted secrets ran a diagnostic");
    for args in [
        vec!["customers".to_owned(), "--settings-dir".into(), settings.clone()],
        vec!["customers".to_owned(), "--settings-dir".into(), literal.clone()],
        vec![
            "check".to_owned(),
            "literal".into(),
            "--settings-dir".into(),
            literal.clone(),
        ],
        vec![
            "run".to_owned(),
            s.tool.clone(),
            "--customer".into(),
            "literal".into(),
            "--settings-dir".into(),
            literal.clone(),
        ],
    ] {
        let (_, text) = cdt(&s, args.clone()).await;
        assert_clean(&text, &args.join(" "));
    }
}
