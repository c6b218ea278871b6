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
//! [`PostgresPlatform::fetch`] runs a case's lookup as about a dozen indexed queries
//! with bound parameters (lists as arrays, `= ANY($n)`), never SQL built from strings.
//! Names are pre-filtered on the server with [`cdt_core::matching::search_key`]
//! (a trigram index from `migrations/postgres/0002_cdt_search.sql` when the DBA has
//! applied it, otherwise the same expression unindexed) and matched exactly in Rust,
//! so the rows are exactly those of [`PlatformData::slice`].

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use cdt_core::lookup::import_error_ids;
use cdt_core::matching::{
    NameMatch, PersonName, match_person, normalize_email, query_search_keys, same_text, search_key,
};
use cdt_core::platform::{Class, Enrollment, Parent, ParentStudent, PlatformData, Student};
use cdt_core::{Environment, Lookup, PlatformConnector, Secret};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow, PgSslMode};
use sqlx::{Postgres, Row, Transaction};
use tracing::{debug, info};

use crate::environments::{DatabaseSettings, SslMode, default_db_timeout};
use crate::error::{Error, Result};
use crate::rows::{
    Columns, class, enrollment, import_error, import_run, organization, parent, parent_student, student,
};

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

/// The district's orgs, as a sub-query on `$1`.
macro_rules! district_orgs {
    () => {
        "(SELECT id FROM organizations WHERE id = $1 OR parent_id = $1)"
    };
}

/// Parents in the district's scope: linked to one of its students, or to nobody.
macro_rules! parent_scope {
    () => {
        concat!(
            "(EXISTS (SELECT 1 FROM parent_students ps JOIN students s ON s.id = ps.student_id ",
            "WHERE ps.parent_id = parents.id AND s.organization_id IN ",
            district_orgs!(),
            ") OR NOT EXISTS (SELECT 1 FROM parent_students ps WHERE ps.parent_id = parents.id))"
        )
    };
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
        let connect = PgConnectOptions::new()
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

    async fn rows(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        name: &str,
        query: sqlx::query::Query<'_, Postgres, sqlx::postgres::PgArguments>,
    ) -> Result<Vec<PgRow>> {
        let n = self.queries.fetch_add(1, Ordering::Relaxed) + 1;
        let rows = query
            .fetch_all(&mut **tx)
            .await
            .map_err(|e| self.fail(&format!("query `{name}` failed"), e))?;
        debug!(query = name, rows = rows.len(), count = n, "postgres query");
        Ok(rows)
    }

    async fn mapped<T>(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        name: &str,
        query: sqlx::query::Query<'_, Postgres, sqlx::postgres::PgArguments>,
        map: impl Fn(&PgRow) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.rows(tx, name, query)
            .await?
            .iter()
            .map(map)
            .collect::<Result<_>>()
            .map_err(|e| Error::Postgres {
                target: self.target.clone(),
                message: format!("unexpected data from `{name}`: {e}"),
                source: None,
            })
    }

    async fn load_all(&self) -> Result<PlatformData> {
        let mut tx = self.begin().await?;
        let d = self.district_id.as_str();
        let data = PlatformData {
            organizations: self
                .mapped(&mut tx, "organizations", sqlx::query(concat!("SELECT * FROM organizations WHERE id IN ", district_orgs!(), " ORDER BY id")).bind(d), organization)
                .await?,
            students: self
                .mapped(&mut tx, "students", sqlx::query(concat!("SELECT * FROM students WHERE organization_id IN ", district_orgs!(), " ORDER BY id")).bind(d), student)
                .await?,
            parents: self
                .mapped(&mut tx, "parents", sqlx::query(concat!("SELECT * FROM parents WHERE ", parent_scope!(), " ORDER BY id")).bind(d), parent)
                .await?,
            parent_students: self
                .mapped(
                    &mut tx,
                    "parent_students",
                    sqlx::query(concat!(
                        "SELECT * FROM parent_students WHERE student_id IN (SELECT id FROM students WHERE organization_id IN ",
                        district_orgs!(),
                        ") ORDER BY parent_id, student_id"
                    ))
                    .bind(d),
                    parent_student,
                )
                .await?,
            classes: self
                .mapped(&mut tx, "classes", sqlx::query(concat!("SELECT * FROM classes WHERE organization_id IN ", district_orgs!(), " ORDER BY id")).bind(d), class)
                .await?,
            enrollments: self
                .mapped(
                    &mut tx,
                    "enrollments",
                    sqlx::query(concat!(
                        "SELECT * FROM enrollments WHERE class_id IN (SELECT id FROM classes WHERE organization_id IN ",
                        district_orgs!(),
                        ") ORDER BY id"
                    ))
                    .bind(d),
                    enrollment,
                )
                .await?,
            import_runs: self
                .mapped(&mut tx, "import_runs", sqlx::query(concat!("SELECT * FROM import_runs WHERE organization_id IN ", district_orgs!(), " ORDER BY id")).bind(d), import_run)
                .await?,
            import_errors: self
                .mapped(
                    &mut tx,
                    "import_errors",
                    sqlx::query(concat!(
                        "SELECT * FROM import_errors WHERE import_run_id IN (SELECT id FROM import_runs WHERE organization_id IN ",
                        district_orgs!(),
                        ") ORDER BY id"
                    ))
                    .bind(d),
                    import_error,
                )
                .await?,
        };
        tx.commit()
            .await
            .map_err(|e| self.fail("cannot end the transaction", e))?;
        Ok(data)
    }

    /// Ids of the district's students and parents whose names match one of `names`:
    /// pre-filtered on the server by search key, matched exactly here.
    async fn named(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        names: &[String],
        students: &mut BTreeSet<String>,
        parents: &mut BTreeSet<String>,
    ) -> Result<()> {
        let d = self.district_id.as_str();
        let matches = |first: &str, last: &str| {
            names.iter().any(|q| {
                match_person(
                    q,
                    PersonName {
                        given: first,
                        family: last,
                        ..PersonName::default()
                    },
                ) != NameMatch::None
            })
        };
        // The longest word's key goes through the trigram index; every word's key
        // must be in the name's key. `search_key` yields only [a-z0-9], so the
        // patterns hold no LIKE wildcards of their own.
        for name in names {
            let keys = query_search_keys(name);
            let first = keys.first().map_or_else(|| "%".to_owned(), |k| format!("%{k}%"));
            let all: Vec<String> = keys.iter().map(|k| format!("%{k}%")).collect();
            let (sq, pq) = if self.indexed_search {
                (
                    sqlx::query(concat!(
                        "SELECT s.id, s.first_name, s.last_name FROM students s JOIN ",
                        district_orgs!(),
                        " o ON o.id = s.organization_id ",
                        "WHERE cdt_person_key(s.first_name, s.last_name) LIKE $2 ",
                        "AND cdt_person_key(s.first_name, s.last_name) LIKE ALL($3)"
                    )),
                    sqlx::query(concat!(
                        "SELECT id, first_name, last_name FROM parents ",
                        "WHERE cdt_person_key(first_name, last_name) LIKE $2 ",
                        "AND cdt_person_key(first_name, last_name) LIKE ALL($3) AND ",
                        parent_scope!()
                    )),
                )
            } else {
                (
                    sqlx::query(concat!(
                        "SELECT id, first_name, last_name FROM (SELECT s.id, s.first_name, s.last_name, ",
                        person_key_inline!(),
                        " AS k FROM students s JOIN ",
                        district_orgs!(),
                        " o ON o.id = s.organization_id) t WHERE k LIKE $2 AND k LIKE ALL($3)"
                    )),
                    sqlx::query(concat!(
                        "SELECT id, first_name, last_name FROM (SELECT id, first_name, last_name, ",
                        person_key_inline!(),
                        " AS k FROM parents WHERE ",
                        parent_scope!(),
                        ") t WHERE k LIKE $2 AND k LIKE ALL($3)"
                    )),
                )
            };
            for (query, set, label) in [
                (sq, &mut *students, "students by name"),
                (pq, &mut *parents, "parents by name"),
            ] {
                let rows = self.rows(tx, label, query.bind(d).bind(&first).bind(&all)).await?;
                for r in &rows {
                    let (id, first, last) = (r.text("id"), r.text("first_name"), r.text("last_name"));
                    let (Ok(id), Ok(first), Ok(last)) = (id, first, last) else {
                        continue;
                    };
                    if matches(&first, &last) {
                        set.insert(id);
                    }
                }
            }
        }
        Ok(())
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
        Ok(self.load_all().await?)
    }

    async fn test_connection(&self) -> cdt_core::Result<String> {
        let mut tx = self.begin().await?;
        let row = self
            .rows(
                &mut tx,
                "connection check",
                sqlx::query(
                    "SELECT current_user::text AS role, current_setting('transaction_read_only') AS read_only, \
                     current_setting('server_version') AS version, \
                     (SELECT count(*) FROM organizations WHERE parent_id = $1) AS schools",
                )
                .bind(&self.district_id),
            )
            .await?;
        tx.commit()
            .await
            .map_err(|e| self.fail("cannot end the transaction", e))?;
        let Some(row) = row.first() else {
            return Err(Error::Postgres {
                target: self.target.clone(),
                message: "the connection check returned nothing".into(),
                source: None,
            }
            .into());
        };
        let get = |c: &str| row.try_get::<String, _>(c).unwrap_or_default();
        let schools: i64 = row.try_get("schools").unwrap_or_default();
        Ok(format!(
            "connected as {} to PostgreSQL {} (read-only: {}), district {} with {schools} schools",
            get("role"),
            get("version"),
            get("read_only"),
            self.district_id
        ))
    }

    async fn fetch(&self, lookup: &Lookup) -> cdt_core::Result<PlatformData> {
        let d = self.district_id.as_str();
        let emails: Vec<String> = lookup.emails.iter().map(|e| normalize_email(e)).collect();
        let sourced: Vec<String> = lookup.sourced_ids.iter().cloned().collect();
        let mut tx = self.begin().await?;

        // 1. Seeds: people by email, sourcedId or name; classes by title, id or sourcedId.
        let mut students: BTreeSet<String> = BTreeSet::new();
        let mut parents: BTreeSet<String> = BTreeSet::new();
        if !emails.is_empty() || !sourced.is_empty() {
            let rows = self
                .rows(
                    &mut tx,
                    "students by email or sourcedId",
                    sqlx::query(concat!(
                        "SELECT s.id FROM students s JOIN ",
                        district_orgs!(),
                        " o ON o.id = s.organization_id WHERE s.id IN (",
                        "SELECT id FROM students WHERE email = ANY($2) ",
                        "UNION ALL SELECT id FROM students WHERE sourced_id = ANY($3))"
                    ))
                    .bind(d)
                    .bind(&emails)
                    .bind(&sourced),
                )
                .await?;
            students.extend(rows.iter().filter_map(|r| r.text("id").ok()));
            let rows = self
                .rows(
                    &mut tx,
                    "parents by email or sourcedId",
                    sqlx::query(concat!(
                        "SELECT id FROM parents WHERE id IN (",
                        "SELECT id FROM parents WHERE email = ANY($2) ",
                        "UNION ALL SELECT id FROM parents WHERE sourced_id = ANY($3)) AND ",
                        parent_scope!()
                    ))
                    .bind(d)
                    .bind(&emails)
                    .bind(&sourced),
                )
                .await?;
            parents.extend(rows.iter().filter_map(|r| r.text("id").ok()));
        }
        if !lookup.person_names.is_empty() {
            self.named(&mut tx, &lookup.person_names, &mut students, &mut parents)
                .await?;
        }
        let mut seed_classes: HashSet<String> = HashSet::new();
        if !lookup.class_titles.is_empty() || !sourced.is_empty() {
            let trimmed: Vec<String> = lookup.class_titles.iter().map(|t| t.trim().to_owned()).collect();
            let keys: Vec<String> = lookup.class_titles.iter().map(|t| search_key(t)).collect();
            let query = if self.indexed_search {
                sqlx::query(concat!(
                    "SELECT c.id, c.sourced_id, c.title FROM classes c JOIN ",
                    district_orgs!(),
                    " o ON o.id = c.organization_id WHERE c.id IN (",
                    "SELECT id FROM classes WHERE sourced_id = ANY($2) ",
                    "UNION ALL SELECT id FROM classes WHERE id = ANY($3) ",
                    "UNION ALL SELECT id FROM classes WHERE sourced_id = ANY($3) ",
                    "UNION ALL SELECT id FROM classes WHERE cdt_text_key(title) = ANY($4))"
                ))
            } else {
                sqlx::query(concat!(
                    "SELECT c.id, c.sourced_id, c.title FROM classes c JOIN ",
                    district_orgs!(),
                    " o ON o.id = c.organization_id WHERE c.id IN (",
                    "SELECT id FROM classes WHERE sourced_id = ANY($2) ",
                    "UNION ALL SELECT id FROM classes WHERE id = ANY($3) ",
                    "UNION ALL SELECT id FROM classes WHERE sourced_id = ANY($3) ",
                    "UNION ALL SELECT id FROM classes WHERE ",
                    key_of!("title"),
                    " = ANY($4))"
                ))
            };
            let rows = self
                .rows(
                    &mut tx,
                    "classes by title, id or sourcedId",
                    query.bind(d).bind(&sourced).bind(&trimmed).bind(&keys),
                )
                .await?;
            for r in &rows {
                let (Ok(id), Ok(sid), Ok(title)) = (r.text("id"), r.text("sourced_id"), r.text("title")) else {
                    continue;
                };
                let hit = lookup.sourced_ids.contains(&sid)
                    || lookup
                        .class_titles
                        .iter()
                        .any(|q| same_text(q, &title) || q.trim() == id || q.trim() == sid);
                if hit {
                    seed_classes.insert(id);
                }
            }
        }

        // 2. Links of the seed people, within the district.
        if !students.is_empty() || !parents.is_empty() {
            let seeds_s: Vec<&str> = students.iter().map(String::as_str).collect();
            let seeds_p: Vec<&str> = parents.iter().map(String::as_str).collect();
            let links = self
                .rows(
                    &mut tx,
                    "links of the seed people",
                    sqlx::query(concat!(
                        "SELECT ps.parent_id, ps.student_id FROM parent_students ps JOIN students s ON s.id = ps.student_id ",
                        "WHERE s.organization_id IN ",
                        district_orgs!(),
                        " AND (ps.student_id = ANY($2) OR ps.parent_id = ANY($3))"
                    ))
                    .bind(d)
                    .bind(&seeds_s)
                    .bind(&seeds_p),
                )
                .await?;
            for l in &links {
                if let (Ok(p), Ok(s)) = (l.text("parent_id"), l.text("student_id")) {
                    parents.insert(p);
                    students.insert(s);
                }
            }
        }

        // 3. Enrollments of those students and of the seed classes, in district classes.
        let student_ids: Vec<&str> = students.iter().map(String::as_str).collect();
        let class_seeds: Vec<&str> = seed_classes.iter().map(String::as_str).collect();
        let enrollments: Vec<Enrollment> = if student_ids.is_empty() && class_seeds.is_empty() {
            Vec::new()
        } else {
            self.mapped(
                &mut tx,
                "enrollments",
                sqlx::query(concat!(
                    "SELECT * FROM enrollments WHERE class_id IN (SELECT id FROM classes WHERE organization_id IN ",
                    district_orgs!(),
                    ") AND (user_id = ANY($2) OR class_id = ANY($3)) ORDER BY id"
                ))
                .bind(d)
                .bind(&student_ids)
                .bind(&class_seeds),
                enrollment,
            )
            .await?
        };
        students.extend(enrollments.iter().map(|e| e.user_id.clone()));
        let class_ids: Vec<&str> = enrollments
            .iter()
            .map(|e| e.class_id.as_str())
            .chain(seed_classes.iter().map(String::as_str))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();

        // 4. The rows themselves, in storage order, scoped to the district.
        let student_ids: Vec<&str> = students.iter().map(String::as_str).collect();
        let students: Vec<Student> = if student_ids.is_empty() {
            Vec::new()
        } else {
            self.mapped(
                &mut tx,
                "students",
                sqlx::query(concat!(
                    "SELECT * FROM students WHERE organization_id IN ",
                    district_orgs!(),
                    " AND id = ANY($2) ORDER BY id"
                ))
                .bind(d)
                .bind(&student_ids),
                student,
            )
            .await?
        };
        let parent_ids: Vec<&str> = parents.iter().map(String::as_str).collect();
        let parents: Vec<Parent> = if parent_ids.is_empty() {
            Vec::new()
        } else {
            self.mapped(
                &mut tx,
                "parents",
                sqlx::query(concat!(
                    "SELECT * FROM parents WHERE id = ANY($2) AND ",
                    parent_scope!(),
                    " ORDER BY id"
                ))
                .bind(d)
                .bind(&parent_ids),
                parent,
            )
            .await?
        };
        let classes: Vec<Class> = if class_ids.is_empty() {
            Vec::new()
        } else {
            self.mapped(
                &mut tx,
                "classes",
                sqlx::query(concat!(
                    "SELECT * FROM classes WHERE organization_id IN ",
                    district_orgs!(),
                    " AND id = ANY($2) ORDER BY id"
                ))
                .bind(d)
                .bind(&class_ids),
                class,
            )
            .await?
        };
        let kept_s: HashSet<&str> = students.iter().map(|s| s.id.as_str()).collect();
        let kept_p: HashSet<&str> = parents.iter().map(|p| p.id.as_str()).collect();
        let parent_students: Vec<ParentStudent> = if student_ids.is_empty() {
            Vec::new()
        } else {
            self.mapped(
                &mut tx,
                "parent_students",
                sqlx::query(concat!(
                    "SELECT ps.parent_id, ps.student_id FROM parent_students ps JOIN students s ON s.id = ps.student_id JOIN ",
                    district_orgs!(),
                    " o ON o.id = s.organization_id WHERE ps.student_id = ANY($2) ORDER BY ps.parent_id, ps.student_id"
                ))
                .bind(d)
                .bind(&student_ids),
                parent_student,
            )
            .await?
            .into_iter()
            .filter(|l| kept_s.contains(l.student_id.as_str()) && kept_p.contains(l.parent_id.as_str()))
            .collect()
        };
        let import_runs = self
            .mapped(
                &mut tx,
                "import_runs",
                sqlx::query(concat!(
                    "SELECT * FROM import_runs WHERE organization_id IN ",
                    district_orgs!(),
                    " ORDER BY id"
                ))
                .bind(d),
                import_run,
            )
            .await?;
        let wanted: Vec<&str> = import_error_ids(lookup, &students, &parents, &classes, &enrollments)
            .into_iter()
            .collect();
        let import_errors = self
            .mapped(
                &mut tx,
                "import_errors",
                sqlx::query(concat!(
                    "SELECT * FROM import_errors WHERE import_run_id IN (SELECT id FROM import_runs WHERE organization_id IN ",
                    district_orgs!(),
                    ") AND sourced_id = ANY($2) ORDER BY id"
                ))
                .bind(d)
                .bind(&wanted),
                import_error,
            )
            .await?;
        let organizations = self
            .mapped(
                &mut tx,
                "organizations",
                sqlx::query(concat!(
                    "SELECT * FROM organizations WHERE id IN ",
                    district_orgs!(),
                    " ORDER BY id"
                ))
                .bind(d),
                organization,
            )
            .await?;
        tx.commit()
            .await
            .map_err(|e| self.fail("cannot end the transaction", e))?;
        Ok(PlatformData {
            organizations,
            students,
            parents,
            parent_students,
            classes,
            enrollments,
            import_runs,
            import_errors,
        })
    }
}
