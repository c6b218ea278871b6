//! # cdt-wasm: third-party diagnostics as sandboxed WebAssembly plugins
//!
//! A plugin is a WebAssembly component targeting the `cdt:plugin@1.0.0` world
//! (`plugins/wit/cdt-plugin.wit`) plus a manifest (`plugin.toml`). Loaded plugins join
//! the same [`cdt_core::Registry`] as the built-in tools, so every adapter (the CLI,
//! the HTTP API, Python) runs them with no code of its own:
//!
//! ```no_run
//! let mut registry = cdt_core::Registry::builtin()?;
//! let report = cdt_wasm::load_dir(&mut registry, std::path::Path::new("plugins/dist"))?;
//! assert!(report.failed.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## The sandbox
//! - The only import a plugin may have is the host's capped `log`: no WASI, so no
//!   file system, network, environment, clock or randomness. A component that imports
//!   anything else is refused at load.
//! - Every run gets a fresh store and instance (from a pre-linked component and the
//!   pooling allocator), so nothing survives from one run, or one plugin, to the next.
//! - Fuel (or an epoch deadline), a memory cap, a stack cap, and caps on component,
//!   case and verdict sizes; the verdict is checked against the schema.
//! - Every failure is a typed [`Error`], mapped to [`cdt_core::Error::Plugin`]: a
//!   failed plugin never reads as `NO_ISSUE`.
//!
//! `docs/plugin-interface.md` documents the interface and `docs/plugin-authors-guide.md`
//! how to write a plugin.

#[cfg(feature = "host")]
mod cache;
pub mod error;
#[cfg(feature = "host")]
mod files;
#[cfg(feature = "host")]
mod host;
pub mod limits;
pub mod manifest;
#[cfg(feature = "host")]
mod plugin;
#[cfg(feature = "host")]
pub mod shape;
pub mod wire;

#[cfg(feature = "host")]
use std::path::Path;
#[cfg(feature = "host")]
use std::sync::{Arc, OnceLock};

pub use error::{Error, Result};
#[cfg(feature = "host")]
pub use host::{Budget, Cache, Host, HostConfig, Prepared};
pub use limits::{HostLimits, PluginLimits};
pub use manifest::{ABI, Manifest};
#[cfg(feature = "host")]
pub use plugin::{LoadReport, WasmTool, load_dir_with};

#[cfg(feature = "host")]
/// The process's default host (fuel, pooling, the per-user compiled cache),
/// made on first use.
pub fn default_host() -> Result<Arc<Host>> {
    static HOST: OnceLock<Arc<Host>> = OnceLock::new();
    if let Some(h) = HOST.get() {
        return Ok(Arc::clone(h));
    }
    let host = Arc::new(Host::new(HostConfig::default())?);
    Ok(Arc::clone(HOST.get_or_init(|| host)))
}

#[cfg(feature = "host")]
/// Loads every plugin in `dir` into `registry` with the [default host](default_host):
/// see [`load_dir_with`].
pub fn load_dir(registry: &mut cdt_core::Registry, dir: &Path) -> Result<LoadReport> {
    load_dir_with(&default_host()?, registry, dir)
}
