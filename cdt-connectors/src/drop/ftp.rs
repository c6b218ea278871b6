//! FTP and explicit FTPS drops, with `suppaftp`'s blocking client run off the async
//! threads.
//!
//! FTPS is explicit (`AUTH TLS`, then `PBSZ 0` and `PROT P`: the data connections are
//! encrypted too), over rustls with the `ring` provider. The server's certificate is
//! verified against the system's roots and, when the settings name one, an extra CA
//! file (a private CA); there is no way to turn verification off. Passive mode only,
//! the data connections always to the control connection's address (the address in
//! a `PASV` answer is ignored, so a server cannot point the client elsewhere).

use std::io::Read;
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;

use async_trait::async_trait;
use suppaftp::types::FileType;
use suppaftp::{FtpError, FtpStream, RustlsConnector, RustlsFtpStream, Status};

use super::{DownloadSink, DropSettings, Listed, Protocol, RemoteFile, Secrets, Session};
use crate::error::{DropErrorKind, Error, Result};

enum Conn {
    Plain(FtpStream),
    Tls(RustlsFtpStream),
}

/// Runs `$body` with `$s` bound to the connection, whichever kind it is.
macro_rules! with_conn {
    ($conn:expr, $s:ident => $body:expr) => {
        match $conn {
            Conn::Plain($s) => $body,
            Conn::Tls($s) => $body,
        }
    };
}

struct FtpSession {
    conn: Option<Conn>,
    settings: Arc<DropSettings>,
    secrets: Arc<Secrets>,
}

/// The file-size cap of a CA file.
const MAX_CA_FILE: u64 = 1 << 20;

fn tls_config(settings: &DropSettings) -> Result<Arc<rustls::ClientConfig>> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject as _;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    if let Some(ca) = &settings.ca_file {
        let bad = |m: String| settings.error(None, DropErrorKind::Settings, m);
        let meta = std::fs::metadata(ca).map_err(|e| bad(format!("CA file {}: {e}", ca.display())))?;
        if meta.len() > MAX_CA_FILE {
            return Err(bad(format!("CA file {} is larger than 1 MiB", ca.display())));
        }
        let pem = std::fs::read(ca).map_err(|e| bad(format!("CA file {}: {e}", ca.display())))?;
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|e| bad(format!("CA file {}: {e}", ca.display())))?;
            roots
                .add(cert)
                .map_err(|e| bad(format!("CA file {}: {e}", ca.display())))?;
            added += 1;
        }
        if added == 0 {
            return Err(bad(format!("CA file {} holds no PEM certificate", ca.display())));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| settings.error(None, DropErrorKind::Settings, format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The TLS error inside an I/O error, if that is what it is.
fn tls_failure(e: &std::io::Error) -> Option<&rustls::Error> {
    e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>())
}

fn ftp_error(settings: &DropSettings, secrets: &Secrets, path: Option<&str>, what: &str, e: &FtpError) -> Error {
    let kind = match e {
        FtpError::ConnectionError(io) if tls_failure(io).is_some() => DropErrorKind::Untrusted,
        FtpError::ConnectionError(_) => DropErrorKind::Connect,
        FtpError::SecureError(_) => DropErrorKind::Untrusted,
        FtpError::UnexpectedResponse(r) if r.status == Status::NotLoggedIn => DropErrorKind::Login,
        FtpError::UnexpectedResponse(r) if r.status == Status::FileUnavailable => DropErrorKind::NotFound,
        _ => DropErrorKind::Protocol,
    };
    let detail = match e {
        FtpError::UnexpectedResponse(r) => format!(
            "the server answered {} {}",
            r.status.code(),
            String::from_utf8_lossy(&r.body).trim()
        ),
        FtpError::SecureError(m) => format!("the server's certificate or TLS was refused: {m}"),
        FtpError::ConnectionError(io) if tls_failure(io).is_some() => {
            format!("the server's certificate or TLS was refused: {io}")
        }
        other => other.to_string(),
    };
    let detail = secrets.scrub(&detail);
    let message = if kind == DropErrorKind::Login {
        format!("the server refused the login ({what}): {detail}")
    } else {
        format!("{what}: {detail}")
    };
    settings.error(path, kind, message)
}

fn tcp_connect(settings: &DropSettings) -> Result<TcpStream> {
    let timeout = settings.timeout();
    let addrs = (settings.host.as_str(), settings.port)
        .to_socket_addrs()
        .map_err(|e| settings.error(None, DropErrorKind::Connect, format!("cannot resolve the host: {e}")))?;
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(tcp) => {
                let _ = tcp.set_read_timeout(Some(timeout));
                let _ = tcp.set_write_timeout(Some(timeout));
                return Ok(tcp);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(settings.error(
        None,
        DropErrorKind::Connect,
        match last {
            Some(e) => format!("cannot connect: {e}"),
            None => "the host name has no address".into(),
        },
    ))
}

fn connect(settings: &DropSettings, secrets: &Secrets, tls: Option<Arc<rustls::ClientConfig>>) -> Result<Conn> {
    let fail = |what: &str, e: &FtpError| ftp_error(settings, secrets, None, what, e);
    let timeout = settings.timeout();
    let builder = move |addr: std::net::SocketAddr| -> suppaftp::FtpResult<TcpStream> {
        let s = TcpStream::connect_timeout(&addr, timeout).map_err(FtpError::ConnectionError)?;
        let _ = s.set_read_timeout(Some(timeout));
        let _ = s.set_write_timeout(Some(timeout));
        Ok(s)
    };
    let tcp = tcp_connect(settings)?;
    let mut conn = match tls {
        None => {
            let mut ftp = FtpStream::connect_with_stream(tcp).map_err(|e| fail("connecting", &e))?;
            ftp = ftp.passive_stream_builder(builder);
            Conn::Plain(ftp)
        }
        Some(config) => {
            let ftp = RustlsFtpStream::connect_with_stream(tcp).map_err(|e| fail("connecting", &e))?;
            let ftp = ftp.passive_stream_builder(builder);
            let ftp = ftp
                .into_secure(RustlsConnector::from(config), &settings.host)
                .map_err(|e| fail("starting TLS (AUTH TLS)", &e))?;
            Conn::Tls(ftp)
        }
    };
    let password = secrets.password.as_ref().map_or("", |p| p.expose());
    with_conn!(&mut conn, ftp => {
        ftp.set_passive_nat_workaround(true);
        ftp.login(settings.username.as_str(), password)
            .map_err(|e| fail(&format!("logging in as {}", settings.username), &e))?;
        ftp.transfer_type(FileType::Binary).map_err(|e| fail("binary mode (TYPE I)", &e))?;
    });
    Ok(conn)
}

/// Connects, verifies (FTPS) and logs in.
pub(super) async fn open(settings: &DropSettings, secrets: &Secrets) -> Result<Box<dyn Session>> {
    let tls = match settings.protocol {
        Protocol::Ftps => Some(tls_config(settings)?),
        Protocol::Ftp | Protocol::Sftp => None,
    };
    let settings = Arc::new(settings.clone());
    let secrets = Arc::new(secrets.clone());
    let (s, k) = (Arc::clone(&settings), Arc::clone(&secrets));
    let conn = tokio::task::spawn_blocking(move || connect(&s, &k, tls))
        .await
        .map_err(|e| settings.error(None, DropErrorKind::Connect, format!("FTP task failed: {e}")))??;
    Ok(Box::new(FtpSession {
        conn: Some(conn),
        settings,
        secrets,
    }))
}

impl FtpSession {
    /// Runs `f` on the connection on a blocking thread.
    async fn blocking<T: Send + 'static>(
        &mut self,
        f: impl FnOnce(&mut Conn, &DropSettings, &Secrets) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let Some(mut conn) = self.conn.take() else {
            return Err(self
                .settings
                .error(None, DropErrorKind::Connect, "the connection was lost"));
        };
        let (settings, secrets) = (Arc::clone(&self.settings), Arc::clone(&self.secrets));
        let (conn, result) = tokio::task::spawn_blocking(move || {
            let r = f(&mut conn, &settings, &secrets);
            (conn, r)
        })
        .await
        .map_err(|e| {
            self.settings
                .error(None, DropErrorKind::Connect, format!("FTP task failed: {e}"))
        })?;
        self.conn = Some(conn);
        result
    }
}

fn stat(conn: &mut Conn, settings: &DropSettings, secrets: &Secrets, path: &str) -> Result<RemoteFile> {
    let size = with_conn!(conn, ftp => ftp.size(path))
        .map_err(|e| ftp_error(settings, secrets, Some(path), "the file's size (SIZE)", &e))?;
    let modified = with_conn!(conn, ftp => ftp.mdtm(path))
        .ok()
        .map(|t| t.and_utc().timestamp());
    Ok(RemoteFile {
        path: path.to_owned(),
        size: size as u64,
        modified,
    })
}

fn download(
    conn: &mut Conn,
    settings: &DropSettings,
    secrets: &Secrets,
    file: &RemoteFile,
    max: u64,
    out: std::fs::File,
) -> Result<std::fs::File> {
    let path = file.path.as_str();
    let fail = |what: &str, e: &FtpError| ftp_error(settings, secrets, Some(path), what, e);
    let mut sink = DownloadSink::new(settings, file, max, out);
    with_conn!(conn, ftp => {
        let mut stream = ftp.retr_as_stream(path).map_err(|e| fail("download (RETR)", &e))?;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let Ok(n) = stream.read(&mut buf) else {
                return Err(sink.short());
            };
            if n == 0 {
                break;
            }
            if let Err(e) = sink.write(&buf[..n]) {
                let _ = ftp.abort(stream);
                return Err(e);
            }
        }
        stream.finish().map_err(|e| fail("download (end of transfer)", &e))?;
        sink.finish()
    })
}

#[async_trait]
impl Session for FtpSession {
    async fn list(&mut self, dir: &str) -> Result<Vec<Listed>> {
        let dir = dir.to_owned();
        self.blocking(move |conn, settings, secrets| {
            let names = with_conn!(conn, ftp => ftp.nlst(Some(dir.as_str())))
                .map_err(|e| ftp_error(settings, secrets, Some(&dir), "listing the folder (NLST)", &e))?;
            Ok(names
                .into_iter()
                .filter_map(|n| {
                    let name = n
                        .trim_end_matches('\r')
                        .rsplit('/')
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    (!name.is_empty() && name != "." && name != "..").then_some(Listed {
                        name,
                        size: None,
                        modified: None,
                    })
                })
                .collect())
        })
        .await
    }

    async fn stat(&mut self, path: &str) -> Result<RemoteFile> {
        let path = path.to_owned();
        self.blocking(move |conn, settings, secrets| stat(conn, settings, secrets, &path))
            .await
    }

    async fn download(&mut self, file: &RemoteFile, max: u64, out: std::fs::File) -> Result<std::fs::File> {
        let file = file.clone();
        self.blocking(move |conn, settings, secrets| download(conn, settings, secrets, &file, max, out))
            .await
    }

    async fn close(&mut self) {
        let _ = self
            .blocking(|conn, _, _| {
                let _ = with_conn!(conn, ftp => ftp.quit());
                Ok(())
            })
            .await;
    }
}
