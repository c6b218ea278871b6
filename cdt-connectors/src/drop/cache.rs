//! The caches of file drops.
//!
//! - **Read districts**, in memory: a long-lived process (the HTTP server, a Python
//!   kernel) reuses a customer's roster for `limits.cache_seconds` (5 minutes by
//!   default), without connecting. The key is the customer id and its drop settings,
//!   so two customers never share an entry and changed settings are a miss.
//! - **Downloads**, on disk: `$XDG_CACHE_HOME/cdt/drops/<customer>/` (else
//!   `~/.cache/cdt/drops/<customer>/`), folders 0700 and files 0600, one file per
//!   remote file named by a hash of the server, the remote path, its size and its
//!   modification time: a changed file on the server is a miss, and replaces the old
//!   copy. A command-line run connects to see the file's size and time, and downloads
//!   only when they changed. A download is written to a temporary name and renamed
//!   only when complete. After a download, the customer's folder keeps its newest
//!   `limits.cache_files` downloads (3 by default); older ones are removed, except a
//!   file being read: a reader holds a shared lock on the file ([`hold`]), and a file
//!   is removed only under an exclusive one, so no run, in this process or another,
//!   loses the file it reads.
//!
//! Every hit and miss is logged and counted ([`CacheStats`]).

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use cdt_core::roster::Roster;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tracing::{debug, info};

use super::{DropSettings, RemoteFile};

/// Cache hits and misses, for a metrics endpoint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CacheStats {
    /// Runs served a read district from memory (no connection).
    pub roster_hits: u64,
    /// Runs that had to read the drop.
    pub roster_misses: u64,
    /// Reads that found the remote file already downloaded.
    pub download_hits: u64,
    /// Reads that downloaded the remote file.
    pub download_misses: u64,
}

impl CacheStats {
    /// Every hit.
    #[must_use]
    pub fn hits(&self) -> u64 {
        self.roster_hits + self.download_hits
    }

    /// Every miss.
    #[must_use]
    pub fn misses(&self) -> u64 {
        self.roster_misses + self.download_misses
    }
}

#[derive(Default)]
struct Counters {
    roster_hits: AtomicU64,
    roster_misses: AtomicU64,
    download_hits: AtomicU64,
    download_misses: AtomicU64,
}

/// The caches of file drops: read districts in memory and downloads on disk. A
/// process uses [`SourceCache::global`] unless a caller passes its own.
pub struct SourceCache {
    rosters: Mutex<HashMap<String, (Instant, Arc<Roster>)>>,
    downloads: Downloads,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for SourceCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceCache")
            .field("download_dir", &self.downloads.root)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl SourceCache {
    /// A cache keeping downloads under `download_dir` (`None`: downloads are
    /// temporary, deleted once read).
    #[must_use]
    pub fn new(download_dir: Option<PathBuf>) -> Self {
        let counters = Arc::new(Counters::default());
        Self {
            rosters: Mutex::new(HashMap::new()),
            downloads: Downloads {
                root: download_dir,
                counters: Arc::clone(&counters),
            },
            counters,
        }
    }

    /// The process's cache, its downloads in the user's cache folder
    /// ([`default_download_dir`]).
    pub fn global() -> Arc<Self> {
        static GLOBAL: OnceLock<Arc<SourceCache>> = OnceLock::new();
        Arc::clone(GLOBAL.get_or_init(|| Arc::new(Self::new(default_download_dir()))))
    }

    /// The hits and misses so far.
    #[must_use]
    pub fn stats(&self) -> CacheStats {
        let c = &self.counters;
        CacheStats {
            roster_hits: c.roster_hits.load(Ordering::Relaxed),
            roster_misses: c.roster_misses.load(Ordering::Relaxed),
            download_hits: c.download_hits.load(Ordering::Relaxed),
            download_misses: c.download_misses.load(Ordering::Relaxed),
        }
    }

    /// Forgets every read district (downloads on disk stay).
    pub fn clear(&self) {
        self.rosters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    /// The folder of downloads, if any.
    #[must_use]
    pub fn download_dir(&self) -> Option<&Path> {
        self.downloads.root.as_deref()
    }

    pub(crate) fn downloads(&self) -> &Downloads {
        &self.downloads
    }

    /// A customer's read district, if read less than `ttl` ago with these settings
    /// (never when `fresh`: a miss).
    pub(crate) fn roster(&self, settings: &DropSettings, ttl: Duration, fresh: bool) -> Option<Arc<Roster>> {
        let key = roster_key(settings);
        let hit = if ttl.is_zero() || fresh {
            None
        } else {
            let map = self.rosters.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            map.get(&key)
                .filter(|(at, _)| at.elapsed() < ttl)
                .map(|(_, r)| Arc::clone(r))
        };
        let counter = if hit.is_some() {
            &self.counters.roster_hits
        } else {
            &self.counters.roster_misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        info!(
            customer = %settings.customer_id,
            cache = if hit.is_some() { "hit" } else { "miss" },
            fresh,
            "drop roster cache"
        );
        hit
    }

    pub(crate) fn keep_roster(&self, settings: &DropSettings, roster: Arc<Roster>) {
        let mut map = self.rosters.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.insert(roster_key(settings), (Instant::now(), roster));
    }
}

/// The per-user download folder: `$XDG_CACHE_HOME/cdt/drops`, else
/// `$HOME/.cache/cdt/drops`; `None` when neither is set.
#[must_use]
pub fn default_download_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })?;
    Some(base.join("cdt").join("drops"))
}

/// The customer and every setting that decides what is read: two customers, or one
/// customer's changed settings, never share an entry.
fn roster_key(settings: &DropSettings) -> String {
    format!("{}\u{0}{settings:?}", settings.customer_id)
}

fn hex16(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let digest = Sha256::digest(bytes);
    digest[..8].iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Downloads on disk.
pub(crate) struct Downloads {
    root: Option<PathBuf>,
    counters: Arc<Counters>,
}

impl Downloads {
    /// The prefix of a remote file's cache entries (server and path), and the full
    /// name of this version (size and modification time, and the file's name so the
    /// reader sees its extension).
    fn names(settings: &DropSettings, file: &RemoteFile) -> (String, String) {
        let prefix = hex16(format!("{}\u{0}{}", settings.server(), file.path).as_bytes());
        let version = hex16(format!("{}\u{0}{:?}", file.size, file.modified).as_bytes());
        let base = file.path.rsplit('/').next().unwrap_or("bundle");
        let base: String = base
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            .take(80)
            .collect();
        let base = base.trim_start_matches('.');
        (prefix.clone(), format!("{prefix}-{version}-{base}"))
    }

    fn customer_dir(&self, settings: &DropSettings) -> Option<PathBuf> {
        // Customer ids are letters, digits, `-` and `_` (checked when read).
        self.root.as_ref().map(|r| r.join(&settings.customer_id))
    }

    /// The complete download of this version of `file`, if the cache holds it (never
    /// when `fresh`: a miss).
    pub(crate) fn get(&self, settings: &DropSettings, file: &RemoteFile, fresh: bool) -> Option<PathBuf> {
        let path = self
            .customer_dir(settings)
            .map(|dir| dir.join(Self::names(settings, file).1));
        let hit = !fresh
            && path
                .as_ref()
                .is_some_and(|p| std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file() && m.len() == file.size));
        let counter = if hit {
            &self.counters.download_hits
        } else {
            &self.counters.download_misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        info!(
            customer = %settings.customer_id,
            path = %file.path,
            cache = if hit { "hit" } else { "miss" },
            fresh,
            "drop download cache"
        );
        path.filter(|_| hit)
    }

    /// Starts a download: a new owner-only temporary file in the customer's folder
    /// (or in the system's temporary folder without a cache).
    pub(crate) fn start(&self, settings: &DropSettings, file: &RemoteFile) -> io::Result<Pending> {
        let (prefix, name) = Self::names(settings, file);
        if let Some(dir) = self.customer_dir(settings) {
            private_dir(&dir)?;
            let tmp = tempfile::Builder::new()
                .prefix(&format!(".{prefix}."))
                .suffix(".part")
                .tempfile_in(&dir)?;
            Ok(Pending {
                tmp,
                target: Target::Cache {
                    dir,
                    prefix,
                    name,
                    keep: settings.limits.cache_files() as usize,
                    customer: settings.customer_id.clone(),
                },
            })
        } else {
            let dir = tempfile::Builder::new().prefix("cdt-drop-").tempdir()?;
            let tmp = tempfile::Builder::new().prefix(".part.").tempfile_in(dir.path())?;
            Ok(Pending {
                tmp,
                target: Target::Temp { dir, name },
            })
        }
    }
}

enum Target {
    Cache {
        dir: PathBuf,
        prefix: String,
        name: String,
        /// How many downloads the customer's folder keeps.
        keep: usize,
        customer: String,
    },
    Temp {
        dir: tempfile::TempDir,
        name: String,
    },
}

/// A download in progress: dropped, its temporary file is removed.
pub(crate) struct Pending {
    tmp: tempfile::NamedTempFile,
    target: Target,
}

impl Pending {
    /// The temporary file, to write to.
    pub(crate) fn file(&self) -> io::Result<std::fs::File> {
        self.tmp.as_file().try_clone()
    }

    /// Puts the complete download in place (replacing older versions of the same
    /// remote file) and returns its path.
    pub(crate) fn commit(self) -> io::Result<PathBuf> {
        self.tmp.as_file().sync_all()?;
        match self.target {
            Target::Cache {
                dir,
                prefix,
                name,
                keep,
                customer,
            } => {
                let path = dir.join(&name);
                self.tmp.persist(&path).map_err(|e| e.error)?;
                // Older versions of the same remote file first, then the oldest
                // downloads beyond the ones kept.
                let older = |n: &str| n.starts_with(&format!("{prefix}-")) && n != name;
                let removed = evict(&dir, &name, older, keep)?;
                if removed > 0 {
                    info!(customer = %customer, removed, keep, "drop download cache eviction");
                }
                Ok(path)
            }
            Target::Temp { dir, name } => {
                // Kept until the process ends: the reader opens it right after.
                let dir = dir.keep();
                let path = dir.join(name);
                self.tmp.persist(&path).map_err(|e| e.error)?;
                Ok(path)
            }
        }
    }
}

/// A downloaded file held for reading: while this lives, the cache's eviction does
/// not remove the file (a shared lock on it; eviction needs an exclusive one).
#[derive(Debug)]
pub(crate) struct InUse {
    _file: std::fs::File,
}

/// Holds the file at `path` for reading ([`InUse`]). An error when it is gone.
pub(crate) fn hold(path: &Path) -> io::Result<InUse> {
    let file = std::fs::File::open(path)?;
    file.lock_shared()?;
    Ok(InUse { _file: file })
}

/// Removes, from a customer's download folder, the files `stale` names (older versions
/// of the file just downloaded) and the oldest others beyond the newest `keep` (by
/// modification time: when each was downloaded), never `current` (just written), a
/// temporary file (a name starting with `.`: a download in progress) or a file a
/// reader holds ([`hold`]). Returns how many were removed.
fn evict(dir: &Path, current: &str, stale: impl Fn(&str) -> bool, keep: usize) -> io::Result<usize> {
    let mut others: Vec<(std::time::SystemTime, PathBuf, bool)> = Vec::new();
    for entry in std::fs::read_dir(dir)?.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name == current || name.starts_with('.') {
            continue;
        }
        // Links and folders are never ours to remove.
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let at = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
        others.push((at, entry.path(), stale(&name)));
    }
    // Newest first; the current file is one of the `keep`.
    others.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.cmp(&a.1)));
    let mut fresh_kept = 1;
    let mut removed = 0;
    for (_, path, stale) in others {
        if !stale && fresh_kept < keep {
            fresh_kept += 1;
            continue;
        }
        let Ok(file) = std::fs::File::open(&path) else {
            continue;
        };
        if file.try_lock().is_err() {
            debug!(path = %path.display(), "a cached download being read is kept");
        } else if std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}

/// Creates `dir` (and its parents) owner-only; refuses a link or a folder others can
/// write to.
fn private_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        let meta = std::fs::symlink_metadata(dir)?;
        if !meta.is_dir() {
            return Err(io::Error::other(format!("{} is not a folder", dir.display())));
        }
        if meta.mode() & 0o022 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
        // The folder must be ours: a file we create there has our user id.
        let probe = tempfile::tempfile_in(dir)?;
        if probe.metadata()?.uid() != meta.uid() {
            return Err(io::Error::other(format!("{} belongs to another user", dir.display())));
        }
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cdt_core::customer::DropLimits;

    fn settings(customer: &str) -> DropSettings {
        DropSettings {
            customer_id: customer.into(),
            protocol: super::super::Protocol::Ftp,
            host: "127.0.0.1".into(),
            port: 21,
            username: "u".into(),
            password: None,
            private_key: None,
            host_key_fingerprint: None,
            ca_file: None,
            remote_path: "/drop/oneroster-*.zip".into(),
            limits: DropLimits::default(),
        }
    }

    #[test]
    fn rosters_are_per_customer_and_expire() {
        let cache = SourceCache::new(None);
        let ttl = Duration::from_mins(1);
        cache.keep_roster(&settings("a"), Arc::new(Roster::default()));
        assert!(cache.roster(&settings("a"), ttl, false).is_some());
        assert!(cache.roster(&settings("b"), ttl, false).is_none());
        let mut moved = settings("a");
        moved.host = "other".into();
        assert!(
            cache.roster(&moved, ttl, false).is_none(),
            "changed settings are a miss"
        );
        assert!(cache.roster(&settings("a"), Duration::ZERO, false).is_none());
        let stats = cache.stats();
        assert_eq!((stats.roster_hits, stats.roster_misses), (1, 3));
    }

    #[cfg(unix)]
    #[test]
    fn downloads_are_owner_only_and_complete_only() {
        use std::io::Write as _;
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let cache = SourceCache::new(Some(root.path().join("drops")));
        let s = settings("a");
        let file = RemoteFile {
            path: "/drop/oneroster-1.zip".into(),
            size: 3,
            modified: Some(1),
        };
        assert!(cache.downloads().get(&s, &file, false).is_none());
        let pending = cache.downloads().start(&s, &file).unwrap();
        pending.file().unwrap().write_all(b"abc").unwrap();
        drop(pending);
        assert!(
            cache.downloads().get(&s, &file, false).is_none(),
            "an uncommitted download is not kept"
        );
        let pending = cache.downloads().start(&s, &file).unwrap();
        pending.file().unwrap().write_all(b"abc").unwrap();
        let path = pending.commit().unwrap();
        assert!(path.to_string_lossy().ends_with("oneroster-1.zip"));
        assert_eq!(cache.downloads().get(&s, &file, false), Some(path.clone()));
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        let changed = RemoteFile {
            modified: Some(2),
            ..file.clone()
        };
        assert!(
            cache.downloads().get(&s, &changed, false).is_none(),
            "a changed time is a miss"
        );
        assert!(
            cache.downloads().get(&settings("b"), &file, false).is_none(),
            "customers never share"
        );
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(names.len(), 1, "nothing temporary is left");
    }

    /// After a download, the customer's folder keeps its newest `cache_files`
    /// downloads; an older one being read is kept until it is no longer read, and a
    /// download in progress is never touched.
    #[test]
    fn old_downloads_are_evicted_but_never_one_being_read() {
        use std::io::Write as _;
        let root = tempfile::tempdir().unwrap();
        let cache = SourceCache::new(Some(root.path().join("drops")));
        let mut s = settings("a");
        s.limits.cache_files = Some(2);
        let day = |n: u64| RemoteFile {
            path: format!("/drop/oneroster-{n}.zip"),
            size: 3,
            modified: Some(i64::try_from(n).unwrap()),
        };
        let download = |n: u64| {
            let pending = cache.downloads().start(&s, &day(n)).unwrap();
            pending.file().unwrap().write_all(b"abc").unwrap();
            let path = pending.commit().unwrap();
            // Downloaded a day apart, whatever the file system's clock resolution.
            let at = std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + n * 86_400);
            std::fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(at)
                .unwrap();
            path
        };
        let dir = root.path().join("drops").join("a");
        let listed = || -> Vec<String> {
            let mut v: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        let first = download(1);
        let in_progress = cache.downloads().start(&s, &day(9)).unwrap();
        download(2);
        let held = hold(&first).unwrap();
        download(3);
        download(4);
        let names = listed();
        assert!(names.iter().any(|n| n.ends_with("oneroster-1.zip")), "held: {names:?}");
        assert!(!names.iter().any(|n| n.ends_with("oneroster-2.zip")), "{names:?}");
        assert!(names.iter().any(|n| n.ends_with("oneroster-3.zip")), "{names:?}");
        assert!(names.iter().any(|n| n.ends_with("oneroster-4.zip")), "{names:?}");
        let parts = names.iter().filter(|n| n.starts_with('.')).count();
        assert_eq!(parts, 1, "the download in progress is kept: {names:?}");
        drop(held);
        download(5);
        let names = listed();
        let kept: Vec<&String> = names.iter().filter(|n| !n.starts_with('.')).collect();
        assert_eq!(kept.len(), 2, "{names:?}");
        assert!(
            kept.iter().any(|n| n.ends_with("oneroster-4.zip")) && kept.iter().any(|n| n.ends_with("oneroster-5.zip"))
        );
        // The download in progress completes and is kept as the newest.
        in_progress.file().unwrap().write_all(b"abc").unwrap();
        let last = in_progress.commit().unwrap();
        assert!(last.exists());
        assert!(hold(&root.path().join("no-such-file")).is_err());
    }
}
