//! `cdt-http`: serve the HTTP API, logging to stderr at `CDT_LOG` (an `EnvFilter`,
//! `info` by default). `CDT_HTTP_ADDR` (default `127.0.0.1:8080`) and
//! `CDT_SETTINGS_DIR` (default `customer-integration-settings`); WASM plugins from
//! `CDT_PLUGINS_DIR` (none when unset or empty: a service loads only the plugins it is
//! told to);
//! runs on files under `CDT_DATA_DIR` only (unset: runs on customers only).

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CDT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let addr = std::env::var("CDT_HTTP_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let dir = std::env::var("CDT_SETTINGS_DIR").unwrap_or_else(|_| "customer-integration-settings".into());
    cdt_tools::link();
    let mut registry = match cdt_core::Registry::builtin() {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            return ExitCode::from(2);
        }
    };
    let plugin_dir = std::env::var_os("CDT_PLUGINS_DIR")
        .filter(|d| !d.is_empty())
        .map(std::path::PathBuf::from);
    if let Some(pdir) = plugin_dir {
        match cdt_wasm::load_dir(&mut registry, &pdir) {
            Ok(report) => tracing::info!(loaded = ?report.loaded, failed = report.failed.len(), "plugins"),
            Err(e) => {
                tracing::error!(error = %e, "cannot load plugins");
                return ExitCode::from(2);
            }
        }
    }
    let mut state = cdt_http::AppState::with_registry(registry, dir);
    if let Some(data) = std::env::var_os("CDT_DATA_DIR").filter(|d| !d.is_empty()) {
        state = state.with_data_dir(data);
    }
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, %addr, "cannot listen");
            return ExitCode::from(2);
        }
    };
    tracing::info!(%addr, "serving");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match axum::serve(listener, cdt_http::app(state))
        .with_graceful_shutdown(shutdown)
        .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "server failed");
            ExitCode::from(2)
        }
    }
}
