//! AWS Secrets Manager, read with `GetSecretValue` over HTTPS.
//!
//! Requests are signed with AWS Signature Version 4 by hand ([`sign`]), which needs
//! only `hmac` and `sha2`: the AWS SDK would add hundreds of crates for one call.
//! Configuration follows the AWS conventions: `AWS_REGION` (or `AWS_DEFAULT_REGION`),
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, and
//! `AWS_ENDPOINT_URL_SECRETS_MANAGER` (or `AWS_ENDPOINT_URL`) for another endpoint,
//! such as a local `moto_server` in tests.

use std::time::Duration;

use cdt_core::Secret;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use tracing::debug;

use crate::credentials::CredentialManager;
use crate::error::{Error, Result};

type HmacSha256 = Hmac<Sha256>;

/// How to reach Secrets Manager.
#[derive(Clone, Debug)]
pub struct AwsConfig {
    /// The region, e.g. `us-east-1`.
    pub region: String,
    /// The endpoint (`https://secretsmanager.<region>.amazonaws.com` by default).
    pub endpoint: String,
    /// The access key id (not a secret by itself, but kept out of logs anyway).
    pub access_key_id: Secret,
    /// The secret access key.
    pub secret_access_key: Secret,
    /// The session token, for temporary credentials.
    pub session_token: Option<Secret>,
}

impl AwsConfig {
    /// The configuration from the standard AWS variables, read through `vars` (the
    /// process environment and, when one is given, the `.env` file). `None` when no
    /// region or no access key is set.
    ///
    /// The endpoint (`AWS_ENDPOINT_URL_SECRETS_MANAGER`, else `AWS_ENDPOINT_URL`) is
    /// taken from the process environment only, never from a `.env` file: a file in
    /// the working folder must not be able to send signed requests elsewhere. It must
    /// be https, except to this machine.
    #[must_use]
    pub fn from_vars(vars: &CredentialManager) -> Option<Self> {
        let region = vars.var("AWS_REGION").or_else(|| vars.var("AWS_DEFAULT_REGION"))?;
        let region = region.expose().to_owned();
        let endpoint = std::env::var("AWS_ENDPOINT_URL_SECRETS_MANAGER")
            .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
            .map_or_else(
                |_| format!("https://secretsmanager.{region}.amazonaws.com"),
                |e| e.trim_end_matches('/').to_owned(),
            );
        Some(Self {
            access_key_id: vars.var("AWS_ACCESS_KEY_ID")?,
            secret_access_key: vars.var("AWS_SECRET_ACCESS_KEY")?,
            session_token: vars.var("AWS_SESSION_TOKEN"),
            region,
            endpoint,
        })
    }
}

/// A Secrets Manager client.
#[derive(Debug)]
pub struct SecretsManager {
    config: AwsConfig,
    http: reqwest::Client,
}

/// A request to sign: what `SigV4` covers.
#[derive(Debug)]
pub struct SigningRequest<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    /// `host[:port]`, as sent in the `Host` header.
    pub host: &'a str,
    /// The path, e.g. `/`.
    pub path: &'a str,
    /// Other headers to sign (lower-case names), e.g. `content-type`, `x-amz-target`.
    pub headers: &'a [(&'a str, &'a str)],
    /// The body.
    pub body: &'a [u8],
    /// The service, e.g. `secretsmanager`.
    pub service: &'a str,
    /// The region.
    pub region: &'a str,
    /// When.
    pub time: DateTime<Utc>,
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes keys of any size"));
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Signs a request with AWS Signature Version 4, returning the headers to add:
/// `x-amz-date`, `x-amz-security-token` (with a session token) and `authorization`. The query string must be empty.
#[must_use]
pub fn sign(
    req: &SigningRequest<'_>,
    access_key_id: &Secret,
    secret_access_key: &Secret,
    session_token: Option<&Secret>,
) -> Vec<(String, String)> {
    let amz_date = req.time.format("%Y%m%dT%H%M%SZ").to_string();
    let date = req.time.format("%Y%m%d").to_string();
    let payload_hash = hex::encode(Sha256::digest(req.body));
    let mut headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    headers.push(("host".into(), req.host.to_owned()));
    headers.push(("x-amz-date".into(), amz_date.clone()));
    if let Some(token) = session_token {
        headers.push(("x-amz-security-token".into(), token.expose().to_owned()));
    }
    headers.sort();
    let mut canonical_headers = String::new();
    for (k, v) in &headers {
        canonical_headers.push_str(k);
        canonical_headers.push(':');
        canonical_headers.push_str(v);
        canonical_headers.push('\n');
    }
    let signed_headers = headers.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(";");
    let canonical_request = format!(
        "{}\n{}\n\n{canonical_headers}\n{signed_headers}\n{payload_hash}",
        req.method, req.path
    );
    let scope = format!("{date}/{}/{}/aws4_request", req.region, req.service);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let k_date = hmac(format!("AWS4{}", secret_access_key.expose()).as_bytes(), &date);
    let k_region = hmac(&k_date, req.region);
    let k_service = hmac(&k_region, req.service);
    let k_signing = hmac(&k_service, "aws4_request");
    let signature = hex::encode(hmac(&k_signing, &string_to_sign));
    let mut out: Vec<(String, String)> = headers
        .into_iter()
        .filter(|(k, _)| matches!(k.as_str(), "x-amz-date" | "x-amz-security-token"))
        .collect();
    out.push((
        "authorization".into(),
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
            access_key_id.expose()
        ),
    ));
    out
}

impl SecretsManager {
    /// A client for `config`.
    pub fn new(config: AwsConfig) -> Result<Self> {
        let fail = |message: String| Error::Aws {
            secret_id: String::new(),
            message,
        };
        let http = crate::http::client_for(&config.endpoint, Duration::from_secs(30))
            .map_err(fail)?
            .build()
            .map_err(|e| fail(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { config, http })
    }

    /// Calls a Secrets Manager action (`X-Amz-Target: secretsmanager.<action>`) with a
    /// JSON body and returns the JSON answer. `what` names the request in errors.
    pub async fn call(&self, action: &str, body: &serde_json::Value, what: &str) -> Result<serde_json::Value> {
        let fail = |message: String| Error::Aws {
            secret_id: what.to_owned(),
            message,
        };
        let endpoint = &self.config.endpoint;
        let host = endpoint
            .strip_prefix("https://")
            .or_else(|| endpoint.strip_prefix("http://"))
            .map(|h| h.split('/').next().unwrap_or(h))
            .ok_or_else(|| fail(format!("endpoint `{endpoint}` is not an http(s) URL")))?;
        let body = serde_json::to_vec(body).map_err(|e| fail(e.to_string()))?;
        let target = format!("secretsmanager.{action}");
        let signed = sign(
            &SigningRequest {
                method: "POST",
                host,
                path: "/",
                headers: &[
                    ("content-type", "application/x-amz-json-1.1"),
                    ("x-amz-target", &target),
                ],
                body: &body,
                service: "secretsmanager",
                region: &self.config.region,
                time: Utc::now(),
            },
            &self.config.access_key_id,
            &self.config.secret_access_key,
            self.config.session_token.as_ref(),
        );
        let mut req = self
            .http
            .post(format!("{endpoint}/"))
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", &target)
            .body(body);
        for (k, v) in signed {
            req = req.header(k, v);
        }
        debug!(action, what, "AWS Secrets Manager request");
        let resp = req
            .send()
            .await
            .map_err(|e| fail(format!("request to {endpoint} failed: {}", without_url(&e))))?;
        let status = resp.status();
        if status.is_redirection() {
            return Err(fail(crate::http::redirect_message(status.as_u16(), resp.headers())));
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| fail(format!("cannot read the answer: {}", without_url(&e))))?;
        if !status.is_success() {
            // AWS errors are JSON with `__type` and `message`; neither holds the secret.
            let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            let kind = v["__type"].as_str().unwrap_or("error");
            let kind = kind.rsplit('#').next().unwrap_or(kind);
            let msg = v["message"].as_str().or_else(|| v["Message"].as_str()).unwrap_or("");
            return Err(fail(
                format!("HTTP {}: {kind} {msg}", status.as_u16()).trim_end().to_owned(),
            ));
        }
        serde_json::from_slice(&bytes).map_err(|e| fail(format!("malformed answer: {e}")))
    }

    /// The current value of a secret (`SecretString`).
    pub async fn get_secret_value(&self, secret_id: &str) -> Result<Secret> {
        let v = self
            .call(
                "GetSecretValue",
                &serde_json::json!({ "SecretId": secret_id }),
                secret_id,
            )
            .await?;
        match v.get("SecretString").and_then(serde_json::Value::as_str) {
            Some(s) => Ok(Secret::new(s)),
            None => Err(Error::Aws {
                secret_id: secret_id.to_owned(),
                message: "the secret has no SecretString (binary secrets are not supported)".into(),
            }),
        }
    }
}

/// A reqwest error's message without its URL (URLs can carry credentials).
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "transport error"
    };
    match std::error::Error::source(e) {
        Some(src) => format!("{kind}: {src}"),
        None => kind.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's published `SigV4` example (the `get-vanilla` case of the signature test suite).
    #[test]
    fn signature_matches_the_aws_test_suite() {
        let time = DateTime::parse_from_rfc3339("2015-08-30T12:36:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let headers = sign(
            &SigningRequest {
                method: "GET",
                host: "example.amazonaws.com",
                path: "/",
                headers: &[],
                body: b"",
                service: "service",
                region: "us-east-1",
                time,
            },
            &Secret::new("AKIDEXAMPLE"),
            &Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            None,
        );
        let auth = &headers.iter().find(|(k, _)| k == "authorization").unwrap().1;
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"),
            "{auth}"
        );
        assert!(
            auth.ends_with(
                "SignedHeaders=host;x-amz-date, \
                 Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
            ),
            "{auth}"
        );
    }
}
