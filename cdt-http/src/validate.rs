//! `POST /validate?name=bundle.zip`: a OneRoster bundle uploaded as the request body
//! (a ZIP, one CSV file or an XLSX workbook, at most `CDT_UPLOAD_LIMIT_MB`), checked
//! like `cdt validate`, in memory, with the same hostile-file limits as a bundle on
//! disk. Needs the `configuration` permission; counts as a run against the caller's
//! limit and takes a diagnostic slot.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cdt_connectors::{Limits, validate_bytes};
use cdt_store::Permission;
use serde::Deserialize;

use crate::auth::Caller;
use crate::problem::{ApiError, Kind};
use crate::routes::{admit, in_slot};
use crate::state::AppState;

/// The query of an upload.
#[derive(Deserialize)]
pub(crate) struct UploadQuery {
    /// The file's name, for its kind (`.zip`, `.csv`, `.xlsx`) and the report.
    name: String,
}

/// `POST /validate`.
#[utoipa::path(post, path = "/validate", tag = "tools", security(("token" = []), ("session" = [])), params(("name" = String, Query, description = "the file's name: .zip, .csv or .xlsx")), request_body(content = Vec<u8>, content_type = "application/octet-stream"), responses((status = 200, description = "the validation report", body = Object), (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 413, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 429, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn validate(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    query: Result<Query<UploadQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::new(Kind::BadRequest, e.body_text()))?;
    caller
        .require(
            &state,
            caller.user.has(Permission::Configuration) && !caller.user.disabled,
            "validate uploaded bundles",
        )
        .await?;
    let name = upload_name(&q.name)?;
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                Kind::TooLarge,
                format!("the upload is over {} MiB", state.config.upload_limit / (1024 * 1024)),
            )
        } else {
            ApiError::new(Kind::BadRequest, e.body_text())
        }
    })?;
    if bytes.is_empty() {
        return Err(ApiError::new(Kind::BadRequest, "the upload is empty"));
    }
    let permit = admit(&state, &caller).await?;
    let report = in_slot(&state, permit, async move {
        // Validation is CPU work: it already runs on a blocking thread here.
        validate_bytes(&name, bytes.to_vec(), Limits::default()).map_err(cdt_core::Error::from)
    })
    .await
    .map_err(|e| match e.kind {
        // A bundle that cannot be read at all is the caller's input, not our upstream.
        Kind::Upstream => ApiError::new(Kind::InvalidInput, "the upload is not a readable OneRoster bundle"),
        _ => e,
    })?;
    Ok(Json(report).into_response())
}

/// The upload's name: a plain file name ending in `.zip`, `.csv` or `.xlsx`.
fn upload_name(name: &str) -> Result<String, ApiError> {
    let plain = (1..=100).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._- ".contains(&b))
        && !name.starts_with('.');
    let lower = name.to_ascii_lowercase();
    let kind = [".zip", ".csv", ".xlsx"].iter().any(|e| lower.ends_with(e));
    if plain && kind {
        Ok(name.to_owned())
    } else {
        Err(ApiError::new(
            Kind::BadRequest,
            "name: a plain file name ending in .zip, .csv or .xlsx",
        ))
    }
}
