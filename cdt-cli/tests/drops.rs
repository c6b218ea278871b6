//! A customer whose SIS data is dropped on an FTP server (a real one on loopback), end
//! to end through the `cdt` binary: `cdt check` logs in and finds the newest file;
//! `cdt run` downloads it once into the user's cache folder, the next run finds it
//! there (the server's file unchanged), and `--fresh` downloads it again.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cdt_tests::drops::{FtpServer, demo_zip, set_mtime};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

async fn cdt(args: Vec<String>, dotenv: PathBuf, cache: PathBuf) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_cdt"))
            .args(&args)
            .current_dir(root())
            .env_remove("CDT_SETTINGS_DIR")
            .env("CDT_LOG", "info")
            .env("CDT_DOTENV", dotenv)
            .env("XDG_CACHE_HOME", cache)
            .output()
            .unwrap()
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
async fn a_drop_is_checked_downloaded_once_and_read_again_with_fresh() {
    let ftp = FtpServer::start("district", "drop-pw", false).await;
    let old = ftp.put("outgoing/oneroster-2026-11-29.zip", b"yesterday");
    set_mtime(&old, 1_796_000_000);
    let new = ftp.put("outgoing/oneroster-2026-11-30.zip", &demo_zip());
    set_mtime(&new, 1_796_086_400);

    let settings = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let dotenv = settings.path().join(".env");
    std::fs::write(&dotenv, "DROP_PW=drop-pw\n").unwrap();
    let demo = serde_json::to_string(&root().join("demo")).unwrap();
    std::fs::write(
        settings.path().join("_environments.json"),
        format!(r#"{{"data_roots": [{demo}], "staging": {{}}, "production": {{}}}}"#),
    )
    .unwrap();
    let platform = serde_json::to_string(&root().join("demo/platform.sqlite")).unwrap();
    std::fs::write(
        settings.path().join("ftp-district.json"),
        format!(
            r#"{{"customer_id": "ftp-district", "customer_name": "FTP District", "active": true,
                "integration": {{"type": "oneroster_csv", "location": {{"kind": "ftp", "host": "127.0.0.1",
                    "port": {}, "username": "district", "password": "env:DROP_PW",
                    "remote_path": "/outgoing/oneroster-*.zip"}}}},
                "bookmarked_environment": "staging", "bookmarked_org_id": "bm-org-0001",
                "platform": {{"type": "embedded", "path": {platform}}}}}"#,
            ftp.port
        ),
    )
    .unwrap();
    let dir = settings.path().display().to_string();

    let out = cdt(
        vec![
            "check".into(),
            "ftp-district".into(),
            "--settings-dir".into(),
            dir.clone(),
        ],
        dotenv.clone(),
        cache.path().to_owned(),
    )
    .await;
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(
        said.contains("logged in as district, found /outgoing/oneroster-2026-11-30.zip"),
        "{said}"
    );

    let run = |fresh: bool| {
        let mut args = vec![
            "run".to_owned(),
            "student-mismatch".into(),
            "--customer".into(),
            "ftp-district".into(),
            "--settings-dir".into(),
            dir.clone(),
            "-i".into(),
            "parent_email=ximena.huaman@andes-mail.example".into(),
            "-i".into(),
            "student_name=mateo quispe huaman".into(),
            "--json".into(),
        ];
        if fresh {
            args.push("--fresh".into());
        }
        cdt(args, dotenv.clone(), cache.path().to_owned())
    };
    let download = |said: &str, how: &str| {
        said.lines()
            .any(|l| l.contains("drop download cache") && l.contains(how))
    };
    for (fresh, hit) in [(false, false), (false, true), (true, false)] {
        let out = run(fresh).await;
        let said = text(&out);
        assert_eq!(out.status.code(), Some(1), "{said}");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["status"], "ISSUE_IN_SOURCE", "{said}");
        if fresh {
            assert!(
                !download(&said, "hit") && said.contains("downloading the drop"),
                "{said}"
            );
        } else {
            assert!(download(&said, if hit { "hit" } else { "miss" }), "{said}");
            assert_eq!(said.contains("downloading the drop"), !hit, "{said}");
        }
    }
    let files: Vec<_> = std::fs::read_dir(cache.path().join("cdt/drops/ftp-district"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with("oneroster-2026-11-30.zip"), "{files:?}");
}
