//! `cdt classlink apps`: the districts' applications a ClassLink token can read, each
//! with the `integration` section of a customer file for ClassLink's OneRoster proxy.
//! The token is read from the variable named, and only that name is printed.

use std::process::ExitCode;

use anyhow::Context;
use cdt_connectors::classlink::{self, Application, CLASSLINK_PROXY_BASE};
use cdt_core::SecretRef;
use clap::Args;
use serde_json::{Value, json};

/// `cdt classlink apps` arguments.
#[derive(Args, Debug)]
pub(crate) struct AppsArgs {
    /// The environment variable (or `.env` line, with `CDT_DOTENV`) holding the access
    /// token of ClassLink's console; the snippets name it, never the token.
    #[arg(long, value_name = "NAME")]
    pub(crate) token_env: String,
    /// ClassLink's OneRoster proxy.
    #[arg(long, value_name = "URL", default_value = CLASSLINK_PROXY_BASE)]
    pub(crate) proxy_base: String,
    /// Print JSON: each application and its `integration` section.
    #[arg(long)]
    pub(crate) json: bool,
}

/// The `integration` section of a customer file reading `app` through the proxy.
fn integration(app: &Application, reference: &SecretRef, proxy_base: &str) -> Value {
    let mut section = json!({
        "type": "classlink",
        "route": "proxy",
        "application_id": app.application_id,
        "access_token": reference.to_string(),
    });
    let proxy_base = proxy_base.trim_end_matches('/');
    if proxy_base != CLASSLINK_PROXY_BASE {
        section["proxy_base"] = json!(proxy_base);
    }
    section
}

pub(crate) async fn apps(args: &AppsArgs) -> anyhow::Result<ExitCode> {
    let reference = SecretRef::parse(&format!("env:{}", args.token_env))
        .map_err(|_| anyhow::anyhow!("--token-env takes a variable name: letters, digits and `_`"))?;
    let creds = cdt_connectors::factory::default_credentials()?;
    let token = creds.get(&reference).await?;
    let apps = classlink::applications(&args.proxy_base, &token)
        .await
        .context("cannot list the applications of the token")?;
    let rows: Vec<(&Application, Value)> = apps
        .iter()
        .map(|a| (a, integration(a, &reference, &args.proxy_base)))
        .collect();
    if args.json {
        let out: Vec<Value> = rows
            .iter()
            .map(|(a, section)| json!({"application": a, "integration": section}))
            .collect();
        crate::output::emit(&format!("{}\n", serde_json::to_string_pretty(&out)?))?;
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        crate::output::emit("The token can read no application (has a district shared its roster?)\n")?;
    }
    let safe = |t: &str| cdt_core::text::one_line(t).into_owned();
    for (a, section) in &rows {
        crate::output::emit(&format!(
            "{} (tenant {}): application {} {} (id {}, oneroster_application_id {})\n  \"integration\": {}\n\n",
            safe(&a.tenant_name),
            safe(&a.tenant_id),
            safe(&a.application_id),
            safe(&a.name),
            safe(&a.id),
            safe(&a.oneroster_application_id),
            safe(&serde_json::to_string(section)?),
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
