//! Can a customer's diagnostics run? The settings file, the environment, every secret
//! the customer needs (resolved, never shown), and a test connection to the SIS source
//! and to the platform. `cdt check` prints it; any adapter can return it.

use std::path::Path;

use cdt_core::customer::{Integration, PlatformSource};
use cdt_core::{Customer, SecretRef};
use serde::Serialize;

use crate::credentials::CredentialManager;
use crate::environments::Environments;
use crate::{customers, factory};

/// One check and its outcome.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// What was checked: `settings`, `environment`, `secret <ref>`, `source`, `platform`.
    pub what: String,
    /// Whether it passed.
    pub ok: bool,
    /// What was found, or why it failed (never a secret).
    pub detail: String,
}

/// Every check of one customer, in order.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Preflight {
    /// The checks; a failed `settings` or `credentials` check ends the list.
    pub checks: Vec<Check>,
    /// Whether every check ran (`false` when the list ended early).
    pub complete: bool,
}

impl Preflight {
    /// How many checks failed.
    #[must_use]
    pub fn failed(&self) -> usize {
        self.checks.iter().filter(|c| !c.ok).count()
    }

    fn push(&mut self, ok: bool, what: impl Into<String>, detail: impl Into<String>) {
        self.checks.push(Check {
            what: what.into(),
            ok,
            detail: detail.into(),
        });
    }
}

/// Checks customer `customer_id` of `settings_dir`, with the process's credentials
/// ([`factory::default_credentials`]).
pub async fn preflight(settings_dir: &Path, customer_id: &str) -> Preflight {
    match factory::default_credentials() {
        Ok(creds) => preflight_with(settings_dir, customer_id, &creds).await,
        Err(e) => {
            let mut r = Preflight::default();
            match customers::load(settings_dir, customer_id) {
                Ok(customer) => {
                    r.push(true, "settings", describe(&customer));
                    r.push(false, "credentials", e.to_string());
                }
                Err(e) => r.push(false, "settings", e.to_string()),
            }
            r
        }
    }
}

/// [`preflight`] with the given credentials. For a file drop, the source check logs
/// in, lists the remote folder and finds the file (`logged in as …, found … (N
/// bytes)`), downloading nothing.
pub async fn preflight_with(settings_dir: &Path, customer_id: &str, creds: &CredentialManager) -> Preflight {
    let mut r = Preflight::default();
    let customer = match customers::load(settings_dir, customer_id) {
        Ok(c) => c,
        Err(e) => {
            r.push(false, "settings", e.to_string());
            return r;
        }
    };
    r.push(true, "settings", describe(&customer));
    let mut envs = None;
    if matches!(customer.platform, PlatformSource::Postgres | PlatformSource::Api) {
        match factory::environment_of(&customer, creds) {
            Ok((e, _)) => {
                let env = customer.bookmarked_environment;
                match platform_target(&customer, &e) {
                    Some(w) => r.push(true, "environment", format!("{env} → {w}")),
                    None => r.push(false, "environment", format!("{env} has no settings for this platform")),
                }
                envs = Some(e);
            }
            Err(e) => r.push(false, "environment", e.to_string()),
        }
    }
    resolve_secrets(&mut r, &needed_secrets(&customer, envs.as_ref()), creds).await;
    match factory::source_with(&customer, creds) {
        Ok(source) => match source.test_connection().await {
            Ok(d) => r.push(true, "source", format!("{}: {d}", source.describe())),
            Err(e) => r.push(false, "source", e.to_string()),
        },
        Err(e) => r.push(false, "source", e.to_string()),
    }
    match factory::platform_with(&customer, creds).await {
        Ok(platform) => match platform.test_connection().await {
            Ok(d) => r.push(true, "platform", format!("{}: {d}", platform.describe())),
            Err(e) => r.push(false, "platform", e.to_string()),
        },
        Err(e) => r.push(false, "platform", e.to_string()),
    }
    r.complete = true;
    r
}

async fn resolve_secrets(r: &mut Preflight, secrets: &[SecretRef], creds: &CredentialManager) {
    for reference in secrets {
        match creds.get(reference).await {
            Ok(_) => r.push(true, format!("secret {reference}"), "resolved"),
            Err(e) => r.push(false, format!("secret {reference}"), e.to_string()),
        }
    }
}

fn describe(customer: &Customer) -> String {
    format!(
        "{} ({}, {} environment, platform from {})",
        customer.customer_name,
        customer.integration.kind(),
        customer.bookmarked_environment,
        match customer.platform {
            PlatformSource::Embedded { .. } => "the embedded store",
            PlatformSource::Snapshot { .. } => "a snapshot folder",
            PlatformSource::Postgres => "PostgreSQL",
            PlatformSource::Api => "the REST API",
        }
    )
}

/// The secrets a customer needs: its SIS integration's, and its platform's in its
/// environment (`envs`, when the platform is remote).
#[must_use]
pub fn needed_secrets(customer: &Customer, envs: Option<&Environments>) -> Vec<SecretRef> {
    let mut secrets = integration_secrets(customer);
    if let Some(envs) = envs {
        secrets.extend(platform_secrets(customer, envs));
    }
    secrets
}

/// The secret references of a customer's SIS integration.
fn integration_secrets(customer: &Customer) -> Vec<SecretRef> {
    match &customer.integration {
        Integration::OnerosterApi { client_secret, .. } => vec![client_secret.clone()],
        Integration::Classlink(settings) => settings.secret().into_iter().cloned().collect(),
        Integration::OnerosterCsv { location } => location.secrets(),
    }
}

/// The secret references of a customer's remote platform in its environment.
fn platform_secrets(customer: &Customer, envs: &Environments) -> Vec<SecretRef> {
    let env = envs.get(customer.bookmarked_environment);
    match customer.platform {
        PlatformSource::Postgres => env.database.iter().map(|d| d.password.clone()).collect(),
        PlatformSource::Api => env.api.iter().map(|a| a.token.clone()).collect(),
        PlatformSource::Embedded { .. } | PlatformSource::Snapshot { .. } => Vec::new(),
    }
}

/// What a customer's remote platform points to in its environment, when set.
fn platform_target(customer: &Customer, envs: &Environments) -> Option<String> {
    let env = envs.get(customer.bookmarked_environment);
    match customer.platform {
        PlatformSource::Postgres => env.database.as_ref().map(|d| format!("database {}", d.target())),
        PlatformSource::Api => env.api.as_ref().map(|a| format!("API {}", a.base_url)),
        PlatformSource::Embedded { .. } | PlatformSource::Snapshot { .. } => None,
    }
}
