//! Request ids and the `Host` check, as middleware.
//!
//! Every request gets an id: the caller's `X-Request-Id` when it is short and plain,
//! otherwise a new one. It is echoed in the response, recorded with runs and security
//! events, and logged. Requests whose `Host` is not in the configured list are refused
//! (a defence against DNS rebinding), except `/health`, `/ready` and `/metrics`,
//! which load balancers and Prometheus call by address.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument as _;

use crate::problem::{ApiError, Kind};
use crate::state::AppState;

/// The request's id, in the request's extensions.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// The header carrying it.
pub(crate) const HEADER: &str = "x-request-id";

/// Assigns the id, checks the host, logs the request.
pub(crate) async fn middleware(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| (1..=64).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)))
        .map_or_else(cdt_store::new_error_id, str::to_owned);
    req.extensions_mut().insert(RequestId(id.clone()));
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let span = tracing::info_span!("request", request_id = %id, %method, %path);
    let probe = matches!(path.as_str(), "/health" | "/ready" | "/metrics" | "/openapi.json");
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(ToString::to_string));
    let mut res = if !probe && !host.as_deref().is_some_and(|h| state.config.host_allowed(h)) {
        let shown = crate::problem::clip(&host.unwrap_or_default());
        tracing::warn!(target: "cdt::security", parent: &span, host = %shown, "request for an unknown host refused");
        ApiError::new(Kind::BadHost, "this server does not answer to that Host").into_response()
    } else {
        let started = std::time::Instant::now();
        let mut res = next.run(req).instrument(span.clone()).await;
        // The router's own 405 (a route taking another method) as problem+json too.
        if res.status() == axum::http::StatusCode::METHOD_NOT_ALLOWED && res.extensions().get::<Kind>().is_none() {
            let allow = res.headers().get(header::ALLOW).cloned();
            res = ApiError::new(Kind::MethodNotAllowed, "this route takes another method").into_response();
            if let Some(allow) = allow {
                res.headers_mut().insert(header::ALLOW, allow);
            }
        }
        tracing::debug!(parent: &span, status = res.status().as_u16(), ms = started.elapsed().as_millis(), "answered");
        res
    };
    state.metrics.request(res.status().as_u16());
    if let Some(kind) = res.extensions().get::<Kind>() {
        state.metrics.problem(kind.slug());
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(HEADER, v);
    }
    let h = res.headers_mut();
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    res
}
