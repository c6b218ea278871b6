//! `cdt snapshot`: a platform snapshot folder of a district or of one case, through
//! `cdt_connectors::write_platform_snapshot`.

use std::process::ExitCode;

use cdt_connectors::SnapshotScope;
use cdt_core::{Inputs, Registry};

use crate::cli::SnapshotArgs;

pub(crate) async fn snapshot(registry: &Registry, args: SnapshotArgs) -> anyhow::Result<ExitCode> {
    let tool = args.tool.as_deref().map(|id| registry.get(id)).transpose()?;
    let inputs = Inputs::from_pairs(args.inputs.iter().cloned());
    let scope = match &tool {
        Some(tool) => SnapshotScope::Case {
            tool: tool.as_ref(),
            inputs: &inputs,
        },
        None => SnapshotScope::District,
    };
    let target = args.target.target()?;
    let written = cdt_connectors::write_platform_snapshot(&target, scope, &args.out).await?;
    if args.json {
        let json = serde_json::json!({ "snapshot": written });
        crate::output::emit(&(json.to_string() + "\n"))?;
    } else {
        let rows: Vec<String> = written.rows.iter().map(|(t, n)| format!("{t} {n}")).collect();
        crate::output::emit(&format!(
            "wrote platform snapshot {} ({})\n",
            written.path.display(),
            rows.join(", ")
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
