//! The one error type of `cdt-core`.
//!
//! An [`Error`] means a diagnostic *could not run*. A data problem that a diagnostic
//! finds is not an error: it is a [`crate::Finding`] inside a [`crate::DiagnosticResult`].

use std::path::PathBuf;

/// A boxed error from a lower layer, kept as the `source` of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a diagnostic could not run.
///
/// Every message names what it is about (file, field, row, input or connector)
/// and never contains a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A customer settings file is missing, unreadable or invalid.
    #[error("{}: {message}", path.display())]
    Config {
        /// The settings file.
        path: PathBuf,
        /// The field at fault, as a dotted path (`integration.path`), when known.
        field: Option<String>,
        /// What is wrong, for a person.
        message: String,
    },

    /// No settings file exists for this customer id.
    #[error("customer `{id}` not found: no file {}", path.display())]
    CustomerNotFound {
        /// The customer id asked for.
        id: String,
        /// The file that was looked for.
        path: PathBuf,
    },

    /// A tool input is missing, unknown or malformed.
    #[error("input `{name}`: {message}")]
    Input {
        /// The input's name.
        name: String,
        /// What is wrong with it.
        message: String,
    },

    /// No tool is registered under this id.
    #[error("unknown tool `{id}`; `cdt tools` lists the available ones")]
    UnknownTool {
        /// The id asked for.
        id: String,
    },

    /// Two tools were registered under one id.
    #[error("two tools are registered as `{id}`")]
    DuplicateTool {
        /// The id registered twice.
        id: String,
    },

    /// Data could not be read: the location names the file, row and column.
    #[error("{location}: {message}")]
    Data {
        /// Where, as `file`, `file, row N` or `file, row N, column C`.
        location: String,
        /// What is wrong, for a person.
        message: String,
    },

    /// A connector failed to fetch data (network, database, file system).
    #[error("{connector}: {message}")]
    Connector {
        /// Which connector, e.g. `OneRoster CSV bundle demo/oneroster`.
        connector: String,
        /// What went wrong.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },

    /// A secret could not be resolved. Never carries the secret's value.
    #[error("secret {reference}: {message}")]
    Secret {
        /// The reference (e.g. `env:CLASSLINK_SECRET`), never the value.
        reference: String,
        /// What went wrong.
        message: String,
    },

    /// A plugin failed to load or run.
    #[error("plugin `{id}`: {message}")]
    Plugin {
        /// The plugin id.
        id: String,
        /// What went wrong.
        message: String,
    },

    /// The requested feature exists in the settings model but not in this build.
    #[error("{what} is not supported by this build of cdt")]
    Unsupported {
        /// What was asked for.
        what: String,
    },

    /// A limit shared by every adapter was reached (e.g. the platform queries a user
    /// may make in a minute): try again after `retry_after_secs`.
    #[error("{what}; try again in {retry_after_secs} s")]
    RateLimited {
        /// The limit, e.g. `at most 100 platform queries a minute per user`.
        what: String,
        /// Seconds until the limit's window ends.
        retry_after_secs: u64,
    },

    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// A [`Error::Connector`] without an underlying source.
    pub fn connector(connector: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Connector {
            connector: connector.into(),
            message: message.into(),
            source: None,
        }
    }

    /// A [`Error::Input`] for the named input.
    pub fn input(name: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Input {
            name: name.into(),
            message: message.into(),
        }
    }

    /// An [`Error::Io`] for a path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
