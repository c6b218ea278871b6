//! Outbound HTTP: every client of an outside service is built here, so each one
//! verifies TLS certificates (rustls with the system's roots), follows no redirect (a
//! 3xx answer is an error naming where it pointed) and speaks plain HTTP only to this
//! machine. The retry loop of every REST client is here too ([`with_retries`]):
//! timeouts, broken or truncated answers, 5xx and 429 are retried with exponential
//! backoff and jitter, honouring `Retry-After`, within a cap on attempts and on the
//! total time spent.

use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

use tracing::warn;

use crate::environments::is_loopback;

/// How a client retries one request.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RetryPolicy {
    /// The cap on the total time spent retrying one request.
    pub max_retry_time: Duration,
    /// The first backoff; it doubles each retry, with jitter.
    pub base_backoff: Duration,
    /// The longest single backoff.
    pub max_backoff: Duration,
    /// The most attempts of one request.
    pub max_attempts: u32,
}

/// What one attempt ended with.
pub(crate) enum Attempt<T, E> {
    /// Done: the answer, or an error not worth retrying.
    Done(Result<T, E>),
    /// Worth another attempt: why, the HTTP status if one came, and the server's
    /// `Retry-After` if it sent one.
    Retry {
        reason: String,
        status: Option<u16>,
        after: Option<Duration>,
    },
}

/// Runs `attempt` (given the attempt number, from 1) until it is done or the policy's
/// attempts or time run out; then `give_up(status, message)` is the error.
pub(crate) async fn with_retries<T, E, F, Fut>(
    policy: &RetryPolicy,
    label: &str,
    mut attempt: F,
    give_up: impl Fn(Option<u16>, String) -> E,
) -> Result<T, E>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Attempt<T, E>>,
{
    let started = Instant::now();
    let mut n: u32 = 0;
    loop {
        n += 1;
        let (reason, status, asked) = match attempt(n).await {
            Attempt::Done(r) => return r,
            Attempt::Retry { reason, status, after } => (reason, status, after),
        };
        let elapsed = started.elapsed();
        let wait = asked.unwrap_or_else(|| backoff(policy, n));
        if n >= policy.max_attempts || elapsed + wait > policy.max_retry_time {
            let why = match asked {
                Some(a) if elapsed + a > policy.max_retry_time => format!(
                    "; the server asked to retry after {} s, beyond the {} s retry budget",
                    a.as_secs(),
                    policy.max_retry_time.as_secs()
                ),
                _ => String::new(),
            };
            return Err(give_up(
                status,
                format!(
                    "gave up after {n} attempts in {:.1} s: {reason}{why}",
                    elapsed.as_secs_f64()
                ),
            ));
        }
        warn!(request = %label, attempt = n, %reason, wait_ms = wait.as_millis(), "request failed, retrying");
        tokio::time::sleep(wait).await;
    }
}

/// The backoff after attempt `n`: exponential, capped, with equal jitter (half the
/// backoff, plus a random part of the other half).
fn backoff(policy: &RetryPolicy, n: u32) -> Duration {
    let exp = policy
        .base_backoff
        .saturating_mul(1u32.checked_shl(n.saturating_sub(1)).unwrap_or(u32::MAX))
        .min(policy.max_backoff);
    exp / 2 + exp.mul_f64(jitter_fraction() / 2.0)
}

/// A random fraction in `[0, 1)`.
pub(crate) fn jitter_fraction() -> f64 {
    // A fresh `RandomState` is randomly keyed: enough randomness for jitter (and
    // OAuth nonces) without a random-number crate.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    #[allow(clippy::cast_precision_loss)]
    let f = (h.finish() >> 11) as f64 / (1u64 << 53) as f64;
    f
}

/// 64 random bits (see [`jitter_fraction`]).
pub(crate) fn random_u64() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0x5eed);
    h.finish()
}

/// Parses `Retry-After`: seconds, or an HTTP date.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// A reqwest error's kind and cause, without its URL (which may carry a filter with
/// personal data).
pub(crate) fn transport_message(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else if e.is_body() || e.is_decode() {
        "the answer was cut short (truncated body)"
    } else {
        "transport error"
    };
    let mut cause = String::new();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        cause = s.to_string();
        src = s.source();
    }
    if cause.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {cause}")
    }
}

/// Percent-encodes a path segment or query value: every byte but the RFC 3986
/// unreserved characters (`A-Z a-z 0-9 - . _ ~`), as OAuth 1.0a requires too.
pub(crate) fn enc(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A client builder for the service at `base_url`, or why that URL is refused.
pub(crate) fn client_for(base_url: &str, timeout: Duration) -> Result<reqwest::ClientBuilder, String> {
    let url = reqwest::Url::parse(base_url).map_err(|e| format!("`{base_url}` is not a URL: {e}"))?;
    let host = url.host_str().unwrap_or_default();
    let local = is_loopback(host);
    match url.scheme() {
        "https" => {}
        "http" if local => {}
        "http" => {
            return Err(format!(
                "`{base_url}` is plain http to another machine: use https (plain http is allowed only to this machine)"
            ));
        }
        other => return Err(format!("`{base_url}`: unsupported scheme `{other}` (use https)")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the URL must not hold credentials".into());
    }
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .https_only(!local)
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("cdt/", env!("CARGO_PKG_VERSION"))))
}

/// The error text for a redirect: where it pointed, cleaned for a terminal.
pub(crate) fn redirect_message(status: u16, headers: &reqwest::header::HeaderMap) -> String {
    let location = headers
        .get(reqwest::header::LOCATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    let location: String = location.chars().filter(|c| !c.is_control()).take(200).collect();
    format!(
        "HTTP {status}: the server redirected to `{location}`; redirects are never followed (a request may carry \
         student data): check the configured URL"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(enc("bm-org_1.x~"), "bm-org_1.x~");
        assert_eq!(enc("a/b?c d"), "a%2Fb%3Fc%20d");
        assert_eq!(enc("é'"), "%C3%A9%27");
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(reqwest::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            reqwest::header::RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(reqwest::header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn jitter_stays_in_range() {
        for _ in 0..100 {
            let f = jitter_fraction();
            assert!((0.0..1.0).contains(&f), "{f}");
        }
    }

    #[test]
    fn retries_stop_at_the_attempt_cap_and_honour_retry_after() {
        let policy = RetryPolicy {
            max_retry_time: Duration::from_secs(5),
            base_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(2),
            max_attempts: 3,
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let mut calls = 0;
        let r: Result<(), String> = rt.block_on(with_retries(
            &policy,
            "test",
            |_| {
                calls += 1;
                async {
                    Attempt::Retry {
                        reason: "HTTP 503".into(),
                        status: Some(503),
                        after: None,
                    }
                }
            },
            |s, m| format!("{s:?} {m}"),
        ));
        assert_eq!(calls, 3);
        assert!(r.unwrap_err().contains("gave up after 3 attempts"));
        let r: Result<(), String> = rt.block_on(with_retries(
            &policy,
            "test",
            |_| async {
                Attempt::Retry {
                    reason: "HTTP 429".into(),
                    status: Some(429),
                    after: Some(Duration::from_mins(1)),
                }
            },
            |s, m| format!("{s:?} {m}"),
        ));
        let e = r.unwrap_err();
        assert!(
            e.contains("retry after 60 s") && e.contains("gave up after 1 attempts"),
            "{e}"
        );
    }

    #[test]
    fn plain_http_only_to_this_machine() {
        let t = Duration::from_secs(1);
        assert!(client_for("https://api.example.org", t).is_ok());
        assert!(client_for("http://127.0.0.1:8080", t).is_ok());
        assert!(client_for("http://[::1]:8080/base", t).is_ok());
        assert!(client_for("http://localhost:1", t).is_ok());
        let err = client_for("http://api.example.org", t).unwrap_err();
        assert!(err.contains("use https"), "{err}");
        let err = client_for("ftp://api.example.org", t).unwrap_err();
        assert!(err.contains("unsupported scheme"), "{err}");
        let err = client_for("https://user:pw@api.example.org", t).unwrap_err();
        assert!(!err.contains("pw"), "{err}");
        assert!(client_for("not a url", t).is_err());
    }

    #[test]
    fn a_redirect_names_its_target_without_control_characters() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(
            reqwest::header::LOCATION,
            "http://127.0.0.1:9/x\u{1b}[2J"
                .parse()
                .unwrap_or_else(|_| "http://127.0.0.1:9/x".parse().unwrap()),
        );
        let m = redirect_message(307, &h);
        assert!(m.contains("http://127.0.0.1:9/x"), "{m}");
        assert!(!m.contains('\u{1b}'), "{m}");
    }
}
