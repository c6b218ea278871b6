//! Browser sessions: a cookie `<id>_<secret>` (the secret kept as its SHA-256), 60
//! minutes from the last request and 12 hours at most, and a CSRF token that every
//! form and state-changing request must echo.

use std::fmt;

use sqlx::Row as _;

use crate::{Result, Store, User, flag, random};

/// Idle time after which a session ends.
pub const IDLE_MS: i64 = 60 * 60 * 1000;
/// Time after which a session ends however busy.
pub const ABSOLUTE_MS: i64 = 12 * 60 * 60 * 1000;

/// A live session.
#[derive(Clone)]
pub struct Session {
    /// Its id (the cookie's public part).
    pub id: String,
    /// The CSRF token its forms carry.
    pub csrf: String,
    /// Whether its login passed a second factor.
    pub second_factor: bool,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("second_factor", &self.second_factor)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Starts a session for `user_id`; returns it and the cookie value.
    pub async fn create_session(&self, user_id: &str, second_factor: bool) -> Result<(Session, String)> {
        let now = self.now_ms();
        let session = Session {
            id: random::hex_id::<16>(),
            csrf: random::secret(),
            second_factor,
        };
        let secret = random::secret();
        sqlx::query(
            "INSERT INTO sessions (id, user_id, secret_hash, csrf, second_factor, created_at, last_seen, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&session.id)
        .bind(user_id)
        .bind(random::digest(&secret))
        .bind(&session.csrf)
        .bind(i64::from(second_factor))
        .bind(now)
        .bind(now)
        .bind(now + ABSOLUTE_MS)
        .execute(self.pool())
        .await?;
        let cookie = format!("{}_{secret}", session.id);
        Ok((session, cookie))
    }

    /// The user and session of a cookie value, if live; records the activity.
    pub async fn session(&self, cookie: &str) -> Result<Option<(User, Session)>> {
        let Some((id, secret)) = cookie.split_once('_') else {
            return Ok(None);
        };
        if id.len() != 32 || secret.len() > 64 {
            return Ok(None);
        }
        let Some(row) = sqlx::query(
            "SELECT user_id, secret_hash, csrf, second_factor, last_seen, expires_at FROM sessions WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        else {
            return Ok(None);
        };
        let hash: String = row.try_get("secret_hash")?;
        if !random::same(&hash, &random::digest(secret)) {
            return Ok(None);
        }
        let now = self.now_ms();
        let last_seen: i64 = row.try_get("last_seen")?;
        let expires_at: i64 = row.try_get("expires_at")?;
        if now >= expires_at || now >= last_seen + IDLE_MS {
            self.end_session(id).await?;
            return Ok(None);
        }
        let user_id: String = row.try_get("user_id")?;
        let Some(user) = self.user(&user_id).await? else {
            return Ok(None);
        };
        if user.disabled {
            return Ok(None);
        }
        // At most one write every ten seconds a session.
        sqlx::query("UPDATE sessions SET last_seen = $1 WHERE id = $2 AND last_seen < $3")
            .bind(now)
            .bind(id)
            .bind(now - 10_000)
            .execute(self.pool())
            .await?;
        let session = Session {
            id: id.to_owned(),
            csrf: row.try_get("csrf")?,
            second_factor: flag(row.try_get("second_factor")?),
        };
        Ok(Some((user, session)))
    }

    /// Ends a session by id (logout).
    pub async fn end_session(&self, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

/// Whether a presented CSRF token is the session's (constant time).
#[must_use]
pub fn csrf_matches(session: &Session, presented: &str) -> bool {
    random::same(&session.csrf, presented)
}
