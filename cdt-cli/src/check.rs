//! `cdt check <customer>`: can this customer's diagnostics run? Checks the settings
//! file, the environment, every secret the customer needs (resolved, never shown),
//! and a test connection to the SIS source and to the platform.
//!
//! Exit 0 when every check passes, 1 when one fails.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use cdt_connectors::factory;
use cdt_core::customer::{CsvLocation, Integration, PlatformSource};
use cdt_core::{Customer, SecretRef};

/// The secret references of a customer's SIS integration.
fn integration_secrets(customer: &Customer) -> Vec<SecretRef> {
    match &customer.integration {
        Integration::Classlink { client_secret, .. } | Integration::OnerosterApi { client_secret, .. } => {
            vec![client_secret.clone()]
        }
        Integration::OnerosterCsv {
            location: CsvLocation::Ftp { password, .. },
        } => vec![password.clone()],
        Integration::OnerosterCsv { .. } => Vec::new(),
    }
}

struct Report {
    text: String,
    failed: usize,
}

impl Report {
    fn line(&mut self, ok: bool, what: &str, detail: &str) {
        let mark = if ok { "ok  " } else { "FAIL" };
        let _ = writeln!(self.text, "{mark}  {what}: {detail}");
        if !ok {
            self.failed += 1;
        }
    }
}

pub(crate) async fn check(dir: &Path, id: &str) -> anyhow::Result<ExitCode> {
    let mut r = Report {
        text: String::new(),
        failed: 0,
    };
    let customer = match Customer::load(dir, id) {
        Ok(c) => c,
        Err(e) => {
            r.line(false, "settings", &e.to_string());
            crate::output::emit(&r.text)?;
            return Ok(ExitCode::from(1));
        }
    };
    r.line(
        true,
        "settings",
        &format!(
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
        ),
    );
    let creds = match factory::default_credentials() {
        Ok(c) => c,
        Err(e) => {
            r.line(false, "credentials", &e.to_string());
            crate::output::emit(&r.text)?;
            return Ok(ExitCode::from(1));
        }
    };
    let mut secrets: Vec<SecretRef> = integration_secrets(&customer);
    if matches!(customer.platform, PlatformSource::Postgres | PlatformSource::Api) {
        match factory::environment_of(&customer, &creds) {
            Ok((envs, _)) => {
                let env = envs.get(customer.bookmarked_environment);
                let (what, refs) = match customer.platform {
                    PlatformSource::Postgres => (
                        env.database.as_ref().map(|d| format!("database {}", d.target())),
                        env.database.iter().map(|d| d.password.clone()).collect::<Vec<_>>(),
                    ),
                    _ => (
                        env.api.as_ref().map(|a| format!("API {}", a.base_url)),
                        env.api.iter().map(|a| a.token.clone()).collect(),
                    ),
                };
                match what {
                    Some(w) => r.line(
                        true,
                        "environment",
                        &format!("{} → {w}", customer.bookmarked_environment),
                    ),
                    None => r.line(
                        false,
                        "environment",
                        &format!("{} has no settings for this platform", customer.bookmarked_environment),
                    ),
                }
                secrets.extend(refs);
            }
            Err(e) => r.line(false, "environment", &e.to_string()),
        }
    }
    for reference in &secrets {
        match creds.get(reference).await {
            Ok(_) => r.line(true, &format!("secret {reference}"), "resolved"),
            Err(e) => r.line(false, &format!("secret {reference}"), &e.to_string()),
        }
    }
    match factory::source_for(&customer) {
        Ok(source) => match source.test_connection().await {
            Ok(d) => r.line(true, "source", &format!("{}: {d}", source.describe())),
            Err(e) => r.line(false, "source", &e.to_string()),
        },
        Err(e) => r.line(false, "source", &e.to_string()),
    }
    match factory::platform_with(&customer, &creds).await {
        Ok(platform) => match platform.test_connection().await {
            Ok(d) => r.line(true, "platform", &format!("{}: {d}", platform.describe())),
            Err(e) => r.line(false, "platform", &e.to_string()),
        },
        Err(e) => r.line(false, "platform", &e.to_string()),
    }
    let _ = writeln!(
        r.text,
        "{}",
        if r.failed == 0 {
            "all checks passed".to_owned()
        } else {
            format!("{} check(s) failed", r.failed)
        }
    );
    crate::output::emit(&r.text)?;
    Ok(if r.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
