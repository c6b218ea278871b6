//! The small server-rendered page: log in, recent diagnostics with quick stats, run a
//! tool from a form built from its input spec, view a result.
//!
//! Plain HTML forms, no script: it works in any browser, with JavaScript off. The page
//! is an adapter like the JSON API: a run goes through the same checks, limits and
//! history ([`crate::routes::execute`]), a login through the same limits and security
//! events ([`AppState::log_in`]). Sessions are the API's (`cdt_session`, `SameSite=Strict`,
//! `HttpOnly`); every form that changes state carries the session's CSRF token in a
//! hidden field, checked like the API's header. Pages are sent with a Content Security
//! Policy that allows no script at all.
//!
//! | method | path | what |
//! | --- | --- | --- |
//! | GET | `/` | the login form, or the dashboard |
//! | POST | `/ui/login` | log in (form), then back to `/` |
//! | POST | `/ui/logout` | log out (form) |
//! | GET | `/ui/tools/{tool_id}` | a tool's form |
//! | POST | `/ui/tools/{tool_id}` | run it, then to the result |
//! | GET | `/ui/runs/{id}` | a run's result |

mod view;

use std::sync::Arc;

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cdt_core::Environment;
use cdt_store::Permission;
use cdt_store::runs::RunFilter;
use serde::Deserialize;

use crate::auth::{Caller, LoginParts, Via, session_cookie};
use crate::problem::{ApiError, Kind};
use crate::routes::{RunRequest, customer_items, customer_job, execute};
use crate::state::AppState;

/// No script, no outside resource, no framing, forms only to this server.
const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A page.
fn html(status: StatusCode, body: String) -> Response {
    let mut res = (status, body).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    res
}

/// A `303 See Other` to `to`.
fn see_other(to: &str) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// An error as a page: what the caller may know, and the error id (the cause is in
/// the log under it).
fn error_text(e: &ApiError) -> String {
    let id = e.log();
    format!("{}: {} (error id {id})", e.kind.title(), e.detail)
}

/// The browser's session, if it has one.
pub(crate) struct Browser(Option<Caller>);

impl FromRequestParts<Arc<AppState>> for Browser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        Ok(Self(Caller::from_session(parts, state).await.ok().flatten()))
    }
}

fn csrf_of(caller: &Caller) -> &str {
    match &caller.via {
        Via::Session(s) => &s.csrf,
        Via::Token { .. } => "",
    }
}

/// `GET /`: the login form, or the dashboard.
pub(crate) async fn home(State(state): State<Arc<AppState>>, browser: Browser) -> Response {
    let Some(caller) = browser.0 else {
        return html(StatusCode::OK, view::layout("Log in", None, &view::login(None, "")));
    };
    let since = state.store.now_ms() - 24 * 3600 * 1000;
    let counts = state.store.run_stats(since).await;
    let runs = state
        .store
        .runs(&RunFilter {
            limit: Some(25),
            ..RunFilter::default()
        })
        .await;
    let body = match (counts, runs) {
        (Ok(counts), Ok(recent)) => {
            let tools: Vec<_> = state.registry.tools().map(|t| t.spec().clone()).collect();
            view::dashboard(&caller.user, &tools, &counts, &recent)
        }
        (Err(e), _) | (_, Err(e)) => view::error_box(&error_text(&ApiError::from(e))),
    };
    html(
        StatusCode::OK,
        view::layout("Diagnostics", Some((&caller.user, csrf_of(&caller))), &body),
    )
}

/// The login form's fields.
#[derive(Deserialize)]
pub(crate) struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    totp: String,
}

/// `POST /ui/login`.
pub(crate) async fn login(
    State(state): State<Arc<AppState>>,
    parts: LoginParts,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let Ok(Form(f)) = form else {
        return html(
            StatusCode::BAD_REQUEST,
            view::layout("Log in", None, &view::login(Some("send the login form"), "")),
        );
    };
    let totp = Some(f.totp.trim()).filter(|t| !t.is_empty());
    match state.log_in(&f.username, f.password, totp, &parts).await {
        Ok((_, cookie, _)) => {
            let mut res = see_other("/");
            let max_age = cdt_store::sessions::IDLE_MS / 1000;
            if let Ok(v) = HeaderValue::from_str(&session_cookie(&state, &cookie, max_age)) {
                res.headers_mut().insert(header::SET_COOKIE, v);
            }
            res
        }
        Err(e) => {
            let status = e.kind.status();
            let message = if e.kind == Kind::RateLimited {
                e.detail.clone()
            } else {
                "wrong username, password or code".to_owned()
            };
            e.log();
            html(
                status,
                view::layout("Log in", None, &view::login(Some(&message), &f.username)),
            )
        }
    }
}

/// A form that carries only its CSRF token.
#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /ui/logout`.
pub(crate) async fn logout(
    State(state): State<Arc<AppState>>,
    browser: Browser,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let Some(caller) = browser.0 else {
        return see_other("/");
    };
    let csrf = form.map(|Form(f)| f.csrf).unwrap_or_default();
    if let Err(e) = caller.check_csrf(&state, &csrf, "the form lacks its CSRF token").await {
        return e.into_response();
    }
    if let Via::Session(s) = &caller.via
        && let Err(e) = state.store.end_session(&s.id).await
    {
        return ApiError::from(e).into_response();
    }
    let mut res = see_other("/");
    if let Ok(v) = HeaderValue::from_str(&session_cookie(&state, "", 0)) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

/// The customers the caller may run tools on.
async fn runnable_customers(state: &AppState, caller: &Caller) -> Result<Vec<crate::routes::CustomerItem>, ApiError> {
    let items = customer_items(state).await?;
    Ok(items
        .into_iter()
        .filter(|c| {
            c.valid
                && c.environment.is_some_and(|e| {
                    caller.user.has(match e {
                        Environment::Staging => Permission::Staging,
                        Environment::Production => Permission::Production,
                    })
                })
        })
        .collect())
}

/// The tool form page, with `filled` values and an error when shown again.
async fn form_page(
    state: &AppState,
    caller: &Caller,
    tool_id: &str,
    filled: &view::Filled<'_>,
    error: Option<(StatusCode, String)>,
) -> Response {
    let who = Some((&caller.user, csrf_of(caller)));
    let spec = match state.registry.get(tool_id) {
        Ok(t) => t.spec().clone(),
        Err(e) => {
            let e = ApiError::from(e);
            return html(
                e.kind.status(),
                view::layout("Not found", who, &view::error_box(&error_text(&e))),
            );
        }
    };
    if !caller.user.may_run() {
        return html(
            StatusCode::FORBIDDEN,
            view::layout(
                &spec.title,
                who,
                &view::error_box("Your role may read diagnostics, not run them."),
            ),
        );
    }
    let customers = match runnable_customers(state, caller).await {
        Ok(c) => c,
        Err(e) => {
            return html(
                e.kind.status(),
                view::layout(&spec.title, who, &view::error_box(&error_text(&e))),
            );
        }
    };
    let refs: Vec<_> = customers.iter().collect();
    let (status, message) = error.map_or((StatusCode::OK, None), |(s, m)| (s, Some(m)));
    let body = view::tool_form(&spec, &refs, csrf_of(caller), filled, message.as_deref());
    html(status, view::layout(&spec.title, who, &body))
}

/// `GET /ui/tools/{tool_id}`.
pub(crate) async fn tool(
    State(state): State<Arc<AppState>>,
    browser: Browser,
    Path(tool_id): Path<String>,
) -> Response {
    match browser.0 {
        Some(caller) => form_page(&state, &caller, &tool_id, &view::Filled::default(), None).await,
        None => see_other("/"),
    }
}

/// `POST /ui/tools/{tool_id}`: the form's fields are `csrf`, `customer`, `ticket`,
/// `fresh` and `input.<name>` for each input.
pub(crate) async fn run(
    State(state): State<Arc<AppState>>,
    browser: Browser,
    Path(tool_id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let Some(caller) = browser.0 else {
        return see_other("/");
    };
    let fields = form.map(|Form(f)| f).unwrap_or_default();
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str());
    if let Err(e) = caller
        .check_csrf(&state, field("csrf"), "the form lacks its CSRF token")
        .await
    {
        return e.into_response();
    }
    let inputs: Vec<(&str, &str)> = fields
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("input.")?, v.as_str())))
        .filter(|(_, v)| !v.trim().is_empty())
        .collect();
    let filled = view::Filled {
        customer: field("customer"),
        ticket: field("ticket"),
        inputs: inputs.clone(),
    };
    let ticket = Some(field("ticket").trim()).filter(|t| !t.is_empty());
    let req = RunRequest {
        inputs: inputs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        hubspot_ticket_id: ticket.map(str::to_owned),
        fresh: field("fresh") == "true",
    };
    let outcome = async {
        let job = customer_job(&state, &caller, field("customer").to_owned(), tool_id.clone(), req).await?;
        execute(&state, &caller, job).await
    }
    .await;
    match outcome {
        Ok(ran) => see_other(&format!("/ui/runs/{}", ran.run_id)),
        Err(e) => {
            let status = e.kind.status();
            let text = error_text(&e);
            form_page(&state, &caller, &tool_id, &filled, Some((status, text))).await
        }
    }
}

/// `GET /ui/runs/{id}`.
pub(crate) async fn run_page(State(state): State<Arc<AppState>>, browser: Browser, Path(id): Path<String>) -> Response {
    let Some(caller) = browser.0 else {
        return see_other("/");
    };
    let who = Some((&caller.user, csrf_of(&caller)));
    match state.store.run(&id).await {
        Ok(Some(run)) => {
            let result = run
                .run
                .result
                .clone()
                .and_then(|v| serde_json::from_value::<cdt_core::DiagnosticResult>(v).ok());
            let title = format!("{} · {}", run.run.tool_id, run.run.status);
            html(
                StatusCode::OK,
                view::layout(&title, who, &view::run(&run, result.as_ref())),
            )
        }
        Ok(None) => html(
            StatusCode::NOT_FOUND,
            view::layout("Not found", who, &view::error_box("No such run.")),
        ),
        Err(e) => {
            let e = ApiError::from(e);
            html(
                e.kind.status(),
                view::layout("Error", who, &view::error_box(&error_text(&e))),
            )
        }
    }
}
