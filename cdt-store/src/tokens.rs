//! API tokens for scripts and notebooks.
//!
//! A token reads `cdt_<id>_<secret>`: the id finds the row, the secret (256 random
//! bits) is checked against its SHA-256. It ends at its absolute expiry, after an idle
//! time without use, or when revoked; a disabled user's tokens stop at once. The clear
//! token is returned once, when made.

use std::fmt;

use serde::Serialize;
use sqlx::Row as _;
use sqlx::any::AnyRow;

use crate::{Error, Result, Store, User, flag, random};

/// A token as listed (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    /// The token's id (its public part).
    pub id: String,
    /// Its owner.
    pub user_id: String,
    /// What it is for (`notebook`).
    pub name: String,
    /// Whether it was made with a second factor (it may reach production when the
    /// service asks for one).
    pub second_factor: bool,
    /// When it was made (Unix ms).
    pub created_at: i64,
    /// When it was last used (Unix ms).
    pub last_used_at: i64,
    /// How long it may go unused (ms).
    pub idle_ms: i64,
    /// When it ends whatever happens (Unix ms).
    pub expires_at: i64,
    /// When it was revoked (Unix ms).
    pub revoked_at: Option<i64>,
}

/// A clear token, shown once. `Debug` and `Display` never print it.
pub struct ClearToken(String);

impl ClearToken {
    /// The token, for the one place that shows it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClearToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClearToken([redacted])")
    }
}

/// How long a new token lives.
#[derive(Clone, Copy, Debug)]
pub struct TokenLife {
    /// Unused for this long, it ends (ms).
    pub idle_ms: i64,
    /// It ends this long after it is made, used or not (ms).
    pub lifetime_ms: i64,
}

impl Default for TokenLife {
    /// 30 days idle, 90 days in all.
    fn default() -> Self {
        Self {
            idle_ms: 30 * DAY_MS,
            lifetime_ms: 90 * DAY_MS,
        }
    }
}

const DAY_MS: i64 = 24 * 3600 * 1000;
const PREFIX: &str = "cdt_";

impl Store {
    /// Makes a token for `user_id`.
    pub async fn create_token(
        &self,
        user_id: &str,
        name: &str,
        life: TokenLife,
        second_factor: bool,
    ) -> Result<(TokenInfo, ClearToken)> {
        if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
            return Err(Error::Invalid {
                field: "token name",
                reason: "1 to 64 printable characters".into(),
            });
        }
        if life.idle_ms <= 0 || life.lifetime_ms <= 0 {
            return Err(Error::Invalid {
                field: "token lifetime",
                reason: "must be positive".into(),
            });
        }
        let now = self.now_ms();
        let info = TokenInfo {
            id: random::hex_id::<8>(),
            user_id: user_id.to_owned(),
            name: name.to_owned(),
            second_factor,
            created_at: now,
            last_used_at: now,
            idle_ms: life.idle_ms,
            expires_at: now.saturating_add(life.lifetime_ms),
            revoked_at: None,
        };
        let secret = random::secret();
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, name, secret_hash, second_factor, created_at, last_used_at, idle_ms, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&info.id)
        .bind(&info.user_id)
        .bind(&info.name)
        .bind(random::digest(&secret))
        .bind(i64::from(second_factor))
        .bind(now)
        .bind(now)
        .bind(info.idle_ms)
        .bind(info.expires_at)
        .execute(self.pool())
        .await?;
        let clear = ClearToken(format!("{PREFIX}{}_{secret}", info.id));
        Ok((info, clear))
    }

    /// The user and token a presented token belongs to, if it is valid now; records
    /// its use.
    pub async fn authenticate_token(&self, presented: &str) -> Result<Option<(User, TokenInfo)>> {
        let Some((id, secret)) = presented.strip_prefix(PREFIX).and_then(|r| r.split_once('_')) else {
            return Ok(None);
        };
        if id.len() != 16 || secret.len() > 64 {
            return Ok(None);
        }
        let Some(row) = sqlx::query(&format!("SELECT {COLUMNS}, secret_hash FROM api_tokens WHERE id = $1"))
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
        let info = token_of(&row)?;
        let now = self.now_ms();
        if info.revoked_at.is_some() || now >= info.expires_at || now >= info.last_used_at.saturating_add(info.idle_ms)
        {
            return Ok(None);
        }
        let Some(user) = self.user(&info.user_id).await? else {
            return Ok(None);
        };
        if user.disabled {
            return Ok(None);
        }
        // At most one write a minute a token: idle expiry is counted in days.
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND last_used_at < $3")
            .bind(now)
            .bind(&info.id)
            .bind(now - 60_000)
            .execute(self.pool())
            .await?;
        Ok(Some((user, info)))
    }

    /// Revokes a token by id.
    pub async fn revoke_token(&self, id: &str) -> Result<()> {
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(self.now_ms())
            .bind(id)
            .execute(self.pool())
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound {
                what: "token",
                id: crate::users::clip(id),
            });
        }
        tracing::info!(target: "cdt::security", token = id, "token revoked");
        Ok(())
    }

    /// A user's tokens, newest first.
    pub async fn tokens_of(&self, user_id: &str) -> Result<Vec<TokenInfo>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(token_of).collect()
    }
}

const COLUMNS: &str = "id, user_id, name, second_factor, created_at, last_used_at, idle_ms, expires_at, revoked_at";

fn token_of(row: &AnyRow) -> Result<TokenInfo> {
    Ok(TokenInfo {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        name: row.try_get("name")?,
        second_factor: flag(row.try_get("second_factor")?),
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
        idle_ms: row.try_get("idle_ms")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}
