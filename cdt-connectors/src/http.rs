//! Outbound HTTP: every client of an outside service is built here, so each one
//! verifies TLS certificates (rustls with the system's roots), follows no redirect (a
//! 3xx answer is an error naming where it pointed) and speaks plain HTTP only to this
//! machine.

use std::time::Duration;

use crate::environments::is_loopback;

/// A client builder for the service at `base_url`, or why that URL is refused.
pub(crate) fn client_for(base_url: &str, timeout: Duration) -> Result<reqwest::ClientBuilder, String> {
    let url = reqwest::Url::parse(base_url).map_err(|e| format!("`{base_url}` is not a URL: {e}"))?;
    let host = url.host_str().unwrap_or_default();
    let local = is_loopback(host);
    match url.scheme() {
        "https" => {}
        "http" if local => {}
        "http" => {
            return Err(format!(
                "`{base_url}` is plain http to another machine: use https (plain http is allowed only to this machine)"
            ));
        }
        other => return Err(format!("`{base_url}`: unsupported scheme `{other}` (use https)")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the URL must not hold credentials".into());
    }
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .https_only(!local)
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("cdt/", env!("CARGO_PKG_VERSION"))))
}

/// The error text for a redirect: where it pointed, cleaned for a terminal.
pub(crate) fn redirect_message(status: u16, headers: &reqwest::header::HeaderMap) -> String {
    let location = headers
        .get(reqwest::header::LOCATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    let location: String = location.chars().filter(|c| !c.is_control()).take(200).collect();
    format!(
        "HTTP {status}: the server redirected to `{location}`; redirects are never followed (a request may carry \
         student data): check the configured URL"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_this_machine() {
        let t = Duration::from_secs(1);
        assert!(client_for("https://api.example.org", t).is_ok());
        assert!(client_for("http://127.0.0.1:8080", t).is_ok());
        assert!(client_for("http://[::1]:8080/base", t).is_ok());
        assert!(client_for("http://localhost:1", t).is_ok());
        let err = client_for("http://api.example.org", t).unwrap_err();
        assert!(err.contains("use https"), "{err}");
        let err = client_for("ftp://api.example.org", t).unwrap_err();
        assert!(err.contains("unsupported scheme"), "{err}");
        let err = client_for("https://user:pw@api.example.org", t).unwrap_err();
        assert!(!err.contains("pw"), "{err}");
        assert!(client_for("not a url", t).is_err());
    }

    #[test]
    fn a_redirect_names_its_target_without_control_characters() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(
            reqwest::header::LOCATION,
            "http://127.0.0.1:9/x\u{1b}[2J"
                .parse()
                .unwrap_or_else(|_| "http://127.0.0.1:9/x".parse().unwrap()),
        );
        let m = redirect_message(307, &h);
        assert!(m.contains("http://127.0.0.1:9/x"), "{m}");
        assert!(!m.contains('\u{1b}'), "{m}");
    }
}
