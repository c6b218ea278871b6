//! The secret sentinel over HTTP: the `cdt-http` server runs diagnostics on customers
//! whose secrets are all sentinels (see `cdt_tests::sentinel`), on success and error
//! paths, with TRACE logging on; no planted secret appears in a response (headers or
//! body) or in the server's log.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

use cdt_tests::sentinel::{Scenario, assert_clean};

/// One request over a fresh connection; the whole response (status line, headers, body).
fn request(addr: &str, token: &str, method: &str, path: &str, body: &str) -> String {
    cdt_tests::http::request(addr, addr, Some(token), method, path, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_planted_secret_reaches_a_response_or_the_server_log() {
    let s = Scenario::start("no_planted_secret_reaches_a_response_or_the_server_log").await;
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let log = tempfile::NamedTempFile::new().unwrap();
    // The service's database, with one support user whose token the requests carry.
    let db = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", db.path().join("service.sqlite").display());
    let token = {
        let store = cdt_store::Store::open(&db_url).await.unwrap();
        let user = store
            .add_user(
                cdt_store::users::NewUser {
                    username: "sam".into(),
                    role: cdt_store::Role::Support,
                    permissions: Some(cdt_store::Permission::ALL.into()),
                },
                "sam password 123".into(),
            )
            .await
            .unwrap();
        let (_, t) = store
            .create_token(&user.id, "test", cdt_store::tokens::TokenLife::default(), false)
            .await
            .unwrap();
        t.expose().to_owned()
    };
    let mut server = Command::new(env!("CARGO_BIN_EXE_cdt-http"))
        .envs(s.env.clone())
        .env("CDT_HTTP_ADDR", &addr)
        .env("CDT_SETTINGS_DIR", s.settings_dir())
        .env("CDT_PLUGINS_DIR", "")
        .env("CDT_DATABASE_URL", &db_url)
        .stdout(Stdio::null())
        .stderr(log.reopen().unwrap())
        .spawn()
        .unwrap();
    // Wait until it listens (a readiness wait, not a timing assertion).
    let mut up = false;
    for _ in 0..600 {
        if TcpStream::connect(&addr).is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "cdt-http did not start listening");

    let inputs: serde_json::Map<String, serde_json::Value> = s
        .inputs
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    let body = serde_json::json!({ "inputs": inputs }).to_string();
    let addr2 = addr.clone();
    let customers = s.customers.clone();
    let tool = s.tool.clone();
    let responses = tokio::task::spawn_blocking(move || {
        let mut all = vec![request(&addr2, &token, "GET", "/tools", "")];
        for c in &customers {
            let r = request(
                &addr2,
                &token,
                "POST",
                &format!("/customers/{}/tools/{tool}/run", c.id),
                &body,
            );
            let ok = r.starts_with("HTTP/1.1 200");
            assert_eq!(ok, c.succeeds, "{}: {r}", c.id);
            all.push(r);
        }
        all
    })
    .await
    .unwrap();
    let _ = server.kill();
    let _ = server.wait();
    for r in &responses {
        assert_clean(r, "an HTTP response");
    }
    let mut text = String::new();
    std::fs::File::open(log.path())
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert!(
        text.contains("TRACE") || text.contains("DEBUG"),
        "trace logging is on: {text}"
    );
    assert_clean(&text, "the server's log");
}
