//! OAuth 1.0a request signing (RFC 5849), as OneRoster 1.1 uses it: two-legged (no
//! token), HMAC-SHA256 or HMAC-SHA1, parameters in the `Authorization` header.
//!
//! The signature base string is the method, the base URL and the normalised
//! parameters (the query's and the `oauth_*` ones, each percent-encoded, sorted by
//! name then value), each encoded again and joined by `&` (§3.4.1). The key is the
//! encoded consumer secret, `&`, and the encoded token secret (empty here).

use base64::Engine as _;
use hmac::{Hmac, Mac};

use crate::http::enc;

/// The HMAC of a signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureMethod {
    /// `HMAC-SHA256` (what ClassLink and most current OneRoster servers expect).
    HmacSha256,
    /// `HMAC-SHA1` (older servers).
    HmacSha1,
}

impl SignatureMethod {
    /// The `oauth_signature_method` value.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HmacSha256 => "HMAC-SHA256",
            Self::HmacSha1 => "HMAC-SHA1",
        }
    }
}

/// Percent-decodes a query component (`+` is a space, as in form encoding).
#[must_use]
pub(crate) fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |c: u8| char::from(c).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        #[allow(clippy::cast_possible_truncation)]
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The decoded `name=value` pairs of a query string (without the `?`).
#[must_use]
pub(crate) fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

/// The base string URI (§3.4.1.2): scheme and host lower-cased, the default port
/// dropped, the path kept, no query or fragment.
fn base_uri(url: &reqwest::Url) -> String {
    let scheme = url.scheme().to_ascii_lowercase();
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let port = match (url.port(), scheme.as_str()) {
        (Some(80), "http") | (Some(443), "https") | (None, _) => String::new(),
        (Some(p), _) => format!(":{p}"),
    };
    format!("{scheme}://{host}{port}{}", url.path())
}

/// The signature base string of a request (§3.4.1): `params` are every decoded
/// parameter to sign (the query's, a form body's, and the `oauth_*` ones but
/// `oauth_signature`).
#[must_use]
pub(crate) fn base_string(method: &str, url: &reqwest::Url, params: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> = params.iter().map(|(k, v)| (enc(k), enc(v))).collect();
    encoded.sort();
    let normalized = encoded
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        enc(&base_uri(url)),
        enc(&normalized)
    )
}

/// The base64 HMAC of `text` with the key `enc(consumer_secret)&enc(token_secret)`.
#[must_use]
pub(crate) fn sign(method: SignatureMethod, consumer_secret: &str, token_secret: &str, text: &str) -> String {
    let key = format!("{}&{}", enc(consumer_secret), enc(token_secret));
    let digest = match method {
        SignatureMethod::HmacSha256 => {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key");
            mac.update(text.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        SignatureMethod::HmacSha1 => {
            let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key.as_bytes()).expect("HMAC takes any key");
            mac.update(text.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
    };
    base64::engine::general_purpose::STANDARD.encode(digest)
}

/// The `Authorization` header of a two-legged request: the `oauth_*` parameters
/// with the signature, each value encoded and quoted (§3.5.1).
#[must_use]
pub(crate) fn authorization(
    method: SignatureMethod,
    http_method: &str,
    url: &reqwest::Url,
    consumer_key: &str,
    consumer_secret: &str,
    timestamp: u64,
    nonce: &str,
) -> String {
    let mut oauth = vec![
        ("oauth_consumer_key".to_owned(), consumer_key.to_owned()),
        ("oauth_nonce".to_owned(), nonce.to_owned()),
        ("oauth_signature_method".to_owned(), method.as_str().to_owned()),
        ("oauth_timestamp".to_owned(), timestamp.to_string()),
        ("oauth_version".to_owned(), "1.0".to_owned()),
    ];
    let mut params = url.query().map(query_pairs).unwrap_or_default();
    params.extend(oauth.iter().cloned());
    let signature = sign(method, consumer_secret, "", &base_string(http_method, url, &params));
    oauth.push(("oauth_signature".to_owned(), signature));
    let fields = oauth
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", enc(v)))
        .collect::<Vec<_>>()
        .join(", ");
    format!("OAuth {fields}")
}

/// The `oauth_*` parameters of an `Authorization: OAuth …` header, decoded (for
/// servers that verify, such as the tests' fake one). `realm` is left out.
#[must_use]
pub fn parse_authorization(header: &str) -> Option<Vec<(String, String)>> {
    let rest = header.trim().strip_prefix("OAuth ")?;
    let mut out = Vec::new();
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        let v = v.trim().strip_prefix('"')?.strip_suffix('"')?;
        if k != "realm" {
            out.push((decode(k), decode(v)));
        }
    }
    Some(out)
}

/// Verifies a request's OAuth 1.0a signature as a server would: recomputes it over
/// the request's query and `oauth_*` parameters with the consumer secret, and
/// compares. Returns the consumer key and the signature method on success, or why not.
pub fn verify(
    http_method: &str,
    url: &reqwest::Url,
    header: &str,
    consumer_secret: &str,
) -> Result<(String, SignatureMethod), String> {
    let oauth = parse_authorization(header).ok_or("not an OAuth header")?;
    let get = |name: &str| oauth.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let given = get("oauth_signature").ok_or("no oauth_signature")?;
    let key = get("oauth_consumer_key").ok_or("no oauth_consumer_key")?;
    let method = match get("oauth_signature_method") {
        Some("HMAC-SHA256") => SignatureMethod::HmacSha256,
        Some("HMAC-SHA1") => SignatureMethod::HmacSha1,
        other => return Err(format!("unsupported oauth_signature_method {other:?}")),
    };
    for needed in ["oauth_timestamp", "oauth_nonce"] {
        if get(needed).is_none() {
            return Err(format!("no {needed}"));
        }
    }
    let mut params = url.query().map(query_pairs).unwrap_or_default();
    params.extend(oauth.iter().filter(|(k, _)| k != "oauth_signature").cloned());
    let want = sign(method, consumer_secret, "", &base_string(http_method, url, &params));
    if want == given {
        Ok((key.to_owned(), method))
    } else {
        Err("signature mismatch".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> reqwest::Url {
        reqwest::Url::parse(s).unwrap()
    }

    /// RFC 5849 §3.4.1.1: the example request's signature base string, with its query,
    /// form body and `oauth_*` parameters (a token, a realm left out).
    #[test]
    fn rfc5849_signature_base_string() {
        let u = url("http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b");
        let mut params = query_pairs(u.query().unwrap());
        params.extend(query_pairs("c2&a3=2+q"));
        for (k, v) in [
            ("oauth_consumer_key", "9djdj82h48djs9d2"),
            ("oauth_token", "kkk9d7dh3k39sjv7"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131201"),
            ("oauth_nonce", "7d8f3e4a"),
        ] {
            params.push((k.into(), v.into()));
        }
        assert_eq!(
            base_string("POST", &u, &params),
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q\
             %26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_\
             key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m\
             ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk\
             9d7dh3k39sjv7"
        );
    }

    /// RFC 5849 §1.2: the photo-printing example, signed with HMAC-SHA1 by the client
    /// and the token credentials: `oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D"`.
    #[test]
    fn rfc5849_hmac_sha1_signature() {
        let u = url("http://photos.example.net/photos?file=vacation.jpg&size=original");
        let mut params = query_pairs(u.query().unwrap());
        for (k, v) in [
            ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            ("oauth_token", "nnch734d00sl2jdk"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131202"),
            ("oauth_nonce", "chapoH"),
        ] {
            params.push((k.into(), v.into()));
        }
        let base = base_string("GET", &u, &params);
        assert_eq!(
            base,
            "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26\
             oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3DchapoH%26oauth_\
             signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131202%26oauth_tok\
             en%3Dnnch734d00sl2jdk%26size%3Doriginal"
        );
        let sig = sign(SignatureMethod::HmacSha1, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00", &base);
        assert_eq!(sig, "MdpQcU8iPSUjWoN/UDMsK2sui9I=");
        assert_eq!(enc(&sig), "MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D");
    }

    /// HMAC-SHA256 with the key `enc(secret)&`, against a value computed independently
    /// (Python: `base64(hmac.new(b"s3cret&", b"text", sha256).digest())`).
    #[test]
    fn hmac_sha256_is_standard() {
        let sig = sign(SignatureMethod::HmacSha256, "s3cret", "", "text");
        assert_eq!(sig, "JjSflReDjsaxe1HCO00jkcganoMuGAUUwGKXT8RXAi0=");
    }

    #[test]
    fn a_signed_request_verifies_and_a_tampered_one_does_not() {
        let u = url(
            "http://127.0.0.1:8080/ims/oneroster/v1p1/users?filter=email%3D%27o%27%27neil%40x.org%27&limit=100&offset=0",
        );
        for m in [SignatureMethod::HmacSha256, SignatureMethod::HmacSha1] {
            let h = authorization(m, "GET", &u, "key", "s3cret", 1_700_000_000, "abc123");
            assert!(h.starts_with("OAuth oauth_consumer_key=\"key\""), "{h}");
            assert!(!h.contains("s3cret"), "{h}");
            assert_eq!(verify("GET", &u, &h, "s3cret"), Ok(("key".into(), m)));
            assert!(verify("GET", &u, &h, "other").is_err());
            let tampered =
                url("http://127.0.0.1:8080/ims/oneroster/v1p1/users?filter=email%3D%27x%27&limit=100&offset=0");
            assert!(verify("GET", &tampered, &h, "s3cret").is_err());
        }
    }

    #[test]
    fn decoding_handles_plus_percent_and_stray_percent() {
        assert_eq!(decode("a+b%20c%2B"), "a b c+");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz"), "%zz");
        assert_eq!(decode("%C3%A9%é"), "é%é");
    }
}
