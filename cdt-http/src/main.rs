//! `cdt-http`: the service, configured wholly by environment variables (see
//! `cdt_http::config`); logs to stderr at `CDT_LOG` (an `EnvFilter`, `info` by
//! default), as JSON lines when `CDT_LOG_FORMAT=json`. The same as `cdt serve`.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    cdt_http::init_logging();
    let options = match cdt_http::ServeOptions::from_env() {
        Ok(o) => o,
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            return ExitCode::from(2);
        }
    };
    match cdt_http::serve(options, cdt_http::shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "cannot serve");
            ExitCode::from(2)
        }
    }
}
