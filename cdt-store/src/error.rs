//! The store's errors.

use crate::Backend;

/// What can go wrong with the application database.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database URL is not one the store knows.
    #[error("application database URL: {0}")]
    Url(String),
    /// The database could not be opened.
    #[error("cannot open the application database ({backend:?}): {reason}")]
    Open {
        /// Which database.
        backend: Backend,
        /// Why, without the URL (it may hold a password).
        reason: String,
    },
    /// A query failed.
    #[error("application database: {0}")]
    Database(String),
    /// A migration failed.
    #[error("application database migration {version} ({name}): {reason}")]
    Migration {
        /// The migration's number.
        version: i64,
        /// Its file name.
        name: &'static str,
        /// Why.
        reason: String,
    },
    /// A user, token or run that does not exist.
    #[error("{what} `{id}` does not exist")]
    NotFound {
        /// `user`, `token`, `run`.
        what: &'static str,
        /// What was asked for.
        id: String,
    },
    /// A username that is taken.
    #[error("user `{0}` already exists")]
    UserExists(String),
    /// A value that is not allowed (a role, a permission, a username, a password).
    #[error("{field}: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Why it is refused.
        reason: String,
    },
    /// Hashing a password failed (never the password itself).
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// The store's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Self::Database(describe(&e))
    }
}

/// A database error in words, without connection strings.
pub(crate) fn describe(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => db.message().to_owned(),
        sqlx::Error::PoolTimedOut => "timed out waiting for a connection".into(),
        sqlx::Error::Io(io) => format!("I/O: {io}"),
        sqlx::Error::Tls(_) => "TLS handshake failed".into(),
        sqlx::Error::Configuration(_) => "bad connection settings".into(),
        other => other.to_string(),
    }
}
