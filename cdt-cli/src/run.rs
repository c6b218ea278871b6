//! `cdt run`: one diagnostic on a customer or on files, through `cdt_connectors::run`.

use std::process::ExitCode;

use anyhow::bail;
use cdt_connectors::{RunOptions, Target};
use cdt_core::{Inputs, Registry};

use crate::cli::RunArgs;

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
