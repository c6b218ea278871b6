//! Bookmarked's PostgreSQL database, read through a read-only role.
//!
//! Rows come ordered by `id` (`parent_students` by its two ids): PostgreSQL has no
//! storage order to keep, so the order is by key, unlike the embedded store and
//! snapshots, which keep the order of their files. Tools do not depend on row order.
//!
//! Read-only at every level the client controls: the role should be SELECT-only
//! (`docs/postgres-readonly-role.sql`), every session starts with
//! `default_transaction_read_only = on`, and every fetch runs in one
//! `REPEATABLE READ READ ONLY` transaction (so the slice is one consistent snapshot).
//! Sessions also carry `application_name` and a `statement_timeout`; the pool has a
//! size and an acquire timeout (30 s staging, 15 s production by default).
//!
//! A fetch runs the core's slicing rule over the SQL shared with the embedded store
//! ([`crate::sql`]): about a dozen indexed queries with bound parameters (lists as
//! arrays, `= ANY($n)`), never SQL built from values.
//! Names are pre-filtered on the server with [`cdt_core::matching::search_key`]
//! (a trigram index from `migrations/postgres/0002_cdt_search.sql` when the DBA has
//! applied it, otherwise the same expression unindexed) and matched exactly in Rust,
//! so the rows are exactly those of [`PlatformData::slice`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use cdt_core::platform::PlatformData;
use cdt_core::slice::{ClassSeek, NameSeek, slice_platform};
use cdt_core::{Environment, Lookup, PlatformConnector, Secret};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow, PgSslMode};
use sqlx::{Postgres, Row, Transaction};
use tracing::{debug, info};

use crate::environments::{DatabaseSettings, SslMode, default_db_timeout};
use crate::error::{Error, Result};
use crate::rows::Columns;
use crate::sql::{Arg, Dialect, People, SqlBackend, SqlQueries};

/// The schema of the platform tables, for tests and local copies (Bookmarked owns the
/// real one).
pub const SCHEMA_SQL: &str = include_str!("../migrations/postgres/0001_platform_tables.sql");

/// The search functions and indexes the connector uses when present (applied by the
/// database's owner; the connector never writes).
pub const SEARCH_SQL: &str = include_str!("../migrations/postgres/0002_cdt_search.sql");

/// How to connect, with every default resolved.
#[derive(Clone, Debug)]
pub struct PgOptions {
    /// Host name.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Database name.
    pub database: String,
    /// The schema of the platform tables (`search_path`), if not the role's default.
    pub schema: Option<String>,
    /// The role.
    pub username: String,
    /// TLS.
    pub ssl_mode: SslMode,
    /// The certificate authorities to check the server's certificate against.
    pub ssl_root_cert: Option<std::path::PathBuf>,
    /// Connections in the pool.
    pub pool_size: u32,
    /// How long to wait for a connection, new or pooled.
    pub connect_timeout: Duration,
    /// How long a statement may run before the server cancels it.
    pub statement_timeout: Duration,
    /// `application_name`, seen in `pg_stat_activity` and the server's logs.
    pub application_name: String,
    /// The environment, for messages.
    pub environment: Option<Environment>,
}

impl PgOptions {
    /// The options of an environment's database, with the environment's defaults
    /// (pool of 5; 30 s timeouts on staging, 15 s on production).
    #[must_use]
    pub fn from_settings(s: &DatabaseSettings, env: Environment) -> Self {
        let timeout = default_db_timeout(env);
        Self {
            host: s.host.clone(),
            port: s.port,
            database: s.database.clone(),
            schema: s.schema.clone(),
            username: s.username.clone(),
            ssl_mode: s.ssl_mode,
            ssl_root_cert: s.ssl_root_cert.clone(),
            pool_size: s.pool_size.unwrap_or(5),
            connect_timeout: s.connect_timeout_secs.map_or(timeout, Duration::from_secs),
            statement_timeout: s.statement_timeout_secs.map_or(timeout, Duration::from_secs),
            application_name: format!("cdt {}", env!("CARGO_PKG_VERSION")),
            environment: Some(env),
        }
    }

    /// `environment (host:port/database)`, for messages (no secrets).
    #[must_use]
    pub fn target(&self) -> String {
        let schema = self.schema.as_deref().map(|s| format!("/{s}")).unwrap_or_default();
        let db = format!("{}:{}/{}{schema}", self.host, self.port, self.database);
        match self.environment {
            Some(env) => format!("{env} ({db})"),
            None => db,
        }
    }
}

/// Read-only access to one district in Bookmarked's PostgreSQL database.
#[derive(Clone, Debug)]
pub struct PostgresPlatform {
    pool: PgPool,
    district_id: String,
    target: String,
    statement_timeout: Duration,
    pool_size: u32,
    indexed_search: bool,
    queries: Arc<AtomicU64>,
}

/// [`cdt_core::matching::search_key`] in SQL, on a column; the same expression as the
/// functions of `0002_cdt_search.sql`, for databases without them.
macro_rules! key_of {
    ($col:literal) => {
        concat!(
            "regexp_replace(translate(normalize(",
            $col,
            ", NFKD), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), '[^a-z0-9]', '', 'g')"
        )
    };
}

macro_rules! person_key_inline {
    () => {
        concat!(key_of!("first_name"), " || ' ' || ", key_of!("last_name"))
    };
}

impl PostgresPlatform {
    /// Connects to the database and checks that the district is there.
    pub async fn connect(opts: &PgOptions, password: &Secret, district_id: &str) -> Result<Self> {
        let target = opts.target();
        let fail = |message: String, source: Option<sqlx::Error>| Error::Postgres {
            target: target.clone(),
            message,
            source,
        };
        if let Some(schema) = &opts.schema
            && (schema.is_empty() || !schema.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            return Err(fail(
                "the schema name may hold only letters, digits and `_`".into(),
                None,
            ));
        }
        let statement_ms = opts.statement_timeout.as_millis().to_string();
        let mut session: Vec<(&str, &str)> = vec![
            ("default_transaction_read_only", "on"),
            ("statement_timeout", &statement_ms),
            ("idle_in_transaction_session_timeout", &statement_ms),
        ];
        if let Some(schema) = &opts.schema {
            session.push(("search_path", schema));
        }
        let mut connect = PgConnectOptions::new()
            .host(&opts.host)
            .port(opts.port)
            .database(&opts.database)
            .username(&opts.username)
            .password(password.expose())
            .application_name(&opts.application_name)
            .ssl_mode(match opts.ssl_mode {
                SslMode::Disable => PgSslMode::Disable,
                SslMode::Prefer => PgSslMode::Prefer,
                SslMode::Require => PgSslMode::Require,
                SslMode::VerifyFull => PgSslMode::VerifyFull,
            })
            .options(session);
        if let Some(ca) = &opts.ssl_root_cert {
            connect = connect.ssl_root_cert(ca);
        }
        let pool = PgPoolOptions::new()
            .max_connections(opts.pool_size.max(1))
            .min_connections(0)
            .acquire_timeout(opts.connect_timeout)
            .idle_timeout(Some(Duration::from_mins(5)))
            .connect_with(connect)
            .await
            .map_err(|e| fail(describe(&e, opts.connect_timeout, opts.pool_size), Some(e)))?;
        let me = Self {
            indexed_search: false,
            pool,
            district_id: district_id.to_owned(),
            target: target.clone(),
            statement_timeout: opts.statement_timeout,
            pool_size: opts.pool_size,
            queries: Arc::new(AtomicU64::new(0)),
        };
        let row = sqlx::query(
            "SELECT EXISTS (SELECT 1 FROM organizations WHERE id = $1 AND type = 'district') AS found, \
             to_regprocedure('cdt_person_key(text,text)') IS NOT NULL AS indexed",
        )
        .bind(district_id)
        .fetch_one(&me.pool)
        .await
        .map_err(|e| me.fail("cannot read organizations", e))?;
        let found: bool = row.try_get("found").map_err(|e| me.fail("unexpected answer", e))?;
        if !found {
            return Err(fail(
                format!("no district with id `{district_id}` (the customer's bookmarked_org_id)"),
                None,
            ));
        }
        let indexed: bool = row.try_get("indexed").map_err(|e| me.fail("unexpected answer", e))?;
        info!(target = %target, indexed_search = indexed, "connected to PostgreSQL");
        Ok(Self {
            indexed_search: indexed,
            ..me
        })
    }

    /// The connection pool. Every session in it is read-only; it is exposed for checks
    /// and tests, not for writing.
    #[must_use]
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// How many queries this connector has sent (all clones share the count).
    #[must_use]
    pub fn query_count(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    /// Whether names are pre-filtered through the indexed search functions of
    /// `0002_cdt_search.sql` (otherwise the same expression runs unindexed).
    #[must_use]
    pub fn indexed_search(&self) -> bool {
        self.indexed_search
    }

    fn fail(&self, what: &str, e: sqlx::Error) -> Error {
        Error::Postgres {
            target: self.target.clone(),
            message: format!("{what}: {}", describe(&e, self.statement_timeout, self.pool_size)),
            source: Some(e),
        }
    }

    async fn begin(&self) -> Result<Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await.map_err(|e| self.fail("cannot begin", e))?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(|e| self.fail("cannot start a read-only transaction", e))?;
        Ok(tx)
    }
}

/// A person-readable account of a database error (no secrets: sqlx's errors hold
/// none, and the password never enters a URL here).
fn describe(e: &sqlx::Error, timeout: Duration, pool_size: u32) -> String {
    match e {
        sqlx::Error::PoolTimedOut => format!(
            "no connection within {} s (all {pool_size} pooled connections busy, or the server unreachable)",
            timeout.as_secs_f32()
        ),
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("28P01" | "28000") => format!("the server refused the login: {}", db.message()),
            Some("25006") => format!("refused, the session is read-only: {}", db.message()),
            Some("42501") => format!("permission denied: {}", db.message()),
            Some("57014") => format!(
                "cancelled by the server after the statement timeout ({} s): {}",
                timeout.as_secs_f32(),
                db.message()
            ),
            Some("3D000") => format!("no such database: {}", db.message()),
            Some("42P01") => format!("a platform table is missing: {}", db.message()),
            _ => db.message().to_owned(),
        },
        sqlx::Error::Io(io) => format!("cannot reach the server: {io}"),
        sqlx::Error::Tls(t) => format!("TLS failed: {t}"),
        other => other.to_string(),
    }
}

#[async_trait]
impl PlatformConnector for PostgresPlatform {
    fn describe(&self) -> String {
        format!("PostgreSQL {} (district {})", self.target, self.district_id)
    }

    async fn load(&self) -> cdt_core::Result<PlatformData> {
        let session = Session::begin(self).await?;
        let data = SqlQueries(&session).load().await?;
        session.commit().await?;
        Ok(data)
    }

    async fn test_connection(&self) -> cdt_core::Result<String> {
        let session = Session::begin(self).await?;
        let row = session
            .rows(
                "connection check",
                "SELECT current_user::text AS role, current_setting('transaction_read_only') AS read_only, \
                 current_setting('server_version') AS version, \
                 (SELECT count(*)::text FROM organizations WHERE parent_id = $1) AS schools",
                &[],
            )
            .await?;
        session.commit().await?;
        let Some(row) = row.first() else {
            return Err(Error::Postgres {
                target: self.target.clone(),
                message: "the connection check returned nothing".into(),
                source: None,
            }
            .into());
        };
        let get = |c: &str| {
            row.text(c)
                .map_err(|e| self.fail("unexpected answer to the connection check", e))
        };
        Ok(format!(
            "connected as {} to PostgreSQL {} (read-only: {}), district {} with {} schools",
            get("role")?,
            get("version")?,
            get("read_only")?,
            self.district_id,
            get("schools")?
        ))
    }

    async fn fetch(&self, lookup: &Lookup) -> cdt_core::Result<PlatformData> {
        let session = Session::begin(self).await?;
        let data = slice_platform(&SqlQueries(&session), lookup).await?;
        session.commit().await?;
        Ok(data)
    }
}

/// One read-only transaction of a fetch: the core's queries run in it, so a slice is
/// one consistent snapshot of the database.
struct Session<'a> {
    platform: &'a PostgresPlatform,
    tx: tokio::sync::Mutex<Transaction<'static, Postgres>>,
}

impl<'a> Session<'a> {
    async fn begin(platform: &'a PostgresPlatform) -> Result<Self> {
        Ok(Self {
            platform,
            tx: tokio::sync::Mutex::new(platform.begin().await?),
        })
    }

    async fn commit(self) -> Result<()> {
        self.tx
            .into_inner()
            .commit()
            .await
            .map_err(|e| self.platform.fail("cannot end the transaction", e))
    }

    /// The search key of a column in SQL: the indexed function when the database has
    /// it, else the same expression inline.
    fn person_key(&self) -> &'static str {
        if self.platform.indexed_search {
            "cdt_person_key(first_name, last_name)"
        } else {
            person_key_inline!()
        }
    }
}

impl SqlBackend for Session<'_> {
    type Row = PgRow;
    const DIALECT: Dialect = Dialect::Postgres;

    async fn rows(&self, label: &str, sql: &str, args: &[Arg<'_>]) -> Result<Vec<PgRow>> {
        let p = self.platform;
        let n = p.queries.fetch_add(1, Ordering::Relaxed) + 1;
        let mut q = sqlx::query(sql).bind(&p.district_id);
        for a in args {
            q = match a {
                Arg::Text(t) => q.bind(*t),
                Arg::List(l) => q.bind(*l),
            };
        }
        let mut tx = self.tx.lock().await;
        let rows = q
            .fetch_all(&mut **tx)
            .await
            .map_err(|e| p.fail(&format!("query `{label}` failed"), e))?;
        debug!(query = label, rows = rows.len(), count = n, "postgres query");
        Ok(rows)
    }

    /// Pre-filtered on the server by search key: the longest word's key goes through
    /// the trigram index, and every word's key must be in the name's key.
    /// `search_key` yields only `[a-z0-9]`, so the patterns hold no LIKE wildcards of
    /// their own.
    async fn named(&self, table: People, name: &NameSeek) -> Result<Vec<PgRow>> {
        let t = table.table();
        let d = Self::DIALECT;
        let key = self.person_key();
        let first = name.keys.first().map_or_else(|| "%".to_owned(), |k| format!("%{k}%"));
        let all: Vec<String> = name.keys.iter().map(|k| format!("%{k}%")).collect();
        let sql = format!(
            "SELECT * FROM {t} WHERE {} AND {key} LIKE $2 AND {key} LIKE ALL($3) ORDER BY id",
            d.scope(t)
        );
        self.rows(&format!("{t} by name"), &sql, &[Arg::Text(&first), Arg::List(&all)])
            .await
    }

    async fn titled(&self, seek: &ClassSeek) -> Result<Vec<PgRow>> {
        let key = if self.platform.indexed_search {
            "cdt_text_key(title)"
        } else {
            key_of!("title")
        };
        let sql = format!(
            "SELECT * FROM classes WHERE {} AND {key} = ANY($2) ORDER BY id",
            Self::DIALECT.scope("classes")
        );
        self.rows("classes by title", &sql, &[Arg::List(&seek.title_keys)])
            .await
    }

    fn bad_row(&self, label: &str, e: &Error) -> Error {
        Error::Postgres {
            target: self.platform.target.clone(),
            message: format!("unexpected data from `{label}`: {e}"),
            source: None,
        }
    }
}
