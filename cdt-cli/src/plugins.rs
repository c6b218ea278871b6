//! Where the CLI finds WASM plugins, and the registry they join.

use std::path::PathBuf;

use anyhow::Context;
use cdt_core::Registry;
use clap::Args;

/// The default plugin folder: where `scripts/setup.d/20-plugins` builds the examples.
const DEFAULT_DIR: &str = "plugins/dist";

/// Plugin options, shared by every command.
#[derive(Args, Debug, Clone)]
pub(crate) struct PluginArgs {
    /// The folder of WASM plugins (one folder each, with plugin.toml and plugin.wasm);
    /// default `plugins/dist`, skipped quietly when it does not exist.
    #[arg(long, env = "CDT_PLUGINS_DIR", global = true, value_name = "DIR")]
    pub(crate) plugins_dir: Option<PathBuf>,
    /// Load no plugins: the built-in tools only.
    #[arg(long, global = true, conflicts_with = "plugins_dir")]
    pub(crate) no_plugins: bool,
}

/// The built-in tools plus the plugins these options select. A plugin that fails to
/// load is logged and left out; a plugin folder asked for explicitly must exist.
pub(crate) fn registry(args: &PluginArgs) -> anyhow::Result<Registry> {
    let mut registry = Registry::builtin()?;
    if args.no_plugins {
        return Ok(registry);
    }
    let dir = if let Some(dir) = &args.plugins_dir {
        dir.clone()
    } else {
        let dir = PathBuf::from(DEFAULT_DIR);
        if !dir.is_dir() {
            tracing::debug!("no plugin folder at {DEFAULT_DIR}; built-in tools only");
            return Ok(registry);
        }
        dir
    };
    let report = cdt_wasm::load_dir(&mut registry, &dir)
        .with_context(|| format!("cannot load plugins from {}", dir.display()))?;
    tracing::info!(loaded = ?report.loaded, failed = report.failed.len(), "plugins");
    Ok(registry)
}
