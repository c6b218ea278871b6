//! A loaded plugin as a `cdt` tool, and loading a directory of plugins.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cdt_core::{Case, Inputs, Lookup, Registry, Tool, ToolSpec, Verdict};
use tracing::{debug, warn};

use crate::error::{Error, Result};
use crate::host::{Cache, Host, Prepared};
use crate::manifest::Manifest;
use crate::wire;

/// A plugin, ready to run: its manifest and its compiled component.
///
/// It implements [`Tool`], so it joins the [`Registry`] beside the built-in tools:
/// [`Tool::lookup`] follows the manifest's `[lookup]`, and [`Tool::run`] runs the
/// component in a fresh sandbox. A plugin that fails never returns a verdict: its
/// run returns `Err(cdt_core::Error::Plugin)` naming the plugin and the failure.
pub struct WasmTool {
    id: Arc<str>,
    manifest: Manifest,
    path: PathBuf,
    host: Arc<Host>,
    prepared: Prepared,
}

impl std::fmt::Debug for WasmTool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmTool")
            .field("id", &self.id)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl WasmTool {
    /// Loads the plugin in `dir` (`plugin.toml` and `plugin.wasm`).
    pub fn load(host: &Arc<Host>, dir: &Path, cache_dir: Option<&Path>) -> Result<Self> {
        let manifest = Manifest::read(&dir.join("plugin.toml"), &host.config().limits)?;
        let path = dir.join("plugin.wasm");
        let max = host.config().limits.max_component;
        let size = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?.len();
        if size > max {
            return Err(Error::Rejected {
                path,
                message: format!("{size} bytes, over the {max}-byte limit for a plugin"),
            });
        }
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let prepared = host.prepare(&path, &bytes, manifest.sha256.as_deref(), cache_dir)?;
        Ok(Self {
            id: Arc::from(manifest.spec.id.as_str()),
            manifest,
            path,
            host: Arc::clone(host),
            prepared,
        })
    }

    /// The manifest.
    #[must_use]
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Where the component was loaded from.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The case document this plugin receives for a case.
    #[must_use]
    pub fn case_document(&self, inputs: &Inputs, case: &Case) -> String {
        wire::case_document(&self.id, &self.manifest.data, inputs, case)
    }

    /// Runs the plugin on a case document and checks its verdict: [`Tool::run`]
    /// without building the document, with this crate's typed error.
    pub fn run_document(&self, case: &str) -> Result<Verdict> {
        let json = self.host.call(&self.id, &self.prepared, &self.manifest.limits, case)?;
        wire::parse_verdict(&json).map_err(|reason| Error::InvalidOutput {
            id: self.id.to_string(),
            reason,
        })
    }
}

impl WasmTool {
    /// Creates a fresh store and instance and drops them without a call: the fixed
    /// cost of a run, for benchmarks.
    #[doc(hidden)]
    pub fn instantiate_only(&self) -> Result<()> {
        self.host
            .instantiate_only(&self.id, &self.prepared, &self.manifest.limits)
    }
}

impl Tool for WasmTool {
    fn spec(&self) -> &ToolSpec {
        &self.manifest.spec
    }

    fn lookup(&self, inputs: &Inputs) -> cdt_core::Result<Lookup> {
        Ok(self.manifest.lookup.lookup(inputs))
    }

    fn run(&self, inputs: &Inputs, case: &Case) -> cdt_core::Result<Verdict> {
        let doc = self.case_document(inputs, case);
        self.run_document(&doc).map_err(|e| {
            warn!(plugin = %self.id, kind = e.kind(), "plugin run failed: {e}");
            cdt_core::Error::from(e)
        })
    }
}

/// What loading a plugin directory did.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// The ids of the plugins added to the registry.
    pub loaded: Vec<String>,
    /// The plugins that could not be loaded, by folder, with why. The others loaded.
    pub failed: Vec<(PathBuf, Error)>,
}

/// Loads every plugin in `dir` (one folder each, holding `plugin.toml` and
/// `plugin.wasm`) into `registry`, beside the tools already there.
///
/// A plugin that cannot be loaded (bad manifest, wrong hash, refused component, an id
/// already taken) is reported in [`LoadReport::failed`] and logged; the others still
/// load. `Err` only when `dir` itself cannot be read.
pub fn load_dir_with(host: &Arc<Host>, registry: &mut Registry, dir: &Path) -> Result<LoadReport> {
    let cache_dir = match &host.config().cache {
        Cache::User => crate::cache::default_dir(),
        Cache::Dir(d) => Some(d.clone()),
        Cache::Off => None,
    };
    let mut folders: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(std::result::Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("plugin.toml").is_file())
        .collect();
    folders.sort();
    let mut report = LoadReport::default();
    for folder in folders {
        match WasmTool::load(host, &folder, cache_dir.as_deref()) {
            Ok(tool) => {
                let id = tool.id.to_string();
                match registry.register(Arc::new(tool)) {
                    Ok(()) => {
                        debug!(plugin = %id, dir = %folder.display(), "plugin loaded");
                        report.loaded.push(id);
                    }
                    Err(e) => {
                        let err = Error::Manifest {
                            path: folder.join("plugin.toml"),
                            message: format!("{e}: plugin ids must not clash with built-in tools or other plugins"),
                        };
                        warn!("plugin not loaded: {err}");
                        report.failed.push((folder, err));
                    }
                }
            }
            Err(e) => {
                warn!(kind = e.kind(), "plugin not loaded: {e}");
                report.failed.push((folder, e));
            }
        }
    }
    Ok(report)
}
