//! ClassLink as a SIS source (`integration.type = "classlink"`, `docs/oneroster-api.md`).
//!
//! A ClassLink district's Roster Server is a OneRoster 1.1 REST API, so the source is
//! the [`OneRosterApi`] client with ClassLink's settings, by one of two routes:
//!
//! - **direct**: the district's Roster Server at `base_url`
//!   (`https://{tenant}-{xx}-v2.oneroster.com/ims/oneroster/v1p1/…`), requests signed
//!   with OAuth 1.0a (HMAC-SHA256) with the client id and secret of ClassLink's console;
//! - **proxy**: ClassLink's OneRoster proxy at `{proxy_base}/{application_id}/ims/oneroster/v1p1/…`
//!   with the application's access token as a bearer token. That token does not
//!   expire and cannot be refreshed, so a 401 is an error saying to regenerate it in
//!   ClassLink's console.
//!
//! ClassLink publishes no rate limits: its requests are fewer at once (2) and a second
//! (10) than other OneRoster servers' by default, and 429 and 503 are retried with
//! backoff.
//!
//! [`applications`] and [`server`] read the proxy's discovery answers: which
//! districts' applications a token can read, and an application's direct-route
//! server. Their secrets (`bearer`, `client_secret`) are never kept as text.

use std::time::Duration;

use cdt_core::customer::{ClassLinkRoute, ClassLinkSettings, Integration};
use cdt_core::{Customer, Secret, SecretRef};
use serde::Serialize;
use serde_json::Value;

use crate::credentials::CredentialManager;
use crate::error::{Error, RestErrorKind, Result};
use crate::http::{Attempt, RetryPolicy, enc, retry_after, transport_message, with_retries};
use crate::oneroster_api::{AuthOptions, OneRosterApi, RestOptions, SignatureMethod};

pub use cdt_core::customer::CLASSLINK_PROXY_BASE;

/// What a 401 of the proxy says to do.
const RENEW: &str = "regenerate the access token in ClassLink's console (OneRoster, the district's \
                     application) and store the new one where `access_token` points";

/// Requests at once to a ClassLink server by default (it publishes no limits).
pub const DEFAULT_CONCURRENT_REQUESTS: u32 = 2;
/// Requests a second to a ClassLink server by default.
pub const DEFAULT_REQUESTS_PER_SECOND: u32 = 10;

/// The client options of ClassLink settings and the secret they need (the client
/// secret, or the proxy's access token), or the field at fault.
pub fn rest_options(settings: &ClassLinkSettings) -> Result<(RestOptions, SecretRef)> {
    let route = settings.route().map_err(|(field, message)| Error::OneRoster {
        request: "ClassLink settings".into(),
        status: None,
        kind: RestErrorKind::Settings,
        message: format!("field `integration.{field}`: {message}"),
    })?;
    let version = settings.oneroster_version;
    let (mut opts, secret) = match route {
        ClassLinkRoute::Direct {
            base_url,
            client_id,
            client_secret,
        } => {
            let mut o = RestOptions::new(
                base_url,
                version,
                client_id,
                AuthOptions::OAuth1(SignatureMethod::HmacSha256),
            );
            o.service = Some("ClassLink Roster Server (direct, OAuth 1.0a)".into());
            (o, client_secret.clone())
        }
        ClassLinkRoute::Proxy {
            proxy_base,
            application_id,
            access_token,
        } => {
            let mut o = RestOptions::new(
                &format!("{proxy_base}/{}", enc(application_id)),
                version,
                "",
                AuthOptions::StaticBearer { renew: RENEW.into() },
            );
            o.service = Some(format!("ClassLink OneRoster proxy (application {application_id})"));
            (o, access_token.clone())
        }
    };
    opts.max_concurrent_requests = DEFAULT_CONCURRENT_REQUESTS;
    opts.max_requests_per_second = DEFAULT_REQUESTS_PER_SECOND;
    Ok((opts.with_limits(&settings.limits), secret))
}

/// The client of a customer's `classlink` settings (resolving its secret with `creds`
/// when first needed), or `None` for another integration.
pub fn for_customer(customer: &Customer, creds: &CredentialManager) -> Result<Option<OneRosterApi>> {
    let Integration::Classlink(settings) = &customer.integration else {
        return Ok(None);
    };
    let (opts, secret) = rest_options(settings)?;
    OneRosterApi::with_credentials(opts, creds.clone(), secret).map(Some)
}

/// A district's application that a token may read, from the proxy's
/// `GET /applications`. ClassLink's `bearer` is not kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Application {
    /// The entry's id.
    pub id: String,
    /// The district (tenant) name.
    pub tenant_name: String,
    /// The tenant id.
    pub tenant_id: String,
    /// The application id: the `application_id` of the proxy route.
    pub application_id: String,
    /// The application's name.
    pub name: String,
    /// The id to ask the direct route's server for ([`server`]).
    pub oneroster_application_id: String,
}

/// An application's direct route, from the proxy's `GET /applications/{id}/server`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    /// The OAuth 1.0a client id.
    pub client_id: String,
    /// The OAuth 1.0a client secret (ClassLink may send it empty).
    pub client_secret: Secret,
    /// The Roster Server's address.
    pub endpoint_url: String,
}

/// A text or a number as text (ClassLink sends ids as either); `""` when absent.
fn text(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// The applications a ClassLink token can read, from the proxy at `proxy_base`
/// ([`CLASSLINK_PROXY_BASE`] in production).
pub async fn applications(proxy_base: &str, token: &Secret) -> Result<Vec<Application>> {
    let body = discovery_get(proxy_base, "/applications", "GET /applications", token).await?;
    let Some(list) = body.get("applications") else {
        return Err(malformed("GET /applications", "the answer has no `applications`"));
    };
    // One application is sometimes sent as an object rather than a list.
    let items: Vec<&Value> = match list {
        Value::Array(items) => items.iter().collect(),
        v @ Value::Object(_) => vec![v],
        Value::Null => Vec::new(),
        _ => return Err(malformed("GET /applications", "`applications` is not a list")),
    };
    Ok(items
        .into_iter()
        .map(|a| Application {
            id: text(a, "id"),
            tenant_name: text(a, "tenant_name"),
            tenant_id: text(a, "tenant_id"),
            application_id: text(a, "application_id"),
            name: text(a, "name"),
            oneroster_application_id: text(a, "oneroster_application_id"),
        })
        .collect())
}

/// The direct route of the application `oneroster_application_id` (as
/// [`Application::oneroster_application_id`] gives it, percent-encoded already).
pub async fn server(proxy_base: &str, token: &Secret, oneroster_application_id: &str) -> Result<Server> {
    // The id comes percent-encoded (`MoYPlyQWmG0%3D`): only what is not already a
    // valid escape or an unreserved character is encoded.
    let id: String = oneroster_application_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '%') {
                c.to_string()
            } else {
                enc(&c.to_string())
            }
        })
        .collect();
    let label = "GET /applications/{id}/server";
    let body = discovery_get(proxy_base, &format!("/applications/{id}/server"), label, token).await?;
    let Some(s @ Value::Object(_)) = body.get("server") else {
        return Err(malformed(label, "the answer has no `server` object"));
    };
    Ok(Server {
        client_id: text(s, "client_id"),
        client_secret: Secret::new(text(s, "client_secret")),
        endpoint_url: text(s, "endpoint_url"),
    })
}

fn malformed(request: &str, message: &str) -> Error {
    Error::OneRoster {
        request: format!("ClassLink {request}"),
        status: Some(200),
        kind: RestErrorKind::Malformed,
        message: message.to_owned(),
    }
}

/// One GET of the proxy's discovery API, retried on 429, 5xx and broken answers;
/// `{"status": 1, …}` is success.
async fn discovery_get(proxy_base: &str, path: &str, label: &str, token: &Secret) -> Result<Value> {
    let request = format!("ClassLink {label}");
    let fail = |status: Option<u16>, kind: RestErrorKind, message: String| Error::OneRoster {
        request: request.clone(),
        status,
        kind,
        message,
    };
    let base = proxy_base.trim_end_matches('/');
    let timeout = Duration::from_secs(30);
    let http = crate::http::client_for(base, timeout)
        .map_err(|m| fail(None, RestErrorKind::Settings, m))?
        .build()
        .map_err(|e| {
            fail(
                None,
                RestErrorKind::Settings,
                format!("cannot build the HTTP client: {e}"),
            )
        })?;
    let url = reqwest::Url::parse(&format!("{base}{path}"))
        .map_err(|e| fail(None, RestErrorKind::Settings, format!("not a URL: {e}")))?;
    let policy = RetryPolicy {
        max_retry_time: Duration::from_mins(1),
        base_backoff: Duration::from_millis(250),
        max_backoff: Duration::from_secs(10),
        max_attempts: 6,
    };
    with_retries(
        &policy,
        &request,
        |_| {
            let (http, url, fail) = (&http, &url, &fail);
            async move {
                let resp = match http
                    .get(url.clone())
                    .header("accept", "application/json")
                    .bearer_auth(token.expose())
                    .send()
                    .await
                {
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
                let done = |kind, message: String| Attempt::Done(Err(fail(Some(status), kind, message)));
                match status {
                    200..=299 => match serde_json::from_slice::<Value>(&body) {
                        Ok(v) if v.get("status").and_then(Value::as_i64) == Some(1) => Attempt::Done(Ok(v)),
                        Ok(v) => done(
                            RestErrorKind::Server,
                            format!(
                                "ClassLink answered status {}: {}",
                                v.get("status").map(Value::to_string).unwrap_or_default(),
                                cdt_core::text::one_line(
                                    &v.get("message")
                                        .and_then(Value::as_str)
                                        .unwrap_or_default()
                                        .chars()
                                        .take(200)
                                        .collect::<String>()
                                )
                            ),
                        ),
                        Err(e) => done(RestErrorKind::Malformed, format!("the answer is not JSON: {e}")),
                    },
                    401 => done(
                        RestErrorKind::BadCredentials,
                        format!("401 Unauthorized: ClassLink's OneRoster proxy refused the token: {RENEW}"),
                    ),
                    403 => done(
                        RestErrorKind::Forbidden,
                        "403 Forbidden: the token may not read this".to_owned(),
                    ),
                    404 => done(RestErrorKind::UnknownObject, "404 Not Found".to_owned()),
                    429 | 500 | 502 | 503 | 504 => Attempt::Retry {
                        reason: format!("HTTP {status}"),
                        status: Some(status),
                        after: retry_after(&headers),
                    },
                    300..=399 => done(RestErrorKind::Redirect, crate::http::redirect_message(status, &headers)),
                    _ => done(RestErrorKind::Server, format!("HTTP {status}")),
                }
            }
        },
        |status, message| fail(status, RestErrorKind::Unavailable, message),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(json: &str) -> ClassLinkSettings {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn the_direct_route_signs_with_oauth1_at_the_roster_server() {
        let (o, secret) = rest_options(&settings(
            r#"{"base_url": "https://demo-nj-v2.oneroster.com", "client_id": "k", "client_secret": "env:S"}"#,
        ))
        .unwrap();
        assert_eq!(o.root(), "https://demo-nj-v2.oneroster.com/ims/oneroster/v1p1");
        assert_eq!(o.auth, AuthOptions::OAuth1(SignatureMethod::HmacSha256));
        assert_eq!(secret, SecretRef::Env("S".into()));
        assert_eq!(o.max_concurrent_requests, DEFAULT_CONCURRENT_REQUESTS);
        assert!(o.service_name().contains("ClassLink") && o.service_name().contains("direct"));
    }

    #[test]
    fn the_proxy_route_sends_the_token_to_the_application_path() {
        let (o, secret) = rest_options(&settings(
            r#"{"route": "proxy", "application_id": "57", "access_token": "env:T",
                "limits": {"max_requests_per_second": 3}}"#,
        ))
        .unwrap();
        assert_eq!(o.root(), "https://oneroster-proxy.classlink.io/57/ims/oneroster/v1p1");
        assert!(matches!(o.auth, AuthOptions::StaticBearer { .. }));
        assert_eq!(secret, SecretRef::Env("T".into()));
        assert_eq!(o.max_requests_per_second, 3);
        assert!(o.service_name().contains("proxy") && o.service_name().contains("57"));
        let e = rest_options(&settings(r#"{"route": "proxy", "application_id": "57"}"#)).unwrap_err();
        assert!(e.to_string().contains("integration.access_token"), "{e}");
    }
}
