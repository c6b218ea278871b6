//! A real service on a loopback socket for tests: an application database (SQLite in
//! a temporary folder, or a given URL), users of each role with API tokens, and a
//! small client.

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use cdt_store::tokens::TokenLife;
use cdt_store::users::NewUser;
use cdt_store::{Permission, Role, Store};

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A settings folder with the demo district on staging (`demo-district`) and the same
/// district on production (`demo-prod`).
pub fn settings() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let demo = root().join("demo").canonicalize().unwrap();
    let envs = root().join("customer-integration-settings/_environments.json");
    let mut envs: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(envs).unwrap()).unwrap();
    envs["data_roots"] = serde_json::json!([demo]);
    std::fs::write(dir.path().join("_environments.json"), envs.to_string()).unwrap();
    for (id, env, name) in [
        ("demo-district", "staging", "Demo Unified School District"),
        ("demo-prod", "production", "Demo Production Copy"),
    ] {
        let mut c = serde_json::json!({
            "customer_id": id,
            "customer_name": name,
            "active": true,
            "integration": {"type": "oneroster_csv", "location": {"kind": "path", "path": demo.join("oneroster")}},
            "bookmarked_environment": env,
            "bookmarked_org_id": "bm-org-0001",
            "platform": {"type": "embedded", "path": demo.join("platform.sqlite")}
        });
        if env == "staging" {
            c["aliases"] = serde_json::json!(["Demo USD", "Demo Unified"]);
            c["hubspot_company_ids"] = serde_json::json!(["9001"]);
        }
        std::fs::write(dir.path().join(format!("{id}.json")), c.to_string()).unwrap();
    }
    dir
}

/// The demo case whose student-mismatch status is `ISSUE_IN_SOURCE`.
pub const MISMATCH_INPUTS: &str =
    r#"{"inputs": {"parent_email": "ximena.huaman@andes-mail.example", "student_name": "mateo quispe huaman"}}"#;

/// A running service.
pub struct Service {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its database.
    pub store: Store,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Service {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Service {
    /// Starts a service over `state` on a loopback port.
    pub async fn start(state: cdt_http::AppState) -> Self {
        let store = state.store().clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = cdt_http::app(state).into_make_service_with_connect_info::<SocketAddr>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            base: format!("http://{addr}"),
            store,
            task,
        }
    }

    /// Adds a user with these permissions and returns an API token of theirs.
    pub async fn user(&self, name: &str, role: Role, permissions: &[Permission]) -> String {
        let perms: BTreeSet<Permission> = permissions.iter().copied().collect();
        let u = self
            .store
            .add_user(
                NewUser {
                    username: name.into(),
                    role,
                    permissions: Some(perms),
                },
                format!("{name} password 123"),
            )
            .await
            .unwrap();
        let (_, token) = self
            .store
            .create_token(&u.id, "test", TokenLife::default(), false)
            .await
            .unwrap();
        token.expose().to_owned()
    }
}

/// An SQLite store in `dir`.
pub async fn sqlite_store(dir: &Path) -> Store {
    Store::open(&format!("sqlite://{}", dir.join("service.sqlite").display()))
        .await
        .unwrap()
}

/// An answer: status, headers, body as JSON (or `Null`) and as text.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub json: serde_json::Value,
    pub text: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }
}

/// A client that never follows redirects and keeps no cookies of its own.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// One request.
pub async fn call(
    method: &str,
    url: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Answer {
    let mut req = client().request(method.parse().unwrap(), url);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.header("content-type", "application/json").body(b.to_owned());
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    Answer {
        status,
        headers,
        json: serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        text,
    }
}
