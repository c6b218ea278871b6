//! `cdt tools`: the diagnostics and their inputs, as text or JSON.

use std::fmt::Write as _;
use std::process::ExitCode;

use cdt_core::Registry;

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
