//! HubSpot OAuth 2 (authorization code): the authorize URL and its `state`, the code
//! exchange, refresh tokens kept by a [`TokenStore`] (in memory, or a file encrypted
//! at rest with AES-256-GCM), and access tokens refreshed *before* they expire, by
//! one request at a time however many calls need one at once. A 401 is never a
//! reason to refresh: it is an error.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use cdt_core::{Secret, SecretRef};
use tracing::{debug, warn};

use super::OAuthVersion;
use super::model::{Tokens, clean, parse_error_body, parse_token_response};
use crate::credentials::CredentialManager;
use crate::error::{Error, RestErrorKind, Result};
use crate::http::{Attempt, RetryPolicy, enc, retry_after, transport_message, with_retries};

/// The scopes `cdt` asks for: tickets (read and write, notes included), and reading
/// contacts and companies.
pub const SCOPES: [&str; 3] = ["tickets", "crm.objects.contacts.read", "crm.objects.companies.read"];

/// The token endpoint's path for an OAuth version: `/oauth/2026-03/token`, or the
/// retired-in-2027 `/oauth/v1/token`.
#[must_use]
pub fn token_path(version: &OAuthVersion) -> String {
    match version {
        OAuthVersion::V1 => "/oauth/v1/token".to_owned(),
        OAuthVersion::Dated(d) => format!("/oauth/{}/token", enc(d)),
    }
}

/// The URL to send a person to, to grant `cdt` access:
/// `{app_base}/oauth/authorize?client_id=…&redirect_uri=…&scope=…&state=…`.
#[must_use]
pub fn authorize_url(app_base: &str, client_id: &str, redirect_uri: &str, scopes: &[&str], state: &str) -> String {
    format!(
        "{}/oauth/authorize?client_id={}&redirect_uri={}&scope={}&state={}",
        app_base.trim_end_matches('/'),
        enc(client_id),
        enc(redirect_uri),
        enc(&scopes.join(" ")),
        enc(state)
    )
}

fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    use ring::rand::SecureRandom as _;
    let mut b = [0u8; N];
    ring::rand::SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| Error::HubSpot {
            request: "random numbers".into(),
            status: None,
            kind: RestErrorKind::Settings,
            correlation_id: None,
            message: "the system's random number generator failed".into(),
        })?;
    Ok(b)
}

/// A fresh random `state` for the authorize URL (128 bits, hex).
pub fn new_state() -> Result<String> {
    use std::fmt::Write as _;
    let b: [u8; 16] = random_bytes()?;
    Ok(b.iter().fold(String::new(), |mut s, x| {
        let _ = write!(s, "{x:02x}");
        s
    }))
}

fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        (k == name).then(|| {
            let v = v.replace('+', " ");
            reqwest::Url::parse(&format!("http://x/?v={v}"))
                .ok()
                .and_then(|u| u.query_pairs().next().map(|(_, v)| v.into_owned()))
                .unwrap_or(v)
        })
    })
}

/// The authorization code of the redirect back from HubSpot (a URL or its query),
/// after checking its `state` against the one sent; `error=` answers become errors.
pub fn code_from_redirect(url_or_query: &str, expected_state: &str) -> Result<String> {
    let fail = |message: String| Error::HubSpot {
        request: "OAuth redirect".into(),
        status: None,
        kind: RestErrorKind::BadCredentials,
        correlation_id: None,
        message,
    };
    let query = url_or_query
        .split_once('?')
        .map_or(url_or_query, |(_, q)| q)
        .split('#')
        .next()
        .unwrap_or_default();
    let state = query_param(query, "state").unwrap_or_default();
    // Compared in full, whatever differs first.
    let same = state.len() == expected_state.len()
        && state
            .bytes()
            .zip(expected_state.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same || expected_state.is_empty() {
        return Err(fail(
            "the `state` of the redirect is not the one sent: the login was not started here; start it again".into(),
        ));
    }
    if let Some(e) = query_param(query, "error") {
        return Err(fail(format!("HubSpot refused the authorization: {}", clean(&e))));
    }
    query_param(query, "code")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| fail("the redirect has no `code`".into()))
}

/// Binds the login's redirect listener on this machine (`127.0.0.1:{port}`; port 0
/// picks a free one).
pub async fn bind_redirect(port: u16) -> Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| Error::HubSpot {
            request: "OAuth redirect".into(),
            status: None,
            kind: RestErrorKind::Settings,
            correlation_id: None,
            message: format!("cannot listen on 127.0.0.1:{port} for the login's redirect ({e}): set `redirect_port`"),
        })
}

/// Waits, at most `timeout`, for the browser's redirect back from HubSpot on
/// `listener` (a request to `/oauth-callback?code=…&state=…`), answers it with a
/// short page, and returns the code once its `state` is checked
/// ([`code_from_redirect`]). Other requests (a browser's `/favicon.ico`) get a 404.
pub async fn wait_for_redirect(
    listener: &tokio::net::TcpListener,
    expected_state: &str,
    timeout: Duration,
) -> Result<String> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let fail = |message: String| Error::HubSpot {
        request: "OAuth redirect".into(),
        status: None,
        kind: RestErrorKind::Unavailable,
        correlation_id: None,
        message,
    };
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let accepted = tokio::time::timeout_at(deadline, listener.accept())
            .await
            .map_err(|_| {
                fail(format!(
                    "no redirect from HubSpot within {} s: start the login again",
                    timeout.as_secs()
                ))
            })?;
        let Ok((mut stream, _)) = accepted else {
            continue;
        };
        // The request head only, 8 KiB at most, read within the deadline.
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while head.len() < 8192 && !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => head.extend_from_slice(&buf[..n]),
                _ => break,
            }
        }
        let line = String::from_utf8_lossy(&head);
        let target = line
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("GET "))
            .and_then(|l| l.split(' ').next())
            .unwrap_or_default()
            .to_owned();
        if !target.starts_with("/oauth-callback") {
            let _ = stream
                .write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .await;
            continue;
        }
        let result = code_from_redirect(&target, expected_state);
        let page: &[u8] = if result.is_ok() {
            b"cdt is connected to HubSpot. You can close this window."
        } else {
            b"The HubSpot login did not complete; see the terminal."
        };
        let _ = stream
            .write_all(
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    page.len()
                )
                .as_bytes(),
            )
            .await;
        let _ = stream.write_all(page).await;
        let _ = stream.shutdown().await;
        return result;
    }
}

/// Calls HubSpot's OAuth token endpoint with the app's client id and secret.
pub struct OAuthClient {
    http: reqwest::Client,
    token_url: String,
    client_id: String,
    client_secret: Secret,
    policy: RetryPolicy,
    requests: AtomicU64,
}

impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClient")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl OAuthClient {
    /// A client of the token endpoint of `api_base` (`https://api.hubapi.com`) for
    /// `version`.
    pub fn new(
        api_base: &str,
        version: &OAuthVersion,
        client_id: &str,
        client_secret: Secret,
        timeout: Duration,
    ) -> Result<Self> {
        let token_url = format!("{}{}", api_base.trim_end_matches('/'), token_path(version));
        let fail = |message: String| Error::HubSpot {
            request: format!("POST {}", token_path(version)),
            status: None,
            kind: RestErrorKind::Settings,
            correlation_id: None,
            message,
        };
        let http = crate::http::client_for(&token_url, timeout)
            .map_err(fail)?
            .build()
            .map_err(|e| fail(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            http,
            token_url,
            client_id: client_id.to_owned(),
            client_secret,
            policy: RetryPolicy {
                max_retry_time: Duration::from_secs(30),
                base_backoff: Duration::from_millis(250),
                max_backoff: Duration::from_secs(5),
                max_attempts: 4,
            },
            requests: AtomicU64::new(0),
        })
    }

    /// How many token requests were sent.
    #[must_use]
    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Exchanges an authorization code (single use) for tokens.
    pub async fn exchange_code(&self, code: &str, redirect_uri: &str) -> Result<Tokens> {
        let body = format!(
            "grant_type=authorization_code&client_id={}&client_secret={}&redirect_uri={}&code={}",
            enc(&self.client_id),
            enc(self.client_secret.expose()),
            enc(redirect_uri),
            enc(code)
        );
        self.post(Secret::new(body), false).await
    }

    /// New tokens for a refresh token.
    pub async fn refresh(&self, refresh_token: &Secret) -> Result<Tokens> {
        let body = format!(
            "grant_type=refresh_token&client_id={}&client_secret={}&refresh_token={}",
            enc(&self.client_id),
            enc(self.client_secret.expose()),
            enc(refresh_token.expose())
        );
        self.post(Secret::new(body), true).await
    }

    /// Sends the form (a secret: it holds the client secret). A code exchange is
    /// retried only when the request surely did not arrive (no connection, 429): a
    /// code works once.
    async fn post(&self, body: Secret, idempotent: bool) -> Result<Tokens> {
        let path = self.token_url.find("/oauth/").map_or("", |i| &self.token_url[i..]);
        let label = format!("POST {path}");
        let fail = |status: Option<u16>, kind: RestErrorKind, correlation_id: Option<String>, message: String| {
            Error::HubSpot {
                request: label.clone(),
                status,
                kind,
                correlation_id,
                message,
            }
        };
        with_retries(
            &self.policy,
            &label,
            |attempt| {
                let (body, fail, label) = (&body, &fail, &label);
                async move {
                    let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
                    debug!(request = %label, attempt, count = n, "HubSpot token request");
                    let resp = self
                        .http
                        .post(&self.token_url)
                        .header("content-type", "application/x-www-form-urlencoded")
                        .header("accept", "application/json")
                        .body(body.expose().to_owned())
                        .send()
                        .await;
                    let resp = match resp {
                        Ok(r) => r,
                        Err(e) if idempotent || e.is_connect() => {
                            return Attempt::Retry {
                                reason: transport_message(&e),
                                status: None,
                                after: None,
                            };
                        }
                        Err(e) => {
                            return Attempt::Done(Err(fail(
                                None,
                                RestErrorKind::Unavailable,
                                None,
                                transport_message(&e),
                            )));
                        }
                    };
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    if (300..400).contains(&status) {
                        return Attempt::Done(Err(fail(
                            Some(status),
                            RestErrorKind::Redirect,
                            None,
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
                        Err(e) => {
                            return Attempt::Done(Err(fail(
                                Some(status),
                                RestErrorKind::Unavailable,
                                None,
                                transport_message(&e),
                            )));
                        }
                    };
                    if (200..300).contains(&status) {
                        return Attempt::Done(parse_token_response(&bytes).map_err(|e| match e {
                            Error::HubSpot { message, .. } => {
                                fail(Some(status), RestErrorKind::Malformed, None, message)
                            }
                            other => other,
                        }));
                    }
                    let body = parse_error_body(&bytes).unwrap_or_default();
                    if let Some(c) = &body.correlation_id {
                        warn!(request = %label, status, correlation_id = %c, "HubSpot refused a token request");
                    }
                    let code = body.status.clone().unwrap_or_default();
                    let (kind, hint) = match (status, code.as_str()) {
                        (_, "BAD_REFRESH_TOKEN") => (
                            RestErrorKind::BadCredentials,
                            "HubSpot refused the refresh token (revoked or unknown): run `cdt hubspot login`",
                        ),
                        (_, "BAD_AUTH_CODE" | "EXPIRED_AUTH_CODE") => (
                            RestErrorKind::BadCredentials,
                            "HubSpot refused the authorization code (used, expired or unknown): log in again",
                        ),
                        (_, "BAD_CLIENT_ID" | "BAD_CLIENT_SECRET") => (
                            RestErrorKind::BadCredentials,
                            "HubSpot refused the app's client id or secret: check `client_id` and `client_secret`",
                        ),
                        (_, "BAD_REDIRECT_URI") => (
                            RestErrorKind::BadRequest,
                            "HubSpot refused the redirect URI: it must be one the app lists",
                        ),
                        (400 | 401, _) => (
                            RestErrorKind::BadCredentials,
                            "HubSpot refused the token request: check the app's credentials, or run `cdt hubspot login`",
                        ),
                        _ => (RestErrorKind::Server, "the token request failed"),
                    };
                    let code = if code.is_empty() || code == "error" {
                        String::new()
                    } else {
                        format!(" ({code})")
                    };
                    Attempt::Done(Err(fail(
                        Some(status),
                        kind,
                        body.correlation_id,
                        format!("HTTP {status}{code}: {hint}"),
                    )))
                }
            },
            |status, message| fail(status, RestErrorKind::Unavailable, None, message),
        )
        .await
    }
}

/// Where the refresh token is kept between runs. HubSpot may send a new refresh
/// token with an access token: it is saved at once.
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// The stored refresh token, if any.
    async fn load(&self) -> Result<Option<Secret>>;
    /// Stores a (new) refresh token, replacing the old one.
    async fn save(&self, refresh_token: &Secret) -> Result<()>;
}

/// A refresh token kept in memory only (tests, or a refresh token from the settings).
#[derive(Debug, Default)]
pub struct MemoryTokenStore(std::sync::Mutex<Option<Secret>>);

impl MemoryTokenStore {
    /// A store holding `refresh_token`, if given.
    #[must_use]
    pub fn new(refresh_token: Option<Secret>) -> Self {
        Self(std::sync::Mutex::new(refresh_token))
    }
}

#[async_trait]
impl TokenStore for MemoryTokenStore {
    async fn load(&self) -> Result<Option<Secret>> {
        Ok(self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone())
    }

    async fn save(&self, refresh_token: &Secret) -> Result<()> {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(refresh_token.clone());
        Ok(())
    }
}

/// The 256-bit key of a [`FileTokenStore`]. Prints as `[redacted]`; zeroed when
/// dropped.
pub struct StoreKey([u8; 32]);

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey([redacted])")
    }
}

impl Drop for StoreKey {
    fn drop(&mut self) {
        self.0.fill(0);
        std::hint::black_box(&self.0);
    }
}

impl StoreKey {
    /// A key from 32 bytes written as 64 hex digits or in base64; the message of the
    /// error never holds the value.
    pub fn parse(value: &Secret) -> std::result::Result<Self, String> {
        use base64::Engine as _;
        let v = value.expose().trim();
        let bad = || "the key must be 32 bytes, as 64 hex digits or in base64".to_owned();
        let bytes: Vec<u8> = if v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(&v[2 * i..2 * i + 2], 16).map_err(|_| bad()))
                .collect::<std::result::Result<_, _>>()?
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(v)
                .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(v))
                .map_err(|_| bad())?
        };
        let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| bad())?;
        Ok(Self(key))
    }
}

/// A refresh token in a file, encrypted at rest with AES-256-GCM (a random nonce a
/// write), written atomically and owner-only (`0600`).
#[derive(Debug)]
pub struct FileTokenStore {
    path: PathBuf,
    key: StoreKey,
    /// The key's reference, for messages.
    key_name: String,
}

const MAGIC: &[u8] = b"cdt-hubspot-refresh-token-v1\n";

impl FileTokenStore {
    /// A store at `path` with `key`; `key_name` names the key in messages (its
    /// reference, never its value).
    #[must_use]
    pub fn new(path: &Path, key: StoreKey, key_name: &str) -> Self {
        Self {
            path: path.to_owned(),
            key,
            key_name: key_name.to_owned(),
        }
    }

    /// A store at `path` whose key is the secret `key_ref` (e.g.
    /// `env:CDT_HUBSPOT_TOKEN_KEY`).
    pub async fn from_reference(path: &Path, creds: &CredentialManager, key_ref: &SecretRef) -> Result<Self> {
        let value = creds.get(key_ref).await?;
        let key = StoreKey::parse(&value).map_err(|message| Error::Credential {
            reference: key_ref.to_string(),
            message,
        })?;
        Ok(Self::new(path, key, &key_ref.to_string()))
    }

    fn aead_key(&self) -> Result<ring::aead::LessSafeKey> {
        ring::aead::UnboundKey::new(&ring::aead::AES_256_GCM, &self.key.0)
            .map(ring::aead::LessSafeKey::new)
            .map_err(|_| self.key_error("the key is not a valid AES-256 key"))
    }

    fn key_error(&self, message: &str) -> Error {
        Error::Credential {
            reference: self.key_name.clone(),
            message: format!("{message} ({})", self.path.display()),
        }
    }

    /// The encrypted form of `plain`: magic, nonce, ciphertext and tag.
    fn seal(&self, plain: &[u8]) -> Result<Vec<u8>> {
        let nonce: [u8; ring::aead::NONCE_LEN] = random_bytes()?;
        let mut buf = plain.to_vec();
        self.aead_key()?
            .seal_in_place_append_tag(
                ring::aead::Nonce::assume_unique_for_key(nonce),
                ring::aead::Aad::from(MAGIC),
                &mut buf,
            )
            .map_err(|_| self.key_error("cannot encrypt the refresh token"))?;
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&buf);
        buf.fill(0);
        Ok(out)
    }

    fn open(&self, data: &[u8]) -> Result<Secret> {
        let unreadable = || self.key_error("the token file is not one this key encrypted (another key, or damaged)");
        let rest = data.strip_prefix(MAGIC).ok_or_else(unreadable)?;
        if rest.len() < ring::aead::NONCE_LEN {
            return Err(unreadable());
        }
        let (nonce, sealed) = rest.split_at(ring::aead::NONCE_LEN);
        let nonce = ring::aead::Nonce::try_assume_unique_for_key(nonce).map_err(|_| unreadable())?;
        let mut buf = sealed.to_vec();
        let plain = self
            .aead_key()?
            .open_in_place(nonce, ring::aead::Aad::from(MAGIC), &mut buf)
            .map_err(|_| unreadable())?;
        let token = String::from_utf8(plain.to_vec()).map_err(|_| unreadable());
        buf.fill(0);
        Ok(Secret::new(token?))
    }
}

#[async_trait]
impl TokenStore for FileTokenStore {
    async fn load(&self) -> Result<Option<Secret>> {
        match std::fs::read(&self.path) {
            Ok(data) => self.open(&data).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(&self.path, e)),
        }
    }

    async fn save(&self, refresh_token: &Secret) -> Result<()> {
        let sealed = self.seal(refresh_token.expose().as_bytes())?;
        crate::atomic::write_file(&self.path, &sealed).map_err(|e| Error::io(&self.path, e))?;
        debug!(path = %self.path.display(), "HubSpot refresh token saved (encrypted)");
        Ok(())
    }
}

struct TokenState {
    access: Option<(Secret, Instant)>,
    refresh: Option<Secret>,
}

/// Access tokens for API calls: refreshed when less than `margin` of their life is
/// left, one refresh at a time (the lock is held across the request).
pub(crate) struct TokenManager {
    client: OAuthClient,
    store: Arc<dyn TokenStore>,
    margin: Duration,
    state: tokio::sync::Mutex<TokenState>,
}

impl TokenManager {
    pub(crate) fn new(client: OAuthClient, store: Arc<dyn TokenStore>, margin: Duration) -> Self {
        Self {
            client,
            store,
            margin,
            state: tokio::sync::Mutex::new(TokenState {
                access: None,
                refresh: None,
            }),
        }
    }

    pub(crate) fn refresh_count(&self) -> u64 {
        self.client.request_count()
    }

    /// A valid access token, refreshed first when it would expire within the margin.
    pub(crate) async fn token(&self) -> Result<Secret> {
        let mut state = self.state.lock().await;
        if let Some((token, expires)) = &state.access
            && expires.saturating_duration_since(Instant::now()) > self.margin
        {
            return Ok(token.clone());
        }
        let refresh = match state.refresh.clone() {
            Some(r) => r,
            None => self.store.load().await?.ok_or_else(|| Error::HubSpot {
                request: "OAuth".into(),
                status: None,
                kind: RestErrorKind::BadCredentials,
                correlation_id: None,
                message: "no HubSpot refresh token is stored: run `cdt hubspot login`".into(),
            })?,
        };
        let asked = Instant::now();
        let tokens = self.client.refresh(&refresh).await?;
        debug!(
            expires_in_s = tokens.expires_in.as_secs(),
            "HubSpot access token refreshed"
        );
        state.access = Some((tokens.access_token.clone(), asked + tokens.expires_in));
        match tokens.refresh_token {
            Some(new) if new != refresh => {
                // Kept in memory first: the old one no longer works, even if the
                // store fails (its error is returned, so that it is seen).
                state.refresh = Some(new.clone());
                self.store.save(&new).await?;
                debug!("HubSpot rotated the refresh token; the new one is stored");
            }
            _ => state.refresh = Some(refresh),
        }
        Ok(tokens.access_token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorize_url_asks_for_the_scopes_and_state() {
        let u = authorize_url(
            "https://app.hubspot.com/",
            "cid",
            "http://localhost:8976/callback",
            &SCOPES,
            "s1",
        );
        assert_eq!(
            u,
            "https://app.hubspot.com/oauth/authorize?client_id=cid&redirect_uri=http%3A%2F%2Flocalhost%3A8976%2Fcallback\
             &scope=tickets%20crm.objects.contacts.read%20crm.objects.companies.read&state=s1"
        );
        let a = new_state().unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, new_state().unwrap());
    }

    #[test]
    fn the_redirect_state_is_checked() {
        assert_eq!(
            code_from_redirect("http://localhost:8976/callback?code=ab%2Fc&state=s1", "s1").unwrap(),
            "ab/c"
        );
        assert!(code_from_redirect("code=x&state=s2", "s1").is_err());
        assert!(code_from_redirect("code=x", "s1").is_err());
        assert!(code_from_redirect("code=x&state=", "").is_err());
        let e = code_from_redirect("error=access_denied&state=s1", "s1").unwrap_err();
        assert!(e.to_string().contains("access_denied"), "{e}");
    }

    #[test]
    fn token_paths_follow_the_version() {
        assert_eq!(token_path(&OAuthVersion::V1), "/oauth/v1/token");
        assert_eq!(
            token_path(&OAuthVersion::Dated("2026-03".into())),
            "/oauth/2026-03/token"
        );
    }

    #[test]
    fn keys_parse_from_hex_or_base64_without_echoing() {
        assert!(StoreKey::parse(&Secret::new("00".repeat(32))).is_ok());
        assert!(StoreKey::parse(&Secret::new("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")).is_ok());
        let e = StoreKey::parse(&Secret::new("short-secret-value")).unwrap_err();
        assert!(!e.contains("short-secret"), "{e}");
        assert_eq!(format!("{:?}", StoreKey([7; 32])), "StoreKey([redacted])");
    }

    #[tokio::test]
    async fn the_redirect_listener_returns_the_checked_code() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = bind_redirect(0).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let browser = tokio::spawn(async move {
            let mut answers = Vec::new();
            for target in ["/favicon.ico", "/oauth-callback?code=c%2F1&state=s1"] {
                let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
                s.write_all(format!("GET {target} HTTP/1.1\r\nhost: localhost\r\n\r\n").as_bytes())
                    .await
                    .unwrap();
                let mut answer = String::new();
                let _ = s.read_to_string(&mut answer).await;
                answers.push(answer);
            }
            answers
        });
        let code = wait_for_redirect(&listener, "s1", Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(code, "c/1");
        let answers = browser.await.unwrap();
        assert!(answers[0].starts_with("HTTP/1.1 404"), "{}", answers[0]);
        assert!(answers[1].contains("You can close this window"), "{}", answers[1]);
        let e = wait_for_redirect(&listener, "s1", Duration::from_millis(50))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("no redirect"), "{e}");
    }

    #[tokio::test]
    async fn the_file_store_encrypts_at_rest_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hubspot.token");
        let store = FileTokenStore::new(&path, StoreKey([1; 32]), "env:K");
        assert!(store.load().await.unwrap().is_none());
        store.save(&Secret::new("refresh-SENTINEL-1")).await.unwrap();
        let raw = std::fs::read(&path).unwrap();
        assert!(!String::from_utf8_lossy(&raw).contains("SENTINEL"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(store.load().await.unwrap().unwrap().expose(), "refresh-SENTINEL-1");
        store.save(&Secret::new("refresh-2")).await.unwrap();
        assert_ne!(std::fs::read(&path).unwrap(), raw, "a fresh nonce each write");
        let other = FileTokenStore::new(&path, StoreKey([2; 32]), "env:K");
        let e = other.load().await.unwrap_err().to_string();
        assert!(e.contains("env:K") && e.contains("another key"), "{e}");
        std::fs::write(&path, b"garbage").unwrap();
        assert!(store.load().await.is_err());
    }
}
