//! The bundle index: one ticket on a big bundle without reading the whole bundle.
//!
//! A full read of a 100,000-student bundle (every row validated and turned into
//! records) takes seconds and hundreds of megabytes; one ticket needs a few dozen
//! rows. The first single-ticket fetch on a bundle reads it whole, as before, answers
//! from that, and keeps an index of it: a SQLite file under the per-user cache folder
//! (`$XDG_CACHE_HOME/cdt/bundles`, else `~/.cache/cdt/bundles`) holding every record
//! with its keys (`sourcedId`, normalised email, name and title search keys, agent and
//! enrollment links), and what the read reported (provenance, warnings, invalid
//! records, validation findings). Later fetches run the core's slicing rule
//! ([`slice_roster`]) over indexed queries: a few milliseconds and a few megabytes,
//! with exactly the roster a full read gives (a test runs every demo case both ways).
//!
//! The index is found by the bundle's canonical path and used only while the
//! bundle's fingerprint (the size, modification and change times and inode of the
//! file, or of every entry of the folder, with `cdt`'s version and the reading limits)
//! is the one recorded in it; otherwise the bundle is read again and the index
//! replaced. It is written under a temporary, owner-only name and renamed into place
//! ([`crate::atomic`]), so a reader never sees half an index; an index that cannot be
//! written is a warning, never a failed diagnostic. Only regular files and folders are
//! indexed (a pipe cannot be read twice), and by default only bundles of at least
//! [`AUTO_MIN_BYTES`]: a small bundle reads faster than an index opens.
//! `CDT_BUNDLE_INDEX=off|auto|on` (or [`OneRosterCsv::with_index`](super::OneRosterCsv::with_index)) decides.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use cdt_core::Lookup;
use cdt_core::matching::{normalize_email, search_key};
use cdt_core::roster::{self, Provenance, Roster};
use cdt_core::slice::{ClassSeek, PersonSeek, RosterQuery, slice_roster};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions as _, Connection, Row, SqliteConnection};
use tracing::{debug, info, warn};

use crate::atomic::AtomicFile;
use crate::bundle::Limits;
use crate::error::{Error, Result};

/// The smallest bundle (all its files together) indexed by default.
pub const AUTO_MIN_BYTES: u64 = 16 << 20;

/// The index file's layout; a change makes every existing index stale.
const SCHEMA_VERSION: i64 = 3;

/// `PRAGMA application_id` of an index file ("CDTI"): another SQLite file found in
/// its place is not read as one.
const APPLICATION_ID: i64 = 0x4344_5449;

/// How many indexes the folder keeps: the most recently used (a hit touches its
/// index's modification time); older ones are removed when one is written.
pub const KEEP: usize = 8;

/// Rows per insert: each batch goes in as one JSON array.
const BATCH: usize = 2_000;

/// When a single-ticket fetch uses the bundle index.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IndexPolicy {
    /// Never: every fetch reads the whole bundle.
    Off,
    /// For bundles of at least [`AUTO_MIN_BYTES`] (the default).
    #[default]
    Auto,
    /// For every bundle that is a regular file or a folder.
    On,
}

impl FromStr for IndexPolicy {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" | "0" | "false" | "no" => Ok(Self::Off),
            "auto" | "" => Ok(Self::Auto),
            "on" | "1" | "true" | "yes" => Ok(Self::On),
            other => Err(format!("CDT_BUNDLE_INDEX is off, auto or on, not `{other}`")),
        }
    }
}

impl IndexPolicy {
    /// `CDT_BUNDLE_INDEX` (`off`, `auto`, `on`), else [`IndexPolicy::Auto`]; an
    /// unknown value is logged and read as `auto`.
    #[must_use]
    pub fn from_env() -> Self {
        match std::env::var("CDT_BUNDLE_INDEX") {
            Ok(v) => v.parse().unwrap_or_else(|e: String| {
                warn!("{e}; using auto");
                Self::Auto
            }),
            Err(_) => Self::Auto,
        }
    }
}

/// The per-user index folder: `$XDG_CACHE_HOME/cdt/bundles`, else
/// `$HOME/.cache/cdt/bundles`; `None` when neither is set.
#[must_use]
pub fn default_index_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })?;
    Some(base.join("cdt").join("bundles"))
}

/// What a bundle is, for its index: its fingerprint and total size, or `None` when it
/// cannot be indexed (not a regular file or folder).
struct Stamp {
    fingerprint: String,
    bytes: u64,
}

fn line(name: &str, m: &std::fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    format!(
        "{name}\t{}\t{}.{}\t{}.{}\t{}\t{}",
        m.len(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec(),
        m.dev(),
        m.ino()
    )
}

/// The bundle's fingerprint: every entry (two levels deep for a folder, links not
/// followed) with its size, times and inode; `cdt`'s version and the limits.
fn stamp(bundle: &Path, limits: Limits) -> std::io::Result<Option<Stamp>> {
    let meta = std::fs::symlink_metadata(bundle)?;
    let mut lines = vec![
        format!("cdt {} bundle index {SCHEMA_VERSION}", env!("CARGO_PKG_VERSION")),
        format!("{limits:?}"),
        line(".", &meta),
    ];
    let mut bytes = 0;
    if meta.is_file() {
        bytes = meta.len();
    } else if meta.is_dir() {
        let mut stack = vec![(bundle.to_owned(), String::new(), 0)];
        while let Some((dir, prefix, depth)) = stack.pop() {
            let mut entries: Vec<_> = std::fs::read_dir(&dir)?.collect::<std::io::Result<_>>()?;
            entries.sort_by_key(std::fs::DirEntry::file_name);
            for e in entries {
                let m = std::fs::symlink_metadata(e.path())?;
                let name = format!("{prefix}{}", e.file_name().to_string_lossy());
                lines.push(line(&name, &m));
                if m.is_file() {
                    bytes += m.len();
                } else if m.is_dir() && depth < 1 {
                    stack.push((e.path(), format!("{name}/"), depth + 1));
                }
            }
        }
    } else {
        return Ok(None);
    }
    Ok(Some(Stamp {
        fingerprint: lines.join("\n"),
        bytes,
    }))
}

/// Marks an index as just used (its modification time), for [`evict`].
fn touch(file: &Path) {
    let touched = std::fs::File::options()
        .append(true)
        .open(file)
        .and_then(|f| f.set_modified(std::time::SystemTime::now()));
    if let Err(e) = touched {
        debug!(index = %file.display(), "cannot mark the index used: {e}");
    }
}

/// Removes the indexes beside `kept` beyond the [`KEEP`] most recently used (never
/// `kept`; only regular `*.sqlite` files).
fn evict(kept: &Path) {
    let Some(dir) = kept.parent() else { return };
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(std::result::Result::ok)
        .map(|e| e.path())
        .filter(|p| p != kept && p.extension().is_some_and(|x| x == "sqlite"))
        .filter_map(|p| {
            let m = std::fs::symlink_metadata(&p).ok()?;
            m.is_file().then_some((m.modified().ok()?, p))
        })
        .collect();
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    for (_, old) in found.into_iter().skip(KEEP.saturating_sub(1)) {
        match std::fs::remove_file(&old) {
            Ok(()) => info!(index = %old.display(), "removed a bundle index not used lately"),
            Err(e) => warn!(index = %old.display(), "cannot remove an old bundle index: {e}"),
        }
    }
}

/// The index file of a bundle: named by a hash of its canonical path.
fn index_file(dir: &Path, bundle: &Path) -> std::io::Result<PathBuf> {
    let canonical = std::fs::canonicalize(bundle)?;
    let hash = xxhash_rust::xxh3::xxh3_128(canonical.as_os_str().as_encoded_bytes());
    Ok(dir.join(format!("{hash:032x}.sqlite")))
}

fn store_err(path: &Path, message: &str, e: impl std::fmt::Display) -> Error {
    Error::Store {
        path: path.to_owned(),
        message: format!("bundle index: {message}: {e}"),
        source: None,
    }
}

/// The whole bundle, read on a blocking thread.
async fn read(bundle: &Path, limits: Limits) -> cdt_core::Result<Roster> {
    let path = bundle.to_owned();
    let described = format!("OneRoster bundle {}", bundle.display());
    tokio::task::spawn_blocking(move || super::read_bundle(&path, limits))
        .await
        .map_err(|e| cdt_core::Error::connector(described, format!("reader task failed: {e}")))?
        .map_err(Into::into)
}

/// The roster slice of `lookup`, through the bundle's index when the policy allows it
/// (built on the first fetch), else from a full read.
pub(crate) async fn fetch(
    bundle: &Path,
    limits: Limits,
    policy: IndexPolicy,
    dir: Option<&Path>,
    lookup: &Lookup,
) -> cdt_core::Result<Roster> {
    let plan = match (policy, dir) {
        (IndexPolicy::Off, _) | (_, None) => None,
        (_, Some(dir)) => match stamp(bundle, limits) {
            Ok(Some(s)) if policy == IndexPolicy::On || s.bytes >= AUTO_MIN_BYTES => {
                index_file(dir, bundle).ok().map(|file| (dir, file, s))
            }
            _ => None,
        },
    };
    let Some((dir, file, before)) = plan else {
        return Ok(read(bundle, limits).await?.slice(lookup));
    };
    // The futures are boxed as `Send` here, with their lifetimes known: the trait
    // object the caller (`async_trait`) builds cannot prove it for sqlx's executors.
    match boxed(BundleIndex::open(&file, &before.fingerprint)).await {
        Ok(Some(index)) => {
            debug!(index = %file.display(), "bundle index hit");
            touch(&file);
            return Ok(boxed(slice_roster(&index, lookup)).await?);
        }
        Ok(None) => debug!(index = %file.display(), "bundle index miss"),
        Err(e) => warn!("{e}; reading the bundle whole"),
    }
    let roster = read(bundle, limits).await?;
    let sliced = roster.slice(lookup);
    // Written only when the bundle did not change while it was read.
    match stamp(bundle, limits) {
        Ok(Some(after)) if after.fingerprint == before.fingerprint => {
            let started = std::time::Instant::now();
            // On a blocking thread: seconds of inserts for a big district (and an
            // executor `Send` cannot be proved for through the caller's trait object).
            let (dir, out, fingerprint) = (dir.to_owned(), file.clone(), before.fingerprint);
            let written = tokio::task::spawn_blocking(move || {
                tokio::runtime::Handle::current().block_on(write(&dir, &out, &fingerprint, &roster))
            })
            .await
            .unwrap_or_else(|e| Err(store_err(&file, "the writer task failed", e)));
            match written {
                Ok(()) => {
                    info!(
                        index = %file.display(),
                        ms = started.elapsed().as_millis(),
                        "bundle index written; the next tickets on this bundle read it"
                    );
                    evict(&file);
                }
                Err(e) => warn!("{e}; the next ticket reads the bundle whole again"),
            }
        }
        _ => debug!("the bundle changed while it was read; no index written"),
    }
    Ok(sliced)
}

fn boxed<'a, T>(
    f: impl std::future::Future<Output = T> + Send + 'a,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>> {
    Box::pin(f)
}

/// A bundle's index, open read-only.
pub(crate) struct BundleIndex {
    path: PathBuf,
    pool: SqlitePool,
    provenance: Provenance,
    warnings: Vec<String>,
}

const SCHEMA: &str = "
CREATE TABLE meta (fingerprint TEXT NOT NULL, provenance TEXT NOT NULL, warnings TEXT NOT NULL);
CREATE TABLE users (pos INTEGER PRIMARY KEY, sourced_id TEXT NOT NULL, email_key TEXT,
    name_key TEXT NOT NULL, record TEXT NOT NULL);
CREATE VIRTUAL TABLE user_names USING fts5(name_key, content='', tokenize='trigram');
CREATE TABLE user_agents (agent_id TEXT NOT NULL, pos INTEGER NOT NULL);
CREATE TABLE enrollments (pos INTEGER PRIMARY KEY, user_id TEXT NOT NULL, class_id TEXT NOT NULL,
    record TEXT NOT NULL);
CREATE TABLE classes (pos INTEGER PRIMARY KEY, sourced_id TEXT NOT NULL, class_code TEXT,
    title_key TEXT NOT NULL, record TEXT NOT NULL);
CREATE TABLE courses (pos INTEGER PRIMARY KEY, sourced_id TEXT NOT NULL, record TEXT NOT NULL);
CREATE TABLE academic_sessions (pos INTEGER PRIMARY KEY, sourced_id TEXT NOT NULL, record TEXT NOT NULL);
CREATE TABLE orgs (pos INTEGER PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE invalid_records (sourced_id TEXT PRIMARY KEY, why TEXT NOT NULL);
CREATE TABLE record_findings (sourced_id TEXT PRIMARY KEY, findings TEXT NOT NULL);
";

/// Created once the rows are in (faster than keeping them up to date).
const INDEXES: &str = "
CREATE INDEX users_sourced_id ON users (sourced_id);
CREATE INDEX users_email_key ON users (email_key);
CREATE INDEX users_name_key ON users (name_key);
INSERT INTO user_names (rowid, name_key) SELECT pos, name_key FROM users;
CREATE INDEX user_agents_agent_id ON user_agents (agent_id);
CREATE INDEX enrollments_user_id ON enrollments (user_id);
CREATE INDEX enrollments_class_id ON enrollments (class_id);
CREATE INDEX classes_sourced_id ON classes (sourced_id);
CREATE INDEX classes_class_code ON classes (class_code);
CREATE INDEX classes_title_key ON classes (title_key);
CREATE INDEX courses_sourced_id ON courses (sourced_id);
CREATE INDEX academic_sessions_sourced_id ON academic_sessions (sourced_id);
";

/// The search key of every part of an SIS user's name, one space apart: a name that
/// matches a query holds each of the query's word keys
/// ([`cdt_core::matching::query_search_keys`]).
fn name_key(u: &roster::User) -> String {
    [
        Some(u.given_name.as_str()),
        u.middle_name.as_deref(),
        Some(u.family_name.as_str()),
        u.preferred_given_name.as_deref(),
    ]
    .into_iter()
    .flatten()
    .map(search_key)
    .collect::<Vec<_>>()
    .join(" ")
}

/// The users whose name key holds every one of `keys` (bound as parameters 2..): the
/// keys of three characters or more found through the trigram index (parameter 1, a
/// phrase each: keys are `[a-z0-9]`, so a phrase cannot be closed early), then every
/// key checked with `instr`. Without a key that long, the keys are scanned in their own
/// index (a few MB), not in the table rows that carry the records.
fn name_sql(keys: &[String]) -> String {
    let all = (0..keys.len())
        .map(|i| format!("instr(name_key, ?{}) > 0", i + 2))
        .collect::<Vec<_>>();
    let all = if all.is_empty() {
        "1".to_owned()
    } else {
        all.join(" AND ")
    };
    if keys.iter().any(|k| k.len() >= 3) {
        format!(
            "SELECT pos, record FROM users WHERE pos IN \
             (SELECT rowid FROM user_names WHERE user_names MATCH ?1) AND {all}"
        )
    } else {
        format!(
            "SELECT pos, record FROM users WHERE pos IN \
             (SELECT pos FROM users INDEXED BY users_name_key WHERE ?1 IS NOT NULL AND {all})"
        )
    }
}

/// The trigram query of `keys`: each key of three characters or more as a phrase.
fn name_match(keys: &[String]) -> String {
    keys.iter()
        .filter(|k| k.len() >= 3)
        .map(|k| format!("\"{k}\""))
        .collect::<Vec<_>>()
        .join(" AND ")
}

fn json<T: Serialize>(v: &T) -> std::result::Result<String, sqlx::Error> {
    serde_json::to_string(v).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// Inserts `rows` (each a JSON array of the columns) in batches.
async fn insert(
    conn: &mut SqliteConnection,
    table: &str,
    columns: &[&str],
    rows: Vec<serde_json::Value>,
) -> std::result::Result<(), sqlx::Error> {
    let picks: Vec<String> = (0..columns.len())
        .map(|i| format!("json_extract(value, '$[{i}]')"))
        .collect();
    let sql = format!(
        "INSERT INTO {table} ({}) SELECT {} FROM json_each(?1)",
        columns.join(", "),
        picks.join(", ")
    );
    for batch in rows.chunks(BATCH) {
        let batch = json(&batch)?;
        sqlx::query(&sql).bind(batch).execute(&mut *conn).await?;
    }
    Ok(())
}

async fn write_rows(
    conn: &mut SqliteConnection,
    fingerprint: &str,
    r: &Roster,
) -> std::result::Result<(), sqlx::Error> {
    use serde_json::json as j;
    let mut tx = conn.begin().await?;
    sqlx::raw_sql(SCHEMA).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO meta (fingerprint, provenance, warnings) VALUES (?1, ?2, ?3)")
        .bind(fingerprint)
        .bind(json(&r.provenance)?)
        .bind(json(&r.warnings)?)
        .execute(&mut *tx)
        .await?;
    let mut users = Vec::with_capacity(r.users.len());
    for (i, u) in r.users.iter().enumerate() {
        let email = u.email.as_deref().map(normalize_email).filter(|e| !e.is_empty());
        users.push(j!([i, u.sourced_id, email, name_key(u), json(u)?]));
    }
    insert(
        &mut tx,
        "users",
        &["pos", "sourced_id", "email_key", "name_key", "record"],
        users,
    )
    .await?;
    let mut agents = Vec::new();
    for (i, u) in r.users.iter().enumerate() {
        for a in &u.agent_sourced_ids {
            agents.push(j!([a, i]));
        }
    }
    insert(&mut tx, "user_agents", &["agent_id", "pos"], agents).await?;
    let mut enrollments = Vec::with_capacity(r.enrollments.len());
    for (i, e) in r.enrollments.iter().enumerate() {
        enrollments.push(j!([i, e.user_sourced_id, e.class_sourced_id, json(e)?]));
    }
    insert(
        &mut tx,
        "enrollments",
        &["pos", "user_id", "class_id", "record"],
        enrollments,
    )
    .await?;
    let mut classes = Vec::with_capacity(r.classes.len());
    for (i, c) in r.classes.iter().enumerate() {
        classes.push(j!([i, c.sourced_id, c.class_code, search_key(&c.title), json(c)?]));
    }
    insert(
        &mut tx,
        "classes",
        &["pos", "sourced_id", "class_code", "title_key", "record"],
        classes,
    )
    .await?;
    let mut courses = Vec::with_capacity(r.courses.len());
    for (i, c) in r.courses.iter().enumerate() {
        courses.push(j!([i, c.sourced_id, json(c)?]));
    }
    insert(&mut tx, "courses", &["pos", "sourced_id", "record"], courses).await?;
    let mut sessions = Vec::with_capacity(r.academic_sessions.len());
    for (i, s) in r.academic_sessions.iter().enumerate() {
        sessions.push(j!([i, s.sourced_id, json(s)?]));
    }
    insert(&mut tx, "academic_sessions", &["pos", "sourced_id", "record"], sessions).await?;
    let mut orgs = Vec::with_capacity(r.orgs.len());
    for (i, o) in r.orgs.iter().enumerate() {
        orgs.push(j!([i, json(o)?]));
    }
    insert(&mut tx, "orgs", &["pos", "record"], orgs).await?;
    let mut invalid = Vec::with_capacity(r.invalid_records.len());
    for (id, why) in &r.invalid_records {
        invalid.push(j!([id, why]));
    }
    insert(&mut tx, "invalid_records", &["sourced_id", "why"], invalid).await?;
    let mut findings = Vec::with_capacity(r.record_findings.len());
    for (id, f) in &r.record_findings {
        findings.push(j!([id, json(f)?]));
    }
    insert(&mut tx, "record_findings", &["sourced_id", "findings"], findings).await?;
    sqlx::raw_sql(INDEXES).execute(&mut *tx).await?;
    sqlx::raw_sql(&format!(
        "PRAGMA user_version = {SCHEMA_VERSION}; PRAGMA application_id = {APPLICATION_ID}"
    ))
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Writes the index of `roster` at `file` (in `dir`, created owner-only), in place of
/// any index there.
async fn write(dir: &Path, file: &Path, fingerprint: &str, roster: &Roster) -> Result<()> {
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| Error::io(dir, e))?;
    }
    let out = AtomicFile::create(file).map_err(|e| Error::io(file, e))?;
    let opts = SqliteConnectOptions::new()
        .filename(out.temp_path())
        .journal_mode(SqliteJournalMode::Off)
        .synchronous(SqliteSynchronous::Off)
        // Building the index takes seconds on a big district, as expected: not a
        // slow statement worth a warning on the terminal.
        .disable_statement_logging();
    let mut conn = SqliteConnection::connect_with(&opts)
        .await
        .map_err(|e| store_err(file, "cannot create", e))?;
    write_rows(&mut conn, fingerprint, roster)
        .await
        .map_err(|e| store_err(file, "cannot write", e))?;
    conn.close().await.map_err(|e| store_err(file, "cannot close", e))?;
    out.commit().map_err(|e| Error::io(file, e))
}

impl BundleIndex {
    /// Opens the index at `file` when it is one of this layout for a bundle of this
    /// `fingerprint`; `None` when it is missing or stale.
    async fn open(file: &Path, fingerprint: &str) -> Result<Option<Self>> {
        match std::fs::symlink_metadata(file) {
            Ok(m) if m.is_file() => {}
            Ok(_) => return Err(store_err(file, "not a regular file", "refused")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(file, e)),
        }
        let opts = SqliteConnectOptions::new()
            .filename(file)
            .read_only(true)
            .immutable(true)
            .disable_statement_logging();
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts)
            .await
            .map_err(|e| store_err(file, "cannot open", e))?;
        let (version, application): (i64, i64) =
            sqlx::query_as("SELECT user_version, application_id FROM pragma_user_version, pragma_application_id")
                .fetch_one(&pool)
                .await
                .map_err(|e| store_err(file, "not a SQLite file", e))?;
        if application != APPLICATION_ID || version != SCHEMA_VERSION {
            debug!(index = %file.display(), version, application, "not a current bundle index");
            return Ok(None);
        }
        let row = sqlx::query("SELECT fingerprint, provenance, warnings FROM meta")
            .fetch_optional(&pool)
            .await
            .map_err(|e| store_err(file, "cannot read", e))?;
        let Some(row) = row else { return Ok(None) };
        let found: String = row.get(0);
        if found != fingerprint {
            return Ok(None);
        }
        let provenance: String = row.get(1);
        let warnings: String = row.get(2);
        Ok(Some(Self {
            provenance: serde_json::from_str(&provenance).map_err(|e| store_err(file, "bad provenance", e))?,
            warnings: serde_json::from_str(&warnings).map_err(|e| store_err(file, "bad warnings", e))?,
            path: file.to_owned(),
            pool,
        }))
    }

    /// Runs `sql` with JSON lists as parameters 1, 2, …; each row's first column read.
    async fn texts(&self, label: &str, sql: &str, lists: &[&[String]]) -> Result<Vec<String>> {
        let mut q = sqlx::query_scalar::<_, String>(sql);
        for l in lists {
            q = q.bind(serde_json::to_string(l).unwrap_or_else(|_| "[]".into()));
        }
        q.fetch_all(&self.pool)
            .await
            .map_err(|e| store_err(&self.path, &format!("query `{label}` failed"), e))
    }

    /// Records of `table` (`SELECT record … ORDER BY pos`), decoded.
    async fn records<T: DeserializeOwned>(&self, table: &str, sql: &str, lists: &[&[String]]) -> Result<Vec<T>> {
        self.texts(table, sql, lists)
            .await?
            .iter()
            .map(|r| serde_json::from_str(r).map_err(|e| store_err(&self.path, &format!("bad `{table}` record"), e)))
            .collect()
    }

    /// Records of `table` whose `sourced_id` is one of `ids`, in bundle order.
    async fn by_id<T: DeserializeOwned>(&self, table: &str, ids: &[String]) -> Result<Vec<T>> {
        let sql =
            format!("SELECT record FROM {table} WHERE sourced_id IN (SELECT value FROM json_each(?1)) ORDER BY pos");
        self.records(table, &sql, &[ids]).await
    }
}

impl RosterQuery for BundleIndex {
    type Error = Error;

    async fn seek_users(&self, seek: &PersonSeek) -> Result<Vec<roster::User>> {
        let mut found: BTreeMap<i64, String> = BTreeMap::new();
        let err = |e| store_err(&self.path, "query `users` failed", e);
        if !seek.emails.is_empty() || !seek.sourced_ids.is_empty() {
            let rows = sqlx::query(
                "SELECT pos, record FROM users WHERE sourced_id IN (SELECT value FROM json_each(?1)) \
                 OR email_key IN (SELECT value FROM json_each(?2))",
            )
            .bind(serde_json::to_string(&seek.sourced_ids).unwrap_or_else(|_| "[]".into()))
            .bind(serde_json::to_string(&seek.emails).unwrap_or_else(|_| "[]".into()))
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
            for r in rows {
                found.insert(r.get(0), r.get(1));
            }
        }
        // Every query word's key is in a matching name's key; `instr` takes no
        // wildcards, and the keys are `[a-z0-9]`, so a name cannot widen the search.
        for name in &seek.names {
            let sql = name_sql(&name.keys);
            let mut q = sqlx::query(&sql).bind(name_match(&name.keys));
            for k in &name.keys {
                q = q.bind(k);
            }
            let rows = q.fetch_all(&self.pool).await.map_err(err)?;
            for r in rows {
                found.insert(r.get(0), r.get(1));
            }
        }
        found
            .values()
            .map(|r| serde_json::from_str(r).map_err(|e| store_err(&self.path, "bad `users` record", e)))
            .collect()
    }

    async fn seek_classes(&self, seek: &ClassSeek) -> Result<Vec<roster::Class>> {
        let ids: Vec<String> = seek.sourced_ids.iter().chain(&seek.titles).cloned().collect();
        self.records(
            "classes",
            "SELECT record FROM classes WHERE sourced_id IN (SELECT value FROM json_each(?1)) \
             OR class_code IN (SELECT value FROM json_each(?2)) \
             OR title_key IN (SELECT value FROM json_each(?3)) ORDER BY pos",
            &[&ids, &seek.titles, &seek.title_keys],
        )
        .await
    }

    async fn users(&self, ids: &[String]) -> Result<Vec<roster::User>> {
        self.by_id("users", ids).await
    }

    async fn agents_of(&self, ids: &[String]) -> Result<Vec<roster::User>> {
        self.records(
            "users",
            "SELECT record FROM users WHERE pos IN (SELECT pos FROM user_agents \
             WHERE agent_id IN (SELECT value FROM json_each(?1))) ORDER BY pos",
            &[ids],
        )
        .await
    }

    async fn enrollments(&self, user_ids: &[String], class_ids: &[String]) -> Result<Vec<roster::Enrollment>> {
        self.records(
            "enrollments",
            "SELECT record FROM enrollments WHERE user_id IN (SELECT value FROM json_each(?1)) \
             OR class_id IN (SELECT value FROM json_each(?2)) ORDER BY pos",
            &[user_ids, class_ids],
        )
        .await
    }

    async fn classes(&self, ids: &[String]) -> Result<Vec<roster::Class>> {
        self.by_id("classes", ids).await
    }

    async fn courses(&self, ids: &[String]) -> Result<Vec<roster::Course>> {
        self.by_id("courses", ids).await
    }

    async fn academic_sessions(&self, ids: &[String]) -> Result<Vec<roster::AcademicSession>> {
        self.by_id("academic_sessions", ids).await
    }

    async fn orgs(&self) -> Result<Vec<roster::Org>> {
        self.records("orgs", "SELECT record FROM orgs ORDER BY pos", &[]).await
    }

    async fn provenance(&self) -> Result<(Provenance, Vec<String>)> {
        Ok((self.provenance.clone(), self.warnings.clone()))
    }

    async fn invalid_records(&self, ids: &[String]) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT k.value, i.why FROM json_each(?1) k JOIN invalid_records i ON i.sourced_id = k.value \
             ORDER BY k.key",
        )
        .bind(serde_json::to_string(ids).unwrap_or_else(|_| "[]".into()))
        .fetch_all(&self.pool)
        .await
        .map_err(|e| store_err(&self.path, "query `invalid_records` failed", e))?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn record_findings(&self, ids: &[String]) -> Result<Vec<(String, Vec<String>)>> {
        let rows = sqlx::query(
            "SELECT k.value, f.findings FROM json_each(?1) k JOIN record_findings f ON f.sourced_id = k.value \
             ORDER BY k.key",
        )
        .bind(serde_json::to_string(ids).unwrap_or_else(|_| "[]".into()))
        .fetch_all(&self.pool)
        .await
        .map_err(|e| store_err(&self.path, "query `record_findings` failed", e))?;
        rows.iter()
            .map(|r| {
                let id: String = r.get(0);
                let f: String = r.get(1);
                serde_json::from_str(&f)
                    .map(|f| (id, f))
                    .map_err(|e| store_err(&self.path, "bad `record_findings` row", e))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_reads_its_settings_and_refuses_others() {
        assert_eq!("off".parse(), Ok(IndexPolicy::Off));
        assert_eq!(" ON ".parse(), Ok(IndexPolicy::On));
        assert_eq!("".parse(), Ok(IndexPolicy::Auto));
        let err = "sometimes".parse::<IndexPolicy>().unwrap_err();
        assert!(err.contains("off, auto or on") && err.contains("sometimes"), "{err}");
    }

    #[test]
    fn a_users_name_key_holds_every_part_of_the_name() {
        let u = roster::User {
            sourced_id: "u1".into(),
            status: roster::RecordStatus::Active,
            enabled: true,
            roles: Vec::new(),
            username: String::new(),
            given_name: "María José".into(),
            family_name: "Quispe-Huamán".into(),
            middle_name: Some("Ana".into()),
            preferred_given_name: Some("Majo".into()),
            identifier: None,
            email: None,
            phone: None,
            agent_sourced_ids: Vec::new(),
            grades: Vec::new(),
        };
        assert_eq!(name_key(&u), "mariajose ana quispehuaman majo");
        for word in ["maria", "jose", "quispe", "huaman", "majo", "ana"] {
            assert!(name_key(&u).contains(word), "{word}");
        }
    }

    #[test]
    fn a_pipe_or_a_missing_path_is_never_indexed() {
        let dir = tempfile::tempdir().unwrap();
        assert!(stamp(&dir.path().join("missing"), Limits::default()).is_err());
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            assert!(stamp(&fifo, Limits::default()).unwrap().is_none());
        }
    }

    #[test]
    fn the_fingerprint_follows_every_file_of_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("users.csv"), "a").unwrap();
        let first = stamp(dir.path(), Limits::default()).unwrap().unwrap();
        assert_eq!(first.bytes, 1);
        std::fs::write(dir.path().join("users.csv"), "b").unwrap();
        let second = stamp(dir.path(), Limits::default()).unwrap().unwrap();
        assert_ne!(first.fingerprint, second.fingerprint, "same size, rewritten");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/orgs.csv"), "xy").unwrap();
        let third = stamp(dir.path(), Limits::default()).unwrap().unwrap();
        assert_eq!(third.bytes, 3);
        assert_ne!(second.fingerprint, third.fingerprint);
    }
}
