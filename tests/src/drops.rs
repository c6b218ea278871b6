//! Real file-drop servers on loopback for the drop tests: an FTP and FTPS server
//! (libunftp over a folder, in process, with a certificate made at test time) and
//! OpenSSH's `sshd` as a child process (its host key and the user's key made at test
//! time with `ssh-keygen`), each counting the connections it accepts.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use libunftp::ServerBuilder;
use unftp_core::auth::{AuthenticationError, Authenticator, Credentials, DefaultUser, Principal};
use unftp_core::storage::{Fileinfo, Result as StorageResult, StorageBackend};
use unftp_sbe_fs::{Filesystem, Meta};

/// The demo district's OneRoster folder zipped (each file as it is), as a district
/// would drop it.
#[must_use]
pub fn demo_zip() -> Vec<u8> {
    use std::io::Write as _;
    let dir = crate::root().join("demo/oneroster");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("demo/oneroster")
        .map(|e| e.expect("entry").file_name().into_string().expect("name"))
        .collect();
    names.sort();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for name in names {
        zip.start_file(name.as_str(), options).expect("zip entry");
        zip.write_all(&std::fs::read(dir.join(&name)).expect("demo file"))
            .expect("zip write");
    }
    zip.finish().expect("zip").into_inner()
}

/// Sets a file's modification time (seconds since 1970).
pub fn set_mtime(path: &Path, secs: u64) {
    let f = std::fs::File::options().write(true).open(path).expect("open to touch");
    f.set_modified(std::time::UNIX_EPOCH + Duration::from_secs(secs))
        .expect("set mtime");
}

#[derive(Debug)]
struct OnePassword {
    user: String,
    password: String,
}

#[async_trait]
impl Authenticator for OnePassword {
    async fn authenticate(&self, username: &str, creds: &Credentials) -> Result<Principal, AuthenticationError> {
        if username != self.user {
            return Err(AuthenticationError::BadUser);
        }
        if creds.password.as_deref() != Some(self.password.as_str()) {
            return Err(AuthenticationError::BadPassword);
        }
        Ok(Principal {
            username: username.to_owned(),
        })
    }
}

/// A folder served over FTP, whose downloads can be cut short to fake a broken
/// transfer.
#[derive(Debug)]
struct Faulty {
    inner: Filesystem,
    truncate_at: Arc<AtomicU64>,
}

#[async_trait]
impl StorageBackend<DefaultUser> for Faulty {
    type Metadata = Meta;

    fn supported_features(&self) -> u32 {
        StorageBackend::<DefaultUser>::supported_features(&self.inner)
    }

    async fn metadata<P: AsRef<Path> + Send + std::fmt::Debug>(
        &self,
        user: &DefaultUser,
        path: P,
    ) -> StorageResult<Meta> {
        self.inner.metadata(user, path).await
    }

    async fn list<P: AsRef<Path> + Send + std::fmt::Debug>(
        &self,
        user: &DefaultUser,
        path: P,
    ) -> StorageResult<Vec<Fileinfo<PathBuf, Meta>>> {
        self.inner.list(user, path).await
    }

    async fn get<P: AsRef<Path> + Send + std::fmt::Debug>(
        &self,
        user: &DefaultUser,
        path: P,
        start_pos: u64,
    ) -> StorageResult<Box<dyn tokio::io::AsyncRead + Send + Sync + Unpin>> {
        use tokio::io::AsyncReadExt as _;
        let reader = self.inner.get(user, path, start_pos).await?;
        match self.truncate_at.load(Ordering::SeqCst) {
            u64::MAX => Ok(reader),
            n => Ok(Box::new(reader.take(n))),
        }
    }

    async fn put<P: AsRef<Path> + Send + std::fmt::Debug, R: tokio::io::AsyncRead + Send + Sync + Unpin + 'static>(
        &self,
        user: &DefaultUser,
        input: R,
        path: P,
        start_pos: u64,
    ) -> StorageResult<u64> {
        self.inner.put(user, input, path, start_pos).await
    }

    async fn del<P: AsRef<Path> + Send + std::fmt::Debug>(&self, user: &DefaultUser, path: P) -> StorageResult<()> {
        self.inner.del(user, path).await
    }

    async fn mkd<P: AsRef<Path> + Send + std::fmt::Debug>(&self, user: &DefaultUser, path: P) -> StorageResult<()> {
        self.inner.mkd(user, path).await
    }

    async fn rename<P: AsRef<Path> + Send + std::fmt::Debug>(
        &self,
        user: &DefaultUser,
        from: P,
        to: P,
    ) -> StorageResult<()> {
        self.inner.rename(user, from, to).await
    }

    async fn rmd<P: AsRef<Path> + Send + std::fmt::Debug>(&self, user: &DefaultUser, path: P) -> StorageResult<()> {
        self.inner.rmd(user, path).await
    }

    async fn cwd<P: AsRef<Path> + Send + std::fmt::Debug>(&self, user: &DefaultUser, path: P) -> StorageResult<()> {
        self.inner.cwd(user, path).await
    }
}

/// An FTP (or explicit FTPS) server on 127.0.0.1 serving a folder, with one user.
pub struct FtpServer {
    /// Its port.
    pub port: u16,
    /// The folder it serves (`/` on the server).
    pub root: tempfile::TempDir,
    /// With FTPS: the PEM file of its self-signed certificate, for `ca_file`.
    pub ca_file: Option<PathBuf>,
    connections: Arc<AtomicUsize>,
    truncate_at: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
    _certs: Option<tempfile::TempDir>,
}

impl FtpServer {
    /// Starts a server for `user`/`password`, with FTPS when `tls` (a certificate for
    /// `127.0.0.1` and `localhost`, made now).
    pub async fn start(user: &str, password: &str, tls: bool) -> Self {
        let root = tempfile::tempdir().expect("ftp root");
        let certs = tls.then(|| {
            let dir = tempfile::tempdir().expect("certs");
            let rcgen::CertifiedKey { cert, signing_key } =
                rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                    .expect("certificate");
            std::fs::write(dir.path().join("cert.pem"), cert.pem()).expect("cert file");
            std::fs::write(dir.path().join("key.pem"), signing_key.serialize_pem()).expect("key file");
            dir
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let connections = Arc::new(AtomicUsize::new(0));
        let truncate_at = Arc::new(AtomicU64::new(u64::MAX));
        let (home, auth) = (
            root.path().to_owned(),
            Arc::new(OnePassword {
                user: user.to_owned(),
                password: password.to_owned(),
            }),
        );
        let cert_paths = certs
            .as_ref()
            .map(|d| (d.path().join("cert.pem"), d.path().join("key.pem")));
        let (count, cut) = (Arc::clone(&connections), Arc::clone(&truncate_at));
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else { return };
                count.fetch_add(1, Ordering::SeqCst);
                let (home, cut) = (home.clone(), Arc::clone(&cut));
                let mut builder = ServerBuilder::with_authenticator(
                    Box::new(move || Faulty {
                        inner: Filesystem::new(home.clone()).expect("filesystem"),
                        truncate_at: Arc::clone(&cut),
                    }),
                    auth.clone(),
                )
                .greeting("cdt test drop")
                .passive_ports(50000..=60000)
                .idle_session_timeout(30);
                if let Some((cert, key)) = &cert_paths {
                    builder = builder.ftps(cert.clone(), key.clone());
                }
                let server = builder.build().expect("ftp server");
                tokio::spawn(async move {
                    let _ = server.service(tcp).await;
                });
            }
        });
        Self {
            port,
            ca_file: certs.as_ref().map(|d| d.path().join("cert.pem")),
            root,
            connections,
            truncate_at,
            task,
            _certs: certs,
        }
    }

    /// The connections accepted so far.
    #[must_use]
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Cuts every download after `bytes` bytes from now on (`None`: whole again).
    pub fn truncate_downloads(&self, bytes: Option<u64>) {
        self.truncate_at.store(bytes.unwrap_or(u64::MAX), Ordering::SeqCst);
    }

    /// Writes a file under the served folder (folders made as needed); returns its
    /// local path (callers that only plant a file ignore it).
    #[allow(clippy::must_use_candidate)]
    pub fn put(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let path = self.root.path().join(rel.trim_start_matches('/'));
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, bytes).expect("write");
        path
    }
}

impl Drop for FtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Where `sshd` is on Debian.
pub const SSHD: &str = "/usr/sbin/sshd";

/// The system user of the SFTP password tests (`scripts/setup.d/15-ssh` creates it,
/// with [`SFTP_PASSWORD_USER_PASSWORD`] as its password; it has no shell).
pub const SFTP_PASSWORD_USER: &str = "cdt-sftp-test";

/// The password of [`SFTP_PASSWORD_USER`]: a test account's, on a server that
/// listens on loopback only while a test runs.
pub const SFTP_PASSWORD_USER_PASSWORD: &str = "cdt-sftp-test-Pw-2f9c";

/// OpenSSH's `sshd` on a loopback port, as a child process in the foreground
/// (`-D -e`), with its own configuration, host key and authorised key, for the user
/// running the tests; SFTP through `internal-sftp`.
pub struct Sshd {
    /// Its port.
    pub port: u16,
    /// The user to log in as (the one running the tests).
    pub user: String,
    /// The host key's SHA256 fingerprint, as `ssh-keygen -l` prints it.
    pub fingerprint: String,
    /// The user's private key (OpenSSH text), authorised on the server.
    pub private_key: String,
    /// A folder for the test's files (absolute paths on the server).
    pub files: tempfile::TempDir,
    dir: tempfile::TempDir,
    child: Child,
}

fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "cdt-test", "-f"])
        .arg(path)
        .stdin(Stdio::null())
        .status()
        .expect("ssh-keygen runs");
    assert!(status.success(), "ssh-keygen failed");
}

/// The SHA256 fingerprint of a public key file, as OpenSSH prints it.
#[must_use]
pub fn fingerprint(public_key: &Path) -> String {
    let out = Command::new("ssh-keygen")
        .args(["-l", "-E", "sha256", "-f"])
        .arg(public_key)
        .output()
        .expect("ssh-keygen -l");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.split_whitespace()
        .find(|w| w.starts_with("SHA256:"))
        .unwrap_or_else(|| panic!("no fingerprint in {text}"))
        .to_owned()
}

impl Sshd {
    /// Starts `sshd`, or says why it cannot (`None`: skipped, or failed under CI).
    pub async fn start(test: &str) -> Option<Self> {
        Self::start_with(test, false).await
    }

    /// Starts `sshd` that also takes passwords, from [`SFTP_PASSWORD_USER`] (with the
    /// test's folder readable by that user), or says why it cannot (`None`: skipped,
    /// or failed under CI): the user must exist and sshd can check passwords only
    /// when it runs as root.
    pub async fn start_with_password_user(test: &str) -> Option<Self> {
        let exists = Command::new("id")
            .arg(SFTP_PASSWORD_USER)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !exists {
            crate::service::unavailable(
                test,
                "the SFTP password test user does not exist (scripts/setup.d/15-ssh creates it, as root)",
            );
            return None;
        }
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        if !root {
            crate::service::unavailable(test, "sshd checks passwords only when it runs as root");
            return None;
        }
        Self::start_with(test, true).await
    }

    async fn start_with(test: &str, passwords: bool) -> Option<Self> {
        if !Path::new(SSHD).exists() {
            crate::service::unavailable(
                test,
                "OpenSSH's sshd is not installed (/usr/sbin/sshd; scripts/setup.d/15-ssh installs it)",
            );
            return None;
        }
        let dir = tempfile::tempdir().expect("sshd dir");
        let files = tempfile::tempdir().expect("sftp files");
        let d = dir.path();
        keygen(&d.join("host_key"));
        keygen(&d.join("user_key"));
        std::fs::copy(d.join("user_key.pub"), d.join("authorized_keys")).expect("authorized_keys");
        let user = std::env::var("USER")
            .ok()
            .filter(|u| !u.is_empty())
            .or_else(|| {
                let out = Command::new("id").arg("-un").output().ok()?;
                Some(String::from_utf8_lossy(&out.stdout).trim().to_owned())
            })
            .expect("the user's name");
        // sshd privilege separation wants this folder to exist.
        let _ = std::fs::create_dir_all("/run/sshd");
        let (password_auth, users) = if passwords {
            // The password user reads the test's files.
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(files.path(), std::fs::Permissions::from_mode(0o755)).expect("files readable");
            }
            ("yes", format!("{user} {SFTP_PASSWORD_USER}"))
        } else {
            ("no", user.clone())
        };
        for _ in 0..5 {
            let port = {
                let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
                l.local_addr().expect("addr").port()
            };
            let config = format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\nAuthorizedKeysFile {keys}\n\
                 PasswordAuthentication {password_auth}\nKbdInteractiveAuthentication no\n\
                 PubkeyAuthentication yes\nPermitRootLogin prohibit-password\nStrictModes no\nPidFile none\n\
                 UsePAM no\nAllowUsers {users}\nSubsystem sftp internal-sftp\nLogLevel VERBOSE\n",
                host_key = d.join("host_key").display(),
                keys = d.join("authorized_keys").display(),
            );
            std::fs::write(d.join("sshd_config"), config).expect("sshd_config");
            let mut child = Command::new(SSHD)
                .args(["-D", "-e", "-f"])
                .arg(d.join("sshd_config"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::from(
                    std::fs::File::create(d.join("sshd.log")).expect("sshd log"),
                ))
                .spawn()
                .expect("sshd starts");
            for _ in 0..100 {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Some(Self {
                        port,
                        user,
                        fingerprint: fingerprint(&d.join("host_key.pub")),
                        private_key: std::fs::read_to_string(d.join("user_key")).expect("user key"),
                        files,
                        dir,
                        child,
                    });
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        let log = std::fs::read_to_string(d.join("sshd.log")).unwrap_or_default();
        panic!("{test}: sshd did not start: {log}");
    }

    /// The connections sshd accepted so far (from its log).
    #[must_use]
    pub fn connections(&self) -> usize {
        std::fs::read_to_string(self.dir.path().join("sshd.log"))
            .unwrap_or_default()
            .matches("Connection from ")
            .count()
    }

    /// sshd's log so far.
    #[must_use]
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    /// Writes a file in the test's folder; returns its absolute path on the server.
    #[allow(clippy::must_use_candidate)]
    pub fn put(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.files.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        path.display().to_string()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
