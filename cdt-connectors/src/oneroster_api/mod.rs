//! A OneRoster REST API as a SIS source (`integration.type = "oneroster_api"`,
//! `docs/oneroster-api.md`).
//!
//! - OneRoster 1.1 at `{base_url}/ims/oneroster/v1p1`, requests signed with OAuth 1.0a
//!   ([`oauth1`], HMAC-SHA256 or HMAC-SHA1) or, where the server wants it, a bearer
//!   token; 1.2 at `{base_url}/ims/oneroster/rostering/v1p2` with an OAuth 2
//!   client-credentials token ([`oauth2`]), cached and refreshed by one request at a
//!   time.
//! - Listings page with `limit`/`offset`, following `Link: rel="next"` or
//!   `X-Total-Count` when the server sends them, and stop safely when it does not or
//!   when they lie (an empty page ends a listing; a page seen twice, or more than
//!   `max_pages` pages, is an error; a total that does not hold is checked by one
//!   more page). Records are asked only for the fields read (`fields=`).
//! - A diagnostic never downloads the district: [`fetch`](SourceConnector::fetch)
//!   runs the core's slicing rule ([`cdt_core::slice::slice_roster`]) over filtered
//!   requests (`filter=email='…'`, names with `~`, `agents.sourcedId`,
//!   `user.sourcedId`, `class.sourcedId`, `sourcedId`), two predicates a request, so
//!   the number of requests follows the case, not the district ([`query`]).
//! - Errors: the `imsx` status bodies of both versions ([`imsx`]) make typed errors
//!   ([`RestErrorKind`]); 429, 5xx, timeouts and broken bodies are retried with
//!   backoff, honouring `Retry-After`, within a time budget; each request has a
//!   timeout (30 s by default); requests to one customer's server are limited in
//!   number at once and per second.
//!
//! The client secret is resolved when first needed and never written to a log, an
//! error or a `Debug` output; request labels name the filtered fields, not the values.

mod filter;
pub(crate) mod imsx;
mod model;
pub mod oauth1;
mod oauth2;
mod query;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use cdt_core::customer::{ApiLimits, Integration, OAuth1Signature, OAuthMethod, OneRosterVersion};
use cdt_core::roster::{Provenance, Roster};
use cdt_core::{Customer, Lookup, Secret, SecretRef, SourceConnector};
use serde_json::Value;
use tracing::{debug, warn};

use crate::credentials::CredentialManager;
pub use crate::error::RestErrorKind;
use crate::error::{Error, Result};
use crate::http::{Attempt, RetryPolicy, enc, retry_after, transport_message, with_retries};
use filter::Filter;
pub use oauth1::SignatureMethod;

/// The start of the error of a filtered listing whose server ignored the filter.
const IGNORED_FILTER: &str = "the server ignored the filter";

/// How requests are authorised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthOptions {
    /// OAuth 1.0a request signing.
    OAuth1(SignatureMethod),
    /// OAuth 2 client credentials from `token_url`, asking for `scopes`.
    OAuth2 {
        /// The token URL.
        token_url: String,
        /// The scopes.
        scopes: Vec<String>,
    },
    /// A bearer token that never expires and cannot be refreshed: the secret itself
    /// (ClassLink's OneRoster proxy). A 401 is an error saying how to get a new one.
    StaticBearer {
        /// How to get a new token, for the 401 error (no secret).
        renew: String,
    },
}

/// How to call a OneRoster REST API, with every default resolved.
#[derive(Clone, Debug)]
pub struct RestOptions {
    /// The server's base URL, without `/ims/oneroster/...` (or with it, for servers
    /// that serve OneRoster under another root).
    pub base_url: String,
    /// The version served.
    pub version: OneRosterVersion,
    /// The OAuth client id (consumer key).
    pub client_id: String,
    /// How requests are authorised.
    pub auth: AuthOptions,
    /// Records a page (`limit`).
    pub page_size: u32,
    /// The most pages one listing reads.
    pub max_pages: u32,
    /// Requests in flight at once.
    pub max_concurrent_requests: u32,
    /// Requests started a second at most.
    pub max_requests_per_second: u32,
    /// The timeout of one request.
    pub timeout: Duration,
    /// How requests are retried.
    pub retry: RetryOptions,
    /// Whether to send `fields=`.
    pub select_fields: bool,
    /// What descriptions and errors call the service (`ClassLink (proxy)`); by default
    /// `OneRoster {version} API`.
    pub service: Option<String>,
}

/// How requests are retried (429, 5xx, timeouts, broken bodies).
#[derive(Clone, Copy, Debug)]
pub struct RetryOptions {
    /// The cap on the total time spent retrying one request.
    pub max_retry_time: Duration,
    /// The first backoff; it doubles each retry, with jitter.
    pub base_backoff: Duration,
    /// The longest single backoff.
    pub max_backoff: Duration,
    /// The most attempts of one request.
    pub max_attempts: u32,
}

impl RetryOptions {
    fn policy(self) -> RetryPolicy {
        RetryPolicy {
            max_retry_time: self.max_retry_time,
            base_backoff: self.base_backoff,
            max_backoff: self.max_backoff,
            max_attempts: self.max_attempts,
        }
    }
}

/// The default OAuth 2 scope of a version: read-only rostering.
#[must_use]
pub fn default_scope(version: OneRosterVersion) -> &'static str {
    match version {
        OneRosterVersion::V1_1 => "https://purl.imsglobal.org/spec/or/v1p1/scope/roster.readonly",
        OneRosterVersion::V1_2 => "https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly",
    }
}

impl RestOptions {
    /// Options for a server with the defaults: OAuth 1.0a HMAC-SHA256 for 1.1 (pass
    /// [`AuthOptions::OAuth2`] for 1.2), pages of 100, 10,000 pages at most, 4 requests
    /// at once and 20 a second, 30 s a request, 60 s of retries.
    #[must_use]
    pub fn new(base_url: &str, version: OneRosterVersion, client_id: &str, auth: AuthOptions) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            version,
            client_id: client_id.to_owned(),
            auth,
            page_size: 100,
            max_pages: 10_000,
            max_concurrent_requests: 4,
            max_requests_per_second: 20,
            timeout: Duration::from_secs(30),
            retry: RetryOptions {
                max_retry_time: Duration::from_mins(1),
                base_backoff: Duration::from_millis(250),
                max_backoff: Duration::from_secs(10),
                max_attempts: 6,
            },
            select_fields: true,
            service: None,
        }
    }

    /// The options of a customer's `oneroster_api` settings, or `None` for another
    /// integration.
    #[must_use]
    pub fn of_customer(customer: &Customer) -> Option<(Self, SecretRef)> {
        let Integration::OnerosterApi {
            base_url,
            oneroster_version,
            client_id,
            client_secret,
            auth,
            oauth1_signature,
            token_url,
            scopes,
            limits,
        } = &customer.integration
        else {
            return None;
        };
        let oauth2 = match auth {
            Some(OAuthMethod::Oauth2) => true,
            Some(OAuthMethod::Oauth1) => false,
            None => *oneroster_version == OneRosterVersion::V1_2,
        };
        let auth = if oauth2 {
            AuthOptions::OAuth2 {
                token_url: token_url.clone().unwrap_or_default(),
                scopes: scopes
                    .clone()
                    .unwrap_or_else(|| vec![default_scope(*oneroster_version).to_owned()]),
            }
        } else {
            AuthOptions::OAuth1(match oauth1_signature.unwrap_or_default() {
                OAuth1Signature::HmacSha256 => SignatureMethod::HmacSha256,
                OAuth1Signature::HmacSha1 => SignatureMethod::HmacSha1,
            })
        };
        let opts = Self::new(base_url, *oneroster_version, client_id, auth).with_limits(limits);
        Some((opts, client_secret.clone()))
    }

    /// With a customer's limits (each unset one keeps its value).
    #[must_use]
    pub fn with_limits(mut self, l: &ApiLimits) -> Self {
        self.page_size = l.page_size.unwrap_or(self.page_size);
        self.max_pages = l.max_pages.unwrap_or(self.max_pages);
        self.max_concurrent_requests = l.max_concurrent_requests.unwrap_or(self.max_concurrent_requests);
        self.max_requests_per_second = l.max_requests_per_second.unwrap_or(self.max_requests_per_second);
        self.timeout = l.timeout_seconds.map_or(self.timeout, Duration::from_secs);
        self.retry.max_retry_time = l
            .max_retry_seconds
            .map_or(self.retry.max_retry_time, Duration::from_secs);
        self.select_fields = l.select_fields.unwrap_or(self.select_fields);
        self
    }

    /// The root of the rostering service: `{base_url}/ims/oneroster/v1p1` or
    /// `…/rostering/v1p2`, or `base_url` itself when it already holds `/ims/oneroster`.
    #[must_use]
    pub fn root(&self) -> String {
        if self.base_url.contains("/ims/oneroster") {
            return self.base_url.clone();
        }
        match self.version {
            OneRosterVersion::V1_1 => format!("{}/ims/oneroster/v1p1", self.base_url),
            OneRosterVersion::V1_2 => format!("{}/ims/oneroster/rostering/v1p2", self.base_url),
        }
    }

    /// What descriptions and errors call the service.
    #[must_use]
    pub fn service_name(&self) -> String {
        self.service
            .clone()
            .unwrap_or_else(|| format!("OneRoster {} API", self.version_str()))
    }

    fn version_str(&self) -> &'static str {
        match self.version {
            OneRosterVersion::V1_1 => "1.1",
            OneRosterVersion::V1_2 => "1.2",
        }
    }
}

/// Where the client secret comes from: given, or a reference resolved when first
/// needed.
enum SecretSource {
    Ready(Secret),
    Reference {
        creds: CredentialManager,
        reference: SecretRef,
        resolved: tokio::sync::OnceCell<Secret>,
    },
}

/// Requests at once and a second, for one customer's server.
struct Limiter {
    permits: tokio::sync::Semaphore,
    interval: Duration,
    next: std::sync::Mutex<Instant>,
}

impl Limiter {
    fn new(at_once: u32, per_second: u32) -> Self {
        Self {
            permits: tokio::sync::Semaphore::new(at_once.max(1) as usize),
            interval: Duration::from_secs(1) / per_second.max(1),
            next: std::sync::Mutex::new(Instant::now()),
        }
    }

    /// Waits for a free slot and the next start time allowed.
    async fn acquire(&self) -> tokio::sync::SemaphorePermit<'_> {
        let permit = self.permits.acquire().await.expect("the semaphore is never closed");
        let wait = {
            let mut next = self.next.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + self.interval;
            slot - now
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        permit
    }
}

enum Authorizer {
    OAuth1(SignatureMethod),
    OAuth2(Box<oauth2::TokenSource>),
    StaticBearer,
}

struct Inner {
    http: reqwest::Client,
    opts: RestOptions,
    root: String,
    auth: Authorizer,
    secret: SecretSource,
    limiter: Limiter,
    requests: AtomicU64,
    /// The collections whose filters this server refused or ignored: read whole
    /// from then on (see [`query`]).
    /// Each with what the server did (`ignores`, `refuses (HTTP 422)`).
    unfiltered: std::sync::Mutex<std::collections::BTreeMap<String, String>>,
}

/// A OneRoster REST API, read as a district's SIS. Cheap to clone.
#[derive(Clone)]
pub struct OneRosterApi {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for OneRosterApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OneRosterApi")
            .field("root", &self.inner.root)
            .field("client_id", &self.inner.opts.client_id)
            .field("auth", &self.inner.opts.auth)
            .finish_non_exhaustive()
    }
}

/// A page of a listing: its records and what the server said about the rest.
struct Page {
    items: Vec<Value>,
    total: Option<u64>,
    /// `Some(has_next)` when a `Link` header came.
    link_next: Option<bool>,
}

/// Whether a `Link` header has a `rel="next"` entry.
fn link_has_next(value: &str) -> bool {
    value.split(',').any(|part| {
        part.split(';').skip(1).any(|p| {
            let p = p.trim();
            p.strip_prefix("rel=").is_some_and(|r| {
                r.trim_matches('"')
                    .split_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("next"))
            })
        })
    })
}

impl OneRosterApi {
    /// A client with the secret given.
    pub fn new(opts: RestOptions, secret: Secret) -> Result<Self> {
        Self::build(opts, SecretSource::Ready(secret))
    }

    /// A client that resolves the secret reference with `creds` when first needed.
    pub fn with_credentials(opts: RestOptions, creds: CredentialManager, reference: SecretRef) -> Result<Self> {
        Self::build(
            opts,
            SecretSource::Reference {
                creds,
                reference,
                resolved: tokio::sync::OnceCell::new(),
            },
        )
    }

    fn build(opts: RestOptions, secret: SecretSource) -> Result<Self> {
        let root = opts.root();
        let fail = |message: String| Error::OneRoster {
            request: root.clone(),
            status: None,
            kind: RestErrorKind::Settings,
            message,
        };
        let http = crate::http::client_for(&root, opts.timeout)
            .map_err(fail)?
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_keepalive(Duration::from_mins(1))
            .build()
            .map_err(|e| fail(format!("cannot build the HTTP client: {e}")))?;
        let auth = match &opts.auth {
            AuthOptions::OAuth1(m) => Authorizer::OAuth1(*m),
            AuthOptions::OAuth2 { token_url, scopes } => Authorizer::OAuth2(Box::new(oauth2::TokenSource::new(
                token_url,
                &opts.client_id,
                scopes.clone(),
                opts.timeout,
                opts.retry.policy(),
            )?)),
            AuthOptions::StaticBearer { .. } => Authorizer::StaticBearer,
        };
        let limiter = Limiter::new(opts.max_concurrent_requests, opts.max_requests_per_second);
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                root,
                auth,
                secret,
                limiter,
                opts,
                requests: AtomicU64::new(0),
                unfiltered: std::sync::Mutex::new(std::collections::BTreeMap::new()),
            }),
        })
    }

    /// The client for a customer's `oneroster_api` settings, resolving the secret
    /// with `creds` when first needed.
    pub fn for_customer(customer: &Customer, creds: &CredentialManager) -> Result<Option<Self>> {
        RestOptions::of_customer(customer)
            .map(|(opts, reference)| Self::with_credentials(opts, creds.clone(), reference))
            .transpose()
    }

    /// How many API requests this client has sent, retries included (token
    /// requests are counted apart: [`Self::token_request_count`]).
    #[must_use]
    pub fn request_count(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// How many OAuth 2 token requests this client has sent.
    #[must_use]
    pub fn token_request_count(&self) -> u64 {
        match &self.inner.auth {
            Authorizer::OAuth2(t) => t.request_count(),
            Authorizer::OAuth1(_) | Authorizer::StaticBearer => 0,
        }
    }

    /// What this server did to filters on `collection` (`ignores`, `refuses (HTTP
    /// 422)`) when they were refused or ignored: the collection is then read whole.
    fn unfiltered(&self, collection: &str) -> Option<String> {
        self.inner
            .unfiltered
            .lock()
            .ok()
            .and_then(|u| u.get(collection).cloned())
    }

    /// Reads `collection` whole from now on, the server having done `what` to its
    /// filters.
    fn set_unfiltered(&self, collection: &str, what: &str) {
        if let Ok(mut u) = self.inner.unfiltered.lock() {
            u.insert(collection.to_owned(), what.to_owned());
        }
    }

    /// The rostering service's root URL.
    #[must_use]
    pub fn root(&self) -> &str {
        &self.inner.root
    }

    async fn secret(&self) -> Result<Secret> {
        match &self.inner.secret {
            SecretSource::Ready(s) => Ok(s.clone()),
            SecretSource::Reference {
                creds,
                reference,
                resolved,
            } => resolved.get_or_try_init(|| creds.get(reference)).await.cloned(),
        }
    }

    /// Sends one GET (retrying what is worth retrying). `path` starts with `/`;
    /// `query` values are encoded here. Returns the JSON body and the headers.
    async fn get(
        &self,
        path: &str,
        query: &[(&str, String)],
        label: &str,
    ) -> Result<(Value, reqwest::header::HeaderMap)> {
        let mut url = format!("{}{path}", self.inner.root);
        for (i, (k, v)) in query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(&enc(k));
            url.push('=');
            url.push_str(&enc(v));
        }
        let url = reqwest::Url::parse(&url).map_err(|e| Error::OneRoster {
            request: label.to_owned(),
            status: None,
            kind: RestErrorKind::Settings,
            message: format!("not a URL: {e}"),
        })?;
        let secret = self.secret().await?;
        let fail = |status: Option<u16>, kind: RestErrorKind, message: String| Error::OneRoster {
            request: label.to_owned(),
            status,
            kind,
            message,
        };
        let refused_tokens = std::sync::atomic::AtomicU32::new(0);
        with_retries(
            &self.inner.opts.retry.policy(),
            label,
            |attempt| {
                let (url, secret, fail, refused_tokens) = (&url, &secret, &fail, &refused_tokens);
                async move {
                    let _permit = self.inner.limiter.acquire().await;
                    let mut req = self.inner.http.get(url.clone()).header("accept", "application/json");
                    let mut bearer = None;
                    match &self.inner.auth {
                        Authorizer::OAuth1(method) => {
                            let now = std::time::SystemTime::now()
                                .duration_since(std::time::UNIX_EPOCH)
                                .map_or(0, |d| d.as_secs());
                            let nonce = format!("{:016x}{:016x}", crate::http::random_u64(), crate::http::random_u64());
                            let header = oauth1::authorization(
                                *method,
                                "GET",
                                url,
                                &self.inner.opts.client_id,
                                secret.expose(),
                                now,
                                &nonce,
                            );
                            req = req.header("authorization", header);
                        }
                        Authorizer::OAuth2(tokens) => match tokens.token(secret).await {
                            Ok(t) => {
                                req = req.bearer_auth(t.expose());
                                bearer = Some(t);
                            }
                            Err(e) => return Attempt::Done(Err(e)),
                        },
                        Authorizer::StaticBearer => req = req.bearer_auth(secret.expose()),
                    }
                    let n = self.inner.requests.fetch_add(1, Ordering::Relaxed) + 1;
                    debug!(request = %label, attempt, count = n, "OneRoster request");
                    let resp = match req.send().await {
                        Ok(r) => r,
                        Err(e) => {
                            return Attempt::Retry {
                                reason: transport_message(&e),
                                status: None,
                                after: None,
                            };
                        }
                    };
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    let body = match resp.bytes().await {
                        Ok(b) => b,
                        Err(e) => {
                            return Attempt::Retry {
                                reason: transport_message(&e),
                                status: Some(status),
                                after: None,
                            };
                        }
                    };
                    let info = || imsx::parse(&body).map(|i| i.suffix()).unwrap_or_default();
                    let done = |kind, message: String| Attempt::Done(Err(fail(Some(status), kind, message)));
                    match status {
                        200..=299 => Attempt::Done(
                            serde_json::from_slice::<Value>(&body)
                                .map(|v| (v, headers))
                                .map_err(|e| {
                                    fail(
                                        Some(status),
                                        RestErrorKind::Malformed,
                                        if e.is_eof() {
                                            format!("the answer is truncated JSON ({} bytes)", body.len())
                                        } else {
                                            format!("the answer is not JSON: {e}")
                                        },
                                    )
                                }),
                        ),
                        401 => {
                            // A bearer token the server stopped taking early: one new token.
                            if let Some(t) = bearer
                                && let Authorizer::OAuth2(tokens) = &self.inner.auth
                                && refused_tokens.fetch_add(1, Ordering::Relaxed) == 0
                            {
                                tokens.invalidate(&t).await;
                                return Attempt::Retry {
                                    reason: "HTTP 401 with a cached token".into(),
                                    status: Some(status),
                                    after: Some(Duration::ZERO),
                                };
                            }
                            let hint = match &self.inner.auth {
                                Authorizer::OAuth1(m) => format!(
                                    "the server refused the OAuth 1.0a signature ({}): check `client_id`, the secret, \
                                     `oauth1_signature` and this machine's clock",
                                    m.as_str()
                                ),
                                Authorizer::OAuth2(_) => {
                                    "the server refused the OAuth 2 token: check `client_id`, the \
                                                          secret and `token_url`"
                                        .to_owned()
                                }
                                Authorizer::StaticBearer => match &self.inner.opts.auth {
                                    AuthOptions::StaticBearer { renew } => format!(
                                        "{} refused the access token (it does not expire, so it was \
                                         regenerated or revoked): {renew}",
                                        self.inner.opts.service_name()
                                    ),
                                    _ => "the server refused the bearer token".to_owned(),
                                },
                            };
                            done(
                                RestErrorKind::BadCredentials,
                                format!("401 Unauthorized: {hint}{}", info()),
                            )
                        }
                        403 => done(
                            RestErrorKind::Forbidden,
                            format!(
                                "403 Forbidden: the credentials may not read this (OAuth 2 scopes, or the \
                                 application's permissions on the server){}",
                                info()
                            ),
                        ),
                        404 => done(
                            RestErrorKind::UnknownObject,
                            format!(
                                "404 Not Found: no such record, or no such endpoint under {}{}",
                                self.inner.root,
                                info()
                            ),
                        ),
                        400 | 422 => {
                            let what = match imsx::parse(&body) {
                                Some(s) if s.has("invalidfilterfield") => "the server rejected the filter",
                                Some(s) if s.has("invalidselectionfield") => {
                                    "the server rejected the `fields` selection"
                                }
                                _ => "the server rejected the request",
                            };
                            done(RestErrorKind::BadRequest, format!("HTTP {status}: {what}{}", info()))
                        }
                        429 | 500 | 502 | 503 | 504 => Attempt::Retry {
                            reason: format!("HTTP {status}{}", info()),
                            status: Some(status),
                            after: retry_after(&headers),
                        },
                        300..=399 => done(RestErrorKind::Redirect, crate::http::redirect_message(status, &headers)),
                        _ => done(RestErrorKind::Server, format!("HTTP {status}{}", info())),
                    }
                }
            },
            |status, message| fail(status, RestErrorKind::Unavailable, message),
        )
        .await
    }

    fn label(collection: &str, filter: Option<&Filter>) -> String {
        match filter {
            Some(f) => format!("GET /{collection} (filter on {})", f.fields()),
            None => format!("GET /{collection}"),
        }
    }

    async fn page(&self, collection: &str, filter: Option<&Filter>, offset: u64, label: &str) -> Result<Page> {
        let mut query = vec![
            ("limit", self.inner.opts.page_size.to_string()),
            ("offset", offset.to_string()),
        ];
        if let Some(f) = filter {
            query.push(("filter", f.render()));
        }
        let fields = model::fields_of(collection, self.inner.opts.version == OneRosterVersion::V1_2);
        if self.inner.opts.select_fields && !fields.is_empty() {
            query.push(("fields", fields.to_owned()));
        }
        let (body, headers) = self.get(&format!("/{collection}"), &query, label).await?;
        let Some(Value::Array(items)) = body.get(collection).cloned() else {
            return Err(Error::OneRoster {
                request: label.to_owned(),
                status: Some(200),
                kind: RestErrorKind::Malformed,
                message: format!("the answer has no `{collection}` array"),
            });
        };
        let total = headers
            .get("x-total-count")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let link_next = headers
            .get(reqwest::header::LINK)
            .and_then(|v| v.to_str().ok())
            .map(link_has_next);
        Ok(Page {
            items,
            total,
            link_next,
        })
    }

    /// Every record of a collection (or of those matching `filter`), page after page,
    /// each record once.
    async fn list(&self, collection: &str, filter: Option<&Filter>) -> Result<Vec<Value>> {
        let label = Self::label(collection, filter);
        let paging = |message: String| Error::OneRoster {
            request: label.clone(),
            status: None,
            kind: RestErrorKind::Paging,
            message,
        };
        let page_size = u64::from(self.inner.opts.page_size);
        let mut out = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut previous: Option<Vec<String>> = None;
        let mut last_total: Option<u64> = None;
        let mut offset: u64 = 0;
        // Set when the headers said "no more" after a full page: one more page checks it.
        let mut checking = false;
        for pages in 1.. {
            if pages > self.inner.opts.max_pages {
                return Err(paging(format!(
                    "more than {} pages of {page_size}; the server's paging cannot be trusted (raise \
                     `limits.max_pages` if the collection is that large)",
                    self.inner.opts.max_pages
                )));
            }
            let page = self.page(collection, filter, offset, &label).await?;
            let n = page.items.len() as u64;
            if n == 0 {
                break;
            }
            if checking {
                warn!(request = %label, "the paging headers said the listing had ended, but another page came");
            }
            // A server that ignores `filter=` answers records the filter excludes.
            if let Some(f) = filter
                && pages == 1
                && page.items.iter().any(|v| f.surely_not(v))
            {
                return Err(Error::OneRoster {
                    request: label.clone(),
                    status: Some(200),
                    kind: RestErrorKind::BadRequest,
                    message: format!("{IGNORED_FILTER}: it answered records the filter excludes"),
                });
            }
            let ids: Vec<String> = page
                .items
                .iter()
                .map(|v| {
                    v.get("sourcedId")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned()
                })
                .collect();
            if previous.as_ref() == Some(&ids) {
                return Err(paging(format!(
                    "the server sent the same page twice (offset {offset} ignored?); stopping rather than looping"
                )));
            }
            for (item, id) in page.items.into_iter().zip(&ids) {
                if id.is_empty() || seen.insert(id.clone()) {
                    out.push(item);
                }
            }
            previous = Some(ids);
            if let (Some(before), Some(now)) = (last_total, page.total)
                && before != now
            {
                warn!(request = %label, before, now, "X-Total-Count changed while paging; reading on to an empty page");
            }
            let total_changed = matches!((last_total, page.total), (Some(a), Some(b)) if a != b);
            last_total = page.total.or(last_total);
            offset += n;
            let more = match (page.link_next, page.total) {
                (Some(next), _) => next,
                (None, Some(total)) if !total_changed && !checking => offset < total,
                // No headers, or headers that already failed: read until an empty page.
                _ => true,
            };
            if !more {
                if n >= page_size && !checking {
                    checking = true;
                    continue;
                }
                break;
            }
        }
        Ok(out)
    }

    /// The records of a collection matching any of `filters` (requests run
    /// concurrently, within the limiter), each record once, in the filters' order.
    async fn list_any(&self, collection: &str, filters: &[Filter]) -> Result<Vec<Value>> {
        let lists = futures_util::future::try_join_all(filters.iter().map(|f| self.list(collection, Some(f)))).await?;
        let mut seen = HashSet::new();
        Ok(lists
            .into_iter()
            .flatten()
            .filter(|v| {
                let id = v.get("sourcedId").and_then(Value::as_str).unwrap_or_default();
                id.is_empty() || seen.insert(id.to_owned())
            })
            .collect())
    }

    /// One record by id (`/{collection}/{id}`), `None` when the server has none (404).
    async fn one(&self, collection: &str, singular: &str, id: &str) -> Result<Option<Value>> {
        let label = format!("GET /{collection}/{{id}}");
        match self.get(&format!("/{collection}/{}", enc(id)), &[], &label).await {
            Ok((body, _)) => match body.get(singular) {
                Some(v @ Value::Object(_)) => Ok(Some(v.clone())),
                _ => Err(Error::OneRoster {
                    request: label,
                    status: Some(200),
                    kind: RestErrorKind::Malformed,
                    message: format!("the answer has no `{singular}` object"),
                }),
            },
            Err(Error::OneRoster {
                kind: RestErrorKind::UnknownObject,
                ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn provenance(&self) -> Provenance {
        Provenance {
            description: match &self.inner.opts.service {
                Some(service) => format!("{service} {}", self.inner.root),
                None => format!(
                    "OneRoster {} REST API {}",
                    self.inner.opts.version_str(),
                    self.inner.root
                ),
            },
            oneroster_version: Some(self.inner.opts.version_str().to_owned()),
        }
    }

    fn auth_description(&self) -> String {
        match &self.inner.opts.auth {
            AuthOptions::OAuth1(m) => format!("OAuth 1.0a {}", m.as_str()),
            AuthOptions::OAuth2 { .. } => "OAuth 2 client credentials".to_owned(),
            AuthOptions::StaticBearer { .. } => "a bearer access token".to_owned(),
        }
    }

    /// Every record of the district, each collection read whole.
    pub async fn load_all(&self) -> Result<Roster> {
        let (orgs, sessions, courses, classes, users, enrollments) = tokio::try_join!(
            self.list("orgs", None),
            self.list("academicSessions", None),
            self.list("courses", None),
            self.list("classes", None),
            self.list("users", None),
            self.list("enrollments", None),
        )?;
        Ok(Roster {
            orgs: orgs.iter().map(model::org).collect(),
            users: users.iter().map(model::user).collect(),
            classes: classes.iter().map(model::class).collect(),
            courses: courses.iter().map(model::course).collect(),
            academic_sessions: sessions.iter().map(model::academic_session).collect(),
            enrollments: enrollments.iter().map(model::enrollment).collect(),
            provenance: self.provenance(),
            warnings: Vec::new(),
            invalid_records: std::collections::BTreeMap::new(),
            record_findings: std::collections::BTreeMap::new(),
        })
    }
}

#[async_trait]
impl SourceConnector for OneRosterApi {
    fn describe(&self) -> String {
        format!("{} {}", self.inner.opts.service_name(), self.inner.root)
    }

    async fn load(&self) -> cdt_core::Result<Roster> {
        Ok(self.load_all().await?)
    }

    async fn fetch(&self, lookup: &Lookup) -> cdt_core::Result<Roster> {
        Ok(cdt_core::slice::slice_roster(&query::Session::new(self), lookup).await?)
    }

    async fn test_connection(&self) -> cdt_core::Result<String> {
        let orgs: Vec<_> = self.list("orgs", None).await?.iter().map(model::org).collect();
        let schools = orgs.iter().filter(|o| o.is_school()).count();
        Ok(format!(
            "{} answered ({}); {} orgs, {schools} schools",
            self.inner.root,
            self.auth_description(),
            orgs.len()
        ))
    }

    async fn get_orgs(&self) -> cdt_core::Result<Vec<cdt_core::roster::Org>> {
        Ok(self.list("orgs", None).await?.iter().map(model::org).collect())
    }

    async fn get_classes(&self) -> cdt_core::Result<Vec<cdt_core::roster::Class>> {
        Ok(self.list("classes", None).await?.iter().map(model::class).collect())
    }

    async fn get_enrollments(&self) -> cdt_core::Result<Vec<cdt_core::roster::Enrollment>> {
        Ok(self
            .list("enrollments", None)
            .await?
            .iter()
            .map(model::enrollment)
            .collect())
    }
}

/// Entry points for fuzzing the readers of server answers (`fuzz/`); not a stable API.
#[doc(hidden)]
pub mod fuzzing {
    use serde_json::Value;

    use super::{imsx, link_has_next, model};

    /// Reads `body` as every kind of answer a OneRoster server sends: an error status
    /// (both versions), a listing or a single record of each collection; and `link`
    /// as a `Link` header. Returns how many records were read.
    #[must_use]
    pub fn read_answer(body: &[u8], link: &str) -> usize {
        let _ = imsx::parse(body);
        let _ = link_has_next(link);
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            return 0;
        };
        let mut n = 0;
        let mut each = |keys: [&str; 2], read: &dyn Fn(&Value)| {
            if let Some(list) = v.get(keys[0]).and_then(Value::as_array) {
                list.iter().for_each(read);
                n += list.len();
            }
            if let Some(one) = v.get(keys[1]) {
                read(one);
                n += 1;
            }
        };
        each(["orgs", "org"], &|r| {
            std::hint::black_box(model::org(r));
        });
        each(["users", "user"], &|r| {
            std::hint::black_box(model::user(r));
        });
        each(["classes", "class"], &|r| {
            std::hint::black_box(model::class(r));
        });
        each(["courses", "course"], &|r| {
            std::hint::black_box(model::course(r));
        });
        each(["academicSessions", "academicSession"], &|r| {
            std::hint::black_box(model::academic_session(r));
        });
        each(["enrollments", "enrollment"], &|r| {
            std::hint::black_box(model::enrollment(r));
        });
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers_are_read() {
        assert!(link_has_next(
            r#"<https://x/users?offset=100&limit=100>; rel="next", <https://x/users?offset=900>; rel="last""#
        ));
        assert!(!link_has_next(
            r#"<https://x/users?offset=0>; rel="first", <https://x/users?offset=0>; rel="prev""#
        ));
        assert!(link_has_next("<https://x/a>; rel=next"));
    }

    #[test]
    fn roots_follow_the_version() {
        let o = RestOptions::new(
            "https://sis.example.org/",
            OneRosterVersion::V1_1,
            "k",
            AuthOptions::OAuth1(SignatureMethod::HmacSha256),
        );
        assert_eq!(o.root(), "https://sis.example.org/ims/oneroster/v1p1");
        let o = RestOptions {
            version: OneRosterVersion::V1_2,
            ..o
        };
        assert_eq!(o.root(), "https://sis.example.org/ims/oneroster/rostering/v1p2");
        let o = RestOptions {
            base_url: "https://p.example/app1/ims/oneroster/v1p1".into(),
            ..o
        };
        assert_eq!(o.root(), "https://p.example/app1/ims/oneroster/v1p1");
    }

    #[test]
    fn debug_output_has_no_secret() {
        let o = RestOptions::new(
            "http://127.0.0.1:9",
            OneRosterVersion::V1_1,
            "k",
            AuthOptions::OAuth1(SignatureMethod::HmacSha1),
        );
        let api = OneRosterApi::new(o, Secret::new("hunter2-secret")).unwrap();
        assert!(!format!("{api:?}").contains("hunter2"));
    }
}
