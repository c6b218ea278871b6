//! The one error type of `cdt-connectors`.

use std::path::PathBuf;

/// Why a connector could not read or write its data. Messages name the file, row,
/// column or database involved, and never contain a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or folder could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// The input is not a bundle this reader understands.
    #[error("{}: {message}", path.display())]
    Bundle {
        /// The bundle.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },

    /// A CSV file is malformed or lacks a required column.
    #[error("{file}{}{}: {message}", row.map(|r| format!(", row {r}")).unwrap_or_default(), column.as_ref().map(|c| format!(", column {c}")).unwrap_or_default())]
    Csv {
        /// The file, as named in the bundle or snapshot.
        file: String,
        /// The row as a spreadsheet shows it (the header is row 1).
        row: Option<u64>,
        /// The column.
        column: Option<String>,
        /// What is wrong.
        message: String,
    },

    /// A database row of a platform table could not be read: a column is missing,
    /// not text, empty where required, or holds a value it does not allow.
    #[error("table {table}, row {row}, column {column}: {message}")]
    Row {
        /// The table.
        table: &'static str,
        /// The row: its key (`` `s-1` ``) when readable, else `number N`.
        row: String,
        /// The column.
        column: String,
        /// What is wrong.
        message: String,
    },

    /// A ZIP archive is corrupt, hostile or over a limit.
    #[error("{}: {message}", path.display())]
    Zip {
        /// The archive.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },

    /// The embedded SQLite store failed.
    #[error("embedded store {}: {message}", path.display())]
    Store {
        /// The database file.
        path: PathBuf,
        /// What went wrong.
        message: String,
        /// The database error.
        #[source]
        source: Option<sqlx::Error>,
    },

    /// The environments file (`_environments.json`) is missing or invalid, or an
    /// environment lacks what a customer needs.
    #[error("{}: {message}", path.display())]
    Environments {
        /// The environments file.
        path: PathBuf,
        /// The field at fault, as a dotted path, when known.
        field: Option<String>,
        /// What is wrong.
        message: String,
    },

    /// A credential could not be resolved. Names the reference, never the value.
    #[error("secret {reference}: {message}")]
    Credential {
        /// The reference, e.g. `env:BOOKMARKED_STAGING_DB_PASSWORD`.
        reference: String,
        /// What went wrong.
        message: String,
    },

    /// Bookmarked's PostgreSQL database failed or refused a query.
    #[error("PostgreSQL {target}: {message}")]
    Postgres {
        /// The environment and database, e.g. `staging (db.example:5432/bookmarked)`.
        target: String,
        /// What went wrong.
        message: String,
        /// The database error.
        #[source]
        source: Option<sqlx::Error>,
    },

    /// Bookmarked's REST API failed, refused a request or sent a bad body.
    #[error("Bookmarked API {request}: {message}")]
    Api {
        /// The request, e.g. `staging GET /v1/districts/bm-org-1/students`.
        request: String,
        /// The HTTP status, when a response came.
        status: Option<u16>,
        /// What went wrong.
        message: String,
    },

    /// A OneRoster REST API (or its OAuth 2 token URL) failed, refused a request or
    /// sent a bad body.
    #[error("OneRoster API {request}: {message}")]
    OneRoster {
        /// The request, without values that may be personal data, e.g.
        /// `GET /ims/oneroster/v1p1/users (filter on email)`.
        request: String,
        /// The HTTP status, when a response came.
        status: Option<u16>,
        /// What kind of failure it is.
        kind: RestErrorKind,
        /// What went wrong, with the server's `imsx` status when it sent one.
        message: String,
    },

    /// HubSpot's CRM API (or its OAuth token endpoint) failed, refused a request or
    /// sent a bad body. Never holds a token, a client secret or a whole answer.
    #[error("HubSpot {request}: {message}{}", correlation_id.as_ref().map(|c| format!(" (correlation id {c})")).unwrap_or_default())]
    HubSpot {
        /// The request, e.g. `GET /crm/objects/2026-03/tickets/{id}`.
        request: String,
        /// The HTTP status, when a response came.
        status: Option<u16>,
        /// What kind of failure it is.
        kind: RestErrorKind,
        /// HubSpot's `correlationId`, to quote to HubSpot support (not a secret).
        correlation_id: Option<String>,
        /// What went wrong, with HubSpot's error category when it sent one.
        message: String,
    },

    /// A file drop (FTP, FTPS, SFTP) failed: connecting, the host key or certificate,
    /// logging in, finding the file, or downloading it. Names the customer, the server
    /// and the remote path, never a secret.
    #[error("customer {customer}, {server}: {message}")]
    Drop {
        /// The customer id.
        customer: String,
        /// The server and path, e.g. `sftp://drop.example.org:22/outgoing/roster.zip`.
        server: String,
        /// What kind of failure it is.
        kind: DropErrorKind,
        /// What went wrong.
        message: String,
    },

    /// AWS Secrets Manager failed or refused a request.
    #[error("AWS Secrets Manager {secret_id}: {message}")]
    Aws {
        /// The secret id asked for.
        secret_id: String,
        /// What went wrong.
        message: String,
    },
}

/// The kinds of REST failures (OneRoster and HubSpot), for callers that act on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RestErrorKind {
    /// The settings cannot work (a URL refused, a client that cannot be built).
    Settings,
    /// 401: the credentials or the signature were refused.
    BadCredentials,
    /// 403: the credentials may not read this (OAuth 2 scope, app permissions).
    Forbidden,
    /// 404: no record with that id, or no such endpoint.
    UnknownObject,
    /// 400/422: the server rejected the request (a filter, a field).
    BadRequest,
    /// 3xx: a redirect, never followed.
    Redirect,
    /// 429/5xx/timeouts/broken connections after every retry allowed.
    Unavailable,
    /// Another HTTP error status.
    Server,
    /// A body that is not the JSON expected.
    Malformed,
    /// Paging that cannot be trusted (a repeated page, too many pages).
    Paging,
    /// A name the server does not know (a HubSpot pipeline stage); the message lists
    /// the names it knows.
    UnknownName,
}

/// The kinds of file-drop failures, for callers that act on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DropErrorKind {
    /// The settings cannot work (a CA file that cannot be read, a key that cannot be
    /// parsed).
    Settings,
    /// The server could not be reached, or the connection broke.
    Connect,
    /// The SFTP server's host key is not the pinned one, or the FTPS certificate
    /// failed verification.
    Untrusted,
    /// The server refused the user name and credentials.
    Login,
    /// The remote file does not exist, or no file matches the pattern.
    NotFound,
    /// The remote file is larger than the download cap.
    TooLarge,
    /// The download ended before the size the server announced (or went past it).
    Truncated,
    /// The server answered something the client cannot use.
    Protocol,
    /// The local download cache could not be written.
    Cache,
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn csv(file: &str, row: Option<u64>, column: Option<&str>, message: impl Into<String>) -> Self {
        Self::Csv {
            file: file.to_owned(),
            row,
            column: column.map(str::to_owned),
            message: message.into(),
        }
    }
}

impl From<Error> for cdt_core::Error {
    fn from(e: Error) -> Self {
        match e {
            Error::Io { path, source } => cdt_core::Error::Io { path, source },
            Error::Csv {
                file,
                row,
                column,
                message,
            } => {
                use std::fmt::Write as _;
                let mut location = file;
                if let Some(r) = row {
                    let _ = write!(location, ", row {r}");
                }
                if let Some(c) = column {
                    let _ = write!(location, ", column {c}");
                }
                cdt_core::Error::Data { location, message }
            }
            Error::Row {
                table,
                row,
                column,
                message,
            } => cdt_core::Error::Data {
                location: format!("table {table}, row {row}, column {column}"),
                message,
            },
            Error::Bundle { path, message } | Error::Zip { path, message } => cdt_core::Error::Data {
                location: path.display().to_string(),
                message,
            },
            Error::Store { path, message, source } => cdt_core::Error::Connector {
                connector: format!("embedded store {}", path.display()),
                message,
                source: source.map(|s| Box::new(s) as cdt_core::error::BoxError),
            },
            Error::Environments { path, field, message } => cdt_core::Error::Config { path, field, message },
            Error::Credential { reference, message } => cdt_core::Error::Secret { reference, message },
            Error::OneRoster { request, message, .. } => cdt_core::Error::Connector {
                connector: format!("OneRoster API {request}"),
                message,
                source: None,
            },
            Error::HubSpot {
                request,
                message,
                correlation_id,
                ..
            } => cdt_core::Error::Connector {
                connector: format!("HubSpot {request}"),
                message: match correlation_id {
                    Some(c) => format!("{message} (correlation id {c})"),
                    None => message,
                },
                source: None,
            },
            Error::Drop {
                customer,
                server,
                message,
                ..
            } => cdt_core::Error::Connector {
                connector: format!("file drop {server} (customer {customer})"),
                message,
                source: None,
            },
            Error::Aws { secret_id, message } => cdt_core::Error::Secret {
                reference: format!("aws-sm:{secret_id}"),
                message,
            },
            Error::Postgres {
                target,
                message,
                source,
            } => cdt_core::Error::Connector {
                connector: format!("PostgreSQL {target}"),
                message,
                source: source.map(|s| Box::new(s) as cdt_core::error::BoxError),
            },
            Error::Api { request, message, .. } => cdt_core::Error::Connector {
                connector: format!("Bookmarked API {request}"),
                message,
                source: None,
            },
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
