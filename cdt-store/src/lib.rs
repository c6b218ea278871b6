//! # cdt-store: the service's application database
//!
//! What a `cdt serve` process keeps, in one database that several processes share:
//! users with their role and permissions ([`users`]), API tokens ([`tokens`]),
//! browser sessions ([`sessions`]), rate-limit counters ([`limits`]), the history of
//! diagnostic runs ([`runs`]) and security events ([`audit`]).
//!
//! SQLite (embedded, the default: no server needed) or PostgreSQL (for deployments
//! with several replicas), through one set of migrations written in the SQL both
//! accept ([`migrate`]). Because every piece of shared state is here, two service
//! processes on one PostgreSQL database behave as one: a rate limit counts the
//! requests of both, a run written by one is read by the other.
//!
//! Secrets are stored hashed: passwords with Argon2id ([`password`]), API tokens and
//! session ids with SHA-256 of 256 random bits. The clear values are shown once, when
//! they are made, and never kept.

mod error;
mod random;

pub mod audit;
pub mod budget;
pub mod clock;
pub mod limits;
pub mod migrate;
pub mod password;
pub mod runs;
pub mod sessions;
pub mod tokens;
pub mod totp;
pub mod users;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, Result};
pub use users::{Permission, Role, User};

/// Which database a [`Store`] is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file.
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

/// The application database: a connection pool and the clock its expiries use.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may carry a password: only the backend is shown.
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the database at `url` (`sqlite://PATH` — created when missing — or
    /// `postgres://…`) and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Self> {
        Self::open_with_clock(url, Arc::new(SystemClock)).await
    }

    /// [`Store::open`] with a given clock (tests move time forward by hand).
    pub async fn open_with_clock(url: &str, clock: Arc<dyn Clock>) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let (backend, url) = backend_of(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
            .acquire_timeout(Duration::from_secs(10))
            .connect(&url)
            .await
            .map_err(|e| Error::Open {
                backend,
                reason: error::describe(&e),
            })?;
        let store = Self { pool, backend, clock };
        if backend == Backend::Sqlite {
            // Readers do not wait for the writer; a writer waits for another.
            sqlx::query("PRAGMA journal_mode = WAL").execute(&store.pool).await?;
        }
        migrate::run(&store).await?;
        Ok(store)
    }

    /// The database the store is on.
    #[must_use]
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether the database answers (for `/ready`).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Now, in Unix milliseconds, by the store's clock.
    #[must_use]
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

/// Where the application database is when `CDT_DATABASE_URL` is not set: an SQLite
/// file in the user's data folder (`$XDG_DATA_HOME/cdt/service.sqlite`, by default
/// `~/.local/share/cdt/service.sqlite`), its folder created (mode 0700 on Unix).
pub fn default_url() -> Result<String> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".local/share")))
        .ok_or_else(|| Error::Url("neither CDT_DATABASE_URL, XDG_DATA_HOME nor HOME is set".into()))?;
    let dir = base.join("cdt");
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(&dir)
        .map_err(|e| Error::Url(format!("cannot create {}: {e}", dir.display())))?;
    Ok(format!("sqlite://{}", dir.join("service.sqlite").display()))
}

/// The URL of the application database: `CDT_DATABASE_URL`, else [`default_url`].
pub fn url_from_env() -> Result<String> {
    match std::env::var("CDT_DATABASE_URL") {
        Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_owned()),
        _ => default_url(),
    }
}

/// The backend of a URL, and the URL the driver is given (SQLite files are created
/// when missing).
fn backend_of(url: &str) -> Result<(Backend, String)> {
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let rest = rest.trim_start_matches("//");
        if rest.is_empty() {
            return Err(Error::Url("an SQLite URL needs a file: sqlite://PATH".into()));
        }
        let sep = if rest.contains('?') { '&' } else { '?' };
        let with_mode = if rest.contains("mode=") {
            format!("sqlite://{rest}")
        } else {
            format!("sqlite://{rest}{sep}mode=rwc")
        };
        return Ok((Backend::Sqlite, with_mode));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok((Backend::Postgres, url.to_owned()));
    }
    Err(Error::Url(
        "the database URL must start with sqlite:// or postgres://".into(),
    ))
}

/// A new random id for a row (128 bits, hex).
pub(crate) fn new_id() -> String {
    random::hex_id::<16>()
}

/// A new id for an error answer, to find its cause in the log (64 bits, hex).
#[must_use]
pub fn new_error_id() -> String {
    random::hex_id::<8>()
}

/// A new random password for a first login: 24 characters, 144 bits.
#[must_use]
pub fn generate_password() -> String {
    random::secret().chars().take(24).collect()
}

/// Converts a count or flag read from the database.
pub(crate) fn flag(v: i64) -> bool {
    v != 0
}
