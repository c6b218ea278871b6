//! The PostgreSQL connector against a real server (`scripts/setup.d/10-postgres`):
//! exact slices, read-only enforcement at the server, timeouts, pool exhaustion, a
//! wrong password, environments kept apart, and secrets kept out of logs and errors.
//! Without PostgreSQL these tests skip and say why; under `CI=true` they fail.

use std::time::Duration;

use cdt_connectors::postgres::PostgresPlatform;
use cdt_core::{Lookup, PlatformConnector, Secret};
use cdt_tests::conformance::check_platform;
use cdt_tests::pg::{PgTest, readonly_password};
use cdt_tests::{LogCapture, demo_lookups, demo_platform};

fn code(err: &sqlx::Error) -> Option<String> {
    err.as_database_error()
        .and_then(sqlx::error::DatabaseError::code)
        .map(std::borrow::Cow::into_owned)
}

async fn loaded(test: &str, schema: &str, search: bool) -> Option<PgTest> {
    let db = PgTest::new(test, schema).await?;
    db.load(&demo_platform().await, search).await;
    Some(db)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_returns_exactly_the_reference_slice_with_and_without_the_search_index() {
    let test = "fetch_returns_exactly_the_reference_slice";
    let data = demo_platform().await;
    for (schema, search) in [("t_slice_indexed", true), ("t_slice_plain", false)] {
        let Some(db) = loaded(test, schema, search).await else {
            return;
        };
        let pg = PostgresPlatform::connect(&db.options(), &readonly_password(), "bm-org-0001")
            .await
            .unwrap();
        assert_eq!(pg.indexed_search(), search);
        let checked = check_platform(&pg, &data, &demo_lookups().await, 20).await;
        assert!(checked > 100, "{checked} lookups");
        assert!(pg.query_count() > 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_through_the_connector_fail_at_the_server() {
    let Some(db) = loaded("writes_fail", "t_readonly", false).await else {
        return;
    };
    let pg = PostgresPlatform::connect(&db.options(), &readonly_password(), "bm-org-0001")
        .await
        .unwrap();
    // The session is read-only by default.
    let err = sqlx::query("UPDATE students SET first_name = 'x'")
        .execute(pg.pool())
        .await
        .unwrap_err();
    assert_eq!(code(&err).as_deref(), Some("25006"), "{err}");
    // Even a transaction that asks to write is refused: the role may only SELECT.
    let mut conn = pg.pool().acquire().await.unwrap();
    sqlx::raw_sql("BEGIN READ WRITE").execute(&mut *conn).await.unwrap();
    let err = sqlx::query("DELETE FROM enrollments")
        .execute(&mut *conn)
        .await
        .unwrap_err();
    assert_eq!(code(&err).as_deref(), Some("42501"), "{err}");
    sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await.unwrap();
    drop(conn);
    let mut admin = PgTest::admin().await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM t_readonly.enrollments")
        .fetch_one(&mut admin)
        .await
        .unwrap();
    assert_eq!(usize::try_from(n).unwrap(), demo_platform().await.enrollments.len());
    let summary = pg.test_connection().await.unwrap();
    assert!(
        summary.contains("cdt_readonly") && summary.contains("read-only: on"),
        "{summary}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_statement_is_cancelled_by_the_server() {
    let Some(db) = PgTest::new("statement_timeout", "t_timeout").await else {
        return;
    };
    db.load(&demo_platform().await, false).await;
    let mut opts = db.options();
    opts.statement_timeout = Duration::from_secs(1);
    let pg = PostgresPlatform::connect(&opts, &readonly_password(), "bm-org-0001")
        .await
        .unwrap();
    let err = sqlx::query("SELECT pg_sleep(10)").execute(pg.pool()).await.unwrap_err();
    assert_eq!(code(&err).as_deref(), Some("57014"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_pool_gives_a_clear_error() {
    let Some(db) = loaded("pool_exhaustion", "t_pool", false).await else {
        return;
    };
    let mut opts = db.options();
    opts.pool_size = 1;
    opts.connect_timeout = Duration::from_secs(1);
    let pg = PostgresPlatform::connect(&opts, &readonly_password(), "bm-org-0001")
        .await
        .unwrap();
    let held = pg.pool().acquire().await.unwrap();
    let err = pg
        .fetch(&Lookup::default().person("Avery"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("pooled connections busy") && err.contains("t_pool"),
        "{err}"
    );
    drop(held);
    assert!(pg.fetch(&Lookup::default().person("Avery")).await.is_ok());
}

#[tokio::test]
async fn a_wrong_password_is_a_typed_error_that_never_shows_it() {
    let Some(db) = PgTest::new("wrong_password", "t_password").await else {
        return;
    };
    db.load(&demo_platform().await, false).await;
    let capture = LogCapture::global();
    let wrong = "Wr0ng-Pa55word-that-must-not-leak";
    let Err(err) = PostgresPlatform::connect(&db.options(), &Secret::new(wrong), "bm-org-0001").await else {
        cdt_tests::service::unavailable(
            "a_wrong_password_is_a_typed_error",
            "the server trusts cdt_readonly on 127.0.0.1 (scripts/setup.d/10-postgres could not edit pg_hba.conf)",
        );
        return;
    };
    let good = PostgresPlatform::connect(&db.options(), &readonly_password(), "bm-org-0001")
        .await
        .unwrap();
    good.fetch(&Lookup::default().person("Avery Muñoz")).await.unwrap();
    assert!(matches!(err, cdt_connectors::Error::Postgres { .. }), "{err:?}");
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("refused the login"), "{shown}");
    let logs = capture.text();
    assert!(logs.contains("postgres query"), "the capture works: {logs}");
    for secret in [wrong, readonly_password().expose()] {
        assert!(!shown.contains(secret), "error shows a password: {shown}");
        assert!(!logs.contains(secret), "logs show a password");
        assert!(!format!("{good:?}").contains(secret));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customers_environment_picks_its_database_and_credentials_only() {
    let test = "environments_apart";
    let Some(staging) = loaded(test, "t_env_staging", false).await else {
        return;
    };
    // Production holds another district only.
    let Some(production) = PgTest::new(test, "t_env_production").await else {
        return;
    };
    let mut other = demo_platform().await.clone().scoped_to_district("bm-org-0001");
    other.organizations.retain(|o| o.org_type == "district");
    "bm-org-9999".clone_into(&mut other.organizations[0].id);
    other.students.clear();
    other.parents.clear();
    other.parent_students.clear();
    other.classes.clear();
    other.enrollments.clear();
    other.import_runs.clear();
    other.import_errors.clear();
    production.load(&other, false).await;

    let dir = tempfile::tempdir().unwrap();
    let envs = format!(
        r#"{{
          "staging": {{"database": {{"host": "127.0.0.1", "database": "cdt_test", "schema": "{}",
                        "username": "cdt_readonly", "password": "env:CDT_T_STAGING_DB_PW", "ssl_mode": "disable"}}}},
          "production": {{"database": {{"host": "127.0.0.1", "database": "cdt_test", "schema": "{}",
                        "username": "cdt_readonly", "password": "env:CDT_T_PRODUCTION_DB_PW", "ssl_mode": "disable"}}}}
        }}"#,
        staging.schema, production.schema
    );
    std::fs::write(dir.path().join("_environments.json"), envs).unwrap();
    let customer = |id: &str, env: &str, org: &str| {
        let json = format!(
            r#"{{"customer_id": "{id}", "customer_name": "{id}", "active": true,
                "integration": {{"type": "oneroster_csv", "location": {{"kind": "path", "path": "x"}}}},
                "bookmarked_environment": "{env}", "bookmarked_org_id": "{org}", "platform": {{"type": "postgres"}}}}"#
        );
        let path = dir.path().join(format!("{id}.json"));
        std::fs::write(&path, json).unwrap();
        cdt_connectors::customers::from_file(&path).unwrap()
    };
    let dotenv = dir.path().join(".env");
    std::fs::write(
        &dotenv,
        format!(
            "CDT_T_STAGING_DB_PW={}\nCDT_T_PRODUCTION_DB_PW={}\n",
            readonly_password().expose(),
            readonly_password().expose()
        ),
    )
    .unwrap();
    let creds = cdt_connectors::CredentialManager::new()
        .with_dotenv(&dotenv, false)
        .unwrap();

    // The staging customer reads staging's database.
    let s = cdt_connectors::factory::platform_with(&customer("s-district", "staging", "bm-org-0001"), &creds)
        .await
        .unwrap();
    assert!(s.describe().contains("t_env_staging"), "{}", s.describe());
    cdt_tests::conformance::same(&s.load().await.unwrap(), &demo_platform().await, "staging");
    // The same district id in production is not there: production's settings lead to
    // production's database only.
    let err = cdt_connectors::factory::platform_with(&customer("p-district", "production", "bm-org-0001"), &creds)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("t_env_production") && err.contains("no district"), "{err}");
    let p = cdt_connectors::factory::platform_with(&customer("p-other", "production", "bm-org-9999"), &creds)
        .await
        .unwrap();
    assert!(p.load().await.unwrap().students.is_empty());
    // Production's credential manager cannot resolve staging's secret.
    let (_, scoped) =
        cdt_connectors::factory::environment_of(&customer("p-other", "production", "bm-org-9999"), &creds).unwrap();
    let err = scoped
        .get(&cdt_core::SecretRef::Env("CDT_T_STAGING_DB_PW".into()))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("production") && err.contains("never share"), "{err}");
    // A wrong production password fails production only.
    std::fs::write(
        &dotenv,
        format!(
            "CDT_T_STAGING_DB_PW={}\nCDT_T_PRODUCTION_DB_PW=nope\n",
            readonly_password().expose()
        ),
    )
    .unwrap();
    let creds = cdt_connectors::CredentialManager::new()
        .with_dotenv(&dotenv, false)
        .unwrap();
    assert!(
        cdt_connectors::factory::platform_with(&customer("s-district", "staging", "bm-org-0001"), &creds)
            .await
            .is_ok()
    );
    let err = cdt_connectors::factory::platform_with(&customer("p-other", "production", "bm-org-9999"), &creds)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("production") && err.contains("refused the login"), "{err}");
}

#[tokio::test]
async fn a_server_that_never_answers_hits_the_connect_timeout() {
    // A socket that accepts connections (the kernel's backlog) but never speaks.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let mut opts = PgTest {
        schema: "unused".into(),
    }
    .options();
    opts.port = port;
    opts.connect_timeout = Duration::from_secs(1);
    let err = PostgresPlatform::connect(&opts, &readonly_password(), "bm-org-0001")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no connection within 1 s") && err.contains(&port.to_string()),
        "{err}"
    );
    drop(silent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postgres_migration_creates_exactly_the_described_columns() {
    use cdt_core::platform::schema::TABLES;
    let Some(db) = PgTest::new("postgres_migration_columns", "t_columns").await else {
        return;
    };
    db.load(&cdt_core::PlatformData::default(), false).await;
    let mut conn = PgTest::admin().await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name",
    )
    .bind(&db.schema)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut described: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
    described.sort_unstable();
    assert_eq!(tables, described, "the migration's tables");
    for table in TABLES {
        let got: Vec<(String, bool)> = sqlx::query_as::<_, (String, String, String)>(
            "SELECT column_name::text, is_nullable::text, data_type::text FROM information_schema.columns \
             WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
        )
        .bind(&db.schema)
        .bind(table.name)
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .map(|(name, nullable, ty)| {
            assert_eq!(ty, "text", "{}.{name}", table.name);
            (name, nullable == "YES")
        })
        .collect();
        let want: Vec<(String, bool)> = table.columns.iter().map(|c| (c.name.to_owned(), c.nullable)).collect();
        assert_eq!(got, want, "{}: (column, nullable) in order", table.name);
    }
}
