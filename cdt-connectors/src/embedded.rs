//! The embedded platform store: the platform tables in a SQLite file.
//!
//! It holds the demo district and test data. The schema is applied from
//! `migrations/sqlite/` (tracked with `PRAGMA user_version`). Diagnostics open the
//! file read-only; a fetch runs the core's slicing rule over the shared SQL of
//! [`crate::sql`], so it returns exactly the rows [`PlatformData::slice`] would.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use async_trait::async_trait;
use cdt_core::matching::{person_search_key, same_text};
use cdt_core::platform::{Organization, PlatformData};
use cdt_core::slice::{ClassSeek, NameSeek, slice_platform};
use cdt_core::{Lookup, PlatformConnector};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteRow};
use sqlx::{Connection, SqliteConnection};
use tracing::debug;

use crate::atomic::AtomicFile;
use crate::error::{Error, Result};
use crate::rows::{Placeholders, insert_sql, read_all};
use crate::sql::{Arg, Dialect, People, SqlBackend, SqlQueries, kept_ids};

/// The schema migrations, in order; `PRAGMA user_version` records the last applied.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_platform_tables",
        include_str!("../migrations/sqlite/0001_platform_tables.sql"),
    ),
    (
        "0002_person_search_keys",
        include_str!("../migrations/sqlite/0002_person_search_keys.sql"),
    ),
];

/// The embedded SQLite platform store, opened read-only for one district.
#[derive(Clone, Debug)]
pub struct EmbeddedStore {
    path: PathBuf,
    district_id: String,
    pool: SqlitePool,
}

fn store_err(path: &Path, message: &str, e: sqlx::Error) -> Error {
    Error::Store {
        path: path.to_owned(),
        message: format!("{message}: {e}"),
        source: Some(e),
    }
}

/// A row the store holds but cannot be read ([`Error::Row`]), as a store error.
fn unexpected(path: &Path, e: &Error) -> Error {
    Error::Store {
        path: path.to_owned(),
        message: format!("unexpected data: {e}"),
        source: None,
    }
}

impl EmbeddedStore {
    /// Creates a store at `path` holding `data`, replacing any file there. The file is
    /// built under a fresh, owner-only temporary name ([`crate::atomic`]) and renamed
    /// when complete.
    pub async fn create(path: &Path, data: &PlatformData) -> Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        // SQLite opens the file itself: it exists, is empty and is ours.
        let file = AtomicFile::create(path).map_err(|e| Error::io(path, e))?;
        let opts = SqliteConnectOptions::new()
            .filename(file.temp_path())
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Delete)
            .foreign_keys(true);
        let mut conn = SqliteConnection::connect_with(&opts)
            .await
            .map_err(|e| store_err(path, "cannot create", e))?;
        migrate(&mut conn, path).await?;
        insert_all(&mut conn, data)
            .await
            .map_err(|e| store_err(path, "cannot write", e))?;
        sqlx::raw_sql("VACUUM")
            .execute(&mut conn)
            .await
            .map_err(|e| store_err(path, "cannot compact", e))?;
        conn.close().await.map_err(|e| store_err(path, "cannot close", e))?;
        file.commit().map_err(|e| Error::io(path, e))
    }

    /// Opens the store at `path` read-only, for the district `district_id`.
    pub async fn open(path: &Path, district_id: &str) -> Result<Self> {
        if !path.is_file() {
            return Err(Error::Store {
                path: path.to_owned(),
                message: "no such file (generate it with `cdt demo generate`)".into(),
                source: None,
            });
        }
        let opts = SqliteConnectOptions::from_str("sqlite://")
            .map_err(|e| store_err(path, "bad options", e))?
            .filename(path)
            .read_only(true)
            .immutable(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(opts)
            .await
            .map_err(|e| store_err(path, "cannot open", e))?;
        let version: i64 = sqlx::query_scalar("PRAGMA user_version")
            .fetch_one(&pool)
            .await
            .map_err(|e| store_err(path, "not a SQLite database", e))?;
        let expected = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
        if version != expected {
            return Err(Error::Store {
                path: path.to_owned(),
                message: format!(
                    "schema version {version}, expected {expected}: regenerate it with `cdt demo generate`"
                ),
                source: None,
            });
        }
        let found: Option<String> =
            sqlx::query_scalar("SELECT id FROM organizations WHERE id = ?1 AND type = 'district'")
                .bind(district_id)
                .fetch_optional(&pool)
                .await
                .map_err(|e| store_err(path, "cannot read organizations", e))?;
        if found.is_none() {
            return Err(Error::Store {
                path: path.to_owned(),
                message: format!("no district with id `{district_id}` (the customer's bookmarked_org_id)"),
                source: None,
            });
        }
        Ok(Self {
            path: path.to_owned(),
            district_id: district_id.to_owned(),
            pool,
        })
    }

    /// Every organization in the store at `path`, of every district.
    pub async fn organizations(path: &Path) -> Result<Vec<Organization>> {
        let opts = SqliteConnectOptions::new().filename(path).read_only(true);
        let mut conn = SqliteConnection::connect_with(&opts)
            .await
            .map_err(|e| store_err(path, "cannot open", e))?;
        let rows = sqlx::query("SELECT * FROM organizations ORDER BY rowid")
            .fetch_all(&mut conn)
            .await
            .map_err(|e| store_err(path, "cannot read organizations", e))?;
        read_all(&rows).map_err(|e| unexpected(path, &e))
    }
}

async fn migrate(conn: &mut SqliteConnection, path: &Path) -> Result<()> {
    let current: i64 = sqlx::query_scalar("PRAGMA user_version")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| store_err(path, "cannot read the schema version", e))?;
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate() {
        let version = i64::try_from(i + 1).unwrap_or(i64::MAX);
        if version <= current {
            continue;
        }
        debug!(migration = name, "applying");
        let mut tx = conn.begin().await.map_err(|e| store_err(path, "cannot begin", e))?;
        sqlx::raw_sql(sql)
            .execute(&mut *tx)
            .await
            .map_err(|e| store_err(path, &format!("migration {name} failed"), e))?;
        tx.commit().await.map_err(|e| store_err(path, "cannot commit", e))?;
        // Each migration file ends with `PRAGMA user_version = N` (PRAGMA takes no
        // bound parameters, and SQL is never built from strings here).
        let recorded: i64 = sqlx::query_scalar("PRAGMA user_version")
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| store_err(path, "cannot read the schema version", e))?;
        if recorded != version {
            return Err(Error::Store {
                path: path.to_owned(),
                message: format!("migration {name} must end with `PRAGMA user_version = {version}`"),
                source: None,
            });
        }
    }
    Ok(())
}

async fn insert_all(conn: &mut SqliteConnection, d: &PlatformData) -> std::result::Result<(), sqlx::Error> {
    let mut tx = conn.begin().await?;
    for table in d.table_rows() {
        let sql = insert_sql(table.table, Placeholders::Sqlite);
        for row in table.rows {
            let mut q = sqlx::query(&sql);
            for value in row {
                q = q.bind(value);
            }
            q.execute(&mut *tx).await?;
        }
    }
    let keys = "INSERT INTO person_search_keys (person_table, id, search_key) VALUES (?1, ?2, ?3)";
    let students = d
        .students
        .iter()
        .map(|s| ("students", &s.id, &s.first_name, &s.last_name));
    let parents = d
        .parents
        .iter()
        .map(|p| ("parents", &p.id, &p.first_name, &p.last_name));
    for (table, id, first, last) in students.chain(parents) {
        sqlx::query(keys)
            .bind(table)
            .bind(id)
            .bind(person_search_key(first, last))
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("INSERT INTO person_names (rowid, search_key) SELECT n, search_key FROM person_search_keys")
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

impl SqlBackend for EmbeddedStore {
    type Row = SqliteRow;
    const DIALECT: Dialect = Dialect::Sqlite;

    async fn rows(&self, label: &str, sql: &str, args: &[Arg<'_>]) -> Result<Vec<SqliteRow>> {
        let mut q = sqlx::query(sql).bind(&self.district_id);
        for a in args {
            q = match a {
                Arg::Text(t) => q.bind(*t),
                Arg::List(l) => q.bind(json_list(l)),
            };
        }
        q.fetch_all(&self.pool)
            .await
            .map_err(|e| store_err(&self.path, &format!("query `{label}` failed"), e))
    }

    /// SQLite cannot compare names without accents or case: the store keeps each
    /// name's search key ([`person_search_key`], written with the rows), and the names
    /// whose key holds every one of the query's keys are fetched. The search keys are
    /// `[a-z0-9 ]` and `instr` takes no wildcards, so a name cannot widen the filter.
    async fn named(&self, table: People, name: &NameSeek) -> Result<Vec<SqliteRow>> {
        let t = table.table();
        // Parameter 1 is the district, 2 the table, 3 the trigram query, then the keys:
        // the keys of three characters or more are found through the trigram index
        // (each a phrase), and every key is checked on those candidates with `instr`.
        // `+k.person_table` keeps SQLite from walking every key of the table by its
        // (person_table, id) index instead of looking up the trigram candidates.
        let trigram: Vec<String> = name
            .keys
            .iter()
            .filter(|k| k.len() >= 3)
            .map(|k| format!("\"{k}\""))
            .collect();
        let candidates = if trigram.is_empty() {
            "?3 IS NOT NULL"
        } else {
            "k.n IN (SELECT rowid FROM person_names WHERE person_names MATCH ?3)"
        };
        let keys: String = (0..name.keys.len())
            .map(|i| format!(" AND instr(k.search_key, ?{}) > 0", i + 4))
            .collect::<Vec<_>>()
            .concat();
        let sql = format!(
            "SELECT * FROM {t} WHERE {} AND id IN (SELECT k.id FROM person_search_keys k \
             WHERE +k.person_table = ?2 AND {candidates}{keys}) ORDER BY rowid",
            Self::DIALECT.scope(t),
        );
        let matched = trigram.join(" AND ");
        let mut args = vec![Arg::Text(t), Arg::Text(&matched)];
        args.extend(name.keys.iter().map(|k| Arg::Text(k)));
        self.rows(&format!("{t} by name"), &sql, &args).await
    }

    async fn titled(&self, seek: &ClassSeek) -> Result<Vec<SqliteRow>> {
        let d = Self::DIALECT;
        let titles = self
            .rows(
                "classes",
                &format!("SELECT id, title, sourced_id FROM classes WHERE {}", d.scope("classes")),
                &[],
            )
            .await?;
        let ids = kept_ids("classes", &titles, ["title", "sourced_id"], |title, _| {
            seek.titles.iter().any(|t| same_text(t, title))
        })
        .map_err(|e| self.bad_row("classes", &e))?;
        self.rows("classes", &d.by("classes", "id"), &[Arg::List(&ids)]).await
    }

    fn bad_row(&self, label: &str, e: &Error) -> Error {
        Error::Store {
            path: self.path.clone(),
            message: format!("unexpected data from `{label}`: {e}"),
            source: None,
        }
    }
}

#[async_trait]
impl PlatformConnector for EmbeddedStore {
    fn describe(&self) -> String {
        format!("embedded store {}", self.path.display())
    }

    async fn load(&self) -> cdt_core::Result<PlatformData> {
        Ok(SqlQueries(self).load().await?)
    }

    async fn fetch(&self, lookup: &Lookup) -> cdt_core::Result<PlatformData> {
        Ok(slice_platform(&SqlQueries(self), lookup).await?)
    }
}
