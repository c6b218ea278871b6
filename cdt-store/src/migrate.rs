//! The schema, brought up to date when a [`Store`](crate::Store) opens.
//!
//! Migrations are SQL files in `cdt-store/migrations/`, compiled in, numbered and
//! applied in order, each in its own transaction, and recorded in `cdt_migrations`.
//! The same files run on SQLite and PostgreSQL. On PostgreSQL an advisory lock makes
//! replicas that start together apply them once.

use sqlx::Row as _;

use crate::{Backend, Error, Result, Store};

/// The migrations, in order: (version, file name, SQL).
pub const MIGRATIONS: &[(i64, &str, &str)] = &[(1, "0001_service.sql", include_str!("../migrations/0001_service.sql"))];

/// An arbitrary, fixed key for PostgreSQL's advisory lock.
const PG_LOCK_KEY: i64 = 0x00cd_7500_0001;

/// Applies the migrations the database lacks, all in one transaction (DDL is
/// transactional in both databases). On PostgreSQL the transaction first takes an
/// advisory lock, so replicas starting together wait for each other instead of racing
/// (even `CREATE TABLE IF NOT EXISTS` races there).
pub(crate) async fn run(store: &Store) -> Result<()> {
    let mut tx = store.pool().begin().await?;
    if store.backend() == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(PG_LOCK_KEY)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS cdt_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(&mut *tx)
    .await?;
    for &(version, name, sql) in MIGRATIONS {
        let done: i64 = sqlx::query("SELECT COUNT(*) FROM cdt_migrations WHERE version = $1")
            .bind(version)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        if done > 0 {
            continue;
        }
        for statement in statements(sql) {
            sqlx::query(&statement)
                .execute(&mut *tx)
                .await
                .map_err(|e| Error::Migration {
                    version,
                    name,
                    reason: crate::error::describe(&e),
                })?;
        }
        sqlx::query("INSERT INTO cdt_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(version)
            .bind(name)
            .bind(store.now_ms())
            .execute(&mut *tx)
            .await?;
        tracing::info!(version, name, "application database migrated");
    }
    tx.commit().await?;
    Ok(())
}

/// The statements of a migration file: comment lines dropped, split at `;`.
fn statements(sql: &str) -> Vec<String> {
    let body: String = sql
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    body.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_files_split_into_statements() {
        let all: usize = MIGRATIONS.iter().map(|(_, _, sql)| statements(sql).len()).sum();
        assert!(all >= 6, "{all}");
        for (_, _, sql) in MIGRATIONS {
            for s in statements(sql) {
                assert!(s.starts_with("CREATE"), "{s}");
            }
        }
    }
}
