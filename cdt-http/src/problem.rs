//! Errors answered as RFC 9457 problem details (`application/problem+json`).
//!
//! Each kind of problem has a stable `type` (`urn:cdt:problem:<slug>`), a title and a
//! status. Every answer carries an `error_id`; what a caller must not see (file paths,
//! upstream bodies, host names) goes only to the log, under that id.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The kinds of problem, each with a stable `type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The request's body or query is malformed.
    BadRequest,
    /// No valid credentials.
    Unauthenticated,
    /// The caller may not do this.
    Forbidden,
    /// A state-changing request from a session without its CSRF token.
    Csrf,
    /// The `Host` header is not one the service answers to.
    BadHost,
    /// No such tool, customer or run.
    NotFound,
    /// The route exists, not with this method.
    MethodNotAllowed,
    /// A tool input is missing or malformed.
    InvalidInput,
    /// Too many requests for the caller's limit.
    RateLimited,
    /// Every diagnostic slot is busy.
    Busy,
    /// The diagnostic ran past its deadline.
    Timeout,
    /// The body is larger than allowed.
    TooLarge,
    /// The feature is not available in this build.
    Unsupported,
    /// The feature is not set up on this server (no data directory, no HubSpot).
    NotConfigured,
    /// The district's data (SIS or platform) could not be read.
    Upstream,
    /// Anything else.
    Internal,
}

impl Kind {
    /// The `type` slug, stable forever.
    #[must_use]
    pub fn slug(self) -> &'static str {
        match self {
            Self::BadRequest => "bad-request",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::Csrf => "csrf",
            Self::BadHost => "bad-host",
            Self::NotFound => "not-found",
            Self::MethodNotAllowed => "method-not-allowed",
            Self::InvalidInput => "invalid-input",
            Self::RateLimited => "rate-limited",
            Self::Busy => "busy",
            Self::Timeout => "timeout",
            Self::TooLarge => "too-large",
            Self::Unsupported => "unsupported",
            Self::NotConfigured => "not-configured",
            Self::Upstream => "upstream",
            Self::Internal => "internal",
        }
    }

    /// The HTTP status.
    #[must_use]
    pub fn status(self) -> StatusCode {
        match self {
            Self::BadRequest | Self::BadHost => StatusCode::BAD_REQUEST,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::Csrf => StatusCode::FORBIDDEN,
            Self::NotFound | Self::NotConfigured => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::InvalidInput => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Timeout => StatusCode::GATEWAY_TIMEOUT,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unsupported => StatusCode::NOT_IMPLEMENTED,
            Self::Upstream => StatusCode::BAD_GATEWAY,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The title, for people.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Self::BadRequest => "invalid request",
            Self::Unauthenticated => "authentication required",
            Self::Forbidden => "not permitted",
            Self::Csrf => "missing or wrong CSRF token",
            Self::BadHost => "unknown host",
            Self::NotFound => "not found",
            Self::MethodNotAllowed => "method not allowed",
            Self::InvalidInput => "invalid input",
            Self::RateLimited => "too many requests",
            Self::Busy => "busy",
            Self::Timeout => "diagnostic timed out",
            Self::TooLarge => "request too large",
            Self::Unsupported => "not supported",
            Self::NotConfigured => "not set up on this server",
            Self::Upstream => "could not read the district's data",
            Self::Internal => "internal error",
        }
    }
}

/// An error answered as problem+json.
#[derive(Debug)]
pub struct ApiError {
    /// The kind.
    pub kind: Kind,
    /// What the caller is told.
    pub detail: String,
    /// What only the log gets, under the error id.
    pub internal: Option<String>,
    /// `Retry-After`, in seconds.
    pub retry_after: Option<i64>,
}

impl ApiError {
    /// A problem with a detail for the caller.
    pub fn new(kind: Kind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
            internal: None,
            retry_after: None,
        }
    }

    /// A problem whose cause is logged, not shown.
    pub fn hidden(kind: Kind, detail: impl Into<String>, internal: impl Into<String>) -> Self {
        Self {
            internal: Some(internal.into()),
            ..Self::new(kind, detail)
        }
    }

    /// With a `Retry-After`.
    #[must_use]
    pub fn retry_after(mut self, secs: i64) -> Self {
        self.retry_after = Some(secs.max(1));
        self
    }
}

impl From<cdt_core::Error> for ApiError {
    fn from(e: cdt_core::Error) -> Self {
        use cdt_core::Error as E;
        match &e {
            E::UnknownTool { id } => Self::new(Kind::NotFound, format!("unknown tool `{}`", clip(id))),
            // Not the path that was looked for: that is the server's business.
            E::CustomerNotFound { id, .. } => Self::new(Kind::NotFound, format!("customer `{}` not found", clip(id))),
            E::Input { .. } => Self::new(Kind::InvalidInput, e.to_string()),
            E::Unsupported { .. } => Self::new(Kind::Unsupported, e.to_string()),
            E::RateLimited { what, retry_after_secs } => {
                Self::new(Kind::RateLimited, what.clone()).retry_after(i64::try_from(*retry_after_secs).unwrap_or(60))
            }
            E::Config { .. } => Self::hidden(
                Kind::Internal,
                "the customer's settings could not be used; an administrator can see why in the log",
                e.to_string(),
            ),
            E::Data { .. } | E::Connector { .. } | E::Io { .. } | E::Secret { .. } => Self::hidden(
                Kind::Upstream,
                "the district's SIS or platform data could not be read; an administrator can see why in the log",
                e.to_string(),
            ),
            _ => Self::hidden(Kind::Internal, "see the server log", e.to_string()),
        }
    }
}

/// A caller's text, shortened and without control characters, for a detail.
pub(crate) fn clip(s: &str) -> String {
    cdt_core::text::clip(s, 64)
}

impl From<cdt_store::Error> for ApiError {
    fn from(e: cdt_store::Error) -> Self {
        Self::hidden(
            Kind::Internal,
            "the service's database could not be used",
            e.to_string(),
        )
    }
}

impl ApiError {
    /// Logs the error (the internal cause only here) under a new error id; returns
    /// the id.
    pub(crate) fn log(&self) -> String {
        let error_id = cdt_store::new_error_id();
        let status = self.kind.status();
        if let Some(internal) = &self.internal {
            tracing::error!(%error_id, kind = self.kind.slug(), error = %internal, "request failed");
        } else if status.is_server_error() {
            tracing::error!(%error_id, kind = self.kind.slug(), detail = %self.detail, "request failed");
        } else {
            tracing::info!(%error_id, kind = self.kind.slug(), status = status.as_u16(), "request refused");
        }
        error_id
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let error_id = self.log();
        let status = self.kind.status();
        let body = serde_json::json!({
            "type": format!("urn:cdt:problem:{}", self.kind.slug()),
            "title": self.kind.title(),
            "status": status.as_u16(),
            "detail": self.detail,
            "error_id": error_id,
        });
        let mut res = (status, body.to_string()).into_response();
        res.extensions_mut().insert(self.kind);
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            h.insert(header::RETRY_AFTER, v);
        }
        if self.kind == Kind::Unauthenticated {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"cdt\""),
            );
        }
        res
    }
}
