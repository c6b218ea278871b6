//! One HTTP/1.1 request over a fresh loopback connection, written by hand so a test
//! sees the whole answer as it came (status line, headers, body) from a server it
//! started as a process.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

/// `METHOD path` to `addr` with `Host: host`, a bearer token when given and a JSON body
/// when given; the whole response as text.
#[must_use]
pub fn request(addr: &str, host: &str, token: Option<&str>, method: &str, path: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect to the server");
    stream
        .set_read_timeout(Some(Duration::from_mins(2)))
        .expect("read timeout");
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send the request");
    let mut out = String::new();
    stream.read_to_string(&mut out).expect("read the answer");
    out
}
