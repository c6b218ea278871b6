//! A customer (a school district) and its integration settings.
//!
//! Each customer has one JSON file, `customer-integration-settings/<customer_id>.json`.
//! Unknown or missing fields are errors naming the file and the field. Secrets are
//! never written there, only [`SecretRef`]s. Relative paths are relative to the file; the connectors resolve
//! them, confined to the settings folder (`cdt_connectors::customers::resolve_path`).
//! This module parses and checks settings; reading the files is the connectors' job
//! (`cdt_connectors::customers`).

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::secret::SecretRef;

/// A Bookmarked environment. Staging and production never share a URL, a database or
/// a credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Environment {
    /// Staging.
    Staging,
    /// Production.
    Production,
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Staging => "staging",
            Self::Production => "production",
        })
    }
}

/// A OneRoster version.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OneRosterVersion {
    /// 1.1
    #[default]
    #[serde(rename = "1.1")]
    V1_1,
    /// 1.2
    #[serde(rename = "1.2")]
    V1_2,
}

/// How a district's SIS data reaches us.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Integration {
    /// ClassLink: a district's Roster Server (OneRoster 1.1), directly with OAuth 1.0a
    /// or through ClassLink's OneRoster proxy with a bearer token ([`ClassLinkSettings`]).
    Classlink(ClassLinkSettings),
    /// Any OneRoster 1.1/1.2 REST API (`docs/oneroster-api.md`).
    OnerosterApi {
        /// The base URL, up to and without `/ims/oneroster/...`.
        base_url: String,
        /// The OneRoster version served: 1.1 at `/ims/oneroster/v1p1`, 1.2 at
        /// `/ims/oneroster/rostering/v1p2`.
        #[serde(default)]
        oneroster_version: OneRosterVersion,
        /// The OAuth client id (OAuth 1.0a: the consumer key).
        client_id: String,
        /// The OAuth client secret (OAuth 1.0a: the consumer secret).
        client_secret: SecretRef,
        /// How requests are authorised; by default OAuth 1.0a for 1.1, OAuth 2 for 1.2.
        #[serde(default)]
        auth: Option<OAuthMethod>,
        /// The OAuth 1.0a signature method (`HMAC-SHA256` by default).
        #[serde(default)]
        oauth1_signature: Option<OAuth1Signature>,
        /// The OAuth 2 token URL (required with OAuth 2).
        #[serde(default)]
        token_url: Option<String>,
        /// The OAuth 2 scopes asked for; by default the version's read-only roster scope.
        #[serde(default)]
        scopes: Option<Vec<String>>,
        /// Paging, time and rate limits of the client.
        #[serde(default)]
        limits: ApiLimits,
    },
    /// OneRoster CSV bundles (ZIP, folder, CSV or XLSX).
    OnerosterCsv {
        /// Where the bundle is.
        location: CsvLocation,
    },
}

impl Integration {
    /// A short name for reports: `ClassLink`, `OneRoster API`, `OneRoster CSV`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Classlink(_) => "ClassLink",
            Self::OnerosterApi { .. } => "OneRoster API",
            Self::OnerosterCsv { .. } => "OneRoster CSV",
        }
    }
}

/// The default address of ClassLink's OneRoster proxy.
pub const CLASSLINK_PROXY_BASE: &str = "https://oneroster-proxy.classlink.io";

/// How `cdt` reaches a ClassLink district's Roster Server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassLinkRouteKind {
    /// The district's Roster Server itself, requests signed with OAuth 1.0a.
    #[default]
    Direct,
    /// ClassLink's OneRoster proxy, with the application's access token as a bearer
    /// token (the proxy signs for us).
    Proxy,
}

/// A ClassLink district's settings, as written in the file: the fields of both routes,
/// checked by [`ClassLinkSettings::route`] (every customer file is checked when read,
/// so a loaded customer's route is always valid).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassLinkSettings {
    /// `direct` (the default, with `base_url`, `client_id`, `client_secret`) or `proxy`
    /// (with `application_id`, `access_token` and optionally `proxy_base`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<ClassLinkRouteKind>,
    /// Direct: the Roster Server's address (`https://{tenant}-{xx}-v2.oneroster.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Direct: the OAuth 1.0a client id (consumer key) from ClassLink's console.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Direct: the OAuth 1.0a client secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<SecretRef>,
    /// Proxy: the application id of the district's application, from ClassLink's console.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    /// Proxy: the access token from ClassLink's console (it does not expire; it is
    /// regenerated there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<SecretRef>,
    /// Proxy: the proxy's address, [`CLASSLINK_PROXY_BASE`] by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_base: Option<String>,
    /// The OneRoster version: ClassLink serves 1.1 only.
    #[serde(default)]
    pub oneroster_version: OneRosterVersion,
    /// Paging, time and rate limits of the client.
    #[serde(default)]
    pub limits: ApiLimits,
}

/// A ClassLink route with the fields it needs, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClassLinkRoute<'a> {
    /// The district's Roster Server, OAuth 1.0a.
    Direct {
        /// The server's address.
        base_url: &'a str,
        /// The client id.
        client_id: &'a str,
        /// The client secret.
        client_secret: &'a SecretRef,
    },
    /// ClassLink's OneRoster proxy, a static bearer token.
    Proxy {
        /// The proxy's address, without a trailing `/`.
        proxy_base: &'a str,
        /// The application id.
        application_id: &'a str,
        /// The access token.
        access_token: &'a SecretRef,
    },
}

fn is_http_url(u: &str) -> bool {
    u.starts_with("https://") || u.starts_with("http://")
}

impl ClassLinkSettings {
    /// The route and its fields, or the field at fault (`route`, `base_url`, …, relative
    /// to the `integration` section) and what is wrong.
    pub fn route(&self) -> std::result::Result<ClassLinkRoute<'_>, (&'static str, String)> {
        let kind = self.route.unwrap_or_default();
        let (name, others) = match kind {
            ClassLinkRouteKind::Direct => (
                "direct",
                [
                    ("application_id", self.application_id.is_some()),
                    ("access_token", self.access_token.is_some()),
                    ("proxy_base", self.proxy_base.is_some()),
                ],
            ),
            ClassLinkRouteKind::Proxy => (
                "proxy",
                [
                    ("base_url", self.base_url.is_some()),
                    ("client_id", self.client_id.is_some()),
                    ("client_secret", self.client_secret.is_some()),
                ],
            ),
        };
        if let Some((field, _)) = others.iter().find(|(_, set)| *set) {
            let hint = if self.route.is_none() {
                " (without `route` the direct route is meant: add `\"route\": \"proxy\"` for the proxy)"
            } else {
                ""
            };
            return Err((field, format!("is not a setting of the {name} route{hint}")));
        }
        if self.oneroster_version != OneRosterVersion::V1_1 {
            return Err((
                "oneroster_version",
                "ClassLink serves OneRoster 1.1 only (`\"1.1\"`)".into(),
            ));
        }
        let missing = |field: &'static str| (field, format!("the {name} route needs it"));
        match kind {
            ClassLinkRouteKind::Direct => {
                let base_url = self.base_url.as_deref().ok_or_else(|| missing("base_url"))?;
                if !is_http_url(base_url) {
                    return Err(("base_url", "must be an http(s) URL".into()));
                }
                let client_id = self.client_id.as_deref().ok_or_else(|| missing("client_id"))?;
                if client_id.trim().is_empty() {
                    return Err(("client_id", "must not be empty".into()));
                }
                let client_secret = self.client_secret.as_ref().ok_or_else(|| missing("client_secret"))?;
                Ok(ClassLinkRoute::Direct {
                    base_url,
                    client_id,
                    client_secret,
                })
            }
            ClassLinkRouteKind::Proxy => {
                let application_id = self
                    .application_id
                    .as_deref()
                    .ok_or_else(|| missing("application_id"))?;
                let valid = !application_id.is_empty()
                    && application_id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '%' | '='));
                if !valid {
                    return Err((
                        "application_id",
                        "must be the console's application id: letters, digits, `-`, `_`, `.`, `~`, `%`, `=`".into(),
                    ));
                }
                let access_token = self.access_token.as_ref().ok_or_else(|| missing("access_token"))?;
                let proxy_base = self.proxy_base.as_deref().unwrap_or(CLASSLINK_PROXY_BASE);
                if !is_http_url(proxy_base) {
                    return Err(("proxy_base", "must be an http(s) URL".into()));
                }
                Ok(ClassLinkRoute::Proxy {
                    proxy_base: proxy_base.trim_end_matches('/'),
                    application_id,
                    access_token,
                })
            }
        }
    }

    /// The secret the route needs: the client secret (direct) or the access token
    /// (proxy).
    #[must_use]
    pub fn secret(&self) -> Option<&SecretRef> {
        match self.route.unwrap_or_default() {
            ClassLinkRouteKind::Direct => self.client_secret.as_ref(),
            ClassLinkRouteKind::Proxy => self.access_token.as_ref(),
        }
    }
}

/// How a OneRoster REST client authorises its requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OAuthMethod {
    /// OAuth 1.0a two-legged request signing (OneRoster 1.1).
    Oauth1,
    /// OAuth 2 client credentials, a bearer token (OneRoster 1.2, and some 1.1 servers).
    Oauth2,
}

/// An OAuth 1.0a signature method.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OAuth1Signature {
    /// `HMAC-SHA256`.
    #[default]
    #[serde(rename = "HMAC-SHA256")]
    HmacSha256,
    /// `HMAC-SHA1` (older servers).
    #[serde(rename = "HMAC-SHA1")]
    HmacSha1,
}

/// A REST client's limits; every field has a default.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiLimits {
    /// Records asked for a page (`limit`): 100 by default (the spec's default).
    #[serde(default)]
    pub page_size: Option<u32>,
    /// The most pages one listing reads before failing: 10,000 by default.
    #[serde(default)]
    pub max_pages: Option<u32>,
    /// Requests in flight at once to this customer's server: 4 by default.
    #[serde(default)]
    pub max_concurrent_requests: Option<u32>,
    /// Requests started a second at most: 20 by default.
    #[serde(default)]
    pub max_requests_per_second: Option<u32>,
    /// The timeout of one request, in seconds: 30 by default.
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
    /// The time one request may spend retrying (429, 503, timeouts), in seconds: 60
    /// by default.
    #[serde(default)]
    pub max_retry_seconds: Option<u64>,
    /// Whether to ask only for the fields read (`fields=`): on by default; off for
    /// servers that reject it.
    #[serde(default)]
    pub select_fields: Option<bool>,
}

/// Where a OneRoster CSV bundle is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CsvLocation {
    /// A ZIP, a folder or a single file on disk.
    Path {
        /// The path, relative to the customer file.
        path: PathBuf,
    },
    /// A file on an FTP or explicit FTPS drop (`docs/drops.md`).
    Ftp {
        /// Host name.
        host: String,
        /// Port (21 by default).
        #[serde(default = "default_ftp_port")]
        port: u16,
        /// User name.
        username: String,
        /// The password, by reference.
        password: SecretRef,
        /// The bundle's path on the server, or a pattern in its last part (`*`, `?`)
        /// that picks the newest matching file.
        remote_path: String,
        /// Explicit FTPS (`AUTH TLS`), certificates verified.
        #[serde(default)]
        tls: bool,
        /// A PEM file of extra CA certificates trusted for FTPS (a private CA), relative
        /// to the settings folder.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ca_file: Option<PathBuf>,
        /// Limits of the drop: download size, time, cache.
        #[serde(default)]
        limits: DropLimits,
    },
    /// A file on an SFTP drop (`docs/drops.md`).
    Sftp {
        /// Host name.
        host: String,
        /// Port (22 by default).
        #[serde(default = "default_sftp_port")]
        port: u16,
        /// User name.
        username: String,
        /// The password, by reference (this or `private_key`, or both).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        password: Option<SecretRef>,
        /// The private key (OpenSSH text), by reference.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        private_key: Option<SecretRef>,
        /// The server's host key fingerprint as OpenSSH prints it (`SHA256:…`); any other
        /// key is refused before authenticating.
        host_key_fingerprint: String,
        /// The bundle's path on the server, or a pattern in its last part (`*`, `?`)
        /// that picks the newest matching file.
        remote_path: String,
        /// Limits of the drop: download size, time, cache.
        #[serde(default)]
        limits: DropLimits,
    },
}

/// The limits of a file drop; every field has a default.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropLimits {
    /// The largest download, in bytes: 1 GiB by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_download_bytes: Option<u64>,
    /// Connect and read timeout, in seconds: 30 by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    /// How long a read district is reused in a long-lived process, in seconds: 300 by
    /// default; 0 turns that cache off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_seconds: Option<u64>,
    /// How many downloaded files the disk cache keeps for the customer, the newest:
    /// 3 by default (older ones are removed after a download, never one being read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_files: Option<u32>,
}

impl DropLimits {
    /// The default largest download: 1 GiB.
    pub const DEFAULT_MAX_DOWNLOAD_BYTES: u64 = 1 << 30;
    /// The default timeout: 30 seconds.
    pub const DEFAULT_TIMEOUT_SECONDS: u64 = 30;
    /// The default cache time: 5 minutes.
    pub const DEFAULT_CACHE_SECONDS: u64 = 300;
    /// The default number of downloads kept on disk per customer.
    pub const DEFAULT_CACHE_FILES: u32 = 3;

    /// The largest download allowed, in bytes.
    #[must_use]
    pub fn max_download_bytes(&self) -> u64 {
        self.max_download_bytes.unwrap_or(Self::DEFAULT_MAX_DOWNLOAD_BYTES)
    }

    /// The connect and read timeout, in seconds.
    #[must_use]
    pub fn timeout_seconds(&self) -> u64 {
        self.timeout_seconds.unwrap_or(Self::DEFAULT_TIMEOUT_SECONDS)
    }

    /// How long a read district is reused, in seconds.
    #[must_use]
    pub fn cache_seconds(&self) -> u64 {
        self.cache_seconds.unwrap_or(Self::DEFAULT_CACHE_SECONDS)
    }

    /// How many downloaded files the disk cache keeps for the customer.
    #[must_use]
    pub fn cache_files(&self) -> u32 {
        self.cache_files.unwrap_or(Self::DEFAULT_CACHE_FILES)
    }

    fn validate(&self) -> std::result::Result<(), (&'static str, &'static str)> {
        if self.max_download_bytes.is_some_and(|b| !(1..=(64 << 30)).contains(&b)) {
            return Err(("max_download_bytes", "must be between 1 and 68719476736 (64 GiB)"));
        }
        if self.timeout_seconds.is_some_and(|t| !(1..=600).contains(&t)) {
            return Err(("timeout_seconds", "must be between 1 and 600"));
        }
        if self.cache_seconds.is_some_and(|t| t > 86_400) {
            return Err(("cache_seconds", "must be between 0 and 86400"));
        }
        if self.cache_files.is_some_and(|n| !(1..=1000).contains(&n)) {
            return Err(("cache_files", "must be between 1 and 1000"));
        }
        Ok(())
    }
}

impl CsvLocation {
    /// `ftp`, `ftps` or `sftp` for a drop; `None` for a path.
    #[must_use]
    pub fn drop_scheme(&self) -> Option<&'static str> {
        match self {
            Self::Path { .. } => None,
            Self::Ftp { tls: false, .. } => Some("ftp"),
            Self::Ftp { tls: true, .. } => Some("ftps"),
            Self::Sftp { .. } => Some("sftp"),
        }
    }

    /// The secrets a drop needs.
    #[must_use]
    pub fn secrets(&self) -> Vec<SecretRef> {
        match self {
            Self::Path { .. } => Vec::new(),
            Self::Ftp { password, .. } => vec![password.clone()],
            Self::Sftp {
                password, private_key, ..
            } => password.iter().chain(private_key).cloned().collect(),
        }
    }

    fn validate(&self) -> std::result::Result<(), (&'static str, String)> {
        let (host, username, remote_path, limits) = match self {
            Self::Path { path } if path.as_os_str().is_empty() => return Err(("path", "must not be empty".into())),
            Self::Path { .. } => return Ok(()),
            Self::Ftp {
                host,
                username,
                remote_path,
                limits,
                tls,
                ca_file,
                ..
            } => {
                if ca_file.is_some() && !tls {
                    return Err(("ca_file", "is for FTPS only (`\"tls\": true`)".into()));
                }
                (host, username, remote_path, limits)
            }
            Self::Sftp {
                host,
                username,
                remote_path,
                limits,
                password,
                private_key,
                host_key_fingerprint,
                ..
            } => {
                if password.is_none() && private_key.is_none() {
                    return Err(("password", "SFTP needs `password` or `private_key` (or both)".into()));
                }
                if !is_sha256_fingerprint(host_key_fingerprint) {
                    return Err((
                        "host_key_fingerprint",
                        "must be the host key's SHA256 fingerprint as OpenSSH prints it \
                         (`SHA256:` and 43 base64 characters; `ssh-keygen -lf key.pub`)"
                            .into(),
                    ));
                }
                (host, username, remote_path, limits)
            }
        };
        let host_ok = !host.is_empty()
            && host.len() <= 253
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':' | '[' | ']'));
        if !host_ok {
            return Err(("host", "must be a host name or an IP address".into()));
        }
        if username.trim().is_empty() || username.chars().any(char::is_control) {
            return Err(("username", "must not be empty or hold control characters".into()));
        }
        if remote_path.trim().is_empty() || remote_path.chars().any(char::is_control) {
            return Err(("remote_path", "must not be empty or hold control characters".into()));
        }
        let (dir, _) = remote_path.rsplit_once('/').unwrap_or(("", remote_path));
        if dir.contains(['*', '?']) {
            return Err((
                "remote_path",
                "a pattern (`*`, `?`) is allowed in the file name only, not in the folders".into(),
            ));
        }
        if remote_path.ends_with('/') {
            return Err(("remote_path", "must name a file (or a pattern), not a folder".into()));
        }
        limits.validate().map_err(|(f, m)| match f {
            "max_download_bytes" => ("limits.max_download_bytes", m.to_owned()),
            "timeout_seconds" => ("limits.timeout_seconds", m.to_owned()),
            "cache_files" => ("limits.cache_files", m.to_owned()),
            _ => ("limits.cache_seconds", m.to_owned()),
        })
    }
}

/// Whether `s` is a SHA256 fingerprint as OpenSSH prints it.
#[must_use]
pub fn is_sha256_fingerprint(s: &str) -> bool {
    s.strip_prefix("SHA256:")
        .is_some_and(|b| b.len() == 43 && b.chars().all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/'))
}

impl ApiLimits {
    fn validate(&self) -> std::result::Result<(), (&'static str, &'static str)> {
        let in_range = |v: Option<u64>, lo: u64, hi: u64| v.is_none_or(|v| (lo..=hi).contains(&v));
        if !in_range(self.page_size.map(u64::from), 1, 10_000) {
            return Err(("page_size", "must be between 1 and 10000"));
        }
        if !in_range(self.max_pages.map(u64::from), 1, 1_000_000) {
            return Err(("max_pages", "must be between 1 and 1000000"));
        }
        if !in_range(self.max_concurrent_requests.map(u64::from), 1, 64) {
            return Err(("max_concurrent_requests", "must be between 1 and 64"));
        }
        if !in_range(self.max_requests_per_second.map(u64::from), 1, 1000) {
            return Err(("max_requests_per_second", "must be between 1 and 1000"));
        }
        if !in_range(self.timeout_seconds, 1, 600) {
            return Err(("timeout_seconds", "must be between 1 and 600"));
        }
        if !in_range(self.max_retry_seconds, 0, 3600) {
            return Err(("max_retry_seconds", "must be between 0 and 3600"));
        }
        Ok(())
    }
}

fn default_ftp_port() -> u16 {
    21
}

fn default_sftp_port() -> u16 {
    22
}

/// Where the platform's copy of a district comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum PlatformSource {
    /// The embedded SQLite store (the demo district and tests).
    Embedded {
        /// The database file, relative to the customer file.
        path: PathBuf,
    },
    /// A snapshot folder: one CSV per platform table.
    Snapshot {
        /// The folder, relative to the customer file.
        path: PathBuf,
    },
    /// The environment's PostgreSQL database, through a read-only role.
    Postgres,
    /// The environment's Bookmarked REST API.
    Api,
}

/// A district's integration settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    /// Stable id; also the settings file's name.
    pub customer_id: String,
    /// The district's name.
    pub customer_name: String,
    /// Whether the customer is live. Diagnostics still run on inactive customers, with
    /// a warning.
    pub active: bool,
    /// How the SIS data reaches us.
    pub integration: Integration,
    /// The Bookmarked environment the district lives in.
    pub bookmarked_environment: Environment,
    /// The `id` of the district's row in the platform's `organizations`.
    pub bookmarked_org_id: String,
    /// Where the platform data comes from.
    pub platform: PlatformSource,
    /// Other names the district goes by on tickets (`Demo USD`), for triage.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The district's company ids in HubSpot, for triage.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hubspot_company_ids: Vec<String>,
    /// The folder of the settings file; relative paths are resolved against it.
    #[serde(skip)]
    pub settings_dir: PathBuf,
}

impl Customer {
    /// What triage needs to know of the customer.
    #[must_use]
    pub fn triage_card(&self) -> crate::triage::CustomerCard {
        crate::triage::CustomerCard {
            id: self.customer_id.clone(),
            name: self.customer_name.clone(),
            aliases: self.aliases.clone(),
            company_ids: self.hubspot_company_ids.clone(),
            active: self.active,
        }
    }

    /// Checks a customer id: only letters, digits, `-` and `_`, so that it names a file
    /// in the settings folder and nothing else.
    pub fn check_id(customer_id: &str) -> Result<()> {
        let valid = !customer_id.is_empty()
            && customer_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if valid {
            Ok(())
        } else {
            Err(Error::input(
                "customer",
                "a customer id has only letters, digits, `-` and `_`",
            ))
        }
    }

    /// Parses the text of the settings file at `path` (read by the caller): relative
    /// paths will resolve against the file's folder, and errors name the file.
    pub fn from_file_text(path: &Path, text: &str) -> Result<Self> {
        let mut customer = Self::from_json(text).map_err(|(field, message)| Error::Config {
            path: path.to_owned(),
            field,
            message,
        })?;
        customer.settings_dir = path.parent().map(Path::to_owned).unwrap_or_default();
        Ok(customer)
    }

    /// Checks that the settings file read for `customer_id` declares that id.
    pub fn check_declared_id(self, path: &Path, customer_id: &str) -> Result<Self> {
        if self.customer_id == customer_id {
            return Ok(self);
        }
        Err(Error::Config {
            path: path.to_owned(),
            field: Some("customer_id".into()),
            message: format!(
                "field `customer_id` is `{}` but the file is named `{customer_id}.json`",
                self.customer_id
            ),
        })
    }

    /// Parses and validates settings JSON. On failure returns the field path (when
    /// known) and a message.
    pub fn from_json(text: &str) -> std::result::Result<Self, (Option<String>, String)> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let customer: Self = serde_path_to_error::deserialize(de).map_err(|e| {
            let field = e.path().to_string();
            let field = (field != ".").then_some(field);
            let message = match &field {
                Some(f) => format!("field `{f}`: {}", e.inner()),
                None => e.inner().to_string(),
            };
            (field, message)
        })?;
        customer.validate()?;
        Ok(customer)
    }

    fn validate(&self) -> std::result::Result<(), (Option<String>, String)> {
        let fail = |field: &str, msg: &str| Err((Some(field.to_owned()), format!("field `{field}`: {msg}")));
        if self.customer_id.trim().is_empty() {
            return fail("customer_id", "must not be empty");
        }
        if self.customer_name.trim().is_empty() {
            return fail("customer_name", "must not be empty");
        }
        if self.bookmarked_org_id.trim().is_empty() {
            return fail("bookmarked_org_id", "must not be empty");
        }
        match &self.integration {
            Integration::Classlink(settings) => {
                if let Err((f, m)) = settings.route() {
                    return fail(&format!("integration.{f}"), &m);
                }
                settings
                    .limits
                    .validate()
                    .or_else(|(f, m)| fail(&format!("integration.limits.{f}"), m))
            }
            Integration::OnerosterApi { base_url, .. } if !is_http_url(base_url) => {
                fail("integration.base_url", "must be an http(s) URL")
            }
            Integration::OnerosterCsv { location } => location
                .validate()
                .or_else(|(f, m)| fail(&format!("integration.location.{f}"), &m)),
            Integration::OnerosterApi {
                oneroster_version,
                auth,
                token_url,
                limits,
                client_id,
                ..
            } => {
                if client_id.trim().is_empty() {
                    return fail("integration.client_id", "must not be empty");
                }
                let oauth2 = match auth {
                    Some(OAuthMethod::Oauth2) => true,
                    Some(OAuthMethod::Oauth1) => false,
                    None => *oneroster_version == OneRosterVersion::V1_2,
                };
                if !oauth2 && *oneroster_version == OneRosterVersion::V1_2 {
                    return fail(
                        "integration.auth",
                        "OneRoster 1.2 servers authorise with OAuth 2 only (`oauth2`)",
                    );
                }
                match token_url {
                    None if oauth2 => fail(
                        "integration.token_url",
                        "OAuth 2 needs the provider's token URL (it is not standardised)",
                    ),
                    Some(u) if !(u.starts_with("https://") || u.starts_with("http://")) => {
                        fail("integration.token_url", "must be an http(s) URL")
                    }
                    _ => limits.validate().map_err(|(f, m)| {
                        let field = format!("integration.limits.{f}");
                        (Some(field.clone()), format!("field `{field}`: {m}"))
                    }),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{
        "customer_id": "demo-district",
        "customer_name": "Demo Unified",
        "active": true,
        "integration": {"type": "oneroster_csv", "location": {"kind": "path", "path": "bundle"}},
        "bookmarked_environment": "staging",
        "bookmarked_org_id": "bm-org-1",
        "platform": {"type": "embedded", "path": "platform.sqlite"}
    }"#;

    #[test]
    fn a_valid_file_loads() {
        let c = Customer::from_json(GOOD).unwrap();
        assert_eq!(c.bookmarked_environment, Environment::Staging);
        assert_eq!(c.integration.kind(), "OneRoster CSV");
    }

    #[test]
    fn unknown_fields_are_named() {
        let text = GOOD.replace("\"active\": true,", "\"active\": true, \"colour\": 1,");
        let (field, msg) = Customer::from_json(&text).unwrap_err();
        assert!(msg.contains("colour"), "{msg}");
        assert_eq!(field.as_deref(), Some("colour"));
        let text = GOOD.replace("\"path\": \"bundle\"", "\"path\": \"bundle\", \"pth\": 1");
        let (_, msg) = Customer::from_json(&text).unwrap_err();
        assert!(msg.contains("pth") && msg.contains("integration"), "{msg}");
    }

    #[test]
    fn missing_fields_are_named() {
        let text = GOOD.replace("\"bookmarked_org_id\": \"bm-org-1\",", "");
        let (_, msg) = Customer::from_json(&text).unwrap_err();
        assert!(msg.contains("bookmarked_org_id"), "{msg}");
    }

    #[test]
    fn bad_values_are_named() {
        let text = GOOD.replace("\"staging\"", "\"prod\"");
        let (field, msg) = Customer::from_json(&text).unwrap_err();
        assert_eq!(field.as_deref(), Some("bookmarked_environment"), "{msg}");
    }

    #[test]
    fn oneroster_api_settings_are_checked() {
        let api = |extra: &str| {
            GOOD.replace(
                r#"{"type": "oneroster_csv", "location": {"kind": "path", "path": "bundle"}}"#,
                &format!(
                    r#"{{"type": "oneroster_api", "base_url": "https://sis.example.org", "client_id": "a",
                        "client_secret": "env:X"{extra}}}"#
                ),
            )
        };
        let c = Customer::from_json(&api("")).unwrap();
        assert_eq!(c.integration.kind(), "OneRoster API");
        let (field, _) = Customer::from_json(&api(r#", "oneroster_version": "1.2""#)).unwrap_err();
        assert_eq!(field.as_deref(), Some("integration.token_url"));
        assert!(
            Customer::from_json(&api(
                r#", "oneroster_version": "1.2", "token_url": "https://t.example/token""#
            ))
            .is_ok()
        );
        let (field, _) = Customer::from_json(&api(r#", "oneroster_version": "1.2", "auth": "oauth1""#)).unwrap_err();
        assert_eq!(field.as_deref(), Some("integration.auth"));
        let (field, msg) = Customer::from_json(&api(r#", "limits": {"page_size": 0}"#)).unwrap_err();
        assert_eq!(field.as_deref(), Some("integration.limits.page_size"), "{msg}");
        assert!(
            Customer::from_json(&api(
                r#", "oauth1_signature": "HMAC-SHA1", "limits": {"timeout_seconds": 5}"#
            ))
            .is_ok()
        );
        let (_, msg) = Customer::from_json(&api(r#", "limits": {"pagesize": 5}"#)).unwrap_err();
        assert!(msg.contains("pagesize"), "{msg}");
    }

    fn classlink(fields: &str) -> String {
        GOOD.replace(
            r#"{"type": "oneroster_csv", "location": {"kind": "path", "path": "bundle"}}"#,
            &format!(r#"{{"type": "classlink"{fields}}}"#),
        )
    }

    #[test]
    fn classlink_files_without_a_route_are_the_direct_route() {
        let c = Customer::from_json(&classlink(
            r#", "base_url": "https://demo-nj-v2.oneroster.com", "client_id": "a",
               "client_secret": "env:X", "oneroster_version": "1.1""#,
        ))
        .unwrap();
        assert_eq!(c.integration.kind(), "ClassLink");
        let Integration::Classlink(settings) = &c.integration else {
            panic!("{:?}", c.integration)
        };
        assert_eq!(
            settings.route().unwrap(),
            ClassLinkRoute::Direct {
                base_url: "https://demo-nj-v2.oneroster.com",
                client_id: "a",
                client_secret: &SecretRef::Env("X".into()),
            }
        );
        assert_eq!(settings.secret(), Some(&SecretRef::Env("X".into())));
    }

    #[test]
    fn classlink_proxy_settings_default_the_proxy_address() {
        let c = Customer::from_json(&classlink(
            r#", "route": "proxy", "application_id": "57", "access_token": "env:CL_TOKEN",
               "limits": {"max_concurrent_requests": 2}"#,
        ))
        .unwrap();
        let Integration::Classlink(settings) = &c.integration else {
            panic!("{:?}", c.integration)
        };
        assert_eq!(
            settings.route().unwrap(),
            ClassLinkRoute::Proxy {
                proxy_base: CLASSLINK_PROXY_BASE,
                application_id: "57",
                access_token: &SecretRef::Env("CL_TOKEN".into()),
            }
        );
        assert_eq!(settings.secret(), Some(&SecretRef::Env("CL_TOKEN".into())));
        // It writes back as it was read.
        let again = Customer::from_json(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(again.integration, c.integration);
    }

    #[test]
    fn classlink_settings_errors_name_the_field() {
        let cases = [
            (
                r#", "client_id": "a", "client_secret": "env:X""#,
                "integration.base_url",
            ),
            (
                r#", "base_url": "ftp://x", "client_id": "a", "client_secret": "env:X""#,
                "integration.base_url",
            ),
            (
                r#", "base_url": "https://x", "client_secret": "env:X""#,
                "integration.client_id",
            ),
            (
                r#", "base_url": "https://x", "client_id": " ", "client_secret": "env:X""#,
                "integration.client_id",
            ),
            (
                r#", "base_url": "https://x", "client_id": "a""#,
                "integration.client_secret",
            ),
            (
                r#", "base_url": "https://x", "client_id": "a", "client_secret": "env:X", "oneroster_version": "1.2""#,
                "integration.oneroster_version",
            ),
            (
                r#", "application_id": "57", "access_token": "env:T""#,
                "integration.application_id",
            ),
            (
                r#", "route": "proxy", "access_token": "env:T""#,
                "integration.application_id",
            ),
            (
                r#", "route": "proxy", "application_id": "5/7", "access_token": "env:T""#,
                "integration.application_id",
            ),
            (
                r#", "route": "proxy", "application_id": "57""#,
                "integration.access_token",
            ),
            (
                r#", "route": "proxy", "application_id": "57", "access_token": "env:T", "proxy_base": "x""#,
                "integration.proxy_base",
            ),
            (
                r#", "route": "proxy", "application_id": "57", "access_token": "env:T", "client_id": "a""#,
                "integration.client_id",
            ),
            (
                r#", "route": "proxy", "application_id": "57", "access_token": "env:T", "limits": {"page_size": 0}"#,
                "integration.limits.page_size",
            ),
        ];
        for (fields, want) in cases {
            let (field, msg) = Customer::from_json(&classlink(fields)).unwrap_err();
            assert_eq!(field.as_deref(), Some(want), "{fields}: {msg}");
            assert!(msg.contains(&format!("`{want}`")), "{msg}");
        }
        let (_, msg) =
            Customer::from_json(&classlink(r#", "application_id": "57", "access_token": "env:T""#)).unwrap_err();
        assert!(msg.contains(r#""route": "proxy""#), "{msg}");
        let (_, msg) = Customer::from_json(&classlink(r#", "route": "tunnel""#)).unwrap_err();
        assert!(msg.contains("tunnel") && msg.contains("integration"), "{msg}");
        let (_, msg) = Customer::from_json(&classlink(r#", "route": "proxy", "token": "env:T""#)).unwrap_err();
        assert!(msg.contains("token"), "{msg}");
    }

    #[test]
    fn a_literal_secret_is_refused() {
        let text = GOOD.replace(
            r#"{"type": "oneroster_csv", "location": {"kind": "path", "path": "bundle"}}"#,
            r#"{"type": "classlink", "base_url": "https://x", "client_id": "a", "client_secret": "s3cr3t!"}"#,
        );
        let (field, msg) = Customer::from_json(&text).unwrap_err();
        // Inside a tagged section serde reports the section, not the leaf field.
        assert_eq!(field.as_deref(), Some("integration"), "{msg}");
        assert!(msg.contains("secret reference"), "{msg}");
        assert!(!msg.contains("s3cr3t"), "{msg}");
    }
}
