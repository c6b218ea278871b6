//! A real local AWS Secrets Manager endpoint: `moto_server`, installed by
//! `scripts/setup.d/10-moto` into `<target>/moto-venv` (or named by `CDT_MOTO_SERVER`).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use cdt_connectors::aws_secrets::AwsConfig;

use crate::service::unavailable;

/// A running `moto_server`, stopped when dropped.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto_path() -> PathBuf {
    if let Some(p) = std::env::var_os("CDT_MOTO_SERVER") {
        return PathBuf::from(p);
    }
    // The test binary is <target>/debug/deps/<name>; the venv is <target>/moto-venv.
    let exe = std::env::current_exe().expect("the test binary has a path");
    let target = exe.ancestors().nth(3).map(PathBuf::from).unwrap_or_default();
    target.join("moto-venv/bin/moto_server")
}

/// Starts `moto_server` on a free loopback port; `None` (after saying why, or failing
/// under CI) when it is not installed.
///
/// # Panics
/// When the server does not start listening within a minute.
pub async fn start(test: &str) -> Option<Moto> {
    let path = moto_path();
    if !path.is_file() {
        unavailable(
            test,
            &format!("no moto_server at {} (run scripts/setup.d/10-moto)", path.display()),
        );
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port();
    let child = Command::new(&path)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto_server starts");
    let moto = Moto {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
    };
    // Wait until it listens (a readiness wait, not a timing assertion).
    for _ in 0..600 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Some(moto);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{test}: moto_server did not start listening on port {port}");
}

/// A client configuration for `endpoint` with test credentials.
#[must_use]
pub fn config(endpoint: &str) -> AwsConfig {
    AwsConfig {
        region: "us-east-1".into(),
        endpoint: endpoint.to_owned(),
        access_key_id: cdt_core::Secret::new("AKIDCDTTEST"),
        secret_access_key: cdt_core::Secret::new("cdt-test-secret-access-key"),
        session_token: None,
    }
}
