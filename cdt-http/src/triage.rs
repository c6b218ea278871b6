//! `POST /triage/{ticket}`: a HubSpot ticket in (its id or link); the customer, the
//! diagnostic and its inputs chosen with their reasons; the diagnosis; the note; and,
//! when asked, the note posted and the ticket moved. One call to
//! [`cdt_connectors::triage`], like `cdt triage`. Needs the `hubspot` permission, and
//! runs only on customers of the environments the caller is permitted.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use cdt_connectors::RunOptions;
use cdt_connectors::triage::{TriageOptions, post, triage_hubspot};
use cdt_core::{Environment, Inputs};
use cdt_store::Permission;
use cdt_store::runs::NewRun;
use serde::Deserialize;

use crate::auth::Caller;
use crate::problem::{ApiError, Kind};
use crate::routes::{Body, admit, in_slot, load_customer, parse, record_run};
use crate::state::AppState;

/// The body of a triage request (all optional).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TriageRequest {
    /// The customer, instead of the one the ticket names.
    #[serde(default)]
    customer: Option<String>,
    /// The tool, instead of the one the ticket describes.
    #[serde(default)]
    tool: Option<String>,
    /// Inputs replacing the ticket's.
    #[serde(default)]
    inputs: BTreeMap<String, String>,
    /// A person checked the choices: run even when unsure on production.
    #[serde(default)]
    confirmed: bool,
    /// Post the note on the ticket.
    #[serde(default)]
    post: bool,
    /// Move the ticket to the stage of this name.
    #[serde(default)]
    stage: Option<String>,
}

/// `POST /triage/{ticket}`.
#[utoipa::path(post, path = "/triage/{ticket}", tag = "tools", security(("token" = []), ("session" = [])), params(("ticket" = String, Path, description = "the HubSpot ticket's id or link")), request_body = TriageRequest, responses((status = 200, description = "the triage: customer, understanding, result, held, note_html, run_id, posted", body = Object), (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 429, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 502, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn triage(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(ticket): Path<String>,
    body: Body<TriageRequest>,
) -> Result<Response, ApiError> {
    let req = parse(body)?;
    caller
        .require(
            &state,
            caller.user.may_run() && caller.user.has(Permission::Hubspot),
            "triage HubSpot tickets",
        )
        .await?;
    let Some(client) = state.hubspot.clone() else {
        return Err(ApiError::new(
            Kind::NotConfigured,
            "HubSpot is not configured on this server (no _hubspot.json in the settings folder)",
        ));
    };
    let mut environments = Vec::new();
    if caller.user.has(Permission::Staging) {
        environments.push(Environment::Staging);
    }
    if caller.user.has(Permission::Production)
        && (!state.config.production_needs_second_factor || caller.second_factor())
    {
        environments.push(Environment::Production);
    }
    let inputs = Inputs::from_pairs(req.inputs);
    let options = TriageOptions {
        settings_dir: state.settings_dir.clone(),
        run: RunOptions::now(None).budget(state.budget_of(&caller)),
        customer: req.customer,
        tool: req.tool,
        inputs,
        confirmed: req.confirmed,
        environments: Some(environments),
    };
    let permit = admit(&state, &caller).await?;
    let started = Instant::now();
    let registry = state.registry.clone();
    let (work_client, reference) = (Arc::clone(&client), ticket.clone());
    let triaged = in_slot(&state, permit, async move {
        triage_hubspot(&work_client, &reference, &registry, &options).await
    })
    .await?;
    if triaged.not_permitted {
        let why = triaged.held.clone().unwrap_or_default();
        state.security(caller.event("denied", why.clone())).await;
        return Err(ApiError::new(
            Kind::Forbidden,
            format!("{}: {why}", caller.user.username),
        ));
    }
    let elapsed = started.elapsed();
    // The chosen customer's environment, for the history (as a run records it).
    let environment = match triaged.customer.as_ref().map(|c| c.value.clone()) {
        Some(id) => load_customer(&state, &id)
            .await
            .ok()
            .map(|c| c.bookmarked_environment.to_string()),
        None => None,
    };
    let run = NewRun {
        user_id: Some(caller.user.id.clone()),
        username: Some(caller.user.username.clone()),
        customer_id: triaged.customer.as_ref().map(|c| c.value.clone()),
        tool_id: triaged
            .result
            .as_ref()
            .map_or_else(|| "triage".to_owned(), |r| r.tool_id.clone()),
        environment,
        ticket: triaged.ticket_id.clone(),
        inputs: triaged
            .result
            .as_ref()
            .and_then(|r| serde_json::to_value(&r.inputs).ok())
            .unwrap_or_default(),
        status: triaged
            .result
            .as_ref()
            .map_or_else(|| "HELD".to_owned(), |r| r.status.to_string()),
        runtime_ms: i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX),
        result: triaged.result.as_ref().and_then(|r| serde_json::to_value(r).ok()),
        error: triaged.held.clone(),
    };
    let run_id = record_run(&state, &caller, &run, elapsed).await?;
    let mut value = serde_json::to_value(&triaged)
        .map_err(|e| ApiError::hidden(Kind::Internal, "see the server log", e.to_string()))?;
    value["note_html"] = triaged.note_html().into();
    value["run_id"] = run_id.into();
    if req.post || req.stage.is_some() {
        let posted = post(&client, &triaged, req.post, req.stage.as_deref(), chrono::Utc::now()).await?;
        value["posted"] = serde_json::to_value(&posted)
            .map_err(|e| ApiError::hidden(Kind::Internal, "see the server log", e.to_string()))?;
    }
    Ok(Json(value).into_response())
}
