//! HubSpot's CRM API, where support tickets live (feature `hubspot`).
//!
//! - [`HubSpot::get_ticket`] reads a ticket's properties, its company (the district)
//!   and its contacts, cached in memory for a while (10 minutes by default).
//! - [`HubSpot::add_note`] adds a note to a ticket, its body capped at HubSpot's
//!   65,536 characters; [`model::note_body_from_text`] makes one from plain text,
//!   escaped so that user data can never become markup. The note-to-ticket
//!   association type is looked up, not assumed.
//! - [`HubSpot::update_ticket_stage`] moves a ticket to a stage named as people name
//!   it, within the ticket's own pipeline.
//! - Authorisation is a private-app token, or OAuth 2 ([`oauth`]): refresh tokens in a
//!   [`oauth::TokenStore`] (a file encrypted at rest), access tokens refreshed before
//!   they expire by one request at a time.
//! - Requests go through [`crate::http::client_for`] (TLS verified, no redirects,
//!   plain HTTP only to this machine), under a client-side rate limit (100 requests
//!   per 10 s by default); 429 and 5xx answers are retried honouring `Retry-After`.
//!   HubSpot's error bodies become typed errors ([`RestErrorKind`]) naming the
//!   category and the correlation id, never a token, a secret or a whole answer.
//!
//! Paths follow the API version setting: date-versioned (`/crm/objects/2026-03/…`,
//! the default) or `v3` (`/crm/v3/objects/…`, association labels under `/crm/v4`);
//! see [`api_path`].

pub mod file;
pub mod model;
pub mod oauth;

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cdt_core::{Secret, SecretRef};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tracing::{debug, warn};

use crate::credentials::CredentialManager;
pub use crate::error::RestErrorKind;
use crate::error::{Error, Result};
use crate::http::{Attempt, RetryPolicy, enc, retry_after, transport_message, with_retries};
use model::{Company, Contact, Pipeline, Stage, Ticket};
use oauth::{OAuthClient, TokenManager, TokenStore};

/// The properties read from a ticket.
pub const TICKET_PROPERTIES: &str = "subject,content,hs_pipeline,hs_pipeline_stage,hs_ticket_priority";

/// The most contacts of one ticket read.
const MAX_CONTACTS: usize = 10;

/// True for `YYYY-MM`.
fn is_dated(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7 && b[4] == b'-' && b.iter().enumerate().all(|(i, c)| i == 4 || c.is_ascii_digit())
}

/// The CRM API version: date-versioned paths (`2026-03`, the default) or `v3`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ApiVersion {
    /// `/crm/v3/...` (association labels under `/crm/v4/...`).
    V3,
    /// `/crm/objects/{YYYY-MM}/...`.
    Dated(String),
}

impl Default for ApiVersion {
    fn default() -> Self {
        Self::Dated("2026-03".into())
    }
}

impl TryFrom<String> for ApiVersion {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        match s.as_str() {
            "v3" => Ok(Self::V3),
            d if is_dated(d) => Ok(Self::Dated(s)),
            _ => Err("`api_version` is a date version such as \"2026-03\", or \"v3\"".into()),
        }
    }
}

impl From<ApiVersion> for String {
    fn from(v: ApiVersion) -> Self {
        match v {
            ApiVersion::V3 => "v3".into(),
            ApiVersion::Dated(d) => d,
        }
    }
}

/// The OAuth token endpoint's version: date-versioned (`2026-03`, the default) or
/// `v1` (retired on 16 February 2027).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum OAuthVersion {
    /// `/oauth/v1/token`.
    V1,
    /// `/oauth/{YYYY-MM}/token`.
    Dated(String),
}

impl Default for OAuthVersion {
    fn default() -> Self {
        Self::Dated("2026-03".into())
    }
}

impl TryFrom<String> for OAuthVersion {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        match s.as_str() {
            "v1" => Ok(Self::V1),
            d if is_dated(d) => Ok(Self::Dated(s)),
            _ => Err("`oauth_version` is a date version such as \"2026-03\", or \"v1\"".into()),
        }
    }
}

impl From<OAuthVersion> for String {
    fn from(v: OAuthVersion) -> Self {
        match v {
            OAuthVersion::V1 => "v1".into(),
            OAuthVersion::Dated(d) => d,
        }
    }
}

/// A CRM API endpoint, for [`api_path`].
#[derive(Clone, Copy, Debug)]
pub enum Endpoint<'a> {
    /// An object collection (`tickets`, `notes`, …), or one object of it.
    Object {
        /// The object type.
        kind: &'a str,
        /// The object id.
        id: Option<&'a str>,
    },
    /// The pipelines of an object type.
    Pipelines {
        /// The object type.
        kind: &'a str,
    },
    /// The association types (labels) from one object type to another.
    AssociationLabels {
        /// The object type associated from.
        from: &'a str,
        /// The object type associated to.
        to: &'a str,
    },
}

/// The path of an endpoint in an API version (segments encoded).
#[must_use]
pub fn api_path(version: &ApiVersion, endpoint: Endpoint<'_>) -> String {
    let id = |id: Option<&str>| id.map(|i| format!("/{}", enc(i))).unwrap_or_default();
    match (version, endpoint) {
        (ApiVersion::V3, Endpoint::Object { kind, id: i }) => format!("/crm/v3/objects/{}{}", enc(kind), id(i)),
        (ApiVersion::V3, Endpoint::Pipelines { kind }) => format!("/crm/v3/pipelines/{}", enc(kind)),
        (ApiVersion::V3, Endpoint::AssociationLabels { from, to }) => {
            format!("/crm/v4/associations/{}/{}/labels", enc(from), enc(to))
        }
        (ApiVersion::Dated(v), Endpoint::Object { kind, id: i }) => {
            format!("/crm/objects/{}/{}{}", enc(v), enc(kind), id(i))
        }
        (ApiVersion::Dated(v), Endpoint::Pipelines { kind }) => format!("/crm/pipelines/{}/{}", enc(v), enc(kind)),
        (ApiVersion::Dated(v), Endpoint::AssociationLabels { from, to }) => {
            format!("/crm/associations/{}/{}/{}/labels", enc(v), enc(from), enc(to))
        }
    }
}

fn default_api_base() -> String {
    "https://api.hubapi.com".into()
}
fn default_app_base() -> String {
    "https://app.hubspot.com".into()
}
fn default_redirect_port() -> u16 {
    8976
}
fn default_requests_per_10s() -> u32 {
    100
}
fn default_timeout_seconds() -> u64 {
    30
}

/// HubSpot settings (`hubspot` in a settings file). Secrets are references only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubSpotSettings {
    /// The API's base URL (`https://api.hubapi.com`; tests point it at loopback).
    #[serde(default = "default_api_base")]
    pub api_base: String,
    /// The app's base URL, for the authorize URL and ticket links
    /// (`https://app.hubspot.com`).
    #[serde(default = "default_app_base")]
    pub app_base: String,
    /// The CRM API version: `"2026-03"` (default) or `"v3"`.
    #[serde(default)]
    pub api_version: ApiVersion,
    /// The OAuth token endpoint's version: `"2026-03"` (default) or `"v1"`.
    #[serde(default)]
    pub oauth_version: OAuthVersion,
    /// The OAuth app's client id.
    #[serde(default)]
    pub client_id: Option<String>,
    /// The OAuth app's client secret (a reference, e.g. `env:CDT_HUBSPOT_CLIENT_SECRET`).
    #[serde(default)]
    pub client_secret: Option<SecretRef>,
    /// A refresh token to start from (a reference), when none is stored yet.
    #[serde(default)]
    pub refresh_token: Option<SecretRef>,
    /// A private app's access token (a reference), used as the bearer token as is,
    /// never refreshed; when set, OAuth is not used.
    #[serde(default)]
    pub access_token: Option<SecretRef>,
    /// The port of the local redirect of `cdt hubspot login` (8976).
    #[serde(default = "default_redirect_port")]
    pub redirect_port: u16,
    /// Requests sent in any 10 seconds at most (100, HubSpot's limit for most apps).
    #[serde(default = "default_requests_per_10s")]
    pub requests_per_10s: u32,
    /// The timeout of one request, in seconds (30).
    #[serde(default = "default_timeout_seconds")]
    pub timeout_seconds: u64,
    /// The HubSpot account (portal) id, to build links to tickets.
    #[serde(default)]
    pub portal_id: Option<String>,
    /// Where `cdt hubspot login` keeps the refresh token, encrypted with `token_key`
    /// (relative to the settings file's folder); without it the refresh token comes
    /// from `refresh_token` only and a rotated one lives in memory.
    #[serde(default)]
    pub token_file: Option<PathBuf>,
    /// The 32-byte key (a reference: 64 hex digits or base64) that encrypts
    /// `token_file`, e.g. `env:CDT_HUBSPOT_TOKEN_KEY`.
    #[serde(default)]
    pub token_key: Option<SecretRef>,
}

impl Default for HubSpotSettings {
    fn default() -> Self {
        Self {
            api_base: default_api_base(),
            app_base: default_app_base(),
            api_version: ApiVersion::default(),
            oauth_version: OAuthVersion::default(),
            client_id: None,
            client_secret: None,
            refresh_token: None,
            access_token: None,
            redirect_port: default_redirect_port(),
            requests_per_10s: default_requests_per_10s(),
            timeout_seconds: default_timeout_seconds(),
            portal_id: None,
            token_file: None,
            token_key: None,
        }
    }
}

impl HubSpotSettings {
    /// The redirect URI of the login flow: `http://localhost:{redirect_port}/oauth-callback`.
    #[must_use]
    pub fn redirect_uri(&self) -> String {
        format!("http://localhost:{}/oauth-callback", self.redirect_port)
    }

    /// The authorize URL for `state` (see [`oauth::new_state`]).
    pub fn authorize_url(&self, state: &str) -> Result<String> {
        let client_id = self
            .client_id
            .as_deref()
            .ok_or_else(|| settings_error("`client_id` is not set"))?;
        Ok(oauth::authorize_url(
            &self.app_base,
            client_id,
            &self.redirect_uri(),
            &oauth::SCOPES,
            state,
        ))
    }
}

fn settings_error(message: &str) -> Error {
    Error::HubSpot {
        request: "settings".into(),
        status: None,
        kind: RestErrorKind::Settings,
        correlation_id: None,
        message: message.to_owned(),
    }
}

/// How to call HubSpot, with every default resolved.
#[derive(Clone, Debug)]
pub struct HubSpotOptions {
    /// The API's base URL.
    pub api_base: String,
    /// The app's base URL.
    pub app_base: String,
    /// The CRM API version.
    pub api_version: ApiVersion,
    /// The OAuth token endpoint's version.
    pub oauth_version: OAuthVersion,
    /// The timeout of one request.
    pub timeout: Duration,
    /// Requests sent in any `rate_window` at most.
    pub max_requests: u32,
    /// The window of `max_requests` (10 s).
    pub rate_window: Duration,
    /// How long a ticket read stays cached (10 minutes).
    pub ticket_cache_ttl: Duration,
    /// An access token is refreshed when less than this is left of its life (5 minutes).
    pub refresh_margin: Duration,
    /// The most attempts of one request.
    pub max_attempts: u32,
    /// The cap on the total time spent retrying one request.
    pub max_retry_time: Duration,
    /// The first backoff; it doubles each retry, with jitter.
    pub base_backoff: Duration,
    /// The HubSpot account id, for ticket links.
    pub portal_id: Option<String>,
}

impl HubSpotOptions {
    /// Options with the defaults, for the API at `api_base`.
    #[must_use]
    pub fn new(api_base: &str) -> Self {
        Self {
            api_base: api_base.trim_end_matches('/').to_owned(),
            app_base: default_app_base(),
            api_version: ApiVersion::default(),
            oauth_version: OAuthVersion::default(),
            timeout: Duration::from_secs(30),
            max_requests: 100,
            rate_window: Duration::from_secs(10),
            ticket_cache_ttl: Duration::from_mins(10),
            refresh_margin: Duration::from_mins(5),
            max_attempts: 5,
            max_retry_time: Duration::from_mins(1),
            base_backoff: Duration::from_millis(500),
            portal_id: None,
        }
    }

    /// The options of settings.
    #[must_use]
    pub fn from_settings(s: &HubSpotSettings) -> Self {
        Self {
            app_base: s.app_base.trim_end_matches('/').to_owned(),
            api_version: s.api_version.clone(),
            oauth_version: s.oauth_version.clone(),
            timeout: Duration::from_secs(s.timeout_seconds.max(1)),
            max_requests: s.requests_per_10s,
            portal_id: s.portal_id.clone(),
            ..Self::new(&s.api_base)
        }
    }

    fn policy(&self) -> RetryPolicy {
        RetryPolicy {
            max_retry_time: self.max_retry_time,
            base_backoff: self.base_backoff,
            max_backoff: Duration::from_secs(10),
            max_attempts: self.max_attempts.max(1),
        }
    }
}

/// How requests are authorised.
pub enum Credentials {
    /// A private app's access token, used as is.
    PrivateApp(Secret),
    /// OAuth 2: the app's client id and secret, and where the refresh token is kept.
    OAuth {
        /// The client id.
        client_id: String,
        /// The client secret.
        client_secret: Secret,
        /// The refresh token's store.
        store: Arc<dyn TokenStore>,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::PrivateApp(_) => f.write_str("PrivateApp([redacted])"),
            Self::OAuth { client_id, .. } => f
                .debug_struct("OAuth")
                .field("client_id", client_id)
                .finish_non_exhaustive(),
        }
    }
}

/// Requests started in any window, at most `max`: a sliding window.
struct RateLimiter {
    max: usize,
    window: Duration,
    starts: std::sync::Mutex<VecDeque<Instant>>,
}

impl RateLimiter {
    fn new(max: u32, window: Duration) -> Self {
        Self {
            max: (max as usize).max(1),
            window,
            starts: std::sync::Mutex::new(VecDeque::new()),
        }
    }

    /// Waits until one more request fits in the window, and counts it.
    async fn acquire(&self) {
        loop {
            let wait = {
                let mut starts = self.starts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let now = Instant::now();
                while starts.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
                    starts.pop_front();
                }
                if starts.len() < self.max {
                    starts.push_back(now);
                    return;
                }
                starts
                    .front()
                    .map_or(Duration::ZERO, |t| (*t + self.window).saturating_duration_since(now))
            };
            debug!(wait_ms = wait.as_millis(), "HubSpot client-side rate limit: waiting");
            tokio::time::sleep(wait.max(Duration::from_millis(1))).await;
        }
    }
}

enum Auth {
    Static(Secret),
    OAuth(Box<TokenManager>),
}

struct Inner {
    http: reqwest::Client,
    opts: HubSpotOptions,
    auth: Auth,
    limiter: RateLimiter,
    cache: std::sync::Mutex<HashMap<String, (Instant, Ticket)>>,
    note_type: tokio::sync::OnceCell<u32>,
    requests: AtomicU64,
}

/// A HubSpot client. Cheap to clone.
#[derive(Clone)]
pub struct HubSpot {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for HubSpot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubSpot")
            .field("api_base", &self.inner.opts.api_base)
            .field("api_version", &self.inner.opts.api_version)
            .finish_non_exhaustive()
    }
}

/// A ticket, company or contact id: digits only.
fn check_id(id: &str) -> Result<&str> {
    let id = id.trim();
    if id.is_empty() || id.len() > 20 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::HubSpot {
            request: "ticket reference".into(),
            status: None,
            kind: RestErrorKind::BadRequest,
            correlation_id: None,
            message: format!("`{}` is not a HubSpot id (digits only)", model::clean(id)),
        });
    }
    Ok(id)
}

/// The ticket id of a reference: a bare id, or a link to the ticket in HubSpot
/// (`https://app.hubspot.com/contacts/12345/ticket/678`,
/// `https://app.hubspot.com/contacts/12345/record/0-5/678`).
pub fn parse_ticket_ref(s: &str) -> Result<String> {
    let s = s.trim();
    if check_id(s).is_ok() {
        return Ok(s.to_owned());
    }
    let bad = || Error::HubSpot {
        request: "ticket reference".into(),
        status: None,
        kind: RestErrorKind::BadRequest,
        correlation_id: None,
        message: format!(
            "`{}` is neither a ticket id nor a HubSpot ticket link \
             (https://app.hubspot.com/contacts/<portal>/ticket/<id> or …/record/0-5/<id>)",
            model::clean(s)
        ),
    };
    let url = reqwest::Url::parse(s).map_err(|_| bad())?;
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    if !matches!(url.scheme(), "https" | "http") || !(host == "hubspot.com" || host.ends_with(".hubspot.com")) {
        return Err(bad());
    }
    let segments: Vec<&str> = url.path_segments().map(Iterator::collect).unwrap_or_default();
    let id = match segments.as_slice() {
        ["contacts", portal, "ticket", id, ..] | ["contacts", portal, "record", "0-5", id, ..]
            if check_id(portal).is_ok() =>
        {
            *id
        }
        _ => return Err(bad()),
    };
    check_id(id).map(str::to_owned).map_err(|_| bad())
}

/// What an error body's category means, as a message and a kind.
fn api_error(status: u16, body: &[u8], label: &str) -> Error {
    let parsed = model::parse_error_body(body);
    let b = parsed.as_ref().ok().cloned().unwrap_or_default();
    if let Some(c) = &b.correlation_id {
        warn!(request = %label, status, category = b.category.as_deref().unwrap_or(""), correlation_id = %c,
              "HubSpot refused a request");
    }
    let category = b.category.clone().unwrap_or_default();
    let detail = || {
        let mut parts: Vec<String> = b.message.iter().cloned().collect();
        parts.extend(b.errors.iter().take(3).filter_map(|e| {
            let m = e.message.clone()?;
            Some(match &e.field {
                Some(f) => format!("{f}: {m}"),
                None => m,
            })
        }));
        if parts.is_empty() {
            String::new()
        } else {
            format!(": {}", parts.join("; "))
        }
    };
    let (kind, message) = match (category.as_str(), status) {
        ("INVALID_AUTHENTICATION", _) | (_, 401) => (
            RestErrorKind::BadCredentials,
            format!(
                "HTTP {status} INVALID_AUTHENTICATION: HubSpot refused the credentials, or the access token \
                 expired: run `cdt hubspot login` (or check the private app's `access_token`)"
            ),
        ),
        ("MISSING_SCOPES", _) | (_, 403) => {
            let scopes = if b.required_scopes.is_empty() {
                "a scope this request needs".to_owned()
            } else {
                format!("the scope `{}`", b.required_scopes.join("`, `"))
            };
            (
                RestErrorKind::Forbidden,
                format!(
                    "HTTP {status} MISSING_SCOPES: the HubSpot app lacks {scopes}: add it to the app and run \
                     `cdt hubspot login` again"
                ),
            )
        }
        ("OBJECT_NOT_FOUND", _) | (_, 404) => (
            RestErrorKind::UnknownObject,
            format!("HTTP {status} OBJECT_NOT_FOUND: HubSpot has no such object: check the ticket id"),
        ),
        ("VALIDATION_ERROR", _) | (_, 400 | 422) => (
            RestErrorKind::BadRequest,
            format!(
                "HTTP {status} VALIDATION_ERROR: HubSpot rejected the request{}",
                detail()
            ),
        ),
        ("RATE_LIMITS", _) | (_, 429) => (
            RestErrorKind::Unavailable,
            format!("HTTP {status} RATE_LIMITS: HubSpot's rate limit was reached"),
        ),
        (c, _) => (
            RestErrorKind::Server,
            format!(
                "HTTP {status}{}{}",
                if c.is_empty() { String::new() } else { format!(" {c}") },
                detail()
            ),
        ),
    };
    let message = match parsed {
        Err(Error::HubSpot { message: why, .. }) if !body.is_empty() => format!("{message} ({why})"),
        _ => message,
    };
    Error::HubSpot {
        request: label.to_owned(),
        status: Some(status),
        kind,
        correlation_id: b.correlation_id,
        message,
    }
}

/// A parse error given the request it answered.
fn relabel(e: Error, label: &str) -> Error {
    match e {
        Error::HubSpot {
            kind,
            message,
            correlation_id,
            ..
        } => Error::HubSpot {
            request: label.to_owned(),
            status: Some(200),
            kind,
            correlation_id,
            message,
        },
        other => other,
    }
}

impl HubSpot {
    /// A client with resolved options and credentials.
    pub fn new(opts: HubSpotOptions, credentials: Credentials) -> Result<Self> {
        let fail = |message: String| Error::HubSpot {
            request: opts.api_base.clone(),
            status: None,
            kind: RestErrorKind::Settings,
            correlation_id: None,
            message,
        };
        let http = crate::http::client_for(&opts.api_base, opts.timeout)
            .map_err(fail)?
            .build()
            .map_err(|e| fail(format!("cannot build the HTTP client: {e}")))?;
        let auth = match credentials {
            Credentials::PrivateApp(token) => Auth::Static(token),
            Credentials::OAuth {
                client_id,
                client_secret,
                store,
            } => {
                let client = OAuthClient::new(
                    &opts.api_base,
                    &opts.oauth_version,
                    &client_id,
                    client_secret,
                    opts.timeout,
                )?;
                Auth::OAuth(Box::new(TokenManager::new(client, store, opts.refresh_margin)))
            }
        };
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                limiter: RateLimiter::new(opts.max_requests, opts.rate_window),
                opts,
                auth,
                cache: std::sync::Mutex::new(HashMap::new()),
                note_type: tokio::sync::OnceCell::new(),
                requests: AtomicU64::new(0),
            }),
        })
    }

    /// A client for settings, resolving their secrets with `creds`: a private app's
    /// `access_token`, or OAuth with the refresh token kept in `store` (by default in
    /// memory, starting from the settings' `refresh_token`).
    pub async fn from_settings(
        settings: &HubSpotSettings,
        creds: &CredentialManager,
        store: Option<Arc<dyn TokenStore>>,
    ) -> Result<Self> {
        let opts = HubSpotOptions::from_settings(settings);
        if let Some(r) = &settings.access_token {
            return Self::new(opts, Credentials::PrivateApp(creds.get(r).await?));
        }
        let (Some(client_id), Some(secret_ref)) = (&settings.client_id, &settings.client_secret) else {
            return Err(settings_error(
                "set `access_token` (a private app), or `client_id` and `client_secret` (OAuth)",
            ));
        };
        let client_secret = creds.get(secret_ref).await?;
        let initial = match &settings.refresh_token {
            Some(r) => Some(creds.get(r).await?),
            None => None,
        };
        let store: Arc<dyn TokenStore> = match store {
            Some(s) => {
                if let Some(t) = initial
                    && s.load().await?.is_none()
                {
                    s.save(&t).await?;
                }
                s
            }
            None => Arc::new(oauth::MemoryTokenStore::new(initial)),
        };
        Self::new(
            opts,
            Credentials::OAuth {
                client_id: client_id.clone(),
                client_secret,
                store,
            },
        )
    }

    /// How many API requests were sent, retries included (token requests apart).
    #[must_use]
    pub fn request_count(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// How many OAuth token requests were sent.
    #[must_use]
    pub fn token_request_count(&self) -> u64 {
        match &self.inner.auth {
            Auth::OAuth(m) => m.refresh_count(),
            Auth::Static(_) => 0,
        }
    }

    /// The link to a ticket in HubSpot, when `portal_id` is set.
    #[must_use]
    pub fn ticket_url(&self, ticket_id: &str) -> Option<String> {
        let portal = self.inner.opts.portal_id.as_deref()?;
        Some(format!(
            "{}/contacts/{}/record/0-5/{}",
            self.inner.opts.app_base,
            enc(portal),
            enc(ticket_id)
        ))
    }

    fn path(&self, endpoint: Endpoint<'_>) -> String {
        api_path(&self.inner.opts.api_version, endpoint)
    }

    async fn bearer(&self) -> Result<Secret> {
        match &self.inner.auth {
            Auth::Static(t) => Ok(t.clone()),
            Auth::OAuth(m) => m.token().await,
        }
    }

    /// Sends one request (retrying what is safe to retry) and returns the body.
    /// `query` values are encoded here. A POST is retried only when it surely did
    /// not arrive (no connection, 429), so a note is never added twice.
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Vec<u8>> {
        let label = format!("{method} {path}");
        let mut url = format!("{}{path}", self.inner.opts.api_base);
        for (i, (k, v)) in query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(&enc(k));
            url.push('=');
            url.push_str(&enc(v));
        }
        let fail = |status: Option<u16>, kind: RestErrorKind, message: String| Error::HubSpot {
            request: label.clone(),
            status,
            kind,
            correlation_id: None,
            message,
        };
        let url =
            reqwest::Url::parse(&url).map_err(|e| fail(None, RestErrorKind::Settings, format!("not a URL: {e}")))?;
        let idempotent = method != reqwest::Method::POST;
        with_retries(
            &self.inner.opts.policy(),
            &label,
            |attempt| {
                let (url, label, fail, method) = (&url, &label, &fail, &method);
                async move {
                    let token = match self.bearer().await {
                        Ok(t) => t,
                        Err(e) => return Attempt::Done(Err(e)),
                    };
                    self.inner.limiter.acquire().await;
                    let mut req = self
                        .inner
                        .http
                        .request(method.clone(), url.clone())
                        .bearer_auth(token.expose())
                        .header("accept", "application/json");
                    if let Some(b) = body {
                        req = req
                            .header("content-type", "application/json")
                            .body(serde_json::to_vec(b).unwrap_or_default());
                    }
                    let n = self.inner.requests.fetch_add(1, Ordering::Relaxed) + 1;
                    debug!(request = %label, attempt, count = n, "HubSpot request");
                    let resp = match req.send().await {
                        Ok(r) => r,
                        Err(e) if idempotent || e.is_connect() => {
                            return Attempt::Retry {
                                reason: transport_message(&e),
                                status: None,
                                after: None,
                            };
                        }
                        Err(e) => {
                            return Attempt::Done(Err(fail(None, RestErrorKind::Unavailable, transport_message(&e))));
                        }
                    };
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
                    let secondly = header("x-hubspot-ratelimit-secondly-remaining");
                    let remaining = header("x-hubspot-ratelimit-remaining");
                    if secondly.is_some() || remaining.is_some() {
                        debug!(request = %label, secondly_remaining = ?secondly, remaining = ?remaining,
                               "HubSpot rate limit");
                    }
                    if (300..400).contains(&status) {
                        return Attempt::Done(Err(fail(
                            Some(status),
                            RestErrorKind::Redirect,
                            crate::http::redirect_message(status, &headers),
                        )));
                    }
                    if status == 429 || (idempotent && matches!(status, 500 | 502 | 503 | 504)) {
                        return Attempt::Retry {
                            reason: format!("HTTP {status}"),
                            status: Some(status),
                            after: retry_after(&headers),
                        };
                    }
                    let bytes = match resp.bytes().await {
                        Ok(b) => b,
                        Err(e) if idempotent => {
                            return Attempt::Retry {
                                reason: transport_message(&e),
                                status: Some(status),
                                after: None,
                            };
                        }
                        Err(e) => {
                            return Attempt::Done(Err(fail(
                                Some(status),
                                RestErrorKind::Unavailable,
                                transport_message(&e),
                            )));
                        }
                    };
                    if (200..300).contains(&status) {
                        Attempt::Done(Ok(bytes.to_vec()))
                    } else {
                        Attempt::Done(Err(api_error(status, &bytes, label)))
                    }
                }
            },
            |status, message| fail(status, RestErrorKind::Unavailable, message),
        )
        .await
    }

    async fn get_object<T>(&self, kind: &str, id: &str, properties: &str, parse: fn(&[u8]) -> Result<T>) -> Result<T> {
        let path = self.path(Endpoint::Object { kind, id: Some(id) });
        let body = self
            .send(reqwest::Method::GET, &path, &[("properties", properties)], None)
            .await?;
        parse(&body).map_err(|e| relabel(e, &format!("GET {path}")))
    }

    /// A ticket with its company and contacts: from the cache when read less than
    /// the cache's time to live ago, else from HubSpot (one request for the ticket,
    /// one for the company, one a contact, at most 10 contacts). A company or
    /// contact that no longer exists is kept with its id only.
    pub async fn get_ticket(&self, ticket_id: &str) -> Result<Ticket> {
        let id = check_id(ticket_id)?;
        if let Some(t) = self.cached(id) {
            debug!(ticket = id, "HubSpot ticket from the cache");
            return Ok(t);
        }
        let path = self.path(Endpoint::Object {
            kind: "tickets",
            id: Some(id),
        });
        let body = self
            .send(
                reqwest::Method::GET,
                &path,
                &[
                    ("properties", TICKET_PROPERTIES),
                    ("associations", "companies,contacts"),
                ],
                None,
            )
            .await?;
        let mut ticket = model::parse_ticket(&body).map_err(|e| relabel(e, &format!("GET {path}")))?;
        let gone = |e: &Error| {
            matches!(
                e,
                Error::HubSpot {
                    kind: RestErrorKind::UnknownObject,
                    ..
                }
            )
        };
        if let Some(c) = ticket.company.take() {
            ticket.company = Some(
                match self
                    .get_object("companies", &c.id, "name,domain", model::parse_company)
                    .await
                {
                    Ok(found) => found,
                    Err(e) if gone(&e) => {
                        warn!(ticket = id, company = %c.id, "the ticket's company no longer exists");
                        Company {
                            id: c.id,
                            ..Company::default()
                        }
                    }
                    Err(e) => return Err(e),
                },
            );
        }
        if ticket.contacts.len() > MAX_CONTACTS {
            warn!(
                ticket = id,
                contacts = ticket.contacts.len(),
                "reading only the first {MAX_CONTACTS} contacts"
            );
            ticket.contacts.truncate(MAX_CONTACTS);
        }
        let contacts = futures_util::future::join_all(
            ticket
                .contacts
                .iter()
                .map(|c| self.get_object("contacts", &c.id, "email,firstname,lastname", model::parse_contact)),
        )
        .await;
        let mut read = Vec::with_capacity(contacts.len());
        for (c, r) in ticket.contacts.iter().zip(contacts) {
            match r {
                Ok(found) => read.push(found),
                Err(e) if gone(&e) => read.push(Contact {
                    id: c.id.clone(),
                    ..Contact::default()
                }),
                Err(e) => return Err(e),
            }
        }
        ticket.contacts = read;
        if let Ok(mut cache) = self.inner.cache.lock() {
            cache.insert(id.to_owned(), (Instant::now(), ticket.clone()));
        }
        Ok(ticket)
    }

    fn cached(&self, id: &str) -> Option<Ticket> {
        let ttl = self.inner.opts.ticket_cache_ttl;
        let mut cache = self.inner.cache.lock().ok()?;
        match cache.get(id) {
            Some((at, t)) if at.elapsed() < ttl => Some(t.clone()),
            Some(_) => {
                cache.remove(id);
                None
            }
            None => None,
        }
    }

    /// Forgets a cached ticket (after a change to it).
    pub fn invalidate(&self, ticket_id: &str) {
        if let Ok(mut cache) = self.inner.cache.lock() {
            cache.remove(ticket_id.trim());
        }
    }

    /// The note-to-ticket association type: HubSpot's default (`HUBSPOT_DEFINED`,
    /// unlabeled) one, looked up once.
    pub async fn note_association_type(&self) -> Result<u32> {
        self.inner
            .note_type
            .get_or_try_init(|| async {
                let path = self.path(Endpoint::AssociationLabels {
                    from: "notes",
                    to: "tickets",
                });
                let body = self.send(reqwest::Method::GET, &path, &[], None).await?;
                let labels = model::parse_association_labels(&body).map_err(|e| relabel(e, &format!("GET {path}")))?;
                let id = model::default_association_type(&labels).ok_or_else(|| Error::HubSpot {
                    request: format!("GET {path}"),
                    status: Some(200),
                    kind: RestErrorKind::Malformed,
                    correlation_id: None,
                    message: "HubSpot lists no default (HUBSPOT_DEFINED, unlabeled) note-to-ticket association".into(),
                })?;
                debug!(type_id = id, "HubSpot note-to-ticket association type");
                Ok(id)
            })
            .await
            .copied()
    }

    /// Adds a note to a ticket: `html` capped at HubSpot's limit (see
    /// [`model::cap_note_body`]), timestamped `at`. Returns the note's id. `html` is
    /// sent as is: build it from outside text with [`model::note_body_from_text`] or
    /// [`model::html_escape`].
    pub async fn add_note(&self, ticket_id: &str, html: &str, at: chrono::DateTime<chrono::Utc>) -> Result<String> {
        let id = check_id(ticket_id)?;
        let type_id = self.note_association_type().await?;
        let body = json!({
            "properties": {
                "hs_timestamp": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "hs_note_body": model::cap_note_body(html),
            },
            "associations": [{
                "to": {"id": id},
                "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}],
            }],
        });
        let path = self.path(Endpoint::Object {
            kind: "notes",
            id: None,
        });
        let answer = self.send(reqwest::Method::POST, &path, &[], Some(&body)).await;
        self.invalidate(id);
        let note = model::parse_created_id(&answer?).map_err(|e| relabel(e, &format!("POST {path}")))?;
        debug!(ticket = id, note = %note, "HubSpot note added");
        Ok(note)
    }

    /// Adds a note of plain text (escaped, paragraphs kept; see
    /// [`model::note_body_from_text`]).
    pub async fn add_text_note(
        &self,
        ticket_id: &str,
        text: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<String> {
        self.add_note(ticket_id, &model::note_body_from_text(text), at).await
    }

    /// The ticket pipelines and their stages.
    pub async fn pipelines(&self) -> Result<Vec<Pipeline>> {
        let path = self.path(Endpoint::Pipelines { kind: "tickets" });
        let body = self.send(reqwest::Method::GET, &path, &[], None).await?;
        model::parse_pipelines(&body).map_err(|e| relabel(e, &format!("GET {path}")))
    }

    /// Moves a ticket to the stage named `stage_name` (case-insensitive) of its own
    /// pipeline; an unknown name is an error listing the stages. Returns the stage.
    pub async fn update_ticket_stage(&self, ticket_id: &str, stage_name: &str) -> Result<Stage> {
        let id = check_id(ticket_id)?;
        let ticket = self.get_ticket(id).await?;
        let label = format!(
            "PATCH {}",
            self.path(Endpoint::Object {
                kind: "tickets",
                id: Some(id)
            })
        );
        let unknown = |message: String| Error::HubSpot {
            request: label.clone(),
            status: None,
            kind: RestErrorKind::UnknownName,
            correlation_id: None,
            message,
        };
        let pipeline_id = ticket
            .pipeline_id
            .ok_or_else(|| unknown(format!("ticket {id} is in no pipeline")))?;
        let pipelines = self.pipelines().await?;
        let pipeline = pipelines.iter().find(|p| p.id == pipeline_id).ok_or_else(|| {
            unknown(format!(
                "ticket {id} is in pipeline `{}`, which HubSpot does not list",
                model::clean(&pipeline_id)
            ))
        })?;
        let wanted = stage_name.trim().to_lowercase();
        let Some(stage) = pipeline.stages.iter().find(|s| s.label.trim().to_lowercase() == wanted) else {
            let names: Vec<String> = pipeline.stages.iter().map(|s| model::clean(&s.label)).collect();
            return Err(unknown(format!(
                "no stage `{}` in pipeline `{}`; its stages are: {}",
                model::clean(stage_name),
                model::clean(&pipeline.label),
                names.join(", ")
            )));
        };
        let path = self.path(Endpoint::Object {
            kind: "tickets",
            id: Some(id),
        });
        let body = json!({"properties": {"hs_pipeline_stage": stage.id}});
        let answer = self.send(reqwest::Method::PATCH, &path, &[], Some(&body)).await;
        self.invalidate(id);
        answer?;
        debug!(ticket = id, stage = %stage.id, "HubSpot ticket moved");
        Ok(stage.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_both_versions() {
        let dated = ApiVersion::default();
        let t = Endpoint::Object {
            kind: "tickets",
            id: Some("123"),
        };
        let notes = Endpoint::Object {
            kind: "notes",
            id: None,
        };
        let pipes = Endpoint::Pipelines { kind: "tickets" };
        let labels = Endpoint::AssociationLabels {
            from: "notes",
            to: "tickets",
        };
        assert_eq!(api_path(&dated, t), "/crm/objects/2026-03/tickets/123");
        assert_eq!(api_path(&dated, notes), "/crm/objects/2026-03/notes");
        assert_eq!(api_path(&dated, pipes), "/crm/pipelines/2026-03/tickets");
        assert_eq!(
            api_path(&dated, labels),
            "/crm/associations/2026-03/notes/tickets/labels"
        );
        let v3 = ApiVersion::V3;
        assert_eq!(api_path(&v3, t), "/crm/v3/objects/tickets/123");
        assert_eq!(api_path(&v3, notes), "/crm/v3/objects/notes");
        assert_eq!(api_path(&v3, pipes), "/crm/v3/pipelines/tickets");
        assert_eq!(api_path(&v3, labels), "/crm/v4/associations/notes/tickets/labels");
        let odd = Endpoint::Object {
            kind: "tickets",
            id: Some("1/../2"),
        };
        assert_eq!(api_path(&v3, odd), "/crm/v3/objects/tickets/1%2F..%2F2");
    }

    #[test]
    fn ticket_references_are_ids_or_hubspot_links() {
        assert_eq!(parse_ticket_ref(" 678 ").unwrap(), "678");
        assert_eq!(
            parse_ticket_ref("https://app.hubspot.com/contacts/12345/ticket/678").unwrap(),
            "678"
        );
        assert_eq!(
            parse_ticket_ref("https://app-eu1.hubspot.com/contacts/12345/record/0-5/678/?tab=notes#x").unwrap(),
            "678"
        );
        for bad in [
            "",
            "abc",
            "https://evil.example/contacts/1/ticket/2",
            "https://app.hubspot.com/contacts/12345/record/0-1/678",
            "https://app.hubspot.com/contacts/12345/ticket/",
            "https://app.hubspot.com/contacts/x/ticket/5",
            "12345678901234567890123",
        ] {
            assert!(parse_ticket_ref(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn settings_default_and_refuse_unknown_fields_and_versions() {
        let s: HubSpotSettings = serde_json::from_str(r#"{"client_id":"c","client_secret":"env:HS_SECRET"}"#).unwrap();
        assert_eq!(s.api_base, "https://api.hubapi.com");
        assert_eq!(s.api_version, ApiVersion::Dated("2026-03".into()));
        assert_eq!(s.oauth_version, OAuthVersion::Dated("2026-03".into()));
        assert_eq!(
            (s.redirect_port, s.requests_per_10s, s.timeout_seconds),
            (8976, 100, 30)
        );
        let v: HubSpotSettings = serde_json::from_str(r#"{"api_version":"v3","oauth_version":"v1"}"#).unwrap();
        assert_eq!((v.api_version, v.oauth_version), (ApiVersion::V3, OAuthVersion::V1));
        assert!(serde_json::from_str::<HubSpotSettings>(r#"{"api_version":"v9"}"#).is_err());
        assert!(serde_json::from_str::<HubSpotSettings>(r#"{"clientid":"c"}"#).is_err());
        let e = serde_json::from_str::<HubSpotSettings>(r#"{"client_secret":"pat-na1-literal"}"#).unwrap_err();
        assert!(!e.to_string().contains("pat-na1"), "{e}");
        let url = s.authorize_url("st").unwrap();
        assert!(
            url.starts_with("https://app.hubspot.com/oauth/authorize?client_id=c&redirect_uri="),
            "{url}"
        );
        assert!(url.contains("&state=st"));
    }

    #[test]
    fn error_categories_become_typed_errors() {
        let kind = |status, body: &str| match api_error(status, body.as_bytes(), "GET /x") {
            Error::HubSpot { kind, .. } => kind,
            _ => unreachable!(),
        };
        assert_eq!(
            kind(401, r#"{"category":"INVALID_AUTHENTICATION"}"#),
            RestErrorKind::BadCredentials
        );
        assert_eq!(kind(403, r#"{"category":"MISSING_SCOPES"}"#), RestErrorKind::Forbidden);
        assert_eq!(
            kind(404, r#"{"category":"OBJECT_NOT_FOUND"}"#),
            RestErrorKind::UnknownObject
        );
        assert_eq!(
            kind(400, r#"{"category":"VALIDATION_ERROR"}"#),
            RestErrorKind::BadRequest
        );
        assert_eq!(kind(418, "not json"), RestErrorKind::Server);
        let e = api_error(
            403,
            br#"{"category":"MISSING_SCOPES","correlationId":"c-1","errors":[{"context":{"requiredGranularScopes":["tickets"]}}]}"#,
            "GET /x",
        )
        .to_string();
        assert!(e.contains("`tickets`") && e.contains("c-1"), "{e}");
        let cut = api_error(500, br#"{"status":"err"#, "GET /x").to_string();
        assert!(cut.contains("truncated"), "{cut}");
    }

    #[tokio::test]
    async fn the_rate_limiter_waits_for_the_window() {
        let l = RateLimiter::new(3, Duration::from_millis(300));
        let start = Instant::now();
        for _ in 0..3 {
            l.acquire().await;
        }
        assert!(start.elapsed() < Duration::from_millis(200));
        l.acquire().await;
        assert!(start.elapsed() >= Duration::from_millis(290));
    }
}
