//! The flow of one diagnostic: validate the inputs, look up, fetch both sides, run the
//! tool, stamp the result.
//!
//! The engine reads no clock: the caller gives the time of the run in
//! [`RunContext::timestamp`]. [`diagnose`] runs on connectors; [`run_in_memory`] runs
//! the same steps on tables already in memory (tests, demo scenarios).

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use tracing::{Instrument, debug, info_span};

use crate::connector::{PlatformConnector, SourceConnector};
use crate::error::Result;
use crate::lookup::Lookup;
use crate::platform::PlatformData;
use crate::result::DiagnosticResult;
use crate::roster::Roster;
use crate::slice::index::{IndexedPlatform, IndexedRoster};
use crate::tool::{Case, Inputs, Tool, Verdict};

/// Who and what a diagnostic runs for, and when.
#[derive(Clone, Debug)]
pub struct RunContext {
    /// The customer, when run on one.
    pub customer_id: Option<String>,
    /// The district's `id` in Bookmarked's `organizations`.
    pub bookmarked_org_id: String,
    /// The HubSpot ticket, if any.
    pub hubspot_ticket_id: Option<String>,
    /// Warnings to carry into the result (e.g. an inactive customer).
    pub warnings: Vec<String>,
    /// When the diagnostic runs: the result's timestamp, and the date tools see as
    /// [`Case::today`]. Given by the caller; the engine reads no clock.
    pub timestamp: DateTime<Utc>,
}

impl RunContext {
    /// A context for a district, at a given time, with no customer, ticket or warning.
    #[must_use]
    pub fn new(bookmarked_org_id: impl Into<String>, timestamp: DateTime<Utc>) -> Self {
        Self {
            customer_id: None,
            bookmarked_org_id: bookmarked_org_id.into(),
            hubspot_ticket_id: None,
            warnings: Vec::new(),
            timestamp,
        }
    }

    /// The date tools see as [`Case::today`].
    #[must_use]
    pub fn today(&self) -> NaiveDate {
        self.timestamp.date_naive()
    }
}

/// Runs one diagnostic end to end.
///
/// The source slice is fetched first; its `sourcedId`s are added to the lookup of the
/// platform slice ([`platform_lookup`]), so a record renamed on one side is still found
/// on the other.
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
    let slices = fetch_case(tool, inputs, source, platform).await?;
    judge(tool, slices, ctx)
}

/// The two slices of data one case relies on, as [`diagnose`] fetches them, with the
/// validated inputs.
#[derive(Clone, Debug)]
pub struct CaseSlices {
    /// The inputs, validated against the tool's spec.
    pub inputs: Inputs,
    /// The SIS slice of the tool's lookup.
    pub source: Roster,
    /// The platform slice of the [`platform_lookup`].
    pub platform: PlatformData,
}

/// Fetches the slices a case relies on: validates the inputs, looks up, fetches the
/// source slice, then the platform slice with the source's `sourcedId`s
/// ([`platform_lookup`]). The first steps of [`diagnose`]; also what evidence of a
/// case holds.
pub async fn fetch_case(
    tool: &dyn Tool,
    inputs: &Inputs,
    source: &dyn SourceConnector,
    platform: &dyn PlatformConnector,
) -> Result<CaseSlices> {
    let (inputs, lookup) = plan(tool, inputs)?;
    debug!(?lookup, source = %source.describe(), "fetching the source slice");
    let roster = source.fetch(&lookup).await?;
    let platform_lookup = platform_lookup(&lookup, &roster);
    debug!(platform = %platform.describe(), ids = platform_lookup.sourced_ids.len() + platform_lookup.slice_ids.len(), "fetching the platform slice");
    let platform_data = platform.fetch(&platform_lookup).await?;
    Ok(CaseSlices {
        inputs,
        source: roster,
        platform: platform_data,
    })
}

/// Runs the tool on slices already fetched ([`fetch_case`]) and stamps the result: the
/// last steps of [`diagnose`].
pub fn judge(tool: &dyn Tool, slices: CaseSlices, ctx: &RunContext) -> Result<DiagnosticResult> {
    let CaseSlices {
        inputs,
        source,
        platform,
    } = slices;
    let warnings = warnings(ctx, &source);
    let case = Case {
        source,
        platform,
        bookmarked_org_id: ctx.bookmarked_org_id.clone(),
        today: ctx.today(),
    };
    let verdict = tool.run(&inputs, &case)?;
    let spec = tool.spec();
    Ok(DiagnosticResult {
        tool_id: spec.id.clone(),
        tool_name: spec.title.clone(),
        customer_id: ctx.customer_id.clone(),
        timestamp: ctx.timestamp,
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

/// Runs a tool on a whole roster and platform copy already in memory, by the same
/// steps as [`diagnose`]: validate, look up, slice the source, slice the platform with
/// the source's `sourcedId`s, run. Returns the tool's verdict.
pub fn run_in_memory(
    tool: &dyn Tool,
    inputs: &Inputs,
    roster: &Roster,
    platform: &PlatformData,
    bookmarked_org_id: &str,
    today: NaiveDate,
) -> Result<Verdict> {
    run_sliced(
        tool,
        inputs,
        |l| roster.slice(l),
        |l| platform.slice(l),
        bookmarked_org_id,
        today,
    )
}

/// Runs a tool on a district already in memory and indexed, by the same steps as
/// [`run_in_memory`] (the indexed slices are the reference slices), without scanning
/// the tables: what a sweep runs for each of a district's cases.
pub fn run_indexed(
    tool: &dyn Tool,
    inputs: &Inputs,
    roster: &IndexedRoster<'_>,
    platform: &IndexedPlatform<'_>,
    bookmarked_org_id: &str,
    today: NaiveDate,
) -> Result<Verdict> {
    run_sliced(
        tool,
        inputs,
        |l| roster.slice(l),
        |l| platform.slice(l),
        bookmarked_org_id,
        today,
    )
}

/// The steps [`run_in_memory`] and [`run_indexed`] share: validate, look up, slice the
/// source, slice the platform with the source's `sourcedId`s, run.
fn run_sliced(
    tool: &dyn Tool,
    inputs: &Inputs,
    slice_source: impl FnOnce(&Lookup) -> Roster,
    slice_platform: impl FnOnce(&Lookup) -> PlatformData,
    bookmarked_org_id: &str,
    today: NaiveDate,
) -> Result<Verdict> {
    let (inputs, lookup) = plan(tool, inputs)?;
    let source = slice_source(&lookup);
    let platform = slice_platform(&platform_lookup(&lookup, &source));
    let case = Case {
        source,
        platform,
        bookmarked_org_id: bookmarked_org_id.to_owned(),
        today,
    };
    tool.run(&inputs, &case)
}

/// The validated inputs and the tool's lookup.
fn plan(tool: &dyn Tool, inputs: &Inputs) -> Result<(Inputs, Lookup)> {
    let inputs = tool.spec().validate(inputs)?;
    let lookup = tool.lookup(&inputs)?;
    Ok((inputs, lookup))
}

/// The lookup of the platform slice: the tool's lookup plus every `sourcedId` of the
/// source slice (users, classes, enrollments), as [`Lookup::slice_ids`].
#[must_use]
pub fn platform_lookup(lookup: &Lookup, source: &Roster) -> Lookup {
    let mut platform_lookup = lookup.clone();
    let ids: BTreeSet<String> = source
        .users
        .iter()
        .map(|u| u.sourced_id.clone())
        .chain(source.classes.iter().map(|c| c.sourced_id.clone()))
        .chain(source.enrollments.iter().map(|e| e.sourced_id.clone()))
        .collect();
    platform_lookup.slice_ids.extend(ids);
    platform_lookup
}

/// The most validation findings about the case's records a result names; the rest are
/// counted in one line.
pub const MAX_RECORD_FINDINGS: usize = 20;

/// The context's warnings, the source's (for a bundle, the totals of its validation and
/// what concerns whole files), one for each record the result relies on that was read
/// from a row that failed validation, and the source's validation findings about the
/// records the result relies on (the slice's), each once.
fn warnings(ctx: &RunContext, roster: &Roster) -> Vec<String> {
    let mut warnings = ctx.warnings.clone();
    warnings.extend(roster.warnings.iter().cloned());
    for (id, why) in &roster.invalid_records {
        warnings.push(format!(
            "this result relies on source record `{id}`, read from a row that failed validation ({why}); check the bundle with `cdt validate`"
        ));
    }
    let mut seen = BTreeSet::new();
    let about_case: Vec<&String> = roster
        .record_findings
        .values()
        .flatten()
        .filter(|f| seen.insert(f.as_str()))
        .collect();
    let shown = about_case.len().min(MAX_RECORD_FINDINGS);
    warnings.extend(about_case[..shown].iter().map(|f| (*f).clone()));
    if about_case.len() > shown {
        warnings.push(format!(
            "and {} more validation finding(s) about the records of this case; see `cdt validate`",
            about_case.len() - shown
        ));
    }
    warnings
}
