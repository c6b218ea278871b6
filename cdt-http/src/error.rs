//! The service's startup errors (request errors are [`crate::problem::ApiError`]).

/// What stops the service from starting.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A setting is malformed.
    #[error("{variable}: {reason}")]
    Config {
        /// The environment variable.
        variable: &'static str,
        /// Why.
        reason: String,
    },
    /// The tools or plugins could not be loaded.
    #[error(transparent)]
    Core(#[from] cdt_core::Error),
    /// Credentials or connectors could not be set up.
    #[error(transparent)]
    Connectors(#[from] cdt_connectors::Error),
    /// The plugins could not be loaded.
    #[error(transparent)]
    Plugins(#[from] cdt_wasm::Error),
    /// The application database could not be opened.
    #[error(transparent)]
    Store(#[from] cdt_store::Error),
    /// The address could not be listened on.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The server stopped with an error.
    #[error("server failed: {0}")]
    Serve(#[source] std::io::Error),
}
