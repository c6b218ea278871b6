//! The secret sentinel: a recognisable secret in every secret slot (the process
//! environment, a `.env` file, AWS Secrets Manager, the AWS credentials themselves,
//! a ClassLink client secret and proxy token, and a literal secret written into a
//! settings file), and settings whose customers
//! reach each slot on a success path and on an error path. The CLI, HTTP and Python
//! suites run their adapter over it and search every output and TRACE log for
//! [`MARK`].

use std::path::PathBuf;

use cdt_connectors::aws_secrets::SecretsManager;
use tempfile::TempDir;

use crate::drops::FtpServer;
use crate::fake_api::FakeApi;
use crate::fake_oneroster::FakeOneRoster;
use crate::moto::Moto;
use crate::pg::PgTest;

/// The text every planted secret starts with; no output may contain it.
pub const MARK: &str = "SnTl9f2c41";

/// The secret planted in `slot`.
#[must_use]
pub fn secret(slot: &str) -> String {
    format!("{MARK}-{slot}")
}

/// One customer of the scenario and what a run on it must show.
#[derive(Clone, Debug)]
pub struct SentinelCustomer {
    /// The customer id.
    pub id: &'static str,
    /// Whether a diagnostic on it succeeds (the secret was resolved and accepted).
    pub succeeds: bool,
}

/// A settings folder whose secrets are all sentinels, and the servers its customers
/// reach. Everything stops when this is dropped.
pub struct Scenario {
    /// The settings folder (customers and `_environments.json`).
    pub settings: TempDir,
    /// A second settings folder whose `_environments.json` holds a literal secret
    /// (refused without echo); its customer is `literal`.
    pub literal_settings: TempDir,
    /// The environment variables a process must have (`CDT_DOTENV`, AWS, tokens).
    pub env: Vec<(String, String)>,
    /// The customers, each reaching some of the slots.
    pub customers: Vec<SentinelCustomer>,
    /// A tool and inputs that run on every customer (a demo case).
    pub tool: String,
    /// The case's inputs.
    pub inputs: Vec<(String, String)>,
    _servers: (FakeApi, FakeApi, Option<Moto>, Option<PgTest>, FakeOneRoster, FtpServer),
}

impl Scenario {
    /// Builds the scenario: two fake Bookmarked APIs on loopback (one accepts the
    /// sentinel token, one accepts nothing planted), `moto_server` holding a sentinel
    /// secret, PostgreSQL refusing the sentinel passwords. A missing moto or
    /// PostgreSQL skips those slots (failing under CI, as every service test does).
    ///
    /// # Panics
    /// When a server or a file cannot be set up.
    pub async fn start(test: &str) -> Self {
        let data = crate::demo_platform().await;
        let accepting = FakeApi::start(&data, &secret("env-token"), 100).await;
        let rejecting = FakeApi::start(&data, "a-token-nobody-was-given", 100).await;
        let moto = crate::moto::start(test).await;
        let db = PgTest::new(test, "t_sentinel").await;
        // A ClassLink district, directly and through the proxy (which accepts one
        // planted token and refuses another).
        let roster = cdt_connectors::OneRosterCsv::new(crate::root().join("demo/oneroster"))
            .read()
            .expect("demo bundle");
        let classlink = FakeOneRoster::start(
            &roster,
            "sent-client",
            &secret("classlink-secret"),
            std::time::Duration::from_mins(5),
            1000,
        )
        .await;
        classlink.serve_classlink_proxy("57", &secret("classlink-token"));
        // A district dropping its bundle on FTP: the server accepts one planted
        // password and refuses another.
        let ftp = FtpServer::start("sent-district", &secret("ftp-password"), false).await;
        ftp.put("drop/oneroster.zip", &crate::drops::demo_zip());

        let mut env = vec![
            ("CDT_SENT_STAGING_TOKEN".to_owned(), secret("env-token")),
            ("CDT_LOG".to_owned(), "trace".to_owned()),
            ("CDT_SENT_CL_SECRET".to_owned(), secret("classlink-secret")),
            ("CDT_SENT_CL_TOKEN".to_owned(), secret("classlink-token")),
            ("CDT_SENT_CL_TOKEN_2".to_owned(), secret("classlink-token-2")),
            ("CDT_SENT_FTP_PW".to_owned(), secret("ftp-password")),
            ("CDT_SENT_FTP_PW_2".to_owned(), secret("ftp-password-2")),
            // Downloads go to a cache folder of the scenario's own.
            (
                "XDG_CACHE_HOME".to_owned(),
                std::env::temp_dir().join("cdt-sentinel-cache").display().to_string(),
            ),
        ];
        let production_token = if let Some(m) = &moto {
            let admin = SecretsManager::new(crate::moto::config(&m.endpoint)).expect("client");
            admin
                .call(
                    "CreateSecret",
                    &serde_json::json!({
                        "Name": "cdt/sentinel/api",
                        "SecretString": serde_json::json!({"token": secret("aws-sm")}).to_string(),
                    }),
                    "cdt/sentinel/api",
                )
                .await
                .expect("moto stores the secret");
            env.extend([
                ("AWS_REGION".to_owned(), "us-east-1".to_owned()),
                ("AWS_ACCESS_KEY_ID".to_owned(), "AKIDCDTTEST".to_owned()),
                ("AWS_SECRET_ACCESS_KEY".to_owned(), secret("aws-key")),
                ("AWS_ENDPOINT_URL_SECRETS_MANAGER".to_owned(), m.endpoint.clone()),
            ]);
            "aws-sm:cdt/sentinel/api#token".to_owned()
        } else {
            env.push(("CDT_SENT_PROD_TOKEN".to_owned(), secret("env-token-2")));
            "env:CDT_SENT_PROD_TOKEN".to_owned()
        };

        let settings = tempfile::tempdir().expect("temp dir");
        let dotenv = settings.path().join(".env");
        std::fs::write(
            &dotenv,
            format!(
                "CDT_SENT_STAGING_DB_PW={}\nCDT_SENT_PROD_DB_PW={}\n",
                secret("dotenv-db"),
                secret("dotenv-db-2")
            ),
        )
        .expect("write .env");
        env.push(("CDT_DOTENV".to_owned(), dotenv.to_string_lossy().into_owned()));
        let demo = serde_json::to_string(&crate::root().join("demo")).expect("path");
        write(
            &settings.path().join("_environments.json"),
            &format!(
                r#"{{"data_roots": [{demo}],
                  "staging": {{
                    "api": {{"base_url": "{}", "token": "env:CDT_SENT_STAGING_TOKEN"}},
                    "database": {{"host": "127.0.0.1", "database": "cdt_test", "username": "cdt_readonly",
                                  "password": "env:CDT_SENT_STAGING_DB_PW", "ssl_mode": "disable"}}}},
                  "production": {{
                    "api": {{"base_url": "{}", "token": "{production_token}"}},
                    "database": {{"host": "localhost", "database": "cdt_test", "username": "cdt_readonly",
                                  "password": "env:CDT_SENT_PROD_DB_PW", "ssl_mode": "disable"}}}}}}"#,
                accepting.base_url, rejecting.base_url
            ),
        );
        let mut customers = Vec::new();
        for (id, environment, platform, succeeds) in [
            ("sent-staging-api", "staging", "api", true),
            ("sent-staging-pg", "staging", "postgres", false),
            ("sent-production-api", "production", "api", false),
            ("sent-production-pg", "production", "postgres", false),
        ] {
            write(
                &settings.path().join(format!("{id}.json")),
                &customer(id, environment, platform),
            );
            customers.push(SentinelCustomer { id, succeeds });
        }
        let limits = r#""limits": {"max_requests_per_second": 1000}"#;
        for (id, integration, succeeds) in [
            (
                "sent-classlink-direct",
                format!(
                    r#"{{"type": "classlink", "base_url": "{}", "client_id": "sent-client",
                        "client_secret": "env:CDT_SENT_CL_SECRET", {limits}}}"#,
                    classlink.base_url
                ),
                true,
            ),
            (
                "sent-classlink-proxy",
                format!(
                    r#"{{"type": "classlink", "route": "proxy", "application_id": "57", "proxy_base": "{}",
                        "access_token": "env:CDT_SENT_CL_TOKEN", {limits}}}"#,
                    classlink.base_url
                ),
                true,
            ),
            (
                "sent-classlink-proxy-refused",
                format!(
                    r#"{{"type": "classlink", "route": "proxy", "application_id": "57", "proxy_base": "{}",
                        "access_token": "env:CDT_SENT_CL_TOKEN_2", {limits}}}"#,
                    classlink.base_url
                ),
                false,
            ),
            (
                "sent-ftp",
                format!(
                    r#"{{"type": "oneroster_csv", "location": {{"kind": "ftp", "host": "127.0.0.1", "port": {},
                        "username": "sent-district", "password": "env:CDT_SENT_FTP_PW",
                        "remote_path": "/drop/oneroster*.zip"}}}}"#,
                    ftp.port
                ),
                true,
            ),
            (
                "sent-ftp-refused",
                format!(
                    r#"{{"type": "oneroster_csv", "location": {{"kind": "ftp", "host": "127.0.0.1", "port": {},
                        "username": "sent-district", "password": "env:CDT_SENT_FTP_PW_2",
                        "remote_path": "/drop/oneroster.zip"}}}}"#,
                    ftp.port
                ),
                false,
            ),
        ] {
            write(
                &settings.path().join(format!("{id}.json")),
                &customer_with(id, "staging", "api", &integration),
            );
            customers.push(SentinelCustomer { id, succeeds });
        }

        let literal_settings = tempfile::tempdir().expect("temp dir");
        write(
            &literal_settings.path().join("_environments.json"),
            &format!(
                r#"{{"data_roots": [{demo}],
                  "staging": {{"api": {{"base_url": "{}", "token": "{}"}}}}, "production": {{}}}}"#,
                accepting.base_url,
                secret("literal")
            ),
        );
        write(
            &literal_settings.path().join("literal.json"),
            &customer("literal", "staging", "api"),
        );

        let case = crate::demo_cases()
            .into_iter()
            .find(|c| c.tool_id == "student-mismatch")
            .expect("a student-mismatch demo case");
        Self {
            settings,
            literal_settings,
            env,
            customers,
            tool: case.tool_id,
            inputs: case.inputs.into_iter().collect(),
            _servers: (accepting, rejecting, moto, db, classlink, ftp),
        }
    }

    /// The settings folder's path.
    #[must_use]
    pub fn settings_dir(&self) -> PathBuf {
        self.settings.path().to_owned()
    }
}

fn customer(id: &str, environment: &str, platform: &str) -> String {
    let bundle = serde_json::to_string(&crate::root().join("demo/oneroster")).expect("path");
    customer_with(
        id,
        environment,
        platform,
        &format!(r#"{{"type": "oneroster_csv", "location": {{"kind": "path", "path": {bundle}}}}}"#),
    )
}

fn customer_with(id: &str, environment: &str, platform: &str, integration: &str) -> String {
    format!(
        r#"{{"customer_id": "{id}", "customer_name": "Sentinel {id}", "active": true,
            "integration": {integration},
            "bookmarked_environment": "{environment}", "bookmarked_org_id": "bm-org-0001",
            "platform": {{"type": "{platform}"}}}}"#
    )
}

fn write(path: &std::path::Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Asserts that `text` (an output of `what`) holds no planted secret.
///
/// # Panics
/// When it does, showing the text around it.
pub fn assert_clean(text: &str, what: &str) {
    if let Some(at) = text.find(MARK) {
        let start = text[..at].char_indices().rev().nth(200).map_or(0, |(i, _)| i);
        panic!(
            "{what}: a planted secret appears in the output: …{}…",
            &text[start..(at + MARK.len()).min(text.len())]
        );
    }
}
