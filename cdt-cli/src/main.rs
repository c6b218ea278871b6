//! `cdt`: run roster diagnostics from a terminal.
//!
//! Exit codes: 0 no issue, 1 issue found (any status but `NO_ISSUE`), 2 could not run.

use std::process::ExitCode;

use clap::Parser;

mod check;
#[cfg(feature = "api")]
mod classlink;
mod cli;
mod customers;
mod demo;
mod diff;
mod output;
mod plugins;
mod run;
#[cfg(feature = "service")]
mod serve;
mod snapshot;
mod sweep;
mod tools;
#[cfg(feature = "hubspot")]
mod triage;
#[cfg(feature = "service")]
mod users;
mod validate;

/// mimalloc: the sweep and the readers make many small, short-lived allocations
/// (records cloned into each case's slice), where it is markedly faster than glibc's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("CDT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(if args.verbose { "info" } else { "warn" }));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    cdt_tools::link();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            report_error(&anyhow::anyhow!("cannot start the async runtime: {e}"));
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(cli::dispatch(args)) {
        Ok(code) => code,
        Err(e) => {
            report_error(&e);
            ExitCode::from(2)
        }
    }
}

#[allow(clippy::print_stderr)]
fn report_error(e: &anyhow::Error) {
    // An error can quote outside text (a file's column, a server's answer): each
    // message reaches the terminal on its own line, without control characters.
    let safe = |t: &dyn std::fmt::Display| cdt_core::text::one_line(&t.to_string()).into_owned();
    eprintln!("error: {}", safe(e));
    for cause in e.chain().skip(1) {
        eprintln!("  caused by: {}", safe(&cause));
    }
}
