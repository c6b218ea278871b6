//! A PostgreSQL schema of its own for each test, loaded with platform data, and the
//! options of the read-only role that the connector uses.
//!
//! `scripts/setup.d/10-postgres` creates the `cdt_test` database and the `cdt_readonly`
//! role. The admin connection is `CDT_TEST_PG_ADMIN_URL`
//! (`postgres://postgres@127.0.0.1:5432/cdt_test` by default).

use std::time::Duration;

use cdt_connectors::environments::SslMode;
use cdt_connectors::postgres::{PgOptions, SCHEMA_SQL, SEARCH_SQL};
use cdt_connectors::rows::{Placeholders, insert_sql};
use cdt_core::platform::schema::{TABLES, TableRows};
use cdt_core::{PlatformData, Secret};
use sqlx::ConnectOptions as _;
use sqlx::postgres::{PgConnectOptions, PgConnection};

/// The read-only role's password in tests (`CDT_TEST_PG_READONLY_PASSWORD`).
#[must_use]
pub fn readonly_password() -> Secret {
    Secret::new(std::env::var("CDT_TEST_PG_READONLY_PASSWORD").unwrap_or_else(|_| "cdt-readonly-test-only".into()))
}

fn admin_url() -> String {
    std::env::var("CDT_TEST_PG_ADMIN_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/cdt_test".into())
}

/// A test's schema in `cdt_test`.
pub struct PgTest {
    /// The schema's name.
    pub schema: String,
}

impl PgTest {
    /// A fresh, empty schema named `schema` (dropped first if a previous run left it),
    /// or `None` when PostgreSQL is not there (the test then skips, or fails under CI).
    pub async fn new(test: &str, schema: &str) -> Option<Self> {
        assert!(
            schema
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "test schema names are [a-z0-9_]"
        );
        let mut conn = match Self::admin().await {
            Ok(c) => c,
            Err(e) => {
                crate::service::unavailable(
                    test,
                    &format!(
                        "no PostgreSQL at {} ({e}); run scripts/setup.d/10-postgres",
                        admin_url()
                    ),
                );
                return None;
            }
        };
        // DDL takes no bound identifiers; the name was checked above.
        sqlx::raw_sql(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};"
        ))
        .execute(&mut conn)
        .await
        .expect("create the test schema");
        Some(Self {
            schema: schema.to_owned(),
        })
    }

    /// An admin (owner) connection to `cdt_test`.
    pub async fn admin() -> Result<PgConnection, sqlx::Error> {
        let opts: PgConnectOptions = admin_url().parse()?;
        opts.disable_statement_logging().connect().await
    }

    async fn admin_in_schema(&self) -> PgConnection {
        let mut conn = Self::admin().await.expect("admin connection");
        sqlx::raw_sql(&format!("SET search_path = {}, public", self.schema))
            .execute(&mut conn)
            .await
            .expect("set search_path");
        conn
    }

    /// Creates the platform tables (and, with `search`, the search functions and
    /// indexes), loads `data` in order, and lets `cdt_readonly` read it.
    pub async fn load(&self, data: &PlatformData, search: bool) {
        let mut conn = self.admin_in_schema().await;
        sqlx::raw_sql(SCHEMA_SQL)
            .execute(&mut conn)
            .await
            .expect("create tables");
        for table in data.table_rows() {
            insert(&mut conn, table).await;
        }
        if search {
            sqlx::raw_sql(SEARCH_SQL)
                .execute(&mut conn)
                .await
                .expect("create search functions");
        }
        let tables: Vec<String> = TABLES.iter().map(|t| format!("{}.{}", self.schema, t.name)).collect();
        sqlx::raw_sql(&format!(
            "GRANT USAGE ON SCHEMA {s} TO cdt_readonly; GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO cdt_readonly; \
             ANALYZE {};",
            tables.join(", "),
            s = self.schema
        ))
        .execute(&mut conn)
        .await
        .expect("grant");
    }

    /// The connector's options for this schema, as the read-only role, over loopback.
    #[must_use]
    pub fn options(&self) -> PgOptions {
        PgOptions {
            host: "127.0.0.1".into(),
            port: 5432,
            database: "cdt_test".into(),
            schema: Some(self.schema.clone()),
            username: "cdt_readonly".into(),
            ssl_mode: SslMode::Disable,
            ssl_root_cert: None,
            pool_size: 5,
            connect_timeout: Duration::from_secs(30),
            statement_timeout: Duration::from_secs(30),
            application_name: "cdt-tests".into(),
            environment: None,
        }
    }
}

/// Inserts a table's rows in order with `INSERT … SELECT FROM unnest(…)`, in chunks.
/// Plain inserts append to the heap, so storage order (`ctid`) is the order given, as
/// SQLite's `rowid` is for the embedded store (COPY's bulk path may reorder rows).
async fn insert(conn: &mut PgConnection, table: TableRows<'_>) {
    let sql = insert_sql(table.table, Placeholders::PostgresArrays);
    let columns = table.table.columns.len();
    let rows: Vec<Vec<Option<&str>>> = table.rows.collect();
    for chunk in rows.chunks(50_000) {
        let mut q = sqlx::query(&sql);
        for c in 0..columns {
            let col: Vec<Option<String>> = chunk.iter().map(|r| r[c].map(str::to_owned)).collect();
            q = q.bind(col);
        }
        q.execute(&mut *conn).await.expect("insert rows");
    }
}
