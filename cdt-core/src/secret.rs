//! Secrets and references to them.
//!
//! Customer files never hold a secret, only a [`SecretRef`] such as
//! `env:CLASSLINK_CLIENT_SECRET`. A resolved value is a [`Secret`], whose `Debug` and
//! `Display` print `[redacted]`, so it cannot reach a log, an error or a result by
//! accident.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// Where a secret lives. Written in customer files as `env:NAME` or
/// `aws-sm:SECRET_ID` (optionally `aws-sm:SECRET_ID#json_key`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub enum SecretRef {
    /// An environment variable (or a line of the `.env` file).
    Env(String),
    /// An AWS Secrets Manager secret, and optionally a key in its JSON value.
    AwsSecretsManager {
        /// The secret's id or ARN.
        secret_id: String,
        /// A key of the secret's JSON value.
        key: Option<String>,
    },
}

impl SecretRef {
    /// Parses a reference, explaining the accepted forms on failure.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let bad = || {
            "expected a secret reference such as `env:NAME` or `aws-sm:SECRET_ID#key`; \
             secrets themselves never go in customer files"
                .to_owned()
        };
        if let Some(name) = s.strip_prefix("env:") {
            let ok = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            return if ok { Ok(Self::Env(name.to_owned())) } else { Err(bad()) };
        }
        if let Some(rest) = s.strip_prefix("aws-sm:") {
            let (id, key) = match rest.split_once('#') {
                Some((id, key)) => (id, Some(key.to_owned())),
                None => (rest, None),
            };
            if id.is_empty() || key.as_deref() == Some("") {
                return Err(bad());
            }
            return Ok(Self::AwsSecretsManager {
                secret_id: id.to_owned(),
                key,
            });
        }
        Err(bad())
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env(name) => write!(f, "env:{name}"),
            Self::AwsSecretsManager { secret_id, key: None } => write!(f, "aws-sm:{secret_id}"),
            Self::AwsSecretsManager {
                secret_id,
                key: Some(key),
            } => write!(f, "aws-sm:{secret_id}#{key}"),
        }
    }
}

impl From<SecretRef> for String {
    fn from(r: SecretRef) -> Self {
        r.to_string()
    }
}

impl<'de> Deserialize<'de> for SecretRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        // Never echo the value: it may be a secret pasted by mistake.
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A secret value. Prints as `[redacted]`; read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value. Call it only where the value is handed to a client library.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // Best effort: overwrite the bytes before the allocation is freed.
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        bytes.fill(0);
        std::hint::black_box(&bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_and_print_back() {
        for s in [
            "env:CLASSLINK_SECRET",
            "aws-sm:cdt/prod/db",
            "aws-sm:cdt/prod/db#password",
        ] {
            assert_eq!(SecretRef::parse(s).unwrap().to_string(), s);
        }
    }

    #[test]
    fn a_literal_secret_is_refused_without_echoing_it() {
        let err = SecretRef::parse("hunter2-super-secret").unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
        assert!(SecretRef::parse("env:").is_err());
        assert!(SecretRef::parse("env:BAD NAME").is_err());
        assert!(SecretRef::parse("aws-sm:id#").is_err());
    }

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?} {s}"), "Secret([redacted]) [redacted]");
        assert_eq!(s.expose(), "hunter2");
    }
}
