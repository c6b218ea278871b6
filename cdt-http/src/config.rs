//! The service's settings, all from environment variables (secrets only by reference).
//!
//! | variable | default | meaning |
//! | --- | --- | --- |
//! | `CDT_HTTP_ADDR` | `127.0.0.1:8080` | address to listen on |
//! | `CDT_DATABASE_URL` | `sqlite://<data dir>/cdt/service.sqlite` | the application database (`sqlite://PATH` or `postgres://…`; the password may be given as `env:NAME` in `CDT_DATABASE_PASSWORD`) |
//! | `CDT_SETTINGS_DIR` | `customer-integration-settings` | the customers' settings files |
//! | `CDT_PLUGINS_DIR` | none | WASM plugins to load |
//! | `CDT_DATA_DIR` | none | the only folder runs on files may name |
//! | `CDT_ALLOWED_HOSTS` | `localhost,127.0.0.1,[::1]` | `Host` header values answered (ports ignored) |
//! | `CDT_MAX_IN_FLIGHT` | 4 | diagnostics running at once |
//! | `CDT_QUEUE_WAIT_SECS` | 10 | how long a run waits for a slot before 503 |
//! | `CDT_RUN_DEADLINE_SECS` | 60 | a diagnostic's deadline |
//! | `CDT_UPLOAD_LIMIT_MB` | 64 | the largest bundle `POST /validate` takes |
//! | `CDT_SECURE_COOKIES` | `true` | `Secure` on the session cookie (off only for plain-HTTP local use) |
//! | `CDT_PRODUCTION_NEEDS_2FA` | `false` | production runs need a TOTP-verified login |
//! | `CDT_RETENTION_DAYS` | 90 | runs and security events kept this long |
//! | `CDT_LOG_FORMAT` | `text` | `json` for JSON lines |

use std::time::Duration;

use crate::Error;

/// How the service behaves.
#[derive(Clone, Debug)]
pub struct Config {
    /// `Host` values answered (lowercase, without port).
    pub allowed_hosts: Vec<String>,
    /// Diagnostics running at once.
    pub max_in_flight: usize,
    /// How long a run waits for a slot.
    pub queue_wait: Duration,
    /// A diagnostic's deadline.
    pub run_deadline: Duration,
    /// Largest JSON body, in bytes.
    pub body_limit: usize,
    /// Largest bundle upload (`POST /validate`), in bytes.
    pub upload_limit: usize,
    /// `Secure` on cookies.
    pub secure_cookies: bool,
    /// Production runs need a TOTP-verified login (or a token made with one).
    pub production_needs_second_factor: bool,
    /// Retention of runs and security events, in days.
    pub retention_days: i64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            allowed_hosts: vec!["localhost".into(), "127.0.0.1".into(), "[::1]".into()],
            max_in_flight: 4,
            queue_wait: Duration::from_secs(10),
            run_deadline: Duration::from_mins(1),
            body_limit: 64 * 1024,
            upload_limit: 64 * 1024 * 1024,
            secure_cookies: true,
            production_needs_second_factor: false,
            retention_days: 90,
        }
    }
}

impl Config {
    /// The settings from the environment; unset variables take the defaults.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// The settings from a lookup of variables (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let d = Self::default();
        let num = |k: &'static str, default: u64| -> Result<u64, Error> {
            get(k).filter(|v| !v.trim().is_empty()).map_or(Ok(default), |v| {
                v.trim().parse().map_err(|_| Error::Config {
                    variable: k,
                    reason: "expected a whole number".into(),
                })
            })
        };
        let flag = |k: &'static str, default: bool| -> Result<bool, Error> {
            match get(k).as_deref().map(str::trim) {
                None | Some("") => Ok(default),
                Some("1" | "true" | "yes") => Ok(true),
                Some("0" | "false" | "no") => Ok(false),
                Some(_) => Err(Error::Config {
                    variable: k,
                    reason: "expected true or false".into(),
                }),
            }
        };
        let allowed_hosts = match get("CDT_ALLOWED_HOSTS") {
            Some(v) if !v.trim().is_empty() => v
                .split(',')
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
            _ => d.allowed_hosts,
        };
        let max_in_flight = usize::try_from(num("CDT_MAX_IN_FLIGHT", 4)?).unwrap_or(4).max(1);
        Ok(Self {
            allowed_hosts,
            max_in_flight,
            queue_wait: Duration::from_secs(num("CDT_QUEUE_WAIT_SECS", 10)?),
            run_deadline: Duration::from_secs(num("CDT_RUN_DEADLINE_SECS", 60)?.max(1)),
            body_limit: d.body_limit,
            upload_limit: usize::try_from(num("CDT_UPLOAD_LIMIT_MB", 64)?.max(1))
                .unwrap_or(64)
                .saturating_mul(1024 * 1024),
            secure_cookies: flag("CDT_SECURE_COOKIES", true)?,
            production_needs_second_factor: flag("CDT_PRODUCTION_NEEDS_2FA", false)?,
            retention_days: i64::try_from(num("CDT_RETENTION_DAYS", 90)?.max(1)).unwrap_or(90),
        })
    }

    /// Whether a `Host` header value is one the service answers to.
    #[must_use]
    pub fn host_allowed(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let name = if host.starts_with('[') {
            host.split_once(']').map_or(host.as_str(), |(h, _)| h).to_owned() + "]"
        } else {
            host.split(':').next().unwrap_or_default().to_owned()
        };
        self.allowed_hosts.contains(&name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_compared_without_port_or_case() {
        let c = Config::default();
        for ok in ["localhost", "LOCALHOST:8080", "127.0.0.1:1", "[::1]:80", "[::1]"] {
            assert!(c.host_allowed(ok), "{ok}");
        }
        for bad in ["evil.example", "localhost.evil.example", "127.0.0.2", "", "[::2]:80"] {
            assert!(!c.host_allowed(bad), "{bad}");
        }
    }

    #[test]
    fn bad_settings_name_the_variable() {
        let e = Config::from_lookup(|k| (k == "CDT_MAX_IN_FLIGHT").then(|| "lots".into())).unwrap_err();
        assert!(e.to_string().contains("CDT_MAX_IN_FLIGHT"), "{e}");
        let c = Config::from_lookup(|k| (k == "CDT_ALLOWED_HOSTS").then(|| "Cdt.Example.org, other".into())).unwrap();
        assert_eq!(c.allowed_hosts, ["cdt.example.org", "other"]);
    }
}
