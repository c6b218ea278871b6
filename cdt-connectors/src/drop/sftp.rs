//! SFTP drops, over `russh` (a pure-Rust SSH client, here on the `ring` backend: no
//! C toolchain, no OpenSSL, no aws-lc) and `russh-sftp`.
//!
//! The server's host key must have the SHA256 fingerprint pinned in the settings
//! (as `ssh-keygen -lf` prints it): any other key ends the connection during the key
//! exchange, before a user name or a credential is sent. The user logs in with a
//! private key (the key's OpenSSH or PEM text, or the path of a key file, by
//! reference) or a password, the key first when both are set.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use russh::client::{self, Handle};
use russh::keys::{HashAlg, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh_sftp::client::SftpSession;
use tokio::io::AsyncReadExt as _;

use super::{DownloadSink, DropSettings, Listed, RemoteFile, Secrets, Session};
use crate::error::{DropErrorKind, Error, Result};

/// Checks the server's host key against the pinned fingerprint, remembering the one
/// seen for the error message.
struct Pinned {
    expected: String,
    seen: Arc<Mutex<Option<String>>>,
}

impl client::Handler for Pinned {
    type Error = russh::Error;

    async fn check_server_key(&mut self, key: &PublicKeyOrCertificate) -> std::result::Result<bool, Self::Error> {
        let fingerprint = key.public_key().fingerprint(HashAlg::Sha256).to_string();
        let ok = fingerprint == self.expected;
        *self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(fingerprint);
        Ok(ok)
    }
}

struct SftpDrop {
    handle: Handle<Pinned>,
    sftp: SftpSession,
    settings: DropSettings,
}

fn ssh_error(settings: &DropSettings, path: Option<&str>, what: &str, e: &russh::Error) -> Error {
    settings.error(path, DropErrorKind::Connect, format!("{what}: {e}"))
}

fn sftp_error(settings: &DropSettings, path: &str, what: &str, e: &russh_sftp::client::error::Error) -> Error {
    use russh_sftp::client::error::Error as E;
    use russh_sftp::protocol::StatusCode;
    let kind = match e {
        E::Status(s) if s.status_code == StatusCode::NoSuchFile => DropErrorKind::NotFound,
        E::Status(_) | E::UnexpectedPacket | E::UnexpectedBehavior(_) | E::Limited(_) => DropErrorKind::Protocol,
        _ => DropErrorKind::Connect,
    };
    let text = cdt_core::text::one_line(&e.to_string()).into_owned();
    settings.error(Some(path), kind, format!("{what}: {text}"))
}

/// The private key's text: the secret itself when it is a key, else the key file it
/// names.
fn key_text(settings: &DropSettings, value: &str) -> Result<String> {
    if value.trim_start().starts_with("-----BEGIN") {
        return Ok(value.to_owned());
    }
    let path = std::path::Path::new(value.trim());
    let meta = std::fs::metadata(path).map_err(|_| {
        settings.error(
            None,
            DropErrorKind::Settings,
            "the private key is neither a key (`-----BEGIN …`) nor a readable key file",
        )
    })?;
    if !meta.is_file() || meta.len() > 64 * 1024 {
        return Err(settings.error(
            None,
            DropErrorKind::Settings,
            "the private key file is not a regular file of at most 64 KiB",
        ));
    }
    std::fs::read_to_string(path)
        .map_err(|_| settings.error(None, DropErrorKind::Settings, "the private key file cannot be read"))
}

async fn login(handle: &mut Handle<Pinned>, settings: &DropSettings, secrets: &Secrets) -> Result<()> {
    let user = settings.username.as_str();
    let refused = |e: &russh::Error| ssh_error(settings, None, &format!("logging in as {user}"), e);
    if let Some(key) = &secrets.private_key {
        let text = key_text(settings, key.expose())?;
        let key = russh::keys::decode_secret_key(&text, None).map_err(|_| {
            settings.error(
                None,
                DropErrorKind::Settings,
                "the private key cannot be read (an OpenSSH or PEM private key without a passphrase)",
            )
        })?;
        let hash = if key.algorithm().is_rsa() {
            handle.best_supported_rsa_hash().await.ok().flatten().flatten()
        } else {
            None
        };
        let result = handle
            .authenticate_publickey(user, PrivateKeyWithHashAlg::new(Arc::new(key), hash))
            .await
            .map_err(|e| refused(&e))?;
        if result.success() {
            return Ok(());
        }
    }
    if let Some(password) = &secrets.password {
        let result = handle
            .authenticate_password(user, password.expose())
            .await
            .map_err(|e| refused(&e))?;
        if result.success() {
            return Ok(());
        }
    }
    Err(settings.error(
        None,
        DropErrorKind::Login,
        format!("the server refused the login of {user} with the credentials given"),
    ))
}

/// Connects, checks the host key, logs in and starts the SFTP subsystem.
pub(super) async fn open(settings: &DropSettings, secrets: &Secrets) -> Result<Box<dyn Session>> {
    let timeout = settings.timeout();
    let expected = settings.host_key_fingerprint.clone().unwrap_or_default();
    let seen = Arc::new(Mutex::new(None));
    let pinned = Pinned {
        expected: expected.clone(),
        seen: Arc::clone(&seen),
    };
    let config = Arc::new(client::Config {
        inactivity_timeout: Some(timeout),
        ..client::Config::default()
    });
    let connecting = client::connect(config, (settings.host.as_str(), settings.port), pinned);
    let mut handle = match tokio::time::timeout(timeout, connecting).await {
        Err(_) => {
            return Err(settings.error(
                None,
                DropErrorKind::Connect,
                format!("no SSH session within {} s", timeout.as_secs()),
            ));
        }
        Ok(Err(e)) => {
            let seen = seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
            return Err(match (seen, &e) {
                (Some(fp), _) if fp != expected => settings.error(
                    None,
                    DropErrorKind::Untrusted,
                    format!(
                        "the server's host key is {fp}, not the pinned {expected} \
                         (`host_key_fingerprint`); refused before logging in"
                    ),
                ),
                _ => ssh_error(settings, None, "connecting", &e),
            });
        }
        Ok(Ok(h)) => h,
    };
    tokio::time::timeout(timeout, login(&mut handle, settings, secrets))
        .await
        .map_err(|_| settings.error(None, DropErrorKind::Connect, "logging in timed out"))??;
    let channel = handle
        .channel_open_session()
        .await
        .map_err(|e| ssh_error(settings, None, "opening a session channel", &e))?;
    channel
        .request_subsystem(true, "sftp")
        .await
        .map_err(|e| ssh_error(settings, None, "starting SFTP", &e))?;
    let sftp = tokio::time::timeout(timeout, SftpSession::new(channel.into_stream()))
        .await
        .map_err(|_| settings.error(None, DropErrorKind::Connect, "starting SFTP timed out"))?
        .map_err(|e| sftp_error(settings, "/", "starting SFTP", &e))?;
    sftp.set_timeout(timeout.as_secs().max(1));
    Ok(Box::new(SftpDrop {
        handle,
        sftp,
        settings: settings.clone(),
    }))
}

#[async_trait]
impl Session for SftpDrop {
    async fn list(&mut self, dir: &str) -> Result<Vec<Listed>> {
        let entries = self
            .sftp
            .read_dir(dir)
            .await
            .map_err(|e| sftp_error(&self.settings, dir, "listing the folder", &e))?;
        Ok(entries
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let meta = e.metadata();
                Listed {
                    name: e.file_name(),
                    size: meta.size,
                    modified: meta.mtime.map(i64::from),
                }
            })
            .collect())
    }

    async fn stat(&mut self, path: &str) -> Result<RemoteFile> {
        let meta = self
            .sftp
            .metadata(path)
            .await
            .map_err(|e| sftp_error(&self.settings, path, "the file's size", &e))?;
        if !meta.file_type().is_file() {
            return Err(self
                .settings
                .error(Some(path), DropErrorKind::NotFound, "not a regular file"));
        }
        Ok(RemoteFile {
            path: path.to_owned(),
            size: meta.size.unwrap_or(0),
            modified: meta.mtime.map(i64::from),
        })
    }

    async fn download(&mut self, file: &RemoteFile, max: u64, out: std::fs::File) -> Result<std::fs::File> {
        let settings = &self.settings;
        let path = file.path.as_str();
        let mut remote = self
            .sftp
            .open(path)
            .await
            .map_err(|e| sftp_error(settings, path, "opening the file", &e))?;
        let mut sink = DownloadSink::new(settings, file, max, out);
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = remote.read(&mut buf).await.map_err(|_| sink.short())?;
            if n == 0 {
                break;
            }
            sink.write(&buf[..n])?;
        }
        sink.finish()
    }

    async fn close(&mut self) {
        let _ = self.sftp.close().await;
        let _ = self.handle.disconnect(russh::Disconnect::ByApplication, "", "en").await;
    }
}
