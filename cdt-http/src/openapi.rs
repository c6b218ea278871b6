//! The `OpenAPI` 3.1 document, generated from the handlers' and types' annotations and
//! served at `/openapi.json`.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// An RFC 9457 problem, as every error is answered.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Problem {
    /// Stable: `urn:cdt:problem:<slug>`.
    #[schema(example = "urn:cdt:problem:forbidden")]
    r#type: String,
    /// For people.
    title: String,
    /// The HTTP status.
    status: u16,
    /// What went wrong, without internals.
    detail: String,
    /// To find the cause in the server's log.
    error_id: String,
}

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("an API token from `cdt users token`"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::SESSION_COOKIE,
                "the session cookie from POST /login; requests that change state also send X-CSRF-Token",
            ))),
        );
    }
}

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(title = "cdt service", description = "Roster diagnostics between a district's SIS and Bookmarked: runs, history, triage and audit."),
    paths(
        crate::routes::health,
        crate::routes::ready,
        crate::routes::metrics,
        crate::auth::login,
        crate::auth::logout,
        crate::routes::me,
        crate::routes::tools,
        crate::routes::customers,
        crate::routes::run_customer,
        crate::routes::run_files,
        crate::sweep::sweep,
        crate::triage::triage,
        crate::validate::validate,
        crate::routes::runs,
        crate::routes::run_by_id,
        crate::routes::security_events,
    ),
    components(schemas(Problem)),
    modifiers(&Security),
    tags(
        (name = "probes", description = "health, readiness and metrics (no credentials)"),
        (name = "users", description = "login and who the caller is"),
        (name = "tools", description = "diagnostics, triage and bundle checks"),
        (name = "history", description = "runs and their results"),
    )
)]
pub(crate) struct ApiDoc;

/// `GET /openapi.json`.
pub(crate) async fn document() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}
