//! Starting the service: settings from the environment, the application database,
//! the tools and plugins, the listener; graceful shutdown on Ctrl-C or SIGTERM; the
//! retention sweep every hour. The `cdt-http` binary and `cdt serve` both call
//! [`serve`].

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use cdt_core::Registry;
use cdt_store::Store;

use crate::{AppState, Config, Error, app};

/// What [`serve`] starts.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// Address to listen on.
    pub addr: String,
    /// The application database's URL (never logged: it may hold a password).
    pub database_url: String,
    /// The customers' settings files.
    pub settings_dir: PathBuf,
    /// WASM plugins to load.
    pub plugins_dir: Option<PathBuf>,
    /// The only folder runs on files may name.
    pub data_dir: Option<PathBuf>,
    /// The HubSpot settings file (default: `_hubspot.json` in the settings folder).
    pub hubspot_settings: Option<PathBuf>,
    /// The service's behaviour.
    pub config: Config,
}

impl ServeOptions {
    /// The options from the environment (see [`crate::config`]).
    pub fn from_env() -> Result<Self, Error> {
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        Ok(Self {
            addr: std::env::var("CDT_HTTP_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into()),
            database_url: cdt_store::url_from_env()?,
            settings_dir: var("CDT_SETTINGS_DIR").unwrap_or_else(|| "customer-integration-settings".into()),
            plugins_dir: var("CDT_PLUGINS_DIR"),
            data_dir: var("CDT_DATA_DIR"),
            hubspot_settings: var("CDT_HUBSPOT_SETTINGS"),
            config: Config::from_env()?,
        })
    }
}

/// Serves until `shutdown` completes (then finishes the requests in flight).
pub async fn serve(options: ServeOptions, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), Error> {
    let store = Store::open(&options.database_url).await?;
    cdt_tools::link();
    let mut registry = Registry::builtin()?;
    if let Some(dir) = &options.plugins_dir {
        let report = cdt_wasm::load_dir(&mut registry, dir)?;
        tracing::info!(loaded = ?report.loaded, failed = report.failed.len(), "plugins");
    }
    let mut state =
        AppState::with_registry(registry, &options.settings_dir, store.clone()).with_config(options.config.clone());
    if let Some(data) = &options.data_dir {
        state = state.with_data_dir(data);
    }
    let hubspot_file =
        cdt_connectors::hubspot::file::path_in(&options.settings_dir, options.hubspot_settings.as_deref());
    if hubspot_file.is_file() {
        let creds = cdt_connectors::factory::default_credentials()?;
        match cdt_connectors::hubspot::file::client(&hubspot_file, &creds).await {
            Ok(client) => state = state.with_hubspot(client),
            // The service still runs diagnostics; triage answers 404 (not configured) until fixed.
            Err(e) => tracing::error!(error = %e, "HubSpot is configured but its client cannot start"),
        }
    }
    let listener = tokio::net::TcpListener::bind(&options.addr)
        .await
        .map_err(|source| Error::Listen {
            addr: options.addr.clone(),
            source,
        })?;
    let local = listener.local_addr().map_err(Error::Serve)?;
    tracing::info!(addr = %local, database = ?store.backend(), "serving");
    let retention = options.config.retention_days;
    let pruner = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_hours(1));
        loop {
            tick.tick().await;
            match store.prune(retention).await {
                Ok(n) => tracing::info!(deleted = n, retention_days = retention, "retention"),
                Err(e) => tracing::error!(error = %e, "retention failed"),
            }
        }
    });
    let served = axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await;
    pruner.abort();
    served.map_err(Error::Serve)
}

/// Completes on Ctrl-C or, on Unix, SIGTERM (what container services send).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing the requests in flight");
}

/// Logging for the service: stderr, filtered by `CDT_LOG` (`info` by default), text or
/// JSON lines (`CDT_LOG_FORMAT=json`). Application events, diagnostics
/// (`cdt::diagnostics`) and security events (`cdt::security`) are told apart by their
/// target, so a log pipeline can route them separately.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CDT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("CDT_LOG_FORMAT").is_ok_and(|v| v == "json") {
        let _ = builder.json().with_current_span(true).try_init();
    } else {
        let _ = builder.try_init();
    }
}
