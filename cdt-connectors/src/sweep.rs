//! The district sweep from what an adapter was given: load both sides of the district
//! once (the connectors' `load`), then run the pure sweep of `cdt_tools::sweep` on them.
//! Every adapter (command line, Python) makes this one call.

use std::time::Instant;

use cdt_tools::sweep::{District, Progress, SweepReport};
use tracing::info;

use crate::run::{Connectors, RunOptions, Target, connect};
use cdt_core::Result;

/// Sweeps the district of `target`: every built-in tool's checks over every student,
/// parent email, class and school change, each discrepancy once. `progress` hears how
/// it goes and may stop it (the report then says it was interrupted).
pub async fn sweep(target: &Target, options: &RunOptions, progress: &dyn Progress) -> Result<SweepReport> {
    let (Connectors { source, platform }, ctx) = connect(target, options).await?;
    let started = Instant::now();
    let roster = source.load().await?;
    let platform = platform.load().await?.scoped_to_district(&ctx.bookmarked_org_id);
    info!(
        users = roster.users.len(),
        students = platform.students.len(),
        elapsed_ms = started.elapsed().as_millis(),
        "loaded the district"
    );
    let mut warnings = ctx.warnings.clone();
    warnings.extend(roster.warnings.iter().cloned());
    let district = District {
        roster: &roster,
        platform: &platform,
        bookmarked_org_id: &ctx.bookmarked_org_id,
        customer_id: ctx.customer_id.as_deref(),
        timestamp: ctx.timestamp,
        threads: options.threads,
    };
    let report = cdt_tools::sweep::sweep(&district, warnings, progress);
    info!(
        cases = report.cases,
        findings = report.findings.len(),
        elapsed_ms = started.elapsed().as_millis(),
        "swept the district"
    );
    Ok(report)
}
