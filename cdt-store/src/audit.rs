//! Security events: every failed login, every denial, every change of users and
//! tokens. Written to the database (so every replica's events are in one place) and
//! to the `cdt::security` log target.

use serde::Serialize;
use sqlx::Row as _;

use crate::{Result, Store, new_id};

/// A security event to record.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecurityEvent {
    /// What happened: `login-failed`, `denied`, `rate-limited`, `token-revoked`, …
    pub kind: String,
    /// The user concerned, when known.
    pub user_id: Option<String>,
    /// The username concerned, when known (as typed, for failed logins).
    pub username: Option<String>,
    /// The client's address.
    pub client: Option<String>,
    /// The request's id.
    pub request_id: Option<String>,
    /// What, in words (never a secret).
    pub detail: String,
}

/// A recorded event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordedEvent {
    /// Its id.
    pub id: String,
    /// When (Unix ms).
    pub at: i64,
    /// The event.
    #[serde(flatten)]
    pub event: SecurityEvent,
}

impl Store {
    /// Records a security event.
    pub async fn record_event(&self, event: SecurityEvent) -> Result<()> {
        tracing::warn!(
            target: "cdt::security",
            kind = %event.kind,
            username = event.username.as_deref().unwrap_or(""),
            client = event.client.as_deref().unwrap_or(""),
            request_id = event.request_id.as_deref().unwrap_or(""),
            detail = %event.detail,
            "security event"
        );
        sqlx::query(
            "INSERT INTO security_events (id, at, kind, user_id, username, client, request_id, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new_id())
        .bind(self.now_ms())
        .bind(&event.kind)
        .bind(&event.user_id)
        .bind(event.username.as_deref().map(crate::users::clip))
        .bind(&event.client)
        .bind(&event.request_id)
        .bind(&event.detail)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The latest `limit` security events, newest first.
    pub async fn events(&self, limit: i64) -> Result<Vec<RecordedEvent>> {
        let rows = sqlx::query(
            "SELECT id, at, kind, user_id, username, client, request_id, detail FROM security_events \
             ORDER BY at DESC, id LIMIT $1",
        )
        .bind(limit.clamp(1, 10_000))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RecordedEvent {
                    id: r.try_get("id")?,
                    at: r.try_get("at")?,
                    event: SecurityEvent {
                        kind: r.try_get("kind")?,
                        user_id: r.try_get("user_id")?,
                        username: r.try_get("username")?,
                        client: r.try_get("client")?,
                        request_id: r.try_get("request_id")?,
                        detail: r.try_get("detail")?,
                    },
                })
            })
            .collect()
    }
}
