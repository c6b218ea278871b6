//! `cdt.load_plugins(dir)`: WASM plugins join the process's registry, beside the
//! built-in tools, so that `cdt.tools()` lists them and `cdt.run()` runs them with no
//! code of their own here.
//!
//! Loading is all or nothing: the plugins are loaded into a copy of the registry with
//! the GIL released, and the copy replaces the registry only when every plugin in the
//! folder loaded. Otherwise `PluginError` names each plugin folder that failed and why,
//! and the registry is left as it was.

use std::path::PathBuf;

use pyo3::prelude::*;

use crate::errors::plugin_load_err;

/// Why a plugin folder could not be loaded.
#[derive(Debug)]
pub(crate) struct LoadFailure {
    /// The plugin folder at fault, or `None` when the folder of plugins itself is.
    pub(crate) plugin: Option<PathBuf>,
    /// What went wrong, naming the file (and every plugin that failed).
    pub(crate) message: String,
}

/// Loads every plugin in `dir` (one folder each, holding `plugin.toml` and
/// `plugin.wasm`) into the registry; returns their ids, sorted. Raises `PluginError`
/// when the folder cannot be read or any plugin in it cannot be loaded (then none is).
#[pyfunction]
#[allow(clippy::needless_pass_by_value)] // pyo3 extracts an owned path
pub(crate) fn load_plugins(py: Python<'_>, dir: PathBuf) -> PyResult<Vec<String>> {
    py.detach(|| load(&dir)).map_err(|e| plugin_load_err(py, &e))
}

#[cfg(feature = "plugins")]
fn load(dir: &std::path::Path) -> Result<Vec<String>, LoadFailure> {
    use std::fmt::Write as _;

    let mut staged = crate::registry::snapshot().map_err(|e| LoadFailure {
        plugin: None,
        message: e.to_string(),
    })?;
    let report = cdt_wasm::load_dir(&mut staged, dir).map_err(|e| LoadFailure {
        plugin: None,
        message: format!("cannot load plugins from {}: {e}", dir.display()),
    })?;
    if let Some((first, _)) = report.failed.first() {
        let mut message = format!("cannot load plugins from {}, so none was loaded:", dir.display());
        // Each error names its file (the plugin's manifest or component).
        for (_, err) in &report.failed {
            let _ = write!(message, "\n  {err}");
        }
        return Err(LoadFailure {
            plugin: Some(first.clone()),
            message,
        });
    }
    let tools: Vec<_> = report.loaded.iter().filter_map(|id| staged.get(id).ok()).collect();
    crate::registry::add_all(tools).map_err(|e| LoadFailure {
        plugin: None,
        message: format!("cannot load plugins from {}: {e}", dir.display()),
    })?;
    tracing::info!(dir = %dir.display(), loaded = ?report.loaded, "plugins loaded");
    let mut ids = report.loaded;
    ids.sort();
    Ok(ids)
}

#[cfg(not(feature = "plugins"))]
fn load(dir: &std::path::Path) -> Result<Vec<String>, LoadFailure> {
    Err(LoadFailure {
        plugin: None,
        message: format!(
            "cannot load plugins from {}: this build of cdt has no plugin support (the `plugins` feature of cdt-py)",
            dir.display()
        ),
    })
}
