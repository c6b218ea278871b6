//! # cdt-http: the Customer Data Tools service
//!
//! An HTTP API a support team can trust with production student data: every request
//! but the probes is authenticated (an API token or a browser session), every run is
//! permitted by role and environment, limited per user, recorded in the history, and
//! every refusal is a security event. State lives in the application database
//! ([`cdt_store`]), so replicas on one PostgreSQL database behave as one.
//!
//! The crate parses requests, calls the same library entry as the command line and
//! the Python bindings ([`cdt_connectors::run`]), and maps errors to problem+json
//! bodies (RFC 9457, [`problem`]). It decides no business rule.
//!
//! | method | path | who | what |
//! | --- | --- | --- | --- |
//! | GET | `/health` | anyone | the process answers |
//! | GET | `/ready` | anyone | the application database answers |
//! | GET | `/openapi.json` | anyone | this API's `OpenAPI` 3.1 document, generated from the code |
//! | GET | `/metrics` | anyone | Prometheus metrics (runs, time by tool, refusals, in flight) |
//! | POST | `/login` | anyone | `{"username", "password", "totp"?}`: a session cookie and its CSRF token |
//! | POST | `/logout` | a session | ends it |
//! | GET | `/me` | any user | who the caller is |
//! | GET | `/tools` | any user | the tools and their inputs |
//! | GET | `/customers` | any user | the customers, their environment |
//! | POST | `/customers/{customer_id}/tools/{tool_id}/run` | support, admin with the customer's environment permission | run a diagnostic; body `{"inputs": {...}, "hubspot_ticket_id": "…", "fresh": false}` (`fresh`: read a file drop again, not from the caches); answers the result, `Location: /runs/{id}` |
//! | POST | `/customers/{customer_id}/sweep` | support, admin with the customer's environment permission | the district sweep (`cdt sweep`); `?format=json\|html\|text`, body `{"fresh": true}` optional; recorded as tool `sweep` |
//! | POST | `/tools/{tool_id}/run` | support, admin with `staging` | run on files of the data directory: `{"source", "platform", "district_id"?, "inputs"}` |
//! | POST | `/triage/{ticket}` | support, admin with `hubspot` | a HubSpot ticket (id or link) triaged: customer, tool, inputs, result, note; `{"post": true, "stage": "…"}` posts the note and moves the ticket |
//! | POST | `/validate?name=bundle.zip` | users with `configuration` | the body, a OneRoster bundle (ZIP, CSV or XLSX, at most `CDT_UPLOAD_LIMIT_MB`), checked like `cdt validate` |
//! | GET | `/runs` | any user | recent runs: `?customer=&tool=&status=&user=&limit=` |
//! | GET | `/runs/{id}` | any user | one run with its result |
//! | GET | `/security-events` | admin | the latest security events |
//! | GET, POST | `/`, `/ui/…` | browsers | the page: log in, recent runs, run a tool, read a result (the `page` module) |
//!
//! Errors are `application/problem+json` with a stable `type`
//! (`urn:cdt:problem:<slug>`, see [`problem::Kind`]) and an `error_id` to find the
//! cause in the log.

mod auth;
mod error;
mod metrics;
mod openapi;
mod page;
mod request_id;
mod routes;
mod server;
mod state;
mod sweep;
mod triage;
mod validate;

pub mod config;
pub mod problem;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub use auth::{CSRF_HEADER, Caller, SESSION_COOKIE, Via};
pub use config::Config;
pub use error::Error;
pub use request_id::RequestId;
pub use server::{ServeOptions, init_logging, serve, shutdown_signal};
pub use state::AppState;

/// The service's routes.
pub fn app(state: AppState) -> Router {
    let body_limit = state.config.body_limit;
    let upload_limit = state.config.upload_limit;
    let state = Arc::new(state);
    Router::new()
        .route("/", get(page::home))
        .route("/ui/login", post(page::login))
        .route("/ui/logout", post(page::logout))
        .route("/ui/tools/{tool_id}", get(page::tool).post(page::run))
        .route("/ui/runs/{id}", get(page::run_page))
        .route("/health", get(routes::health))
        .route("/ready", get(routes::ready))
        .route("/metrics", get(routes::metrics))
        .route("/openapi.json", get(openapi::document))
        .route("/login", post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/me", get(routes::me))
        .route("/tools", get(routes::tools))
        .route("/customers", get(routes::customers))
        .route(
            "/customers/{customer_id}/tools/{tool_id}/run",
            post(routes::run_customer),
        )
        .route("/tools/{tool_id}/run", post(routes::run_files))
        .route("/customers/{customer_id}/sweep", post(sweep::sweep))
        .route("/triage/{ticket}", post(triage::triage))
        .route(
            "/validate",
            post(validate::validate).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/runs", get(routes::runs))
        .route("/runs/{id}", get(routes::run_by_id))
        .route("/security-events", get(routes::security_events))
        .fallback(|| async { problem::ApiError::new(problem::Kind::NotFound, "no such route") })
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            request_id::middleware,
        ))
        .with_state(state)
}
