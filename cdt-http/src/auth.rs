//! Who is calling: an API token (`Authorization: Bearer cdt_…`) or a browser session
//! (the `cdt_session` cookie, with the `X-CSRF-Token` header on every request that
//! changes state), and what they may do. Every refusal is a security event.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use cdt_store::audit::SecurityEvent;
use cdt_store::limits::Limit;
use cdt_store::sessions::{Session, csrf_matches};
use cdt_store::{Permission, User};
use serde::Deserialize;

use crate::problem::{ApiError, Kind};
use crate::request_id::RequestId;
use crate::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "cdt_session";
/// The header a session's state-changing requests carry.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How a caller proved who they are.
#[derive(Clone, Debug)]
pub enum Via {
    /// An API token, by id.
    Token {
        /// The token's id.
        id: String,
        /// Whether it was made with a second factor.
        second_factor: bool,
    },
    /// A browser session.
    Session(Session),
}

/// An authenticated caller.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The user.
    pub user: User,
    /// How.
    pub via: Via,
    /// The request's id.
    pub request_id: String,
    /// The client's address, when known.
    pub client: Option<String>,
}

impl Caller {
    /// Whether the login (or the token) passed a second factor.
    #[must_use]
    pub fn second_factor(&self) -> bool {
        match &self.via {
            Via::Token { second_factor, .. } => *second_factor,
            Via::Session(s) => s.second_factor,
        }
    }

    /// A security event about this caller.
    pub(crate) fn event(&self, kind: &str, detail: impl Into<String>) -> SecurityEvent {
        SecurityEvent {
            kind: kind.into(),
            user_id: Some(self.user.id.clone()),
            username: Some(self.user.username.clone()),
            client: self.client.clone(),
            request_id: Some(self.request_id.clone()),
            detail: detail.into(),
        }
    }

    /// Refuses (403, and a security event) unless `ok`.
    pub(crate) async fn require(&self, state: &AppState, ok: bool, what: &str) -> Result<(), ApiError> {
        if ok {
            return Ok(());
        }
        state.security(self.event("denied", what)).await;
        Err(ApiError::new(
            Kind::Forbidden,
            format!("{} may not {what}", self.user.username),
        ))
    }

    /// Refuses unless the caller may run tools on `environment`'s customers.
    pub(crate) async fn require_run(
        &self,
        state: &AppState,
        environment: cdt_core::Environment,
    ) -> Result<(), ApiError> {
        let permission = match environment {
            cdt_core::Environment::Staging => Permission::Staging,
            cdt_core::Environment::Production => Permission::Production,
        };
        self.require(
            state,
            self.user.may_run() && self.user.has(permission),
            &format!("run diagnostics on {environment} customers"),
        )
        .await?;
        if permission == Permission::Production && state.config.production_needs_second_factor {
            self.require(
                state,
                self.second_factor(),
                "reach production without a second factor (log in with a TOTP code)",
            )
            .await?;
        }
        Ok(())
    }
}

impl Caller {
    /// The caller of a browser session (the `cdt_session` cookie), with no CSRF check:
    /// `None` without the cookie, 401 (and a security event) for an ended session.
    pub(crate) async fn from_session(parts: &Parts, state: &AppState) -> Result<Option<Self>, ApiError> {
        let Some(cookie) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Ok(None);
        };
        let request_id = request_id_of(parts);
        let client = client_of(parts);
        let Some((user, session)) = state.store.session(&cookie).await? else {
            state
                .security(SecurityEvent {
                    kind: "auth-failed".into(),
                    client,
                    request_id: Some(request_id),
                    detail: "ended or unknown session".into(),
                    ..SecurityEvent::default()
                })
                .await;
            return Err(ApiError::new(
                Kind::Unauthenticated,
                "the session has ended; log in again",
            ));
        };
        Ok(Some(Self {
            user,
            via: Via::Session(session),
            request_id,
            client,
        }))
    }

    /// Refuses (403, and a security event) a session's state-changing request whose
    /// CSRF token (a header, or a form's field) is not the session's. Token callers
    /// need none.
    pub(crate) async fn check_csrf(&self, state: &AppState, presented: &str, refusal: &str) -> Result<(), ApiError> {
        let Via::Session(session) = &self.via else {
            return Ok(());
        };
        if csrf_matches(session, presented) {
            return Ok(());
        }
        state
            .security(self.event("csrf", "state-changing request without its CSRF token"))
            .await;
        Err(ApiError::new(Kind::Csrf, refusal))
    }
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let request_id = request_id_of(parts);
        let client = client_of(parts);
        let refuse = |detail: &str| SecurityEvent {
            kind: "auth-failed".into(),
            client: client.clone(),
            request_id: Some(request_id.clone()),
            detail: detail.into(),
            ..SecurityEvent::default()
        };
        if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
            let token = auth
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .unwrap_or_default();
            if let Some((user, info)) = state.store.authenticate_token(token).await? {
                return Ok(Self {
                    user,
                    via: Via::Token {
                        id: info.id,
                        second_factor: info.second_factor,
                    },
                    request_id,
                    client,
                });
            }
            state.security(refuse("invalid, expired or revoked API token")).await;
            return Err(ApiError::new(
                Kind::Unauthenticated,
                "the API token is invalid, expired or revoked",
            ));
        }
        if let Some(caller) = Self::from_session(parts, state).await? {
            let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            if !safe {
                let presented = parts
                    .headers
                    .get(CSRF_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                caller
                    .check_csrf(
                        state,
                        presented,
                        &format!("a session's {} request needs the {CSRF_HEADER} header", parts.method),
                    )
                    .await?;
            }
            return Ok(caller);
        }
        Err(ApiError::new(
            Kind::Unauthenticated,
            "send an API token (Authorization: Bearer …) or log in",
        ))
    }
}

/// The client's address, when the server was started with connection info.
fn client_of(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip().to_string())
}

/// A cookie's value from the `Cookie` headers.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A login.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Login {
    username: String,
    password: String,
    #[serde(default)]
    totp: Option<String>,
}

/// What a login answers.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct LoginAnswer {
    username: String,
    role: cdt_store::Role,
    permissions: Vec<Permission>,
    /// Send it as `X-CSRF-Token` with every request that changes state.
    csrf_token: String,
    /// Whether the login gave a TOTP code.
    second_factor: bool,
}

/// `POST /login`: a session cookie and its CSRF token.
#[utoipa::path(post, path = "/login", tag = "users", request_body = Login, responses((status = 200, description = "a session: the `cdt_session` cookie is set; send `csrf_token` as `X-CSRF-Token` on every request that changes state", body = LoginAnswer), (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 429, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn login(
    State(state): State<Arc<AppState>>,
    parts: LoginParts,
    body: crate::routes::Body<Login>,
) -> Result<Response, ApiError> {
    let Login {
        username,
        password,
        totp,
    } = crate::routes::parse(body)?;
    let (session, cookie_value, user) = state.log_in(&username, password, totp.as_deref(), &parts).await?;
    let body = LoginAnswer {
        username: user.username,
        role: user.role,
        permissions: user.permissions.into_iter().collect(),
        csrf_token: session.csrf,
        second_factor: session.second_factor,
    };
    let mut res = Json(body).into_response();
    let max_age = cdt_store::sessions::IDLE_MS / 1000;
    if let Ok(v) = HeaderValue::from_str(&session_cookie(&state, &cookie_value, max_age)) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// The `Set-Cookie` value of a session (`max_age` 0 clears it).
pub(crate) fn session_cookie(state: &AppState, value: &str, max_age: i64) -> String {
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}")
}

/// `POST /logout`.
#[utoipa::path(post, path = "/logout", tag = "users", security(("session" = [])), responses((status = 204, description = "the session ended"), (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn logout(State(state): State<Arc<AppState>>, caller: Caller) -> Result<Response, ApiError> {
    if let Via::Session(s) = &caller.via {
        state.store.end_session(&s.id).await?;
    }
    let mut res = axum::http::StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&session_cookie(&state, "", 0)) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// The request's id (set by the request-id middleware), or empty outside it.
fn request_id_of(parts: &Parts) -> String {
    parts
        .extensions
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default()
}

/// What a login needs of the request besides its body.
pub(crate) struct LoginParts {
    pub(crate) request_id: String,
    pub(crate) client: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for LoginParts {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self {
            request_id: request_id_of(parts),
            client: client_of(parts),
        })
    }
}

impl AppState {
    /// Checks a login (limited per username and per client), starts a session.
    pub(crate) async fn log_in(
        &self,
        username: &str,
        password: String,
        totp: Option<&str>,
        parts: &LoginParts,
    ) -> Result<(Session, String, User), ApiError> {
        let event = |detail: &str| SecurityEvent {
            kind: "login-failed".into(),
            username: Some(username.to_owned()),
            client: parts.client.clone(),
            request_id: Some(parts.request_id.clone()),
            detail: detail.into(),
            ..SecurityEvent::default()
        };
        let by_user = self.store.hits(Limit::LOGINS_PER_USER, username).await?;
        let by_client = match &parts.client {
            Some(c) => self.store.hits(Limit::LOGINS_PER_CLIENT, c).await?,
            None => 0,
        };
        if by_user >= Limit::LOGINS_PER_USER.max || by_client >= Limit::LOGINS_PER_CLIENT.max {
            self.security(event("too many failed logins")).await;
            return Err(ApiError::new(Kind::RateLimited, "too many failed logins; wait a minute").retry_after(60));
        }
        let failed = |detail: &'static str| async move {
            let _ = self.store.hit(Limit::LOGINS_PER_USER, username).await;
            if let Some(c) = &parts.client {
                let _ = self.store.hit(Limit::LOGINS_PER_CLIENT, c).await;
            }
            self.security(event(detail)).await;
            ApiError::new(Kind::Unauthenticated, "wrong username, password or code")
        };
        let Some(user) = self.store.check_password(username, password).await? else {
            return Err(failed("wrong username or password").await);
        };
        let second_factor = match totp {
            Some(code) if user.totp => {
                if !self.store.check_totp(&user.id, code).await? {
                    return Err(failed("wrong TOTP code").await);
                }
                true
            }
            _ => false,
        };
        let (session, cookie) = self.store.create_session(&user.id, second_factor).await?;
        tracing::info!(target: "cdt::security", username = %user.username, second_factor, "login");
        Ok((session, cookie, user))
    }
}
