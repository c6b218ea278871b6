//! OAuth 2 client credentials (RFC 6749 §4.4), as OneRoster 1.2 uses it: a token
//! from the provider's token URL (client authenticated with HTTP Basic, the scopes
//! asked for), cached until shortly before `expires_in`, refreshed by one request at
//! a time however many requests need it at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cdt_core::Secret;
use tracing::debug;

use super::RestErrorKind;
use crate::error::{Error, Result};
use crate::http::{Attempt, RetryPolicy, enc, retry_after, transport_message, with_retries};

/// A cached access token.
struct Cached {
    token: Secret,
    /// When to stop using it (a margin before it expires).
    refresh_at: Option<Instant>,
}

/// Gets and caches client-credentials tokens. Cheap to share.
pub(crate) struct TokenSource {
    http: reqwest::Client,
    token_url: String,
    client_id: String,
    scopes: Vec<String>,
    policy: RetryPolicy,
    cached: tokio::sync::Mutex<Option<Cached>>,
    requests: Arc<AtomicU64>,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// How long before `expires_in` a token stops being used: a fifth of its life, at
/// most 60 s.
pub(crate) fn margin(expires_in: Duration) -> Duration {
    (expires_in / 5).min(Duration::from_mins(1))
}

#[derive(serde::Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<f64>,
}

impl TokenSource {
    pub(crate) fn new(
        token_url: &str,
        client_id: &str,
        scopes: Vec<String>,
        timeout: Duration,
        policy: RetryPolicy,
    ) -> Result<Self> {
        let fail = |message: String| Error::OneRoster {
            request: format!("POST {token_url}"),
            status: None,
            kind: RestErrorKind::Settings,
            message,
        };
        let http = crate::http::client_for(token_url, timeout)
            .map_err(fail)?
            .build()
            .map_err(|e| fail(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            http,
            token_url: token_url.to_owned(),
            client_id: client_id.to_owned(),
            scopes,
            policy,
            cached: tokio::sync::Mutex::new(None),
            requests: Arc::new(AtomicU64::new(0)),
        })
    }

    /// How many token requests were sent.
    pub(crate) fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// A valid token: the cached one, or a new one. Callers that arrive while a
    /// refresh is under way wait for it (the lock is held across the request).
    pub(crate) async fn token(&self, secret: &Secret) -> Result<Secret> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref()
            && c.refresh_at.is_none_or(|t| Instant::now() < t)
        {
            return Ok(c.token.clone());
        }
        let fresh = self.request(secret).await?;
        let token = fresh.token.clone();
        *cached = Some(fresh);
        Ok(token)
    }

    /// Forgets `token` if it is the cached one (the server refused it early).
    pub(crate) async fn invalidate(&self, token: &Secret) {
        let mut cached = self.cached.lock().await;
        if cached.as_ref().is_some_and(|c| c.token.expose() == token.expose()) {
            *cached = None;
        }
    }

    async fn request(&self, secret: &Secret) -> Result<Cached> {
        let label = format!("POST {}", self.token_url);
        let fail = |status: Option<u16>, kind: RestErrorKind, message: String| Error::OneRoster {
            request: label.clone(),
            status,
            kind,
            message,
        };
        let mut body = "grant_type=client_credentials".to_owned();
        if !self.scopes.is_empty() {
            body.push_str("&scope=");
            body.push_str(&enc(&self.scopes.join(" ")));
        }
        let asked = Instant::now();
        let answer: TokenAnswer = with_retries(
            &self.policy,
            &label,
            |attempt| {
                let (body, fail, label) = (&body, &fail, &label);
                async move {
                    let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
                    debug!(request = %label, attempt, count = n, "OAuth 2 token request");
                    let resp = self
                        .http
                        .post(&self.token_url)
                        .basic_auth(&self.client_id, Some(secret.expose()))
                        .header("content-type", "application/x-www-form-urlencoded")
                        .header("accept", "application/json")
                        .body(body.clone())
                        .send()
                        .await;
                    let resp = match resp {
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
                    match status {
                        200..=299 => match resp.bytes().await {
                            Ok(b) => Attempt::Done(serde_json::from_slice::<TokenAnswer>(&b).map_err(|_| {
                                fail(
                                    Some(status),
                                    RestErrorKind::Malformed,
                                    "the token answer is not JSON with an `access_token`".into(),
                                )
                            })),
                            Err(e) => Attempt::Retry {
                                reason: transport_message(&e),
                                status: None,
                                after: None,
                            },
                        },
                        429 | 500 | 502 | 503 | 504 => Attempt::Retry {
                            reason: format!("HTTP {status}"),
                            status: Some(status),
                            after: retry_after(resp.headers()),
                        },
                        300..=399 => Attempt::Done(Err(fail(
                            Some(status),
                            RestErrorKind::Redirect,
                            crate::http::redirect_message(status, resp.headers()),
                        ))),
                        _ => {
                            // RFC 6749 §5.2: {"error": "invalid_client", ...}. Only the
                            // error code is kept: descriptions may echo what was sent.
                            let code = resp
                                .bytes()
                                .await
                                .ok()
                                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                                .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(super::imsx::clean))
                                .unwrap_or_default();
                            let (kind, hint) = match (status, code.as_str()) {
                                (_, "invalid_scope") => (
                                    RestErrorKind::Forbidden,
                                    "the scopes asked for are not granted to this client; check `scopes`",
                                ),
                                (400 | 401, _) => (
                                    RestErrorKind::BadCredentials,
                                    "the token URL refused the client id and secret; check `client_id` and the secret",
                                ),
                                (403, _) => (RestErrorKind::Forbidden, "the client may not get a token"),
                                _ => (RestErrorKind::Server, "the token request failed"),
                            };
                            let code = if code.is_empty() {
                                String::new()
                            } else {
                                format!(" ({code})")
                            };
                            Attempt::Done(Err(fail(Some(status), kind, format!("HTTP {status}{code}: {hint}"))))
                        }
                    }
                }
            },
            |status, message| fail(status, RestErrorKind::Unavailable, message),
        )
        .await?;
        if answer.access_token.is_empty() {
            return Err(fail(
                None,
                RestErrorKind::Malformed,
                "the token answer has an empty `access_token`".into(),
            ));
        }
        if let Some(t) = &answer.token_type
            && !t.eq_ignore_ascii_case("bearer")
        {
            return Err(fail(
                None,
                RestErrorKind::Malformed,
                format!("the token is of type `{}`, not a bearer token", super::imsx::clean(t)),
            ));
        }
        let refresh_at = answer.expires_in.filter(|s| s.is_finite() && *s > 0.0).map(|s| {
            let life = Duration::from_secs_f64(s.min(1e9));
            (asked + life).checked_sub(margin(life)).unwrap_or(asked)
        });
        debug!(expires_in = ?answer.expires_in, "OAuth 2 token received");
        Ok(Cached {
            token: Secret::new(answer.access_token),
            refresh_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_refreshed_shortly_before_they_expire() {
        assert_eq!(margin(Duration::from_hours(1)), Duration::from_mins(1));
        assert_eq!(margin(Duration::from_secs(10)), Duration::from_secs(2));
    }
}
