//! A cache of compiled components, so a plugin compiles once, not at every start.
//!
//! Compiling a plugin with Cranelift takes a few hundred milliseconds; loading the
//! compiled artefact takes about one. Loading a compiled artefact is `unsafe` in
//! wasmtime because the bytes are trusted to be machine code that wasmtime itself
//! produced: whoever can place a file that this module loads can run native code
//! outside the sandbox. So this module (the only `unsafe` of `cdt-wasm`) loads an entry
//! only when:
//!
//! 1. the cache directory is a real directory owned by the user running `cdt` and
//!    writable by nobody else (it is created `0700`; the default is per user, under
//!    `$XDG_CACHE_HOME/cdt/plugins` or `~/.cache/cdt/plugins`, never a folder that
//!    ships with plugins);
//! 2. the entry carries an HMAC-SHA256, under a random key kept in that directory
//!    (`key`, `0600`, created by this host), of the entry's own name (the SHA-256 of
//!    the source component and wasmtime's compatibility hash of the engine) and its
//!    bytes. An entry copied under another component's name, edited, truncated, or
//!    written by anyone without the key is recompiled instead of loaded.

use std::fs::{self, File, OpenOptions};
use std::hash::{Hash, Hasher};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use tracing::{debug, warn};
use wasmtime::Engine;
use wasmtime::component::Component;

type HmacSha256 = Hmac<Sha256>;

/// The hex SHA-256 of some bytes.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The per-user default cache directory: `$XDG_CACHE_HOME/cdt/plugins`, else
/// `$HOME/.cache/cdt/plugins`; `None` when neither is set (then nothing is cached).
#[must_use]
pub(crate) fn default_dir() -> Option<PathBuf> {
    let absolute = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    std::env::var_os("XDG_CACHE_HOME")
        .and_then(absolute)
        .or_else(|| std::env::var_os("HOME").and_then(absolute).map(|h| h.join(".cache")))
        .map(|d| d.join("cdt").join("plugins"))
}

/// An opened cache directory: checked, with its key.
struct CacheDir {
    dir: PathBuf,
    key: [u8; 32],
}

impl CacheDir {
    /// Opens `dir` (creating it `0700`), refusing a directory that is a symlink, owned
    /// by another user or writable by group or others.
    fn open(dir: &Path) -> Result<Self, String> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| format!("cannot create it: {e}"))?;
        let meta = fs::symlink_metadata(dir).map_err(|e| format!("cannot read it: {e}"))?;
        if !meta.is_dir() {
            return Err("it is not a directory (a symlink is refused)".into());
        }
        if meta.mode() & 0o022 != 0 {
            return Err(format!(
                "it is writable by other users (mode {:o}); it must be writable only by its owner",
                meta.mode() & 0o777
            ));
        }
        let me = own_uid(dir)?;
        if meta.uid() != me {
            return Err(format!("it belongs to user {}, not to this user ({me})", meta.uid()));
        }
        let key = key(&dir.join("key"), me)?;
        Ok(Self {
            dir: dir.to_owned(),
            key,
        })
    }

    /// The entry's file name: the component's SHA-256 and the engine's compatibility
    /// hash (an entry from another wasmtime version or configuration is never used).
    fn entry(&self, engine: &Engine, component_sha: &str) -> PathBuf {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut h);
        self.dir.join(format!("{component_sha}-{:016x}.cwasm", h.finish()))
    }

    fn mac(&self, entry: &Path, bytes: &[u8]) -> HmacSha256 {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(b"cdt compiled plugin v1\0");
        mac.update(
            entry
                .file_name()
                .map(std::ffi::OsStr::as_encoded_bytes)
                .unwrap_or_default(),
        );
        mac.update(b"\0");
        mac.update(bytes);
        mac
    }
}

/// The uid this process creates files as, read off a probe file it creates in `dir`.
fn own_uid(dir: &Path) -> Result<u32, String> {
    let probe = dir.join(format!(".owner-probe-{}", std::process::id()));
    let _ = fs::remove_file(&probe);
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&probe)
        .map_err(|e| format!("cannot write in it: {e}"))?;
    let uid = file.metadata().map(|m| m.uid());
    drop(file);
    let _ = fs::remove_file(&probe);
    uid.map_err(|e| format!("cannot read a file written in it: {e}"))
}

/// The cache's key: read when it is a regular `0600` file of this user, else created.
fn key(path: &Path, me: u32) -> Result<[u8; 32], String> {
    match fs::symlink_metadata(path) {
        Ok(meta) => {
            if !meta.is_file() || meta.uid() != me || meta.mode() & 0o077 != 0 || meta.len() != 32 {
                return Err(format!(
                    "its key file {} is not a 32-byte file of this user readable only by its owner",
                    path.display()
                ));
            }
            let mut key = [0u8; 32];
            File::open(path)
                .and_then(|mut f| f.read_exact(&mut key))
                .map_err(|e| format!("cannot read its key: {e}"))?;
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut key = [0u8; 32];
            File::open("/dev/urandom")
                .and_then(|mut f| f.read_exact(&mut key))
                .map_err(|e| format!("cannot draw a random key: {e}"))?;
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(|e| format!("cannot create its key: {e}"))?;
            f.write_all(&key)
                .and_then(|()| f.sync_all())
                .map_err(|e| format!("cannot write its key: {e}"))?;
            Ok(key)
        }
        Err(e) => Err(format!("cannot read its key: {e}")),
    }
}

fn open_or_warn(dir: &Path) -> Option<CacheDir> {
    match CacheDir::open(dir) {
        Ok(c) => Some(c),
        Err(why) => {
            warn!(dir = %dir.display(), "compiled plugin cache not used: {why}");
            None
        }
    }
}

/// Loads the compiled component for `component_sha` from `dir`, if an authenticated
/// entry is there.
pub(crate) fn load(dir: &Path, engine: &Engine, component_sha: &str) -> Option<Component> {
    let cache = open_or_warn(dir)?;
    let path = cache.entry(engine, component_sha);
    let meta = fs::symlink_metadata(&path).ok()?;
    if !meta.is_file() {
        warn!(path = %path.display(), "compiled plugin cache entry is not a regular file; recompiling");
        return None;
    }
    let bytes = fs::read(&path).ok()?;
    let tag = fs::read_to_string(path.with_extension("cwasm.mac")).ok()?;
    let tag: Option<Vec<u8>> = (0..tag.trim().len())
        .step_by(2)
        .map(|i| tag.trim().get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect();
    if tag.is_none_or(|t| cache.mac(&path, &bytes).verify_slice(&t).is_err()) {
        warn!(path = %path.display(), "compiled plugin cache entry is not authenticated by this user's key; recompiling");
        return None;
    }
    // SAFETY: `bytes` is a compiled component serialized by this host for this
    // component and engine: its HMAC, under the key only this user can read, covers
    // its name (component SHA-256 and engine compatibility hash) and its bytes, and was
    // checked just above; see the module docs for the trust boundary.
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
    let Some(cache) = open_or_warn(dir) else { return };
    let path = cache.entry(engine, component_sha);
    let bytes = match component.serialize() {
        Ok(b) => b,
        Err(e) => {
            warn!(error = %e, "could not serialize a compiled plugin");
            return;
        }
    };
    let tag = hex(&cache.mac(&path, &bytes).finalize().into_bytes());
    // Temporary files are created exclusively, owner-only, synced, then renamed: a
    // reader never sees half a file, and a planted file or link is never written
    // through.
    let write = |target: &Path, data: &[u8]| -> std::io::Result<()> {
        let tmp = target.with_extension(format!("tmp-{}", std::process::id()));
        let _ = fs::remove_file(&tmp);
        let mut f = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        fs::rename(&tmp, target)
    };
    let result = write(&path, &bytes).and_then(|()| write(&path.with_extension("cwasm.mac"), tag.as_bytes()));
    if let Err(e) = result {
        warn!(dir = %dir.display(), error = %e, "could not write the compiled plugin cache");
    }
}
