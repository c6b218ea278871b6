//! `cdt check <customer>`: can this customer's diagnostics run? Prints
//! [`cdt_connectors::preflight`]: the settings file, the environment, every secret the
//! customer needs (resolved, never shown), and a test connection to the SIS source and
//! to the platform.
//!
//! Exit 0 when every check passes, 1 when one fails.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

pub(crate) async fn check(dir: &Path, id: &str) -> anyhow::Result<ExitCode> {
    let report = cdt_connectors::preflight(dir, id).await;
    let mut text = String::new();
    for c in &report.checks {
        let mark = if c.ok { "ok  " } else { "FAIL" };
        let _ = writeln!(text, "{mark}  {}: {}", c.what, c.detail);
    }
    let failed = report.failed();
    if report.complete {
        if failed == 0 {
            text.push_str("all checks passed\n");
        } else {
            let _ = writeln!(text, "{failed} check(s) failed");
        }
    }
    crate::output::emit(&text)?;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
