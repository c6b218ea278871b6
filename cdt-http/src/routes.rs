//! The API's handlers: tools, customers, runs and their history.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cdt_connectors::{RunOptions, Target};
use cdt_core::{DiagnosticResult, Environment, Inputs, ToolSpec};
use cdt_store::limits::Limit;
use cdt_store::runs::{NewRun, Run, RunFilter};
use cdt_store::{Permission, User};
use serde::{Deserialize, Serialize};
use tokio::sync::OwnedSemaphorePermit;

use crate::auth::Caller;
use crate::problem::{ApiError, Kind};
use crate::state::AppState;

/// A JSON body, or why it is not one.
pub(crate) type Body<T> = Result<Json<T>, JsonRejection>;

/// The body, or a 400 (413 when too large) naming what is wrong.
pub(crate) fn parse<T>(body: Body<T>) -> Result<T, ApiError> {
    body.map(|Json(b)| b).map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(Kind::TooLarge, "the request body is too large")
        } else {
            ApiError::new(Kind::BadRequest, e.body_text())
        }
    })
}

/// `GET /health`: the process answers.
#[utoipa::path(get, path = "/health", tag = "probes", responses((status = 200, description = "the process answers", body = String)))]
pub(crate) async fn health() -> &'static str {
    "ok"
}

/// `GET /ready`: the application database answers.
#[utoipa::path(get, path = "/ready", tag = "probes", responses((status = 200, description = "the application database answers", body = String), (status = 503, description = "it does not", body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn ready(State(state): State<Arc<AppState>>) -> Result<&'static str, ApiError> {
    state
        .store
        .ping()
        .await
        .map_err(|e| ApiError::hidden(Kind::Busy, "the application database does not answer", e.to_string()))?;
    Ok("ready")
}

/// `GET /metrics`: Prometheus' text format.
#[utoipa::path(get, path = "/metrics", tag = "probes", responses((status = 200, description = "Prometheus text format 0.0.4", body = String, content_type = "text/plain")))]
pub(crate) async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state
            .metrics
            .render(state.in_flight(), &cdt_connectors::drop::SourceCache::global().stats()),
    )
        .into_response()
}

/// `GET /me`.
#[utoipa::path(get, path = "/me", tag = "users", security(("token" = []), ("session" = [])), responses((status = 200, body = cdt_store::User), (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn me(caller: Caller) -> Json<User> {
    Json(caller.user)
}

/// `GET /tools`.
#[utoipa::path(get, path = "/tools", tag = "tools", security(("token" = []), ("session" = [])), responses((status = 200, body = Vec<ToolSpec>), (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn tools(State(state): State<Arc<AppState>>, _caller: Caller) -> Json<Vec<ToolSpec>> {
    Json(state.registry.tools().map(|t| t.spec().clone()).collect())
}

/// A customer as listed.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct CustomerItem {
    pub(crate) customer_id: String,
    pub(crate) customer_name: Option<String>,
    pub(crate) environment: Option<Environment>,
    pub(crate) active: Option<bool>,
    /// `false`: the settings file does not load (the log says why).
    pub(crate) valid: bool,
}

/// `GET /customers`.
#[utoipa::path(get, path = "/customers", tag = "tools", security(("token" = []), ("session" = [])), responses((status = 200, body = Vec<CustomerItem>), (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn customers(
    State(state): State<Arc<AppState>>,
    _caller: Caller,
) -> Result<Json<Vec<CustomerItem>>, ApiError> {
    Ok(Json(customer_items(&state).await?))
}

/// Every customer of the settings folder, with its environment (`valid: false` when
/// its file does not load).
pub(crate) async fn customer_items(state: &AppState) -> Result<Vec<CustomerItem>, ApiError> {
    let dir = state.settings_dir.clone();
    let items = tokio::task::spawn_blocking(move || -> cdt_core::Result<Vec<CustomerItem>> {
        let ids = cdt_connectors::customers::list(&dir)?;
        Ok(ids
            .into_iter()
            .map(|id| match cdt_connectors::customers::load(&dir, &id) {
                Ok(c) => CustomerItem {
                    customer_id: id,
                    customer_name: Some(c.customer_name),
                    environment: Some(c.bookmarked_environment),
                    active: Some(c.active),
                    valid: true,
                },
                Err(e) => {
                    tracing::warn!(customer = %id, error = %e, "customer settings do not load");
                    CustomerItem {
                        customer_id: id,
                        customer_name: None,
                        environment: None,
                        active: None,
                        valid: false,
                    }
                }
            })
            .collect())
    })
    .await
    .map_err(|e| ApiError::hidden(Kind::Internal, "see the server log", e.to_string()))??;
    Ok(items)
}

/// `GET /runs`: recent runs, newest first, without results.
#[utoipa::path(get, path = "/runs", tag = "history", security(("token" = []), ("session" = [])), params(("customer" = Option<String>, Query, description = "only this customer's"), ("tool" = Option<String>, Query, description = "only this tool's"), ("status" = Option<String>, Query, description = "only with this status"), ("user" = Option<String>, Query, description = "only this user's"), ("limit" = Option<i64>, Query, description = "at most this many (1 to 500, default 50)")), responses((status = 200, body = Vec<Run>), (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn runs(
    State(state): State<Arc<AppState>>,
    _caller: Caller,
    filter: Result<Query<RunFilter>, QueryRejection>,
) -> Result<Json<Vec<Run>>, ApiError> {
    let Query(filter) = filter.map_err(|e| ApiError::new(Kind::BadRequest, e.body_text()))?;
    Ok(Json(state.store.runs(&filter).await?))
}

/// `GET /runs/{id}`: one run, with its result.
#[utoipa::path(get, path = "/runs/{id}", tag = "history", security(("token" = []), ("session" = [])), params(("id" = String, Path, description = "the run's id")), responses((status = 200, body = Run), (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn run_by_id(
    State(state): State<Arc<AppState>>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Run>, ApiError> {
    state
        .store
        .run(&id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::new(Kind::NotFound, format!("run `{}` not found", crate::problem::clip(&id))))
}

/// `GET /security-events`: the latest security events (admins only).
#[derive(Deserialize)]
pub(crate) struct EventsQuery {
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/security-events", tag = "users", security(("token" = []), ("session" = [])), params(("limit" = Option<i64>, Query, description = "how many (default 100)")), responses((status = 200, body = Vec<cdt_store::audit::RecordedEvent>), (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn security_events(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    q: Result<Query<EventsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::new(Kind::BadRequest, e.body_text()))?;
    caller
        .require(&state, caller.user.is_admin(), "read security events")
        .await?;
    Ok(Json(state.store.events(q.limit.unwrap_or(100)).await?).into_response())
}

/// The body of a run request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RunRequest {
    #[serde(default)]
    pub(crate) inputs: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) hubspot_ticket_id: Option<String>,
    /// Read a file drop again, not from the caches.
    #[serde(default)]
    pub(crate) fresh: bool,
}

/// The body of a run on files: paths relative to the data directory.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FilesRunRequest {
    #[schema(value_type = String)]
    source: PathBuf,
    #[schema(value_type = String)]
    platform: PathBuf,
    #[serde(default)]
    district_id: Option<String>,
    #[serde(default)]
    inputs: BTreeMap<String, String>,
    #[serde(default)]
    hubspot_ticket_id: Option<String>,
    /// Read the files again, not from the caches.
    #[serde(default)]
    fresh: bool,
}

/// `POST /customers/{customer_id}/tools/{tool_id}/run`.
#[utoipa::path(post, path = "/customers/{customer_id}/tools/{tool_id}/run", tag = "tools", security(("token" = []), ("session" = [])), params(("customer_id" = String, Path), ("tool_id" = String, Path)), request_body = RunRequest, responses((status = 200, description = "the diagnosis; `Location: /runs/{run id}`", body = DiagnosticResult), (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 413, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 429, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 502, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 503, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 504, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn run_customer(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((customer_id, tool_id)): Path<(String, String)>,
    body: Body<RunRequest>,
) -> Result<Response, ApiError> {
    let req = parse(body)?;
    let job = customer_job(&state, &caller, customer_id, tool_id, req).await?;
    Ok(answer(execute(&state, &caller, job).await?))
}

/// A run on a customer, once the caller is permitted its environment.
pub(crate) async fn customer_job(
    state: &AppState,
    caller: &Caller,
    customer_id: String,
    tool_id: String,
    req: RunRequest,
) -> Result<Job, ApiError> {
    let customer = load_customer(state, &customer_id).await?;
    let environment = customer.bookmarked_environment;
    caller.require_run(state, environment).await?;
    Ok(Job {
        tool_id,
        inputs: req.inputs,
        target: Target::Settings(Arc::new(customer)),
        customer_id: Some(customer_id),
        environment: Some(environment.to_string()),
        ticket: req.hubspot_ticket_id,
        fresh: req.fresh,
    })
}

/// `POST /tools/{tool_id}/run`: a run on files of the data directory (staging
/// permission: the files are nobody's production).
#[utoipa::path(post, path = "/tools/{tool_id}/run", tag = "tools", security(("token" = []), ("session" = [])), params(("tool_id" = String, Path)), request_body = FilesRunRequest, responses((status = 200, description = "the diagnosis; `Location: /runs/{run id}`", body = DiagnosticResult), (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 413, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 429, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 502, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 503, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 504, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn run_files(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(tool_id): Path<String>,
    body: Body<FilesRunRequest>,
) -> Result<Response, ApiError> {
    let req = parse(body)?;
    caller
        .require(
            &state,
            caller.user.may_run() && caller.user.has(Permission::Staging),
            "run diagnostics on files",
        )
        .await?;
    let Some(root) = &state.data_dir else {
        return Err(ApiError::new(
            Kind::NotConfigured,
            "this server has no data directory, so it runs on customers only",
        ));
    };
    let target = Target::files_under(root, &req.source, &req.platform, req.district_id)?;
    let job = Job {
        tool_id,
        inputs: req.inputs,
        target,
        customer_id: None,
        environment: None,
        ticket: req.hubspot_ticket_id,
        fresh: req.fresh,
    };
    Ok(answer(execute(&state, &caller, job).await?))
}

/// One diagnostic to run for a caller.
pub(crate) struct Job {
    tool_id: String,
    inputs: BTreeMap<String, String>,
    target: Target,
    customer_id: Option<String>,
    environment: Option<String>,
    ticket: Option<String>,
    fresh: bool,
}

/// Records a run in the history, the metrics and the diagnostics log; returns its id.
pub(crate) async fn record_run(
    state: &AppState,
    caller: &Caller,
    record: &NewRun,
    elapsed: std::time::Duration,
) -> Result<String, ApiError> {
    state
        .metrics
        .run(&record.tool_id, &record.status, elapsed.as_secs_f64());
    let run_id = state.store.record_run(record).await?;
    tracing::info!(
        target: "cdt::diagnostics",
        run_id = %run_id,
        tool = %record.tool_id,
        customer = record.customer_id.as_deref().unwrap_or("-"),
        user = %caller.user.username,
        status = %record.status,
        runtime_ms = record.runtime_ms,
        "diagnostic"
    );
    Ok(run_id)
}

/// Counts a run against the caller's limit (429 past it) and takes a diagnostic slot
/// (503 when none frees up in time).
pub(crate) async fn admit(state: &AppState, caller: &Caller) -> Result<OwnedSemaphorePermit, ApiError> {
    let decision = state.store.hit(Limit::RUNS, &caller.user.id).await?;
    if !decision.allowed {
        state
            .security(caller.event("rate-limited", format!("more than {} runs a minute", Limit::RUNS.max)))
            .await;
        return Err(ApiError::new(
            Kind::RateLimited,
            format!("at most {} diagnostics a minute per user", Limit::RUNS.max),
        )
        .retry_after(decision.retry_after_secs));
    }
    tokio::time::timeout(state.config.queue_wait, Arc::clone(&state.slots).acquire_owned())
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| ApiError::new(Kind::Busy, "every diagnostic slot is busy; try again shortly").retry_after(5))
}

/// Runs `work` on a blocking thread (never an async worker) under the deadline; the
/// slot is held until the work really ends, even past the deadline.
pub(crate) async fn in_slot<T, F>(state: &AppState, permit: OwnedSemaphorePermit, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: Future<Output = cdt_core::Result<T>> + Send + 'static,
{
    let handle = tokio::runtime::Handle::current();
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        handle.block_on(work)
    });
    match tokio::time::timeout(state.config.run_deadline, task).await {
        Err(_) => Err(ApiError::new(
            Kind::Timeout,
            format!(
                "the diagnostic did not finish within {} s",
                state.config.run_deadline.as_secs()
            ),
        )),
        Ok(Err(join)) => Err(ApiError::hidden(Kind::Internal, "see the server log", join.to_string())),
        Ok(Ok(result)) => result.map_err(ApiError::from),
    }
}

/// A run done and recorded.
pub(crate) struct Ran {
    /// Its id in the history.
    pub(crate) run_id: String,
    /// Its result.
    pub(crate) result: DiagnosticResult,
}

/// The API's answer to a run: the result, with `Location: /runs/{id}`.
fn answer(ran: Ran) -> Response {
    with_run_id(Json(ran.result).into_response(), &ran.run_id)
}

/// A recorded run's response, with `Location: /runs/{id}` and `cdt-run-id`.
pub(crate) fn with_run_id(mut res: Response, run_id: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!("/runs/{run_id}")) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    if let Ok(v) = HeaderValue::from_str(run_id) {
        res.headers_mut().insert("cdt-run-id", v);
    }
    res
}

/// A customer's settings, read from the settings folder on a blocking thread.
pub(crate) async fn load_customer(state: &AppState, customer_id: &str) -> Result<cdt_core::Customer, ApiError> {
    let dir = state.settings_dir.clone();
    let id = customer_id.to_owned();
    Ok(
        tokio::task::spawn_blocking(move || cdt_connectors::customers::load(&dir, &id))
            .await
            .map_err(|e| ApiError::hidden(Kind::Internal, "see the server log", e.to_string()))??,
    )
}

/// Runs a job: inputs checked, admitted ([`admit`]), run ([`in_slot`]), the outcome
/// recorded in the history (a failed run too, with its error).
pub(crate) async fn execute(state: &AppState, caller: &Caller, job: Job) -> Result<Ran, ApiError> {
    let tool = state.registry.get(&job.tool_id)?;
    let inputs = Inputs::from_pairs(job.inputs);
    let inputs = tool.spec().validate(&inputs)?;
    let permit = admit(state, caller).await?;
    let started = Instant::now();
    let target = job.target;
    let options = RunOptions::now(job.ticket.clone())
        .fresh(job.fresh)
        .budget(state.budget_of(caller));
    let run_inputs = inputs.clone();
    let outcome: Result<DiagnosticResult, ApiError> = in_slot(state, permit, async move {
        cdt_connectors::run(tool.as_ref(), &run_inputs, &target, &options).await
    })
    .await;
    let elapsed = started.elapsed();
    let runtime_ms = i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX);
    let run = NewRun {
        user_id: Some(caller.user.id.clone()),
        username: Some(caller.user.username.clone()),
        customer_id: job.customer_id,
        tool_id: job.tool_id,
        environment: job.environment,
        ticket: job.ticket,
        inputs: serde_json::to_value(&inputs.0).unwrap_or_default(),
        status: outcome
            .as_ref()
            .map_or_else(|_| "ERROR".to_owned(), |r| r.status.to_string()),
        runtime_ms,
        result: outcome.as_ref().ok().and_then(|r| serde_json::to_value(r).ok()),
        error: outcome.as_ref().err().map(|e| e.detail.clone()),
    };
    let run_id = record_run(state, caller, &run, elapsed).await?;
    Ok(Ran {
        run_id,
        result: outcome?,
    })
}
