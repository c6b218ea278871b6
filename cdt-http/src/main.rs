//! `cdt-http`: serve the HTTP API. `CDT_HTTP_ADDR` (default `127.0.0.1:8080`) and
//! `CDT_SETTINGS_DIR` (default `customer-integration-settings`).

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt().with_writer(std::io::stderr).init();
    let addr = std::env::var("CDT_HTTP_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let dir = std::env::var("CDT_SETTINGS_DIR").unwrap_or_else(|_| "customer-integration-settings".into());
    let state = match cdt_http::AppState::new(dir) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            return ExitCode::from(2);
        }
    };
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
