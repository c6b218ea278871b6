//! The sweep's report for people: text for a terminal. Every value from the district is
//! cleaned of control characters and kept on its line ([`cdt_core::text::one_line`]).

use std::fmt::Write as _;

use cdt_core::Severity;
use cdt_core::text::one_line;

use super::report::{Count, DISTRICT, SweepFinding, SweepReport};

/// `error`, `warning` or `info`.
#[must_use]
pub fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// `tool k=v, k=v`: how to ask the question again.
#[must_use]
pub fn found_by_line(f: &super::FoundBy) -> String {
    let inputs: Vec<String> = f.inputs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{} {} ({})", f.tool_id, inputs.join(", "), f.status)
}

fn counts(t: &mut String, title: &str, counts: &[Count]) {
    let _ = writeln!(t, "\nby {title}:");
    if counts.is_empty() {
        let _ = writeln!(t, "  (none)");
    }
    for c in counts {
        let _ = writeln!(t, "  {:>6}  {}", c.count, one_line(&c.key));
    }
}

fn finding(t: &mut String, n: usize, f: &SweepFinding) {
    let _ = writeln!(
        t,
        "\n{n}. {} [{}] {} ({})",
        severity_name(f.severity),
        f.system.label(),
        one_line(&f.code),
        one_line(f.school.as_deref().unwrap_or(DISTRICT))
    );
    let _ = writeln!(t, "   {}", one_line(&f.message));
    if !f.record_ids.is_empty() {
        let _ = writeln!(t, "   records: {}", one_line(&f.record_ids.join(", ")));
    }
    for r in &f.remediation {
        let _ = writeln!(t, "   fix: {r}");
    }
    if let Some(first) = f.found_by.first() {
        let more = f.found_by.len() - 1;
        let also = if more > 0 {
            format!(" (and {more} more case(s))")
        } else {
            String::new()
        };
        let _ = writeln!(t, "   found by: {}{also}", one_line(&found_by_line(first)));
    }
}

/// The report as text: the counts, then each finding with its records, its fix and the
/// case that found it.
#[must_use]
pub fn to_text(r: &SweepReport) -> String {
    let mut t = String::new();
    let who = r
        .customer_id
        .as_deref()
        .map_or_else(String::new, |c| format!("customer {}, ", one_line(c)));
    let _ = writeln!(
        t,
        "District sweep: {who}district {}, {}",
        one_line(&r.bookmarked_org_id),
        r.timestamp.format("%Y-%m-%d %H:%M UTC")
    );
    let tools: Vec<String> = r.cases_by_tool.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let _ = writeln!(
        t,
        "cases: {} run ({}), {} with an issue, {} skipped",
        r.cases,
        tools.join(", "),
        r.cases_with_issue,
        r.skipped.len()
    );
    if r.interrupted {
        let _ = writeln!(t, "INTERRUPTED: the report covers only the cases run before the stop");
    }
    let _ = writeln!(t, "findings: {}", r.findings.len());
    counts(&mut t, "code", &r.by_code);
    counts(&mut t, "system to fix", &r.by_system);
    counts(&mut t, "school", &r.by_school);
    if !r.findings.is_empty() {
        let _ = writeln!(t, "\nfindings, most serious first:");
    }
    for (i, f) in r.findings.iter().enumerate() {
        finding(&mut t, i + 1, f);
    }
    if !r.skipped.is_empty() {
        let _ = writeln!(t, "\nskipped cases:");
        for s in &r.skipped {
            let inputs: Vec<String> = s.inputs.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let _ = writeln!(
                t,
                "  - {} {}: {}",
                one_line(&s.tool_id),
                one_line(&inputs.join(", ")),
                one_line(&s.error)
            );
        }
    }
    if !r.warnings.is_empty() {
        let _ = writeln!(t, "\nwarnings:");
        for w in &r.warnings {
            let _ = writeln!(t, "  - {}", one_line(w));
        }
    }
    t
}
