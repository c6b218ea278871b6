//! A PostgreSQL schema of its own for each test, loaded with platform data, and the
//! options of the read-only role that the connector uses.
//!
//! `scripts/setup.d/10-postgres` creates the `cdt_test` database and the `cdt_readonly`
//! role. The admin connection is `CDT_TEST_PG_ADMIN_URL`
//! (`postgres://postgres@127.0.0.1:5432/cdt_test` by default).

use std::time::Duration;

use cdt_connectors::environments::SslMode;
use cdt_connectors::postgres::{PgOptions, SCHEMA_SQL, SEARCH_SQL};
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
        copy(
            &mut conn,
            "organizations",
            &["id", "sourced_id", "name", "type", "parent_id"],
            data.organizations.iter().map(|r| {
                vec![
                    Some(r.id.as_str()),
                    Some(&r.sourced_id),
                    Some(&r.name),
                    Some(&r.org_type),
                    r.parent_id.as_deref(),
                ]
            }),
        )
        .await;
        copy(
            &mut conn,
            "students",
            &[
                "id",
                "sourced_id",
                "organization_id",
                "first_name",
                "last_name",
                "email",
                "grade",
                "student_number",
                "status",
            ],
            data.students.iter().map(|r| {
                vec![
                    Some(r.id.as_str()),
                    Some(&r.sourced_id),
                    Some(&r.organization_id),
                    Some(&r.first_name),
                    Some(&r.last_name),
                    r.email.as_deref(),
                    r.grade.as_deref(),
                    r.student_number.as_deref(),
                    Some(r.status.as_str()),
                ]
            }),
        )
        .await;
        copy(
            &mut conn,
            "parents",
            &[
                "id",
                "sourced_id",
                "first_name",
                "last_name",
                "email",
                "phone",
                "status",
            ],
            data.parents.iter().map(|r| {
                vec![
                    Some(r.id.as_str()),
                    Some(&r.sourced_id),
                    Some(&r.first_name),
                    Some(&r.last_name),
                    r.email.as_deref(),
                    r.phone.as_deref(),
                    Some(r.status.as_str()),
                ]
            }),
        )
        .await;
        copy(
            &mut conn,
            "parent_students",
            &["parent_id", "student_id"],
            data.parent_students
                .iter()
                .map(|r| vec![Some(r.parent_id.as_str()), Some(&r.student_id)]),
        )
        .await;
        copy(
            &mut conn,
            "classes",
            &[
                "id",
                "sourced_id",
                "organization_id",
                "title",
                "course_sourced_id",
                "term_sourced_id",
                "status",
            ],
            data.classes.iter().map(|r| {
                vec![
                    Some(r.id.as_str()),
                    Some(&r.sourced_id),
                    Some(&r.organization_id),
                    Some(&r.title),
                    r.course_sourced_id.as_deref(),
                    r.term_sourced_id.as_deref(),
                    Some(r.status.as_str()),
                ]
            }),
        )
        .await;
        copy(
            &mut conn,
            "enrollments",
            &["id", "sourced_id", "class_id", "user_id", "role", "status"],
            data.enrollments.iter().map(|r| {
                vec![
                    Some(r.id.as_str()),
                    Some(&r.sourced_id),
                    Some(&r.class_id),
                    Some(&r.user_id),
                    Some(&r.role),
                    Some(r.status.as_str()),
                ]
            }),
        )
        .await;
        copy(
            &mut conn,
            "import_runs",
            &["id", "organization_id", "source", "started_at", "finished_at", "status"],
            data.import_runs.iter().map(|r| {
                vec![
                    Some(r.id.as_str()),
                    Some(&r.organization_id),
                    Some(&r.source),
                    Some(&r.started_at),
                    r.finished_at.as_deref(),
                    Some(&r.status),
                ]
            }),
        )
        .await;
        copy(
            &mut conn,
            "import_errors",
            &["id", "import_run_id", "entity_type", "sourced_id", "message"],
            data.import_errors.iter().map(|r| {
                vec![
                    Some(r.id.as_str()),
                    Some(&r.import_run_id),
                    Some(&r.entity_type),
                    Some(&r.sourced_id),
                    Some(&r.message),
                ]
            }),
        )
        .await;
        if search {
            sqlx::raw_sql(SEARCH_SQL)
                .execute(&mut conn)
                .await
                .expect("create search functions");
        }
        sqlx::raw_sql(&format!(
            "GRANT USAGE ON SCHEMA {s} TO cdt_readonly; GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO cdt_readonly; \
             ANALYZE {s}.organizations, {s}.students, {s}.parents, {s}.parent_students, {s}.classes, {s}.enrollments, \
             {s}.import_runs, {s}.import_errors;",
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

/// Inserts rows in order with `INSERT … SELECT FROM unnest(…)`, in chunks. Plain
/// inserts append to the heap, so storage order (`ctid`) is the order given, as
/// SQLite's `rowid` is for the embedded store (COPY's bulk path may reorder rows).
async fn copy<'a>(
    conn: &mut PgConnection,
    table: &str,
    columns: &[&str],
    rows: impl Iterator<Item = Vec<Option<&'a str>>>,
) {
    let params: Vec<String> = (1..=columns.len()).map(|i| format!("${i}::text[]")).collect();
    let sql = format!(
        "INSERT INTO {table} ({}) SELECT * FROM unnest({})",
        columns.join(", "),
        params.join(", ")
    );
    let rows: Vec<Vec<Option<&str>>> = rows.collect();
    for chunk in rows.chunks(50_000) {
        let mut q = sqlx::query(&sql);
        for c in 0..columns.len() {
            let col: Vec<Option<String>> = chunk.iter().map(|r| r[c].map(str::to_owned)).collect();
            q = q.bind(col);
        }
        q.execute(&mut *conn).await.expect("insert rows");
    }
}
