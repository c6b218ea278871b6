//! Rate limits counted in the database, so that every process sharing it counts the
//! same requests: fixed windows, one row per bucket and window, incremented with one
//! atomic upsert.

use sqlx::Row as _;

use crate::{Result, Store};

/// A limit: at most `max` hits per `window_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// The limit's name, the first part of its buckets (`runs`).
    pub name: &'static str,
    /// Hits allowed per window.
    pub max: i64,
    /// The window (ms).
    pub window_ms: i64,
}

impl Limit {
    /// Tool runs: 10 a minute per user.
    pub const RUNS: Self = Self {
        name: "runs",
        max: 10,
        window_ms: 60_000,
    };
    /// Platform queries: 100 a minute per user.
    pub const PLATFORM_QUERIES: Self = Self {
        name: "platform-queries",
        max: 100,
        window_ms: 60_000,
    };
    /// Failed logins: 5 a minute per username.
    pub const LOGINS_PER_USER: Self = Self {
        name: "logins-user",
        max: 5,
        window_ms: 60_000,
    };
    /// Failed logins: 20 a minute per client address.
    pub const LOGINS_PER_CLIENT: Self = Self {
        name: "logins-client",
        max: 20,
        window_ms: 60_000,
    };
}

/// The answer to a hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Whether the hit is within the limit.
    pub allowed: bool,
    /// Hits in this window, this one included.
    pub count: i64,
    /// Seconds until the window ends (for `Retry-After`), at least 1.
    pub retry_after_secs: i64,
}

impl Store {
    /// Counts one hit of `limit` for `key` (a user id, a username, an address).
    pub async fn hit(&self, limit: Limit, key: &str) -> Result<Decision> {
        self.hit_n(limit, key, 1).await
    }

    /// Counts `n` hits at once (a diagnostic's platform queries).
    pub async fn hit_n(&self, limit: Limit, key: &str, n: i64) -> Result<Decision> {
        let now = self.now_ms();
        let window_start = now - now.rem_euclid(limit.window_ms);
        let bucket = format!("{}:{key}", limit.name);
        let count: i64 = sqlx::query(
            "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, $3) \
             ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + $3 RETURNING hits",
        )
        .bind(&bucket)
        .bind(window_start)
        .bind(n)
        .fetch_one(self.pool())
        .await?
        .try_get(0)?;
        let retry_after_ms = window_start + limit.window_ms - now;
        Ok(Decision {
            allowed: count <= limit.max,
            count,
            retry_after_secs: ((retry_after_ms + 999) / 1000).max(1),
        })
    }

    /// Hits of `limit` for `key` in the current window, without counting one.
    pub async fn hits(&self, limit: Limit, key: &str) -> Result<i64> {
        let now = self.now_ms();
        let window_start = now - now.rem_euclid(limit.window_ms);
        let row = sqlx::query("SELECT hits FROM rate_limits WHERE bucket = $1 AND window_start = $2")
            .bind(format!("{}:{key}", limit.name))
            .bind(window_start)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?.unwrap_or(0))
    }
}
