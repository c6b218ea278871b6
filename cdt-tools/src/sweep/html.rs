//! The sweep's report as one self-contained HTML file: the counts as inline SVG bar
//! charts (findings by school and by code), then each finding. No script, no outside
//! resource (no stylesheet, font or image is fetched), so a support lead opens it
//! offline. Every value from the district is escaped ([`escape_html`]).

use std::fmt::Write as _;

use cdt_core::result::escape_html;

use super::render::{found_by_line, severity_name};
use super::report::{Count, DISTRICT, SweepReport};

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:70em}\
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}\
table{border-collapse:collapse;width:100%;font-size:.9em}\
th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}\
th{background:#f3f3f3}.error{color:#a00}.warning{color:#a60}\
.muted{color:#666}svg text{font-family:system-ui,sans-serif;font-size:12px}";

/// Bar height and gaps, in SVG units.
const BAR: usize = 18;
const GAP: usize = 6;
const LABEL: usize = 300;
const WIDTH: usize = 360;

/// A horizontal bar chart of counts, as inline SVG.
fn chart(title: &str, counts: &[Count]) -> String {
    let mut s = String::new();
    let _ = write!(s, "<h2>{}</h2>", escape_html(title));
    if counts.is_empty() {
        s.push_str("<p class=\"muted\">No findings.</p>");
        return s;
    }
    let max = counts.iter().map(|c| c.count).max().unwrap_or(1).max(1);
    let height = counts.len() * (BAR + GAP) + GAP;
    let total = LABEL + WIDTH + 60;
    let _ = write!(
        s,
        "<svg role=\"img\" width=\"{total}\" height=\"{height}\" viewBox=\"0 0 {total} {height}\"><title>{}</title>",
        escape_html(title)
    );
    for (i, c) in counts.iter().enumerate() {
        let y = GAP + i * (BAR + GAP);
        let w = (c.count * WIDTH).div_ceil(max).max(1);
        let key = escape_html(&c.key);
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{key}</text>\
             <rect x=\"{LABEL}\" y=\"{y}\" width=\"{w}\" height=\"{BAR}\" fill=\"#3b6ea8\"><title>{key}: {}</title></rect>\
             <text x=\"{}\" y=\"{}\">{}</text>",
            LABEL - 6,
            y + BAR - 5,
            c.count,
            LABEL + w + 4,
            y + BAR - 5,
            c.count
        );
    }
    s.push_str("</svg>");
    s
}

fn table(title: &str, counts: &[Count]) -> String {
    let mut s = format!(
        "<h2>{}</h2><table><tr><th>{}</th><th>findings</th></tr>",
        escape_html(title),
        escape_html(title.trim_start_matches("Findings by "))
    );
    for c in counts {
        let _ = write!(s, "<tr><td>{}</td><td>{}</td></tr>", escape_html(&c.key), c.count);
    }
    s.push_str("</table>");
    s
}

/// The report as a self-contained HTML document.
#[must_use]
pub fn to_html(r: &SweepReport) -> String {
    let mut h = String::from("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    let who = r.customer_id.as_deref().unwrap_or(&r.bookmarked_org_id);
    let _ = write!(
        h,
        "<title>District sweep: {}</title><style>{STYLE}</style></head><body>",
        escape_html(who)
    );
    let _ = write!(
        h,
        "<h1>District sweep: {}</h1><p>District <code>{}</code>, {}. {} case(s) run, {} with an issue, {} skipped; <strong>{} finding(s)</strong>.</p>",
        escape_html(who),
        escape_html(&r.bookmarked_org_id),
        r.timestamp.format("%Y-%m-%d %H:%M UTC"),
        r.cases,
        r.cases_with_issue,
        r.skipped.len(),
        r.findings.len()
    );
    if r.interrupted {
        h.push_str("<p class=\"error\"><strong>Interrupted:</strong> the report covers only the cases run before the stop.</p>");
    }
    h.push_str(&chart("Findings by school", &r.by_school));
    h.push_str(&chart("Findings by code", &r.by_code));
    h.push_str(&table("Findings by system to fix", &r.by_system));
    h.push_str("<h2>Findings, most serious first</h2>");
    if r.findings.is_empty() {
        h.push_str("<p>No findings: both sides agree on every case.</p>");
    } else {
        h.push_str(
            "<table><tr><th>#</th><th>severity</th><th>system</th><th>code</th><th>school</th><th>finding</th><th>records</th><th>fix</th><th>found by</th></tr>",
        );
    }
    for (i, f) in r.findings.iter().enumerate() {
        let sev = severity_name(f.severity);
        let fixes: Vec<String> = f.remediation.iter().map(|s| escape_html(&s.to_string())).collect();
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"{sev}\">{sev}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            i + 1,
            f.system.label(),
            escape_html(&f.code),
            escape_html(f.school.as_deref().unwrap_or(DISTRICT)),
            escape_html(&f.message),
            escape_html(&f.record_ids.join(", ")),
            fixes.join("<br>"),
            f.found_by
                .first()
                .map(|b| escape_html(&found_by_line(b)))
                .unwrap_or_default()
        );
    }
    if !r.findings.is_empty() {
        h.push_str("</table>");
    }
    if !r.warnings.is_empty() {
        h.push_str("<h2>Warnings</h2><ul>");
        for w in &r.warnings {
            let _ = write!(h, "<li>{}</li>", escape_html(w));
        }
        h.push_str("</ul>");
    }
    h.push_str("</body></html>\n");
    h
}
