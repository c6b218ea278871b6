//! The history of diagnostic runs: who ran what on which customer, with the inputs,
//! the result, the status and the time it took; and the retention that prunes it.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use crate::{Error, Result, Store, new_id};

/// A run to record.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewRun {
    /// Who ran it.
    pub user_id: Option<String>,
    /// Their name then.
    pub username: Option<String>,
    /// The customer (`None`: on files).
    pub customer_id: Option<String>,
    /// The tool.
    pub tool_id: String,
    /// `staging` or `production`.
    pub environment: Option<String>,
    /// The HubSpot ticket, if any.
    pub ticket: Option<String>,
    /// The inputs.
    pub inputs: serde_json::Value,
    /// The result's status, or `ERROR`.
    pub status: String,
    /// How long it took (ms).
    pub runtime_ms: i64,
    /// The result (absent from lists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
    /// What went wrong, for people (no internals).
    pub error: Option<String>,
}

/// A recorded run.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Run {
    /// Its id.
    pub id: String,
    /// When (Unix ms).
    pub created_at: i64,
    /// The run.
    #[serde(flatten)]
    pub run: NewRun,
}

/// Which runs to list.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct RunFilter {
    /// Only this customer's.
    pub customer: Option<String>,
    /// Only this tool's.
    pub tool: Option<String>,
    /// Only with this status.
    pub status: Option<String>,
    /// Only this user's (by name).
    pub user: Option<String>,
    /// At most this many (default 50, at most 500).
    pub limit: Option<i64>,
}

/// Counts over recent runs, for the page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RunStats {
    /// Runs in the period.
    pub runs: i64,
    /// Runs by status.
    pub by_status: Vec<(String, i64)>,
}

impl Store {
    /// Records a run; returns its id.
    pub async fn record_run(&self, run: &NewRun) -> Result<String> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO runs (id, created_at, user_id, username, customer_id, tool_id, environment, ticket, inputs, status, runtime_ms, result, error) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(&id)
        .bind(self.now_ms())
        .bind(&run.user_id)
        .bind(&run.username)
        .bind(&run.customer_id)
        .bind(&run.tool_id)
        .bind(&run.environment)
        .bind(&run.ticket)
        .bind(run.inputs.to_string())
        .bind(&run.status)
        .bind(run.runtime_ms)
        .bind(run.result.as_ref().map(ToString::to_string))
        .bind(&run.error)
        .execute(self.pool())
        .await?;
        Ok(id)
    }

    /// A run by id.
    pub async fn run(&self, id: &str) -> Result<Option<Run>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS}, result FROM runs WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(|r| run_of(r, true)).transpose()
    }

    /// Recent runs, newest first, without their results.
    pub async fn runs(&self, filter: &RunFilter) -> Result<Vec<Run>> {
        let mut sql = format!("SELECT {COLUMNS} FROM runs WHERE 1 = 1");
        let mut binds: Vec<&str> = Vec::new();
        for (column, value) in [
            ("customer_id", &filter.customer),
            ("tool_id", &filter.tool),
            ("status", &filter.status),
            ("username", &filter.user),
        ] {
            if let Some(v) = value {
                binds.push(v);
                let _ = write!(sql, " AND {column} = ${}", binds.len());
            }
        }
        let _ = write!(sql, " ORDER BY created_at DESC, id LIMIT ${}", binds.len() + 1);
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = q.bind(b);
        }
        let rows = q
            .bind(filter.limit.unwrap_or(50).clamp(1, 500))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| run_of(r, false)).collect()
    }

    /// Counts of runs since `since_ms`, by status.
    pub async fn run_stats(&self, since_ms: i64) -> Result<RunStats> {
        let rows =
            sqlx::query("SELECT status, COUNT(*) FROM runs WHERE created_at >= $1 GROUP BY status ORDER BY status")
                .bind(since_ms)
                .fetch_all(self.pool())
                .await?;
        let by_status: Vec<(String, i64)> = rows
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_>>()?;
        Ok(RunStats {
            runs: by_status.iter().map(|(_, n)| n).sum(),
            by_status,
        })
    }

    /// Deletes what is older than the retention (`days`): runs, security events, ended
    /// sessions and tokens, old rate-limit windows. Returns the rows deleted.
    pub async fn prune(&self, days: i64) -> Result<u64> {
        if days < 1 {
            return Err(Error::Invalid {
                field: "retention",
                reason: "at least one day".into(),
            });
        }
        let now = self.now_ms();
        let cutoff = now - days * 24 * 3600 * 1000;
        let mut deleted = 0;
        for (sql, at) in [
            ("DELETE FROM runs WHERE created_at < $1", cutoff),
            ("DELETE FROM security_events WHERE at < $1", cutoff),
            ("DELETE FROM sessions WHERE expires_at < $1", now),
            ("DELETE FROM api_tokens WHERE expires_at < $1", cutoff),
            ("DELETE FROM rate_limits WHERE window_start < $1", now - 3_600_000),
        ] {
            deleted += sqlx::query(sql).bind(at).execute(self.pool()).await?.rows_affected();
        }
        Ok(deleted)
    }
}

const COLUMNS: &str =
    "id, created_at, user_id, username, customer_id, tool_id, environment, ticket, inputs, status, runtime_ms, error";

fn run_of(row: &AnyRow, with_result: bool) -> Result<Run> {
    let json = |s: String| serde_json::from_str(&s).map_err(|e| Error::Database(format!("stored JSON: {e}")));
    let result = if with_result {
        row.try_get::<Option<String>, _>("result")?.map(json).transpose()?
    } else {
        None
    };
    Ok(Run {
        id: row.try_get("id")?,
        created_at: row.try_get("created_at")?,
        run: NewRun {
            user_id: row.try_get("user_id")?,
            username: row.try_get("username")?,
            customer_id: row.try_get("customer_id")?,
            tool_id: row.try_get("tool_id")?,
            environment: row.try_get("environment")?,
            ticket: row.try_get("ticket")?,
            inputs: json(row.try_get("inputs")?)?,
            status: row.try_get("status")?,
            runtime_ms: row.try_get("runtime_ms")?,
            result,
            error: row.try_get("error")?,
        },
    })
}
