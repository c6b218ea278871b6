//! Credentials: resolving a [`SecretRef`] to a [`Secret`].
//!
//! - `env:NAME`: the process environment, then the `.env` file (the process wins, as
//!   with every `.env` loader);
//! - `aws-sm:SECRET_ID[#key]`: AWS Secrets Manager (cargo feature `aws`); with `#key`
//!   the secret's value is a JSON object and `key` one of its fields.
//!
//! Values are wrapped in [`Secret`] as soon as they are read and never logged; errors
//! name the reference only. A manager can be [scoped](CredentialManager::scoped) to the
//! references one environment declares, so a production connector cannot resolve a
//! staging secret even by mistake.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use cdt_core::{Secret, SecretRef};
use tracing::debug;

use crate::error::{Error, Result};

/// Resolves secret references. Cheap to clone (the cache is shared).
#[derive(Clone, Default)]
pub struct CredentialManager {
    dotenv: Arc<HashMap<String, Secret>>,
    /// When set, only these references resolve.
    scope: Option<Arc<HashSet<SecretRef>>>,
    /// What the scope is, for messages (e.g. `production`).
    scope_name: Option<String>,
    #[cfg(feature = "aws")]
    aws: Option<Arc<crate::aws_secrets::SecretsManager>>,
    cache: Arc<Mutex<HashMap<String, Secret>>>,
}

impl std::fmt::Debug for CredentialManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialManager")
            .field("dotenv_names", &self.dotenv.keys().collect::<BTreeSet<_>>())
            .field("scope", &self.scope_name)
            .finish_non_exhaustive()
    }
}

impl CredentialManager {
    /// A manager that reads the process environment only.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the variables of a `.env` file (read now; the process environment is not
    /// changed). A missing file is not an error when `optional`.
    pub fn with_dotenv(mut self, path: &Path, optional: bool) -> Result<Self> {
        if optional && !path.is_file() {
            return Ok(self);
        }
        let iter = dotenvy::from_path_iter(path).map_err(|e| dotenv_error(path, &e))?;
        let mut vars = HashMap::new();
        for item in iter {
            // dotenvy's parse errors quote the offending line, which may hold a
            // secret: report only where it is.
            let (name, value) = item.map_err(|e| dotenv_error(path, &e))?;
            vars.insert(name, Secret::new(value));
        }
        debug!(path = %path.display(), variables = vars.len(), "read .env file");
        self.dotenv = Arc::new(vars);
        Ok(self)
    }

    /// Adds AWS Secrets Manager for `aws-sm:` references.
    #[cfg(feature = "aws")]
    #[must_use]
    pub fn with_aws(mut self, client: crate::aws_secrets::SecretsManager) -> Self {
        self.aws = Some(Arc::new(client));
        self
    }

    /// A manager that resolves only `refs` (an environment's declared secrets),
    /// sharing this one's sources and cache.
    #[must_use]
    pub fn scoped(&self, name: &str, refs: impl IntoIterator<Item = SecretRef>) -> Self {
        let mut scoped = self.clone();
        scoped.scope = Some(Arc::new(refs.into_iter().collect()));
        scoped.scope_name = Some(name.to_owned());
        scoped
    }

    /// An environment variable, from the process or the `.env` file.
    #[must_use]
    pub fn var(&self, name: &str) -> Option<Secret> {
        match std::env::var(name) {
            Ok(v) => Some(Secret::new(v)),
            Err(_) => self.dotenv.get(name).cloned(),
        }
    }

    /// Resolves a reference.
    pub async fn get(&self, reference: &SecretRef) -> Result<Secret> {
        let fail = |message: String| Error::Credential {
            reference: reference.to_string(),
            message,
        };
        if let Some(scope) = &self.scope
            && !scope.contains(reference)
        {
            return Err(fail(format!(
                "not one of the {} environment's secrets; environments never share credentials",
                self.scope_name.as_deref().unwrap_or("current")
            )));
        }
        match reference {
            SecretRef::Env(name) => {
                let value = self.var(name).ok_or_else(|| {
                    fail(format!(
                        "`{name}` is set neither in the environment nor in the .env file"
                    ))
                })?;
                if value.expose().is_empty() {
                    return Err(fail(format!("`{name}` is empty")));
                }
                Ok(value)
            }
            SecretRef::AwsSecretsManager { secret_id, key } => self.aws(reference, secret_id, key.as_deref()).await,
        }
    }

    #[cfg(feature = "aws")]
    async fn aws(&self, reference: &SecretRef, secret_id: &str, key: Option<&str>) -> Result<Secret> {
        let fail = |message: String| Error::Credential {
            reference: reference.to_string(),
            message,
        };
        let Some(aws) = &self.aws else {
            return Err(fail(
                "AWS Secrets Manager is not configured (set AWS_REGION and credentials)".into(),
            ));
        };
        let cached = self.cache.lock().ok().and_then(|c| c.get(secret_id).cloned());
        let whole = if let Some(v) = cached {
            v
        } else {
            let v = aws.get_secret_value(secret_id).await.map_err(|e| match e {
                Error::Aws { message, .. } => fail(format!("AWS Secrets Manager: {message}")),
                other => other,
            })?;
            if let Ok(mut c) = self.cache.lock() {
                c.insert(secret_id.to_owned(), v.clone());
            }
            v
        };
        let Some(key) = key else { return Ok(whole) };
        let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(whole.expose())
            .map_err(|_| fail("the secret's value is not a JSON object, so `#key` cannot be read".into()))?;
        match map.get(key) {
            Some(serde_json::Value::String(s)) if !s.is_empty() => Ok(Secret::new(s.clone())),
            Some(_) => Err(fail(format!("field `{key}` of the secret is not a non-empty string"))),
            None => Err(fail(format!("the secret has no field `{key}`"))),
        }
    }

    #[cfg(not(feature = "aws"))]
    #[allow(clippy::unused_async)]
    async fn aws(&self, reference: &SecretRef, _secret_id: &str, _key: Option<&str>) -> Result<Secret> {
        let _ = &self.cache;
        Err(Error::Credential {
            reference: reference.to_string(),
            message: "this build of cdt has no AWS Secrets Manager support (cargo feature `aws`)".into(),
        })
    }
}

fn dotenv_error(path: &Path, e: &dotenvy::Error) -> Error {
    let message = match e {
        dotenvy::Error::LineParse(_, index) => format!("cannot parse the line at byte {index}"),
        dotenvy::Error::Io(io) => io.to_string(),
        _ => "cannot read it".to_owned(),
    };
    Error::Credential {
        reference: format!(".env file {}", path.display()),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().build().unwrap()
    }

    #[test]
    fn dotenv_values_resolve_and_never_print() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, "# comment\nCDT_UNIT_DOTENV_ONLY=\"s3cr3t value\"\nEMPTY=\n").unwrap();
        let creds = CredentialManager::new().with_dotenv(&path, false).unwrap();
        let secret = rt()
            .block_on(creds.get(&SecretRef::Env("CDT_UNIT_DOTENV_ONLY".into())))
            .unwrap();
        assert_eq!(secret.expose(), "s3cr3t value");
        assert!(!format!("{creds:?} {secret:?} {secret}").contains("s3cr3t"));
        let err = rt().block_on(creds.get(&SecretRef::Env("EMPTY".into()))).unwrap_err();
        assert!(err.to_string().contains("`EMPTY` is empty"), "{err}");
        let err = rt()
            .block_on(creds.get(&SecretRef::Env("CDT_UNIT_NOT_SET_ANYWHERE".into())))
            .unwrap_err();
        assert!(err.to_string().contains("env:CDT_UNIT_NOT_SET_ANYWHERE"), "{err}");
    }

    #[test]
    fn a_bad_dotenv_line_is_located_without_quoting_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, "GOOD=1\nBAD LINE 'hunter2\n").unwrap();
        let err = CredentialManager::new()
            .with_dotenv(&path, false)
            .unwrap_err()
            .to_string();
        assert!(err.contains(".env") && !err.contains("hunter2"), "{err}");
        assert!(
            CredentialManager::new()
                .with_dotenv(&dir.path().join("none"), true)
                .is_ok()
        );
        assert!(
            CredentialManager::new()
                .with_dotenv(&dir.path().join("none"), false)
                .is_err()
        );
    }

    #[test]
    fn a_scoped_manager_refuses_other_environments_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, "CDT_UNIT_STAGING_PW=a\nCDT_UNIT_PROD_PW=b\n").unwrap();
        let creds = CredentialManager::new().with_dotenv(&path, false).unwrap();
        let prod = creds.scoped("production", [SecretRef::Env("CDT_UNIT_PROD_PW".into())]);
        assert_eq!(
            rt().block_on(prod.get(&SecretRef::Env("CDT_UNIT_PROD_PW".into())))
                .unwrap()
                .expose(),
            "b"
        );
        let err = rt()
            .block_on(prod.get(&SecretRef::Env("CDT_UNIT_STAGING_PW".into())))
            .unwrap_err()
            .to_string();
        assert!(err.contains("production") && err.contains("never share"), "{err}");
    }
}
