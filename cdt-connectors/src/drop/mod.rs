//! OneRoster bundles dropped on a file server: FTP, explicit FTPS and SFTP
//! (`docs/drops.md`).
//!
//! A district drops `oneroster-2026-11-30.zip` every night; the customer's settings
//! name the server, the user, a credential by reference and the remote path, or a
//! pattern in its last part that picks the newest matching file. A run connects,
//! finds the file, and downloads it whole to a temporary file in the download cache,
//! counting the bytes against the size the server announced and the download cap;
//! only a complete download is kept, and it is then read by the same bundle reader,
//! under the same hostile-file limits, as a bundle on disk.
//!
//! - `ftp.rs`: FTP and explicit FTPS (`suppaftp`, blocking, run off the async
//!   threads), certificates verified by rustls against the system's roots and an
//!   optional extra CA file;
//! - `sftp.rs`: SFTP (`russh` and `russh-sftp`, pure Rust on `ring`), the server's host
//!   key checked against the pinned SHA256 fingerprint before anything is sent;
//! - `cache.rs`: the read districts of a long-lived process (per customer, for
//!   `cache_seconds`), and the downloads on disk (by remote path, size and
//!   modification time), with hit and miss counters.

pub mod cache;
mod ftp;
mod sftp;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cdt_core::customer::{CsvLocation, DropLimits, Integration};
use cdt_core::roster::Roster;
use cdt_core::{Customer, Secret, SecretRef, SourceConnector};
use tracing::{debug, info};

pub use cache::{CacheStats, SourceCache};

use crate::credentials::CredentialManager;
use crate::error::{DropErrorKind, Error, Result};
use crate::oneroster::OneRosterCsv;

/// The protocol of a drop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// Plain FTP.
    Ftp,
    /// Explicit FTPS (`AUTH TLS`), certificates verified.
    Ftps,
    /// SFTP, the host key pinned.
    Sftp,
}

impl Protocol {
    /// `ftp`, `ftps` or `sftp`.
    #[must_use]
    pub fn scheme(self) -> &'static str {
        match self {
            Self::Ftp => "ftp",
            Self::Ftps => "ftps",
            Self::Sftp => "sftp",
        }
    }
}

/// A customer's drop, from its settings (paths resolved, secrets still references).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DropSettings {
    /// The customer id.
    pub customer_id: String,
    /// The protocol.
    pub protocol: Protocol,
    /// The server's host name or address.
    pub host: String,
    /// The server's port.
    pub port: u16,
    /// The user name.
    pub username: String,
    /// The password, by reference.
    pub password: Option<SecretRef>,
    /// The SFTP private key, by reference.
    pub private_key: Option<SecretRef>,
    /// The SFTP host key's pinned SHA256 fingerprint.
    pub host_key_fingerprint: Option<String>,
    /// Extra CA certificates (PEM) trusted for FTPS.
    pub ca_file: Option<PathBuf>,
    /// The remote file, or a pattern in its last part.
    pub remote_path: String,
    /// Download size, time and cache limits.
    pub limits: DropLimits,
}

impl DropSettings {
    /// The drop of a customer whose SIS data is on one; `None` for other customers.
    pub fn of_customer(customer: &Customer) -> cdt_core::Result<Option<Self>> {
        let Integration::OnerosterCsv { location } = &customer.integration else {
            return Ok(None);
        };
        let settings = match location {
            CsvLocation::Path { .. } => return Ok(None),
            CsvLocation::Ftp {
                host,
                port,
                username,
                password,
                remote_path,
                tls,
                ca_file,
                limits,
            } => Self {
                customer_id: customer.customer_id.clone(),
                protocol: if *tls { Protocol::Ftps } else { Protocol::Ftp },
                host: host.clone(),
                port: *port,
                username: username.clone(),
                password: Some(password.clone()),
                private_key: None,
                host_key_fingerprint: None,
                ca_file: ca_file
                    .as_deref()
                    .map(|p| crate::customers::resolve_path(customer, p, "integration.location.ca_file"))
                    .transpose()?,
                remote_path: remote_path.clone(),
                limits: limits.clone(),
            },
            CsvLocation::Sftp {
                host,
                port,
                username,
                password,
                private_key,
                host_key_fingerprint,
                remote_path,
                limits,
            } => Self {
                customer_id: customer.customer_id.clone(),
                protocol: Protocol::Sftp,
                host: host.clone(),
                port: *port,
                username: username.clone(),
                password: password.clone(),
                private_key: private_key.clone(),
                host_key_fingerprint: Some(host_key_fingerprint.clone()),
                ca_file: None,
                remote_path: remote_path.clone(),
                limits: limits.clone(),
            },
        };
        Ok(Some(settings))
    }

    /// The server, without the path: `sftp://drop.example.org:22`.
    #[must_use]
    pub fn server(&self) -> String {
        let host = if self.host.contains(':') && !self.host.starts_with('[') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("{}://{host}:{}", self.protocol.scheme(), self.port)
    }

    /// The server and the remote path (or pattern).
    #[must_use]
    pub fn location(&self) -> String {
        with_path(&self.server(), &self.remote_path)
    }

    /// The folder and the file name (or pattern) of the remote path.
    #[must_use]
    pub fn split_remote(&self) -> (&str, &str) {
        match self.remote_path.rsplit_once('/') {
            Some(("", name)) => ("/", name),
            Some((dir, name)) => (dir, name),
            None => (".", &self.remote_path),
        }
    }

    /// Whether the remote path's last part is a pattern.
    #[must_use]
    pub fn is_pattern(&self) -> bool {
        self.split_remote().1.contains(['*', '?'])
    }

    pub(crate) fn timeout(&self) -> Duration {
        Duration::from_secs(self.limits.timeout_seconds())
    }

    pub(crate) fn error(&self, path: Option<&str>, kind: DropErrorKind, message: impl Into<String>) -> Error {
        Error::Drop {
            customer: self.customer_id.clone(),
            server: path.map_or_else(|| self.location(), |p| with_path(&self.server(), p)),
            kind,
            message: message.into(),
        }
    }
}

fn with_path(server: &str, path: &str) -> String {
    if path.starts_with('/') {
        format!("{server}{path}")
    } else {
        format!("{server}/{path}")
    }
}

/// The secrets of a drop, resolved.
#[derive(Clone)]
pub(crate) struct Secrets {
    pub(crate) password: Option<Secret>,
    pub(crate) private_key: Option<Secret>,
}

impl Secrets {
    /// `text` with every secret replaced: for messages that quote a server.
    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut out = cdt_core::text::one_line(text).into_owned();
        for s in self.password.iter().chain(&self.private_key) {
            let value = s.expose();
            if !value.is_empty() {
                out = out.replace(value, "[redacted]");
            }
        }
        out
    }
}

/// A file on the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteFile {
    /// Its path.
    pub path: String,
    /// Its size in bytes, as the server announces it.
    pub size: u64,
    /// Its modification time (seconds since 1970), when the server tells it.
    pub modified: Option<i64>,
}

/// A download being written to its temporary file: every chunk counted against the
/// size the server announced and the cap, so an overlong or short transfer is an error
/// and nothing is kept. FTP and SFTP both write through it.
pub(crate) struct DownloadSink<'a> {
    settings: &'a DropSettings,
    file: &'a RemoteFile,
    max: u64,
    out: std::fs::File,
    total: u64,
}

impl<'a> DownloadSink<'a> {
    pub(crate) fn new(settings: &'a DropSettings, file: &'a RemoteFile, max: u64, out: std::fs::File) -> Self {
        Self {
            settings,
            file,
            max,
            out,
            total: 0,
        }
    }

    /// Writes a chunk; more than announced (or over the cap) is an error.
    pub(crate) fn write(&mut self, chunk: &[u8]) -> Result<()> {
        use std::io::Write as _;
        let path = Some(self.file.path.as_str());
        self.total += chunk.len() as u64;
        if self.total > self.file.size || self.total > self.max {
            return Err(self.settings.error(
                path,
                DropErrorKind::Truncated,
                format!(
                    "the server sent more than the {} bytes it announced (cap {}); nothing was kept",
                    self.file.size, self.max
                ),
            ));
        }
        self.out.write_all(chunk).map_err(|e| {
            self.settings
                .error(path, DropErrorKind::Cache, format!("download cache: {e}"))
        })
    }

    /// The error of a transfer that ended early.
    pub(crate) fn short(&self) -> Error {
        self.settings.error(
            Some(self.file.path.as_str()),
            DropErrorKind::Truncated,
            format!(
                "the download ended after {} of the {} bytes the server announced; nothing was kept",
                self.total, self.file.size
            ),
        )
    }

    /// The file, when exactly the announced size arrived.
    pub(crate) fn finish(self) -> Result<std::fs::File> {
        if self.total == self.file.size {
            Ok(self.out)
        } else {
            Err(self.short())
        }
    }
}

/// A name in a listing: the name, and its size and time when the listing gave them.
#[derive(Clone, Debug)]
pub(crate) struct Listed {
    pub(crate) name: String,
    pub(crate) size: Option<u64>,
    pub(crate) modified: Option<i64>,
}

/// One connection to a drop, logged in.
#[async_trait]
pub(crate) trait Session: Send {
    /// The regular files of a folder (names only, or with sizes and times).
    async fn list(&mut self, dir: &str) -> Result<Vec<Listed>>;
    /// A file's size and modification time.
    async fn stat(&mut self, path: &str) -> Result<RemoteFile>;
    /// Downloads `file` into `out`, failing past `max` bytes or on another count than
    /// `file.size`; returns the file back.
    async fn download(&mut self, file: &RemoteFile, max: u64, out: std::fs::File) -> Result<std::fs::File>;
    /// Ends the session politely (errors ignored).
    async fn close(&mut self);
}

/// Opens a session (connects, verifies the server, logs in).
pub(crate) async fn open(settings: &DropSettings, secrets: &Secrets) -> Result<Box<dyn Session>> {
    match settings.protocol {
        Protocol::Ftp | Protocol::Ftps => ftp::open(settings, secrets).await,
        Protocol::Sftp => sftp::open(settings, secrets).await,
    }
}

/// Whether `name` matches `pattern` (`*` any run of characters, `?` one character).
#[must_use]
pub fn matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// The most names an error lists.
const LISTED_IN_ERRORS: usize = 20;

/// Finds the file: the remote path itself, or the newest file matching its pattern
/// (by modification time, then by name).
pub(crate) async fn locate(session: &mut dyn Session, settings: &DropSettings) -> Result<RemoteFile> {
    if !settings.is_pattern() {
        return session.stat(&settings.remote_path).await;
    }
    let (dir, pattern) = settings.split_remote();
    let listed = session.list(dir).await?;
    let join = |name: &str| match dir {
        "." => name.to_owned(),
        "/" => format!("/{name}"),
        d => format!("{d}/{name}"),
    };
    let mut found = Vec::new();
    for entry in listed.iter().filter(|e| matches(pattern, &e.name)) {
        let file = match (entry.size, entry.modified) {
            (Some(size), Some(modified)) => RemoteFile {
                path: join(&entry.name),
                size,
                modified: Some(modified),
            },
            _ => session.stat(&join(&entry.name)).await?,
        };
        found.push(file);
    }
    let newest = found
        .into_iter()
        .max_by(|a, b| a.modified.cmp(&b.modified).then_with(|| a.path.cmp(&b.path)));
    newest.ok_or_else(|| {
        let mut names: Vec<&str> = listed.iter().map(|e| e.name.as_str()).collect();
        names.sort_unstable();
        let mut seen = names
            .iter()
            .take(LISTED_IN_ERRORS)
            .map(|n| format!("`{}`", cdt_core::text::one_line(n)))
            .collect::<Vec<_>>()
            .join(", ");
        if names.len() > LISTED_IN_ERRORS {
            let _ = write!(seen, " and {} more", names.len() - LISTED_IN_ERRORS);
        }
        if names.is_empty() {
            seen = "nothing".into();
        }
        settings.error(
            None,
            DropErrorKind::NotFound,
            format!("no file matches `{pattern}` in `{dir}`; the folder holds {seen}"),
        )
    })
}

/// Resolves a drop's secrets.
pub(crate) async fn resolve(settings: &DropSettings, creds: &CredentialManager) -> Result<Secrets> {
    let password = match &settings.password {
        Some(r) => Some(creds.get(r).await?),
        None => None,
    };
    let private_key = match &settings.private_key {
        Some(r) => Some(creds.get(r).await?),
        None => None,
    };
    Ok(Secrets { password, private_key })
}

/// What a connection check found: the file and its size.
pub async fn check(settings: &DropSettings, creds: &CredentialManager) -> Result<RemoteFile> {
    let secrets = resolve(settings, creds).await?;
    let mut session = open(settings, &secrets).await?;
    let found = locate(session.as_mut(), settings).await;
    session.close().await;
    found
}

/// A customer's SIS source on a drop: each load finds the file, downloads it unless
/// the download cache holds it, and reads it as a bundle; a long-lived process reuses
/// the read district for `cache_seconds`.
#[derive(Clone)]
pub struct DropSource {
    settings: Arc<DropSettings>,
    creds: CredentialManager,
    cache: Arc<SourceCache>,
    fresh: bool,
}

impl std::fmt::Debug for DropSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DropSource")
            .field("settings", &self.settings)
            .field("fresh", &self.fresh)
            .finish_non_exhaustive()
    }
}

impl DropSource {
    /// A source for `settings`, secrets resolved with `creds` when first needed, read
    /// districts and downloads kept in `cache` (bypassed when `fresh`).
    #[must_use]
    pub fn new(settings: DropSettings, creds: CredentialManager, cache: Arc<SourceCache>, fresh: bool) -> Self {
        Self {
            settings: Arc::new(settings),
            creds,
            cache,
            fresh,
        }
    }

    /// The settings.
    #[must_use]
    pub fn settings(&self) -> &DropSettings {
        &self.settings
    }

    /// Finds the file and makes sure a complete copy is in the download cache: the
    /// local path, and whether it was downloaded now.
    pub async fn download(&self) -> Result<(PathBuf, RemoteFile)> {
        let settings = &self.settings;
        let secrets = resolve(settings, &self.creds).await?;
        let mut session = open(settings, &secrets).await?;
        let result = self.download_in(session.as_mut()).await;
        session.close().await;
        result
    }

    async fn download_in(&self, session: &mut dyn Session) -> Result<(PathBuf, RemoteFile)> {
        let settings = &self.settings;
        let file = locate(session, settings).await?;
        let max = settings.limits.max_download_bytes();
        if file.size > max {
            return Err(settings.error(
                Some(&file.path),
                DropErrorKind::TooLarge,
                format!(
                    "the file is {} bytes, more than the download cap of {max} bytes (`limits.max_download_bytes`)",
                    file.size
                ),
            ));
        }
        let downloads = self.cache.downloads();
        if let Some(path) = downloads.get(settings, &file, self.fresh) {
            return Ok((path, file));
        }
        let pending = downloads
            .start(settings, &file)
            .map_err(|e| settings.error(Some(&file.path), DropErrorKind::Cache, format!("download cache: {e}")))?;
        info!(customer = %settings.customer_id, server = %settings.server(), path = %file.path, size = file.size, "downloading the drop");
        let out = pending
            .file()
            .map_err(|e| settings.error(Some(&file.path), DropErrorKind::Cache, format!("download cache: {e}")))?;
        let out = session.download(&file, max, out).await?;
        drop(out);
        let path = pending
            .commit()
            .map_err(|e| settings.error(Some(&file.path), DropErrorKind::Cache, format!("download cache: {e}")))?;
        Ok((path, file))
    }

    async fn read(&self) -> cdt_core::Result<Roster> {
        // Held while it is read, so that no other run's eviction removes it; a file
        // removed between the download and the hold is downloaded once more.
        let mut tries = 0;
        let (path, file, in_use) = loop {
            let (path, file) = self.download().await?;
            tries += 1;
            match cache::hold(&path) {
                Ok(in_use) => break (path, file, in_use),
                Err(e) if tries < 2 && e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(self
                        .settings
                        .error(Some(&file.path), DropErrorKind::Cache, format!("download cache: {e}"))
                        .into());
                }
            }
        };
        let shown = self.settings.location();
        let reader = OneRosterCsv::new(path);
        let roster = tokio::task::spawn_blocking(move || {
            let roster = reader.read();
            drop(in_use);
            roster
        })
        .await
        .map_err(|e| cdt_core::Error::connector(format!("file drop {shown}"), format!("reader task failed: {e}")))?;
        roster.map_err(|e| {
            // Name the remote file, not the download cache's path.
            let message = match e {
                Error::Bundle { message, .. } | Error::Zip { message, .. } => message,
                Error::Io { source, .. } => source.to_string(),
                other => cdt_core::Error::from(other).to_string(),
            };
            cdt_core::Error::Data {
                location: format!(
                    "{} (customer {})",
                    with_path(&self.settings.server(), &file.path),
                    self.settings.customer_id
                ),
                message,
            }
        })
    }
}

#[async_trait]
impl SourceConnector for DropSource {
    fn describe(&self) -> String {
        format!("OneRoster bundle on {}", self.settings.location())
    }

    async fn load(&self) -> cdt_core::Result<Roster> {
        let ttl = Duration::from_secs(self.settings.limits.cache_seconds());
        if let Some(roster) = self.cache.roster(&self.settings, ttl, self.fresh) {
            return Ok((*roster).clone());
        }
        debug!(customer = %self.settings.customer_id, fresh = self.fresh, "reading the drop");
        let roster = Arc::new(self.read().await?);
        if !ttl.is_zero() {
            self.cache.keep_roster(&self.settings, Arc::clone(&roster));
        }
        Ok(Arc::unwrap_or_clone(roster))
    }

    async fn test_connection(&self) -> cdt_core::Result<String> {
        let found = check(&self.settings, &self.creds).await?;
        Ok(format!(
            "logged in as {}, found {} ({} bytes)",
            self.settings.username,
            cdt_core::text::one_line(&found.path),
            found.size
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_names() {
        assert!(matches("oneroster-*.zip", "oneroster-2026-11-30.zip"));
        assert!(matches("*", "x"));
        assert!(matches("a?c", "abc"));
        assert!(!matches("a?c", "ac"));
        assert!(!matches("oneroster-*.zip", "oneroster-2026-11-30.zip.part"));
        assert!(matches("*-*.zip", "a-b-c.zip"));
        assert!(!matches("x*", ""));
        assert!(matches("*", ""));
    }
}
