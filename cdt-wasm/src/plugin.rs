//! A loaded plugin as a `cdt` tool, and loading a directory of plugins.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cdt_core::text::one_line;
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
        let bytes = crate::files::read_capped(&path, max).map_err(|e| match e {
            crate::files::ReadError::Io(source) => Error::Io {
                path: path.clone(),
                source,
            },
            other => Error::Rejected {
                path: path.clone(),
                message: format!("{other}"),
            },
        })?;
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
    // A cache inside the folder being loaded ships with the plugins, key and all: it
    // would authenticate whatever machine code came with them. Never use one.
    let cache_dir = cache_dir.filter(|c| {
        let inside = within(c, dir);
        if inside {
            warn!(
                cache = %one_line(&c.to_string_lossy()),
                "the compiled plugin cache is inside the plugins folder; it is not used"
            );
        }
        !inside
    });
    let mut folders: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(std::result::Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("plugin.toml").is_file())
        .collect();
    folders.sort();
    let mut report = LoadReport::default();
    for folder in folders {
        // A folder name reaches terminals and logs: one that would print a line break
        // or an escape sequence is refused, named in a cleaned form.
        let name = folder.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        if name.chars().any(cdt_core::text::is_unsafe_char) {
            let err = Error::Rejected {
                path: PathBuf::from(one_line(&folder.to_string_lossy()).into_owned()),
                message: "the plugin folder's name holds a control character; rename the folder".into(),
            };
            warn!("plugin not loaded: {err}");
            report.failed.push((folder, err));
            continue;
        }
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

/// Whether `path` is `dir` or inside it, comparing the canonical paths where they
/// exist (a cache folder not yet created is compared through its nearest parent).
fn within(path: &Path, dir: &Path) -> bool {
    let Ok(dir) = dir.canonicalize() else { return false };
    let mut probe = path.to_path_buf();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = probe.canonicalize() {
            let full: PathBuf = rest.iter().rev().fold(real, |p: PathBuf, c| p.join(c));
            return full.starts_with(&dir);
        }
        match (probe.file_name().map(std::ffi::OsStr::to_owned), probe.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                probe = parent.to_path_buf();
            }
            _ => return false,
        }
    }
}
