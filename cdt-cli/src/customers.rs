//! `cdt customers`: the customers of a settings folder, each file checked.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use cdt_connectors::customers;

pub(crate) fn list(dir: &Path) -> anyhow::Result<ExitCode> {
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
