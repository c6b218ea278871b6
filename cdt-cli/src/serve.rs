//! `cdt serve`: the service (the same as the `cdt-http` binary). Settings come from
//! the environment (`cdt_http::config`); the flags here override the most common.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

#[derive(Args, Debug)]
pub(crate) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CDT_HTTP_ADDR", default_value = "127.0.0.1:8080")]
    addr: String,
    /// The application database: `sqlite://PATH` or `postgres://…` (default: an SQLite
    /// file in the user's data folder).
    #[arg(long, env = "CDT_DATABASE_URL", hide_env_values = true)]
    database: Option<String>,
    #[command(flatten)]
    settings: crate::cli::SettingsDir,
    /// The only folder runs on files may name.
    #[arg(long, env = "CDT_DATA_DIR")]
    data_dir: Option<PathBuf>,
}

pub(crate) async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut options = cdt_http::ServeOptions::from_env()?;
    options.addr = args.addr;
    if let Some(url) = args.database {
        options.database_url = url;
    }
    options.settings_dir = args.settings.settings_dir;
    options.data_dir = args.data_dir.or(options.data_dir);
    crate::output::note(&format!(
        "serving on http://{} (Ctrl-C to stop); `cdt users add NAME --role admin` makes the first user",
        options.addr
    ));
    cdt_http::serve(options, cdt_http::shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}
