//! `POST /customers/{customer_id}/sweep`: the district sweep (every built-in check over
//! the whole district, `cdt_connectors::sweep::sweep`, the same call as `cdt sweep` and
//! `cdt.sweep`), for a caller permitted the customer's environment. It counts as a run
//! (the per-user limit, a diagnostic slot, the deadline) and is recorded in the history
//! as tool `sweep`. Past the deadline the sweep is told to stop, so its slot frees up.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use cdt_connectors::{RunOptions, Target};
use cdt_store::runs::NewRun;
use cdt_tools::sweep::SweepReport;
use serde::Deserialize;

use crate::auth::Caller;
use crate::problem::{ApiError, Kind};
use crate::routes::{admit, in_slot, load_customer, record_run, with_run_id};
use crate::state::AppState;

/// The history status of a sweep that found something to fix.
pub(crate) const ISSUES_FOUND: &str = "ISSUES_FOUND";

/// How to answer a sweep.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SweepQuery {
    /// `json` (the default), `html` (the self-contained report with its charts) or
    /// `text`.
    #[serde(default)]
    format: Option<String>,
}

/// The body of a sweep request (optional: no body is `{}`).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SweepRequest {
    /// Read a file drop again, not from the caches.
    #[serde(default)]
    fresh: bool,
}

/// Stops the sweep once the request's deadline has passed.
struct Deadline(Arc<AtomicBool>);

impl cdt_tools::sweep::Progress for Deadline {
    fn should_stop(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// `POST /customers/{customer_id}/sweep`.
#[utoipa::path(post, path = "/customers/{customer_id}/sweep", tag = "tools", security(("token" = []), ("session" = [])), params(("customer_id" = String, Path), ("format" = Option<String>, Query, description = "`json` (the default), `html` or `text`")), request_body(content = SweepRequest, description = "optional: no body reads as `{}`"), responses((status = 200, description = "the sweep's report (JSON; `?format=html` or `text` for the others); `Location: /runs/{run id}`", body = Object), (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 429, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 502, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 503, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 504, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn sweep(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(customer_id): Path<String>,
    query: Result<Query<SweepQuery>, QueryRejection>,
    body: crate::routes::Body<SweepRequest>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::new(Kind::BadRequest, e.body_text()))?;
    let req = match body {
        Err(JsonRejection::MissingJsonContentType(_)) => SweepRequest::default(),
        body => crate::routes::parse(body)?,
    };
    let format = q.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "html" | "text") {
        return Err(ApiError::new(Kind::BadRequest, "format is json, html or text"));
    }
    let customer = load_customer(&state, &customer_id).await?;
    let environment = customer.bookmarked_environment;
    caller.require_run(&state, environment).await?;
    let permit = admit(&state, &caller).await?;
    let started = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let progress = Deadline(Arc::clone(&stop));
    let target = Target::Settings(Arc::new(customer));
    // One thread: a sweep holds one diagnostic slot, and the slots bound the service's
    // work; a sweep on every core would starve the other slots' runs.
    let options = RunOptions::now(None)
        .fresh(req.fresh)
        .budget(state.budget_of(&caller))
        .threads(1);
    let outcome = in_slot(&state, permit, async move {
        cdt_connectors::sweep::sweep(&target, &options, &progress).await
    })
    .await;
    if outcome.as_ref().is_err_and(|e| e.kind == Kind::Timeout) {
        stop.store(true, Ordering::Relaxed);
    }
    let elapsed = started.elapsed();
    let run = NewRun {
        user_id: Some(caller.user.id.clone()),
        username: Some(caller.user.username.clone()),
        customer_id: Some(customer_id),
        tool_id: "sweep".into(),
        environment: Some(environment.to_string()),
        ticket: None,
        inputs: serde_json::json!({ "fresh": req.fresh }),
        status: match &outcome {
            Ok(r) if r.needs_action() => ISSUES_FOUND.to_owned(),
            Ok(_) => "NO_ISSUE".to_owned(),
            Err(_) => "ERROR".to_owned(),
        },
        runtime_ms: i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX),
        result: outcome.as_ref().ok().and_then(|r| serde_json::to_value(r).ok()),
        error: outcome.as_ref().err().map(|e| e.detail.clone()),
    };
    let run_id = record_run(&state, &caller, &run, elapsed).await?;
    let report = outcome?;
    Ok(with_run_id(answer(&report, format), &run_id))
}

fn answer(report: &SweepReport, format: &str) -> Response {
    match format {
        "html" => {
            let mut res = cdt_tools::sweep::html::to_html(report).into_response();
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src data:"),
            );
            res
        }
        "text" => cdt_tools::sweep::render::to_text(report).into_response(),
        _ => Json(report).into_response(),
    }
}
