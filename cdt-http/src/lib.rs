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
//! | POST | `/customers/{customer_id}/tools/{tool_id}/run` | run a diagnostic; body `{"inputs": {...}, "hubspot_ticket_id": "…"}` |

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use cdt_core::{Customer, DiagnosticResult, Inputs, Registry, RunContext, ToolSpec, diagnose};
use serde::Deserialize;

/// What every request can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    registry: Registry,
    settings_dir: PathBuf,
}

impl AppState {
    /// State over the built-in tools and a folder of customer settings.
    pub fn new(settings_dir: impl Into<PathBuf>) -> cdt_core::Result<Self> {
        cdt_tools::link();
        Ok(Self {
            registry: Registry::builtin()?,
            settings_dir: settings_dir.into(),
        })
    }

    /// State over a given registry (e.g. the built-ins plus loaded plugins) and a
    /// folder of customer settings.
    pub fn with_registry(registry: Registry, settings_dir: impl Into<PathBuf>) -> Self {
        cdt_tools::link();
        Self {
            registry,
            settings_dir: settings_dir.into(),
        }
    }
}

/// The API's routes.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/tools", get(tools))
        .route("/customers/{customer_id}/tools/{tool_id}/run", post(run))
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
}

async fn run(
    State(state): State<Arc<AppState>>,
    Path((customer_id, tool_id)): Path<(String, String)>,
    body: Result<Json<RunRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<DiagnosticResult>, ApiError> {
    let Json(req) = body.map_err(|e| ApiError(StatusCode::BAD_REQUEST, "invalid request body", e.body_text()))?;
    let tool = state.registry.get(&tool_id)?;
    let customer = Customer::load(&state.settings_dir, &customer_id)?;
    let source = cdt_connectors::source_for(&customer)?;
    let platform = cdt_connectors::platform_for(&customer).await?;
    let ctx = RunContext {
        customer_id: Some(customer.customer_id.clone()),
        bookmarked_org_id: customer.bookmarked_org_id.clone(),
        hubspot_ticket_id: req.hubspot_ticket_id,
        warnings: if customer.active {
            Vec::new()
        } else {
            vec![format!("customer `{customer_id}` is marked inactive")]
        },
    };
    let inputs = Inputs::from_pairs(req.inputs);
    let result = diagnose(tool.as_ref(), &inputs, source.as_ref(), platform.as_ref(), &ctx).await?;
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
