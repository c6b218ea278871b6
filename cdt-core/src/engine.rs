//! The flow of one diagnostic: validate the inputs, look up, fetch both sides, run the
//! tool, stamp the result.

use std::collections::BTreeSet;

use chrono::Utc;
use tracing::{Instrument, debug, info_span};

use crate::connector::{PlatformConnector, SourceConnector};
use crate::error::Result;
use crate::result::DiagnosticResult;
use crate::tool::{Case, Inputs, Tool};

/// Who and what a diagnostic runs for.
#[derive(Clone, Debug, Default)]
pub struct RunContext {
    /// The customer, when run on one.
    pub customer_id: Option<String>,
    /// The district's `id` in Bookmarked's `organizations`.
    pub bookmarked_org_id: String,
    /// The HubSpot ticket, if any.
    pub hubspot_ticket_id: Option<String>,
    /// Warnings to carry into the result (e.g. an inactive customer).
    pub warnings: Vec<String>,
}

/// Runs one diagnostic end to end.
///
/// The source slice is fetched first; its `sourcedId`s are added to the lookup of the
/// platform slice, so a record renamed on one side is still found on the other.
pub async fn diagnose(
    tool: &dyn Tool,
    inputs: &Inputs,
    source: &dyn SourceConnector,
    platform: &dyn PlatformConnector,
    ctx: &RunContext,
) -> Result<DiagnosticResult> {
    let span = info_span!("diagnose", tool = %tool.spec().id, customer = ?ctx.customer_id);
    run(tool, inputs, source, platform, ctx).instrument(span).await
}

async fn run(
    tool: &dyn Tool,
    inputs: &Inputs,
    source: &dyn SourceConnector,
    platform: &dyn PlatformConnector,
    ctx: &RunContext,
) -> Result<DiagnosticResult> {
    let spec = tool.spec();
    let inputs = spec.validate(inputs)?;
    let lookup = tool.lookup(&inputs)?;
    debug!(?lookup, source = %source.describe(), "fetching the source slice");
    let roster = source.fetch(&lookup).await?;
    let mut platform_lookup = lookup.clone();
    let ids: BTreeSet<String> = roster
        .users
        .iter()
        .map(|u| u.sourced_id.clone())
        .chain(roster.classes.iter().map(|c| c.sourced_id.clone()))
        .chain(roster.enrollments.iter().map(|e| e.sourced_id.clone()))
        .collect();
    platform_lookup.sourced_ids.extend(ids);
    debug!(platform = %platform.describe(), ids = platform_lookup.sourced_ids.len(), "fetching the platform slice");
    let platform_data = platform.fetch(&platform_lookup).await?;
    let now = Utc::now();
    let mut warnings = ctx.warnings.clone();
    warnings.extend(roster.warnings.iter().cloned());
    for (id, why) in &roster.invalid_records {
        warnings.push(format!(
            "this result relies on source record `{id}`, read from a row that failed validation ({why}); check the bundle with `cdt validate`"
        ));
    }
    let case = Case {
        source: roster,
        platform: platform_data,
        bookmarked_org_id: ctx.bookmarked_org_id.clone(),
        today: now.date_naive(),
    };
    let verdict = tool.run(&inputs, &case)?;
    Ok(DiagnosticResult {
        tool_id: spec.id.clone(),
        tool_name: spec.title.clone(),
        customer_id: ctx.customer_id.clone(),
        timestamp: now,
        inputs: inputs.0,
        status: verdict.status,
        summary: verdict.summary,
        findings: verdict.findings,
        source_data: verdict.source_data,
        bookmarked_data: verdict.bookmarked_data,
        comparison: verdict.comparison,
        remediation: verdict.remediation,
        warnings,
        hubspot_ticket_id: ctx.hubspot_ticket_id.clone(),
    })
}
