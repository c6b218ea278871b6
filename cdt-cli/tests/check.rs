//! `cdt check <customer>` end to end: the demo customers pass; a customer on the REST
//! API (a real server on loopback) passes with its token from a `.env` file; a customer
//! on PostgreSQL with a wrong password, or a missing secret, fails with exit 1 and
//! says which check failed, without printing any secret.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cdt_tests::fake_api::FakeApi;
use cdt_tests::pg::{PgTest, readonly_password};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

async fn cdt(args: Vec<String>, dotenv: Option<PathBuf>) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cdt"));
        cmd.args(&args)
            .current_dir(root())
            .env_remove("CDT_SETTINGS_DIR")
            .env_remove("CDT_LOG")
            .env_remove("CDT_DOTENV");
        if let Some(p) = dotenv {
            cmd.env("CDT_DOTENV", p);
        }
        cmd.output().unwrap()
    })
    .await
    .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_customers_pass_every_check() {
    for id in ["demo-district", "demo-district-snapshot"] {
        let out = cdt(vec!["check".into(), id.into()], None).await;
        let t = text(&out);
        assert_eq!(out.status.code(), Some(0), "{t}");
        assert!(t.contains("ok    platform") && t.contains("all checks passed"), "{t}");
    }
    let out = cdt(vec!["check".into(), "no-such-customer".into()], None).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("FAIL  settings"), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_platforms_are_checked_and_secrets_never_print() {
    let data = cdt_tests::demo_platform().await;
    let token = "check-api-token-0b7e";
    let server = FakeApi::start(&data, token, 100).await;
    let db = PgTest::new("remote_platforms_are_checked", "t_cli_check").await;
    if let Some(db) = &db {
        db.load(&data, false).await;
    }
    let schema = db.as_ref().map_or("t_cli_check", |d| d.schema.as_str());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("_environments.json"),
        format!(
            r#"{{"data_roots": [{}],
                "staging": {{"api": {{"base_url": "{}", "token": "env:CDT_T_CHECK_API_TOKEN"}}}},
                "production": {{"database": {{"host": "127.0.0.1", "database": "cdt_test", "schema": "{schema}",
                   "username": "cdt_readonly", "password": "env:CDT_T_CHECK_DB_PW", "ssl_mode": "disable"}}}}}}"#,
            serde_json::to_string(&root().join("demo")).unwrap(),
            server.base_url
        ),
    )
    .unwrap();
    let bundle = root().join("demo/oneroster");
    for (id, env, platform) in [
        ("api-district", "staging", "api"),
        ("pg-district", "production", "postgres"),
    ] {
        std::fs::write(
            dir.path().join(format!("{id}.json")),
            format!(
                r#"{{"customer_id": "{id}", "customer_name": "{id}", "active": true,
                    "integration": {{"type": "oneroster_csv", "location": {{"kind": "path", "path": {}}}}},
                    "bookmarked_environment": "{env}", "bookmarked_org_id": "bm-org-0001",
                    "platform": {{"type": "{platform}"}}}}"#,
                serde_json::to_string(&bundle).unwrap()
            ),
        )
        .unwrap();
    }
    let dotenv = dir.path().join(".env");
    let wrong_pw = "not-the-Password-4417";
    std::fs::write(
        &dotenv,
        format!("CDT_T_CHECK_API_TOKEN={token}\nCDT_T_CHECK_DB_PW={wrong_pw}\n"),
    )
    .unwrap();
    let settings = dir.path().to_string_lossy().into_owned();
    let check = |id: &str| {
        vec![
            "check".to_owned(),
            id.to_owned(),
            "--settings-dir".into(),
            settings.clone(),
        ]
    };

    let out = cdt(check("api-district"), Some(dotenv.clone())).await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("ok    secret env:CDT_T_CHECK_API_TOKEN: resolved"), "{t}");
    assert!(t.contains("ok    platform") && t.contains("3 schools"), "{t}");
    assert!(!t.contains(token), "{t}");

    // Without the .env file the token is missing: that check fails, and so does the platform.
    let out = cdt(check("api-district"), Some(dir.path().join("missing.env"))).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let out = cdt(check("api-district"), None).await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("FAIL  secret env:CDT_T_CHECK_API_TOKEN"), "{t}");

    if db.is_some() {
        let out = cdt(check("pg-district"), Some(dotenv.clone())).await;
        let t = text(&out);
        assert_eq!(out.status.code(), Some(1), "{t}");
        assert!(t.contains("FAIL  platform") && t.contains("refused the login"), "{t}");
        assert!(!t.contains(wrong_pw), "{t}");
        std::fs::write(&dotenv, format!("CDT_T_CHECK_DB_PW={}\n", readonly_password().expose())).unwrap();
        let out = cdt(check("pg-district"), Some(dotenv)).await;
        let t = text(&out);
        assert_eq!(out.status.code(), Some(0), "{t}");
        assert!(
            t.contains("read-only: on") && !t.contains(readonly_password().expose()),
            "{t}"
        );
    }
}
