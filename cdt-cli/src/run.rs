//! `cdt tools`, `cdt run` and `cdt customers`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use cdt_connectors::{RunOptions, Target, customers};
use cdt_core::{Inputs, Registry};

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
    let target = match (args.customer, args.source, args.platform) {
        (Some(customer_id), _, _) => Target::Customer {
            settings_dir: args.settings.settings_dir,
            customer_id,
        },
        (None, Some(source), Some(platform)) => Target::Files {
            source,
            platform,
            district_id: args.district_id,
        },
        _ => bail!("give --customer, or both --source and --platform"),
    };
    let result = cdt_connectors::run(tool.as_ref(), &inputs, &target, &RunOptions::now(args.ticket)).await?;
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

pub(crate) fn customers(dir: &Path) -> anyhow::Result<ExitCode> {
    let ids = customers::list(dir).with_context(|| format!("cannot list {}", dir.display()))?;
    let mut bad = 0;
    for id in ids {
        match customers::load(dir, &id) {
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
