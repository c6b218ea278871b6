//! The embedded platform store: the platform tables in a SQLite file.
//!
//! It holds the demo district and test data. The schema is applied from
//! `migrations/sqlite/` (tracked with `PRAGMA user_version`). Diagnostics open the
//! file read-only; [`EmbeddedStore::fetch`] runs the case's lookup as indexed queries
//! and returns exactly the rows [`PlatformData::slice`] would.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use async_trait::async_trait;
use cdt_core::lookup::import_error_ids;
use cdt_core::matching::{NameMatch, PersonName, match_person, normalize_email, same_text};
use cdt_core::platform::{Class, Enrollment, Organization, Parent, ParentStudent, PlatformData, Student};
use cdt_core::{Lookup, PlatformConnector};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteRow};
use sqlx::{Connection, Row, SqliteConnection};
use tracing::debug;

use crate::error::{Error, Result};
use crate::rows::{
    Placeholders, class, enrollment, import_error, import_run, insert_sql, organization, parent, parent_student,
    student,
};

/// The schema migrations, in order; `PRAGMA user_version` records the last applied.
const MIGRATIONS: &[(&str, &str)] = &[(
    "0001_platform_tables",
    include_str!("../migrations/sqlite/0001_platform_tables.sql"),
)];

/// The district's orgs, as a sub-query on `?1`.
macro_rules! district_orgs {
    () => {
        "(SELECT id FROM organizations WHERE id = ?1 OR parent_id = ?1)"
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
    /// built under a temporary name and renamed when complete.
    pub async fn create(path: &Path, data: &PlatformData) -> Result<()> {
        let tmp = path.with_extension("sqlite.tmp");
        let _ = std::fs::remove_file(&tmp);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let opts = SqliteConnectOptions::new()
            .filename(&tmp)
            .create_if_missing(true)
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
        std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
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
        rows.iter()
            .map(organization)
            .collect::<Result<_>>()
            .map_err(|e| unexpected(path, &e))
    }

    fn err(&self, what: &str, e: sqlx::Error) -> cdt_core::Error {
        store_err(&self.path, what, e).into()
    }

    async fn rows(&self, sql: &'static str, ids: Option<&str>) -> cdt_core::Result<Vec<SqliteRow>> {
        let mut q = sqlx::query(sql).bind(&self.district_id);
        if let Some(ids) = ids {
            q = q.bind(ids);
        }
        q.fetch_all(&self.pool).await.map_err(|e| self.err("query failed", e))
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
    tx.commit().await
}

fn json_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    serde_json::to_string(&items.into_iter().collect::<Vec<_>>()).unwrap_or_else(|_| "[]".into())
}

impl EmbeddedStore {
    async fn collect<T>(
        &self,
        sql: &'static str,
        ids: Option<&str>,
        map: impl Fn(&SqliteRow) -> Result<T>,
    ) -> cdt_core::Result<Vec<T>> {
        self.rows(sql, ids)
            .await?
            .iter()
            .map(map)
            .collect::<Result<_>>()
            .map_err(|e| unexpected(&self.path, &e).into())
    }
}

#[async_trait]
impl PlatformConnector for EmbeddedStore {
    fn describe(&self) -> String {
        format!("embedded store {}", self.path.display())
    }

    async fn load(&self) -> cdt_core::Result<PlatformData> {
        Ok(PlatformData {
            organizations: self
                .collect(concat!("SELECT * FROM organizations WHERE id IN ", district_orgs!(), " ORDER BY rowid"), None, organization)
                .await?,
            students: self
                .collect(concat!("SELECT * FROM students WHERE organization_id IN ", district_orgs!(), " ORDER BY rowid"), None, student)
                .await?,
            parents: self
                .collect(concat!("SELECT * FROM parents WHERE ", parent_scope!(), " ORDER BY rowid"), None, parent)
                .await?,
            parent_students: self
                .collect(
                    concat!(
                        "SELECT * FROM parent_students WHERE student_id IN (SELECT id FROM students WHERE organization_id IN ",
                        district_orgs!(),
                        ") ORDER BY rowid"
                    ),
                    None,
                    parent_student,
                )
                .await?,
            classes: self
                .collect(concat!("SELECT * FROM classes WHERE organization_id IN ", district_orgs!(), " ORDER BY rowid"), None, class)
                .await?,
            enrollments: self
                .collect(
                    concat!(
                        "SELECT * FROM enrollments WHERE class_id IN (SELECT id FROM classes WHERE organization_id IN ",
                        district_orgs!(),
                        ") ORDER BY rowid"
                    ),
                    None,
                    enrollment,
                )
                .await?,
            import_runs: self
                .collect(concat!("SELECT * FROM import_runs WHERE organization_id IN ", district_orgs!(), " ORDER BY rowid"), None, import_run)
                .await?,
            import_errors: self
                .collect(
                    concat!(
                        "SELECT * FROM import_errors WHERE import_run_id IN (SELECT id FROM import_runs WHERE organization_id IN ",
                        district_orgs!(),
                        ") ORDER BY rowid"
                    ),
                    None,
                    import_error,
                )
                .await?,
        })
    }

    async fn fetch(&self, lookup: &Lookup) -> cdt_core::Result<PlatformData> {
        let emails: Vec<String> = lookup.emails.iter().map(|e| normalize_email(e)).collect();
        let emails = json_list(emails.iter().map(String::as_str));
        let sourced = json_list(lookup.sourced_ids.iter().map(String::as_str));
        let named = |first: &str, last: &str| {
            lookup.person_names.iter().any(|q| {
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

        // 1. Seeds: people by email, sourcedId or name; classes by title, id or sourcedId.
        let mut students: BTreeSet<String> = BTreeSet::new();
        let mut parents: BTreeSet<String> = BTreeSet::new();
        let rows = sqlx::query(concat!(
            "SELECT id FROM students WHERE organization_id IN ",
            district_orgs!(),
            " AND (email IN (SELECT value FROM json_each(?2)) OR sourced_id IN (SELECT value FROM json_each(?3)))"
        ))
        .bind(&self.district_id)
        .bind(&emails)
        .bind(&sourced)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err("query failed", e))?;
        students.extend(rows.iter().filter_map(|r| r.try_get::<String, _>("id").ok()));
        let rows = sqlx::query(concat!(
            "SELECT id FROM parents WHERE (email IN (SELECT value FROM json_each(?2)) OR sourced_id IN (SELECT value FROM json_each(?3))) AND ",
            parent_scope!()
        ))
        .bind(&self.district_id)
        .bind(&emails)
        .bind(&sourced)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err("query failed", e))?;
        parents.extend(rows.iter().filter_map(|r| r.try_get::<String, _>("id").ok()));
        if !lookup.person_names.is_empty() {
            // Names are compared without accents or case, which SQL cannot do: scan
            // the names only, then fetch the few rows that match.
            let rows = self
                .rows(
                    concat!(
                        "SELECT id, first_name, last_name FROM students WHERE organization_id IN ",
                        district_orgs!()
                    ),
                    None,
                )
                .await?;
            for r in &rows {
                let (id, first, last): (String, String, String) = (
                    r.try_get(0).unwrap_or_default(),
                    r.try_get(1).unwrap_or_default(),
                    r.try_get(2).unwrap_or_default(),
                );
                if named(&first, &last) {
                    students.insert(id);
                }
            }
            let rows = self
                .rows(
                    concat!("SELECT id, first_name, last_name FROM parents WHERE ", parent_scope!()),
                    None,
                )
                .await?;
            for r in &rows {
                let (id, first, last): (String, String, String) = (
                    r.try_get(0).unwrap_or_default(),
                    r.try_get(1).unwrap_or_default(),
                    r.try_get(2).unwrap_or_default(),
                );
                if named(&first, &last) {
                    parents.insert(id);
                }
            }
        }
        let mut seed_classes: HashSet<String> = HashSet::new();
        if !lookup.class_titles.is_empty() || !lookup.sourced_ids.is_empty() {
            let rows = self
                .rows(
                    concat!(
                        "SELECT id, sourced_id, title FROM classes WHERE organization_id IN ",
                        district_orgs!()
                    ),
                    None,
                )
                .await?;
            for r in &rows {
                let (id, sid, title): (String, String, String) = (
                    r.try_get(0).unwrap_or_default(),
                    r.try_get(1).unwrap_or_default(),
                    r.try_get(2).unwrap_or_default(),
                );
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
        let seeds_s = json_list(students.iter().map(String::as_str));
        let seeds_p = json_list(parents.iter().map(String::as_str));
        let links = sqlx::query(concat!(
            "SELECT ps.parent_id, ps.student_id FROM parent_students ps JOIN students s ON s.id = ps.student_id ",
            "WHERE s.organization_id IN ", district_orgs!(), " ",
            "AND (ps.student_id IN (SELECT value FROM json_each(?2)) OR ps.parent_id IN (SELECT value FROM json_each(?3)))"
        ))
        .bind(&self.district_id)
        .bind(&seeds_s)
        .bind(&seeds_p)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err("query failed", e))?;
        for l in &links {
            parents.insert(l.try_get("parent_id").unwrap_or_default());
            students.insert(l.try_get("student_id").unwrap_or_default());
        }

        // 3. Enrollments of those students and of the seed classes, in district classes.
        let student_ids = json_list(students.iter().map(String::as_str));
        let class_seeds = json_list(seed_classes.iter().map(String::as_str));
        let enrollments: Vec<Enrollment> = sqlx::query(concat!(
            "SELECT * FROM enrollments WHERE class_id IN (SELECT id FROM classes WHERE organization_id IN ",
            district_orgs!(), ") ",
            "AND (user_id IN (SELECT value FROM json_each(?2)) OR class_id IN (SELECT value FROM json_each(?3))) ORDER BY rowid"
        ))
        .bind(&self.district_id)
        .bind(&student_ids)
        .bind(&class_seeds)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err("query failed", e))?
        .iter()
        .map(enrollment)
        .collect::<Result<_>>()
        .map_err(|e| unexpected(&self.path, &e))?;
        students.extend(enrollments.iter().map(|e| e.user_id.clone()));
        let class_ids: BTreeSet<&str> = enrollments
            .iter()
            .map(|e| e.class_id.as_str())
            .chain(seed_classes.iter().map(String::as_str))
            .collect();

        // 4. The rows themselves, in table order, scoped to the district.
        let student_ids = json_list(students.iter().map(String::as_str));
        let students: Vec<Student> = self
            .collect(
                concat!(
                    "SELECT * FROM students WHERE organization_id IN ",
                    district_orgs!(),
                    " AND id IN (SELECT value FROM json_each(?2)) ORDER BY rowid"
                ),
                Some(&student_ids),
                student,
            )
            .await?;
        let parent_ids = json_list(parents.iter().map(String::as_str));
        let parents: Vec<Parent> = self
            .collect(
                concat!(
                    "SELECT * FROM parents WHERE id IN (SELECT value FROM json_each(?2)) AND ",
                    parent_scope!(),
                    " ORDER BY rowid"
                ),
                Some(&parent_ids),
                parent,
            )
            .await?;
        let classes: Vec<Class> = self
            .collect(
                concat!(
                    "SELECT * FROM classes WHERE organization_id IN ",
                    district_orgs!(),
                    " AND id IN (SELECT value FROM json_each(?2)) ORDER BY rowid"
                ),
                Some(&json_list(class_ids.iter().copied())),
                class,
            )
            .await?;
        let kept_s: HashSet<&str> = students.iter().map(|s| s.id.as_str()).collect();
        let kept_p: HashSet<&str> = parents.iter().map(|p| p.id.as_str()).collect();
        let parent_students: Vec<ParentStudent> = self
            .collect(
                concat!(
                    "SELECT * FROM parent_students WHERE student_id IN (SELECT id FROM students WHERE organization_id IN ",
                    district_orgs!(),
                    ") AND student_id IN (SELECT value FROM json_each(?2)) ORDER BY rowid"
                ),
                Some(&student_ids),
                parent_student,
            )
            .await?
            .into_iter()
            .filter(|l| kept_s.contains(l.student_id.as_str()) && kept_p.contains(l.parent_id.as_str()))
            .collect();
        let import_runs = self
            .collect(
                concat!(
                    "SELECT * FROM import_runs WHERE organization_id IN ",
                    district_orgs!(),
                    " ORDER BY rowid"
                ),
                None,
                import_run,
            )
            .await?;
        let wanted = import_error_ids(lookup, &students, &parents, &classes, &enrollments);
        let import_errors = self
            .collect(
                concat!("SELECT * FROM import_errors WHERE import_run_id IN (SELECT id FROM import_runs WHERE organization_id IN ",
                     district_orgs!(), ") AND sourced_id IN (SELECT value FROM json_each(?2)) ORDER BY rowid"),
                Some(&json_list(wanted.iter().copied())),
                import_error,
            )
            .await?;
        let organizations = self
            .collect(
                concat!(
                    "SELECT * FROM organizations WHERE id IN ",
                    district_orgs!(),
                    " ORDER BY rowid"
                ),
                None,
                organization,
            )
            .await?;
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
