//! Bookmarked environments: `customer-integration-settings/_environments.json`.
//!
//! Each environment (staging, production) names its own REST API, its own PostgreSQL
//! database and its own credentials. A customer's `bookmarked_environment` picks one;
//! the factory hands a connector only that environment's settings and a
//! [`CredentialManager`](crate::credentials::CredentialManager) scoped to that
//! environment's secret references, so nothing of one environment can reach the other.
//! Loading refuses a file in which the two share an API, a database or a secret.
//!
//! ```json
//! {
//!   "staging": {
//!     "api": { "base_url": "https://api.staging.bookmarked.example", "token": "env:BOOKMARKED_STAGING_API_TOKEN" },
//!     "database": { "host": "db.staging.bookmarked.example", "database": "bookmarked",
//!                   "username": "cdt_readonly", "password": "env:BOOKMARKED_STAGING_DB_PASSWORD" }
//!   },
//!   "production": { "api": { … }, "database": { … } }
//! }
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use cdt_core::{Environment, SecretRef};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The environments file's name, in the customer settings folder.
pub const FILE_NAME: &str = "_environments.json";

/// The two Bookmarked environments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environments {
    /// Staging.
    pub staging: EnvironmentSettings,
    /// Production.
    pub production: EnvironmentSettings,
    /// Folders outside the settings folder that customer and environment settings may
    /// name (relative entries are relative to the settings folder). Paths in settings
    /// are confined to the settings folder and these, links resolved.
    #[serde(default)]
    pub data_roots: Vec<PathBuf>,
    /// The file these came from.
    #[serde(skip)]
    pub path: PathBuf,
}

/// What one environment offers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentSettings {
    /// The Bookmarked REST API.
    #[serde(default)]
    pub api: Option<ApiSettings>,
    /// The Bookmarked PostgreSQL database.
    #[serde(default)]
    pub database: Option<DatabaseSettings>,
}

/// How to reach an environment's REST API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiSettings {
    /// The base URL, e.g. `https://api.bookmarked.example` (paths start with `/v1/`).
    pub base_url: String,
    /// The bearer token.
    pub token: SecretRef,
    /// The timeout of one request, in seconds (30 by default).
    #[serde(default)]
    pub timeout_secs: Option<u64>,
    /// The most time spent retrying one request, in seconds (60 by default).
    #[serde(default)]
    pub max_retry_secs: Option<u64>,
    /// Rows a page (500 by default; the server may send fewer).
    #[serde(default)]
    pub page_size: Option<u32>,
}

impl ApiSettings {
    /// The timeout of one request.
    #[must_use]
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs.unwrap_or(30))
    }

    /// The cap on the total time spent retrying one request.
    #[must_use]
    pub fn max_retry_time(&self) -> Duration {
        Duration::from_secs(self.max_retry_secs.unwrap_or(60))
    }
}

/// How a PostgreSQL connection is encrypted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SslMode {
    /// No TLS (only allowed for a database on this machine).
    Disable,
    /// TLS when the server offers it (only allowed for a database on this machine).
    Prefer,
    /// TLS, without checking the certificate (only allowed for a database on this
    /// machine: anyone on the path could pose as the server).
    Require,
    /// TLS, with the certificate checked against the host name (the default).
    #[default]
    VerifyFull,
}

/// How to reach an environment's PostgreSQL database (through a read-only role).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// Host name.
    pub host: String,
    /// Port (5432 by default).
    #[serde(default = "default_pg_port")]
    pub port: u16,
    /// The database's name.
    pub database: String,
    /// The schema holding the platform tables (the role's `search_path` by default).
    #[serde(default)]
    pub schema: Option<String>,
    /// The read-only role.
    pub username: String,
    /// Its password.
    pub password: SecretRef,
    /// TLS (`verify-full` by default; required for a database on another machine).
    #[serde(default)]
    pub ssl_mode: SslMode,
    /// A PEM file of the certificate authorities the server's certificate is checked
    /// against (the system's roots by default).
    #[serde(default)]
    pub ssl_root_cert: Option<std::path::PathBuf>,
    /// Connections in the pool (5 by default).
    #[serde(default)]
    pub pool_size: Option<u32>,
    /// Seconds to wait for a connection, new or from the pool (30 staging, 15 production by default).
    #[serde(default)]
    pub connect_timeout_secs: Option<u64>,
    /// Seconds a statement may run before the server cancels it (30 staging, 15 production by default).
    #[serde(default)]
    pub statement_timeout_secs: Option<u64>,
}

fn default_pg_port() -> u16 {
    5432
}

impl DatabaseSettings {
    /// `host:port/database[/schema]`, for messages (no secrets).
    #[must_use]
    pub fn target(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{}:{}/{}/{schema}", self.host, self.port, self.database),
            None => format!("{}:{}/{}", self.host, self.port, self.database),
        }
    }
}

/// The default connect and statement timeout of an environment: 30 s on staging,
/// 15 s on production.
#[must_use]
pub fn default_db_timeout(env: Environment) -> Duration {
    match env {
        Environment::Staging => Duration::from_secs(30),
        Environment::Production => Duration::from_secs(15),
    }
}

/// Whether a host name is this machine (where unencrypted connections are allowed).
#[must_use]
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The host and port of an `http(s)://host[:port]/…` URL, lower-cased.
fn authority(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let auth = &rest[..end];
    (!auth.is_empty() && !auth.contains('@')).then(|| auth.to_ascii_lowercase())
}

fn host_of(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority.split(']').next().map_or(authority, |h| &h[1..]);
    }
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

impl Environments {
    /// Loads `<settings_dir>/_environments.json`.
    pub fn load(settings_dir: &Path) -> Result<Self> {
        let path = settings_dir.join(FILE_NAME);
        let text = std::fs::read_to_string(&path).map_err(|e| Error::Environments {
            path: path.clone(),
            field: None,
            message: format!("cannot read it ({e}); it names each environment's API, database and secrets"),
        })?;
        Self::from_json(&text, &path)
    }

    /// Parses and validates the environments file's text; `path` is for messages.
    pub fn from_json(text: &str, path: &Path) -> Result<Self> {
        let fail = |field: Option<String>, message: String| Error::Environments {
            path: path.to_owned(),
            field,
            message,
        };
        let de = &mut serde_json::Deserializer::from_str(text);
        let mut envs: Self = serde_path_to_error::deserialize(de).map_err(|e| {
            let field = e.path().to_string();
            let field = (field != ".").then_some(field);
            let message = match &field {
                Some(f) => format!("field `{f}`: {}", e.inner()),
                None => e.inner().to_string(),
            };
            fail(field, message)
        })?;
        path.clone_into(&mut envs.path);
        envs.validate().map_err(|(field, message)| fail(Some(field), message))?;
        let dir = path.parent().unwrap_or(Path::new(""));
        for env in [Environment::Staging, Environment::Production] {
            let roots = envs.data_roots.clone();
            let db = match env {
                Environment::Staging => envs.staging.database.as_mut(),
                Environment::Production => envs.production.database.as_mut(),
            };
            if let Some(ca) = db.and_then(|d| d.ssl_root_cert.as_mut()) {
                *ca = crate::confine::settings_path(dir, &roots, ca).map_err(|m| {
                    let field = format!("{env}.database.ssl_root_cert");
                    fail(Some(field.clone()), format!("field `{field}`: {m}"))
                })?;
            }
        }
        Ok(envs)
    }

    /// The settings of one environment.
    #[must_use]
    pub fn get(&self, env: Environment) -> &EnvironmentSettings {
        match env {
            Environment::Staging => &self.staging,
            Environment::Production => &self.production,
        }
    }

    fn validate(&self) -> std::result::Result<(), (String, String)> {
        for env in [Environment::Staging, Environment::Production] {
            let s = self.get(env);
            if let Some(api) = &s.api {
                let field = format!("{env}.api.base_url");
                let Some(auth) = authority(&api.base_url) else {
                    return Err((
                        field.clone(),
                        format!("field `{field}`: must be an http(s) URL with a host"),
                    ));
                };
                if !api.base_url.starts_with("https://") && !is_loopback(host_of(&auth)) {
                    return Err((
                        field.clone(),
                        format!("field `{field}`: must be https (plain http only on this machine)"),
                    ));
                }
            }
            if let Some(db) = &s.database {
                if db.host.trim().is_empty() || db.database.trim().is_empty() || db.username.trim().is_empty() {
                    let field = format!("{env}.database");
                    return Err((
                        field.clone(),
                        format!("field `{field}`: host, database and username must not be empty"),
                    ));
                }
                if db.ssl_mode != SslMode::VerifyFull && !is_loopback(&db.host) {
                    let field = format!("{env}.database.ssl_mode");
                    return Err((
                        field.clone(),
                        format!(
                            "field `{field}`: a database on another machine needs `verify-full` (the server's \
                             certificate checked against its host name; set `ssl_root_cert` for a private CA)"
                        ),
                    ));
                }
                for (name, value) in [
                    ("connect_timeout_secs", db.connect_timeout_secs),
                    ("statement_timeout_secs", db.statement_timeout_secs),
                ] {
                    if value == Some(0) {
                        let field = format!("{env}.database.{name}");
                        return Err((
                            field.clone(),
                            format!("field `{field}`: must be at least 1 second (0 would turn the timeout off)"),
                        ));
                    }
                }
                if db.pool_size == Some(0) {
                    let field = format!("{env}.database.pool_size");
                    return Err((field.clone(), format!("field `{field}`: must be at least 1")));
                }
            }
        }
        // Staging and production share nothing.
        let (s, p) = (&self.staging, &self.production);
        if let (Some(a), Some(b)) = (&s.api, &p.api)
            && authority(&a.base_url) == authority(&b.base_url)
        {
            return Err((
                "production.api.base_url".into(),
                "field `production.api.base_url`: staging and production must not share an API".into(),
            ));
        }
        if let (Some(a), Some(b)) = (&s.database, &p.database)
            && a.target().eq_ignore_ascii_case(&b.target())
        {
            return Err((
                "production.database".into(),
                "field `production.database`: staging and production must not share a database".into(),
            ));
        }
        let staging_refs = s.secret_refs();
        if let Some(shared) = p.secret_refs().into_iter().find(|r| staging_refs.contains(r)) {
            return Err((
                "production".into(),
                format!(
                    "field `production`: the secret {shared} is also staging's; environments never share a credential"
                ),
            ));
        }
        Ok(())
    }
}

impl EnvironmentSettings {
    /// Every secret reference this environment uses.
    #[must_use]
    pub fn secret_refs(&self) -> Vec<SecretRef> {
        self.api
            .iter()
            .map(|a| a.token.clone())
            .chain(self.database.iter().map(|d| d.password.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{
      "data_roots": ["/etc/ssl"],
      "staging": {
        "api": {"base_url": "https://api.staging.example", "token": "env:STAGING_TOKEN"},
        "database": {"host": "db.staging.example", "database": "bm", "username": "ro",
                     "password": "env:STAGING_DB_PASSWORD"}
      },
      "production": {
        "api": {"base_url": "https://api.example", "token": "aws-sm:cdt/prod#api_token"},
        "database": {"host": "db.example", "database": "bm", "username": "ro",
                     "password": "aws-sm:cdt/prod#db_password", "ssl_mode": "verify-full",
                     "ssl_root_cert": "/etc/ssl/bookmarked-ca.pem"}
      }
    }"#;

    fn parse(text: &str) -> Result<Environments> {
        Environments::from_json(text, Path::new("settings/_environments.json"))
    }

    #[test]
    fn a_valid_file_loads_with_per_environment_defaults() {
        let e = parse(GOOD).unwrap();
        assert_eq!(e.get(Environment::Staging).database.as_ref().unwrap().port, 5432);
        assert_eq!(
            e.get(Environment::Production).database.as_ref().unwrap().ssl_mode,
            SslMode::VerifyFull
        );
        assert_eq!(
            e.get(Environment::Staging).database.as_ref().unwrap().ssl_mode,
            SslMode::VerifyFull,
            "verify-full is the default"
        );
        assert_eq!(default_db_timeout(Environment::Staging), Duration::from_secs(30));
        assert_eq!(default_db_timeout(Environment::Production), Duration::from_secs(15));
        assert_eq!(e.staging.api.as_ref().unwrap().timeout(), Duration::from_secs(30));
    }

    #[test]
    fn environments_may_not_share_anything() {
        let shared_api = GOOD.replace("https://api.example", "https://API.staging.example/other");
        let err = parse(&shared_api).unwrap_err().to_string();
        assert!(
            err.contains("must not share an API") && err.contains("_environments.json"),
            "{err}"
        );
        let shared_db = GOOD.replace("db.example", "db.staging.example");
        assert!(parse(&shared_db).unwrap_err().to_string().contains("share a database"));
        let shared_secret = GOOD.replace("aws-sm:cdt/prod#db_password", "env:STAGING_DB_PASSWORD");
        let err = parse(&shared_secret).unwrap_err().to_string();
        assert!(
            err.contains("env:STAGING_DB_PASSWORD") && err.contains("never share"),
            "{err}"
        );
    }

    #[test]
    fn remote_connections_must_be_encrypted() {
        let err = parse(&GOOD.replace("https://api.example", "http://api.example"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("production.api.base_url") && err.contains("https"),
            "{err}"
        );
        for mode in ["disable", "prefer", "require"] {
            let err = parse(&GOOD.replace("\"verify-full\"", &format!("\"{mode}\"")))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("production.database.ssl_mode") && err.contains("verify-full"),
                "{mode}: {err}"
            );
        }
        let local = GOOD
            .replace("https://api.example", "http://127.0.0.1:8080")
            .replace("\"db.example\"", "\"localhost\"")
            .replace("\"verify-full\"", "\"disable\"");
        assert!(parse(&local).is_ok());
    }

    #[test]
    fn a_ca_file_outside_the_settings_folder_and_its_roots_is_refused() {
        let text = GOOD.replace(r#""data_roots": ["/etc/ssl"],"#, "");
        let err = parse(&text).unwrap_err().to_string();
        assert!(
            err.contains("production.database.ssl_root_cert") && err.contains("outside the settings folder"),
            "{err}"
        );
        let text = GOOD.replace("/etc/ssl/bookmarked-ca.pem", "/etc/ssl/../shadow");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("production.database.ssl_root_cert"), "{err}");
    }

    #[test]
    fn database_timeouts_cannot_be_turned_off() {
        for field in ["statement_timeout_secs", "connect_timeout_secs"] {
            let text = GOOD.replace(
                "\"ssl_mode\": \"verify-full\"",
                &format!("\"ssl_mode\": \"verify-full\", \"{field}\": 0"),
            );
            let err = parse(&text).unwrap_err().to_string();
            assert!(
                err.contains(&format!("production.database.{field}")) && err.contains("at least 1"),
                "{err}"
            );
            let text = GOOD.replace(
                "\"ssl_mode\": \"verify-full\"",
                &format!("\"ssl_mode\": \"verify-full\", \"{field}\": 1"),
            );
            assert!(parse(&text).is_ok(), "{field}: 1 s is allowed");
        }
    }

    #[test]
    fn unknown_fields_and_literal_secrets_are_named_without_echoing() {
        let err = parse(&GOOD.replace(
            "\"username\": \"ro\",\n                     \"password\": \"aws-sm:cdt/prod#db_password\"",
            "\"username\": \"ro\", \"password\": \"hunter2\"",
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("production.database") && !err.contains("hunter2"), "{err}");
        let err = parse(&GOOD.replace(
            "\"api\": {\"base_url\": \"https://api.example\"",
            "\"api\": {\"colour\": 1, \"base_url\": \"https://api.example\"",
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("colour"), "{err}");
    }
}
