//! `cdt tools`, `cdt run` and `cdt customers`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use cdt_connectors::{OneRosterCsv, factory};
use cdt_core::{Customer, Inputs, PlatformConnector, Registry, RunContext, SourceConnector, diagnose};

use crate::cli::RunArgs;

pub(crate) fn tools(registry: &Registry, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        let specs: Vec<_> = registry.tools().map(|t| t.spec().clone()).collect();
        crate::output::emit(&(serde_json::to_string_pretty(&specs)? + "\n"))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    for tool in registry.tools() {
        let spec = tool.spec();
        let _ = writeln!(out, "{}  {}\n    {}", spec.id, spec.title, spec.description);
        for input in &spec.inputs {
            let need = if input.required { "required" } else { "optional" };
            let kind = match input.kind {
                cdt_core::InputKind::Text => "text",
                cdt_core::InputKind::Email => "email",
            };
            let _ = writeln!(out, "    --input {}=…  ({kind}, {need}) {}", input.name, input.help);
        }
        out.push('\n');
    }
    crate::output::emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn run(registry: &Registry, args: RunArgs) -> anyhow::Result<ExitCode> {
    let tool = registry.get(&args.tool)?;
    let inputs = Inputs::from_pairs(args.inputs.iter().cloned());
    let (source, platform, ctx): (Arc<dyn SourceConnector>, Arc<dyn PlatformConnector>, RunContext) =
        if let Some(id) = &args.customer {
            let customer = Customer::load(&args.settings.settings_dir, id)?;
            let mut warnings = Vec::new();
            if !customer.active {
                warnings.push(format!("customer `{id}` is marked inactive in its settings file"));
            }
            let source = factory::source_for(&customer)?;
            let platform = factory::platform_for(&customer).await?;
            let ctx = RunContext {
                customer_id: Some(customer.customer_id.clone()),
                bookmarked_org_id: customer.bookmarked_org_id.clone(),
                hubspot_ticket_id: args.ticket.clone(),
                warnings,
            };
            (source, platform, ctx)
        } else {
            let (Some(source), Some(platform)) = (&args.source, &args.platform) else {
                bail!("give --customer, or both --source and --platform");
            };
            let district = match &args.district_id {
                Some(d) => d.clone(),
                None => only_district(platform).await?,
            };
            let ctx = RunContext {
                customer_id: None,
                bookmarked_org_id: district.clone(),
                hubspot_ticket_id: args.ticket.clone(),
                warnings: Vec::new(),
            };
            let source: Arc<dyn SourceConnector> = Arc::new(OneRosterCsv::new(source));
            (source, factory::platform_from_path(platform, &district).await?, ctx)
        };
    let result = diagnose(tool.as_ref(), &inputs, source.as_ref(), platform.as_ref(), &ctx).await?;
    if args.json {
        crate::output::emit(&(result.to_json() + "\n"))?;
    } else if args.hubspot {
        crate::output::emit(&(result.to_hubspot_comment() + "\n"))?;
    } else {
        crate::output::emit(&result.to_text())?;
    }
    Ok(if result.needs_action() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

async fn only_district(platform: &Path) -> anyhow::Result<String> {
    let ids = factory::districts_in(platform).await?;
    match ids.as_slice() {
        [one] => Ok(one.clone()),
        [] => bail!("{}: no district in the platform data", platform.display()),
        many => bail!(
            "{}: several districts ({}); pick one with --district-id",
            platform.display(),
            many.join(", ")
        ),
    }
}

pub(crate) fn customers(dir: &Path) -> anyhow::Result<ExitCode> {
    let ids = Customer::list(dir).with_context(|| format!("cannot list {}", dir.display()))?;
    let mut bad = 0;
    for id in ids {
        match Customer::load(dir, &id) {
            Ok(c) => crate::output::emit(&format!(
                "{id}  {}  {}  {} {}  {}\n",
                c.customer_name,
                c.integration.kind(),
                c.bookmarked_environment,
                c.bookmarked_org_id,
                if c.active { "active" } else { "inactive" }
            ))?,
            Err(e) => {
                bad += 1;
                crate::output::emit(&format!("{id}  INVALID: {e}\n"))?;
            }
        }
    }
    Ok(if bad == 0 { ExitCode::SUCCESS } else { ExitCode::from(2) })
}
