//! # cdt-http: a minimal HTTP API over Customer Data Tools
//!
//! The only crate that knows HTTP serving. It parses requests, calls the same core
//! as the command line and the Python bindings, and maps errors to problem+json
//! bodies (RFC 9457). It decides no business rule.
//!
//! | method | path | what |
//! | --- | --- | --- |
//! | GET | `/health` | liveness |
//! | GET | `/tools` | the tools and their inputs |
//! | POST | `/customers/{customer_id}/tools/{tool_id}/run` | run a diagnostic; body `{"inputs": {...}, "hubspot_ticket_id": "…", "fresh": false}` (`fresh`: read a file drop again, not from the caches) |
//! | POST | `/tools/{tool_id}/run` | run a diagnostic on files; body `{"source": "…", "platform": "…", "district_id": "…", "inputs": {...}, "hubspot_ticket_id": "…", "fresh": false}` |
//!
//! Files are paths relative to the server's data directory ([`AppState::with_data_dir`]),
//! refused when they leave it or go through a symbolic link; without a data directory
//! the route answers 501.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use cdt_connectors::{RunOptions, Target};
use cdt_core::{DiagnosticResult, Inputs, Registry, ToolSpec};
use serde::Deserialize;

/// What every request can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    registry: Registry,
    settings_dir: PathBuf,
    /// The only folder whose files requests may name; `None`: no runs on files.
    data_dir: Option<PathBuf>,
}

impl AppState {
    /// State over the built-in tools and a folder of customer settings.
    pub fn new(settings_dir: impl Into<PathBuf>) -> cdt_core::Result<Self> {
        cdt_tools::link();
        Ok(Self {
            registry: Registry::builtin()?,
            settings_dir: settings_dir.into(),
            data_dir: None,
        })
    }

    /// State over a given registry (e.g. the built-ins plus loaded plugins) and a
    /// folder of customer settings.
    pub fn with_registry(registry: Registry, settings_dir: impl Into<PathBuf>) -> Self {
        cdt_tools::link();
        Self {
            registry,
            settings_dir: settings_dir.into(),
            data_dir: None,
        }
    }

    /// Lets requests run on files inside `dir` (and nowhere else).
    #[must_use]
    pub fn with_data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }
}

/// The API's routes.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/tools", get(tools))
        .route("/customers/{customer_id}/tools/{tool_id}/run", post(run))
        .route("/tools/{tool_id}/run", post(run_on_files))
        .with_state(Arc::new(state))
}

async fn tools(State(state): State<Arc<AppState>>) -> Json<Vec<ToolSpec>> {
    Json(state.registry.tools().map(|t| t.spec().clone()).collect())
}

/// The body of a run request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunRequest {
    #[serde(default)]
    inputs: BTreeMap<String, String>,
    #[serde(default)]
    hubspot_ticket_id: Option<String>,
    /// Read a file drop again rather than from the caches.
    #[serde(default)]
    fresh: bool,
}

/// The body of a run on files: paths relative to the data directory.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FilesRunRequest {
    source: PathBuf,
    platform: PathBuf,
    #[serde(default)]
    district_id: Option<String>,
    #[serde(default)]
    inputs: BTreeMap<String, String>,
    #[serde(default)]
    hubspot_ticket_id: Option<String>,
    /// Accepted for symmetry with the customer route; files are never cached.
    #[serde(default)]
    fresh: bool,
}

type Body<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

fn parse<T>(body: Body<T>) -> Result<T, ApiError> {
    body.map(|Json(b)| b)
        .map_err(|e| ApiError(StatusCode::BAD_REQUEST, "invalid request body", e.body_text()))
}

async fn run(
    State(state): State<Arc<AppState>>,
    Path((customer_id, tool_id)): Path<(String, String)>,
    body: Body<RunRequest>,
) -> Result<Json<DiagnosticResult>, ApiError> {
    let req = parse(body)?;
    let target = Target::Customer {
        settings_dir: state.settings_dir.clone(),
        customer_id,
    };
    let options = RunOptions::now(req.hubspot_ticket_id).fresh(req.fresh);
    diagnose(&state, &tool_id, req.inputs, &target, &options).await
}

async fn run_on_files(
    State(state): State<Arc<AppState>>,
    Path(tool_id): Path<String>,
    body: Body<FilesRunRequest>,
) -> Result<Json<DiagnosticResult>, ApiError> {
    let req = parse(body)?;
    let Some(root) = &state.data_dir else {
        return Err(ApiError(
            StatusCode::NOT_IMPLEMENTED,
            "not supported",
            "this server has no data directory, so it runs on customers only".into(),
        ));
    };
    let target = Target::files_under(root, &req.source, &req.platform, req.district_id)?;
    let options = RunOptions::now(req.hubspot_ticket_id).fresh(req.fresh);
    diagnose(&state, &tool_id, req.inputs, &target, &options).await
}

async fn diagnose(
    state: &AppState,
    tool_id: &str,
    inputs: BTreeMap<String, String>,
    target: &Target,
    options: &RunOptions,
) -> Result<Json<DiagnosticResult>, ApiError> {
    let tool = state.registry.get(tool_id)?;
    let inputs = Inputs::from_pairs(inputs);
    let result = cdt_connectors::run(tool.as_ref(), &inputs, target, options).await?;
    Ok(Json(result))
}

/// An error answered as `application/problem+json`.
#[derive(Debug)]
struct ApiError(StatusCode, &'static str, String);

impl From<cdt_core::Error> for ApiError {
    fn from(e: cdt_core::Error) -> Self {
        use cdt_core::Error as E;
        match &e {
            E::UnknownTool { .. } | E::CustomerNotFound { .. } => {
                Self(StatusCode::NOT_FOUND, "not found", e.to_string())
            }
            E::Input { .. } => Self(StatusCode::UNPROCESSABLE_ENTITY, "invalid input", e.to_string()),
            E::Unsupported { .. } => Self(StatusCode::NOT_IMPLEMENTED, "not supported", e.to_string()),
            E::Config { .. } | E::Data { .. } | E::Connector { .. } | E::Io { .. } => {
                tracing::error!(error = %e, "diagnostic could not run");
                Self(
                    StatusCode::BAD_GATEWAY,
                    "could not read the district's data",
                    e.to_string(),
                )
            }
            _ => {
                // Details stay in the log, not in the answer.
                tracing::error!(error = %e, "internal error");
                Self(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error",
                    "see the server log".into(),
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "type": "about:blank",
            "title": self.1,
            "status": self.0.as_u16(),
            "detail": self.2,
        });
        (self.0, [("content-type", "application/problem+json")], body.to_string()).into_response()
    }
}
