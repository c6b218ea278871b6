//! Where the CLI finds WASM plugins, and the registry they join.

use std::path::PathBuf;

use cdt_core::Registry;
use clap::Args;

/// The default plugin folder: per user, never the current directory (a folder that
/// came with a download must not run by being where `cdt` was started).
/// `$XDG_DATA_HOME/cdt/plugins`, else `$HOME/.local/share/cdt/plugins`.
fn default_dir() -> Option<PathBuf> {
    let absolute = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    std::env::var_os("XDG_DATA_HOME")
        .and_then(absolute)
        .or_else(|| {
            std::env::var_os("HOME")
                .and_then(absolute)
                .map(|h| h.join(".local").join("share"))
        })
        .map(|d| d.join("cdt").join("plugins"))
}

/// Plugin options, shared by every command.
#[derive(Args, Debug, Clone)]
pub(crate) struct PluginArgs {
    /// The folder of WASM plugins (one folder each, with plugin.toml and plugin.wasm);
    /// default `$XDG_DATA_HOME/cdt/plugins` (`~/.local/share/cdt/plugins`), skipped
    /// quietly when it does not exist. The examples build into `plugins/dist`.
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
        let Some(dir) = default_dir().filter(|d| d.is_dir()) else {
            tracing::debug!("no per-user plugin folder; built-in tools only");
            return Ok(registry);
        };
        dir
    };
    load(&mut registry, &dir, args.plugins_dir.is_some())?;
    Ok(registry)
}

#[cfg(feature = "plugins")]
fn load(registry: &mut Registry, dir: &std::path::Path, _explicit: bool) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let report =
        cdt_wasm::load_dir(registry, dir).with_context(|| format!("cannot load plugins from {}", dir.display()))?;
    tracing::info!(loaded = ?report.loaded, failed = report.failed.len(), "plugins");
    Ok(())
}

/// A build without the plugin host runs the built-in tools: a plugin folder asked for
/// is an error, the per-user folder a warning.
#[cfg(not(feature = "plugins"))]
fn load(_: &mut Registry, dir: &std::path::Path, explicit: bool) -> anyhow::Result<()> {
    if !explicit {
        tracing::warn!(
            folder = %dir.display(),
            "this cdt was built without the plugin host (the `plugins` feature): built-in tools only"
        );
        return Ok(());
    }
    anyhow::bail!(
        "this cdt was built without the plugin host (the `plugins` feature), so it cannot load the plugins in {}: \
         build the full command (`cargo build --release -p cdt-cli`), or pass --no-plugins",
        dir.display()
    )
}
