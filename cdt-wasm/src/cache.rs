//! A cache of compiled components, so a plugin compiles once, not at every start.
//!
//! Compiling a plugin with Cranelift takes a few hundred milliseconds; loading the
//! compiled artefact takes about one. Loading a compiled artefact is `unsafe` in
//! wasmtime because the bytes are trusted to be machine code that wasmtime itself
//! produced. This module is the only place in `cdt-wasm` that does it, and it only
//! loads a file that:
//!
//! 1. this host wrote, under a name made of the SHA-256 of the source component and
//!    wasmtime's compatibility hash of the engine's settings (so a file from another
//!    wasmtime version or configuration is never picked up), and
//! 2. still has the SHA-256 the host recorded when it wrote it (`.sha256` beside it),
//!    so a truncated or altered file is recompiled instead of loaded.
//!
//! The cache directory must be writable only by the user running `cdt`: anyone who
//! can write there can already run code as that user.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tracing::{debug, warn};
use wasmtime::Engine;
use wasmtime::component::Component;

/// The hex SHA-256 of some bytes.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Where the compiled form of a component lives in a cache directory.
fn entry(dir: &Path, engine: &Engine, component_sha: &str) -> PathBuf {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut h);
    dir.join(format!("{component_sha}-{:016x}.cwasm", h.finish()))
}

/// Loads the compiled component for `component_sha` from `dir`, if a verified entry
/// is there.
pub(crate) fn load(dir: &Path, engine: &Engine, component_sha: &str) -> Option<Component> {
    let path = entry(dir, engine, component_sha);
    let bytes = std::fs::read(&path).ok()?;
    let recorded = std::fs::read_to_string(path.with_extension("cwasm.sha256")).ok()?;
    if recorded.trim() != sha256_hex(&bytes) {
        warn!(path = %path.display(), "compiled plugin cache entry does not match its hash; recompiling");
        return None;
    }
    // SAFETY: `bytes` is a compiled component that this host serialized with an engine
    // of the same compatibility hash (it is in the file name) and whose SHA-256 still
    // matches the one recorded when it was written (checked just above); see the
    // module docs for the trust boundary of the cache directory.
    #[allow(unsafe_code)]
    let component = unsafe { Component::deserialize(engine, &bytes) };
    match component {
        Ok(c) => {
            debug!(path = %path.display(), "loaded compiled plugin from the cache");
            Some(c)
        }
        Err(e) => {
            warn!(path = %path.display(), error = %e, "compiled plugin cache entry is unusable; recompiling");
            None
        }
    }
}

/// Stores a compiled component. Failing to write the cache only costs speed, so
/// errors are logged, not returned.
pub(crate) fn store(dir: &Path, engine: &Engine, component_sha: &str, component: &Component) {
    let path = entry(dir, engine, component_sha);
    let bytes = match component.serialize() {
        Ok(b) => b,
        Err(e) => {
            warn!(error = %e, "could not serialize a compiled plugin");
            return;
        }
    };
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        // Write to temporary names, then rename: a reader never sees half a file.
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, &bytes)?;
        let tmp_sha = path.with_extension(format!("sha-tmp{}", std::process::id()));
        std::fs::write(&tmp_sha, sha256_hex(&bytes))?;
        std::fs::rename(&tmp_sha, path.with_extension("cwasm.sha256"))?;
        std::fs::rename(&tmp, &path)
    };
    if let Err(e) = write() {
        warn!(dir = %dir.display(), error = %e, "could not write the compiled plugin cache");
    }
}
