//! `cdt tools`: the diagnostics and their inputs, as text or JSON.

use std::fmt::Write as _;
use std::process::ExitCode;

use cdt_core::Registry;
use cdt_core::text::one_line;

pub(crate) fn tools(registry: &Registry, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        let specs: Vec<_> = registry.tools().map(|t| t.spec().clone()).collect();
        crate::output::emit(&(serde_json::to_string_pretty(&specs)? + "\n"))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    for tool in registry.tools() {
        let spec = tool.spec();
        // Plugin manifests are outside text: each field stays on its line, without
        // control characters.
        let _ = writeln!(
            out,
            "{}  {}\n    {}",
            one_line(&spec.id),
            one_line(&spec.title),
            one_line(&spec.description)
        );
        for input in &spec.inputs {
            let need = if input.required { "required" } else { "optional" };
            let kind = match input.kind {
                cdt_core::InputKind::Text => "text",
                cdt_core::InputKind::Email => "email",
            };
            let _ = writeln!(
                out,
                "    --input {}=…  ({kind}, {need}) {}",
                one_line(&input.name),
                one_line(&input.help)
            );
        }
        out.push('\n');
    }
    crate::output::emit(&out)?;
    Ok(ExitCode::SUCCESS)
}
