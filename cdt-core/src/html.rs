//! A [`DiagnosticResult`] as an HTML fragment, the way a support engineer reads it: the
//! status and summary first, then the findings and what to do, then every record
//! matched across the two sides as one row with its SIS and Bookmarked values in two
//! columns and the differing fields highlighted ([`crate::sides`]), then the raw data.
//!
//! The notebook display (`DiagnosticResult._repr_html_` in Python) and the service's
//! page both show a result through [`result_html`]. The fragment carries its own style
//! (scoped under `.cdt-r`), needs no script and no outside resource, and escapes every
//! value: roster data is untrusted, and a student's name can be `<script>…`.

use std::fmt::Write as _;

use crate::result::{DiagnosticResult, Severity, Status, escape_html};
use crate::sides::{RecordRow, matched_records};

/// The style of a result fragment, scoped under `.cdt-r`.
pub const STYLE: &str = "<style>\
.cdt-r{font-family:system-ui,sans-serif;line-height:1.4;max-width:80em}\
.cdt-r table{border-collapse:collapse;margin:.3em 0}\
.cdt-r th,.cdt-r td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}\
.cdt-r .cdt-badge{color:#fff;border-radius:4px;padding:1px 6px;font-weight:bold}\
.cdt-r .cdt-diff{background:#fdecea}\
.cdt-r tr.cdt-differs>td:first-child{border-left:4px solid #c62828}\
.cdt-r .cdt-k{color:#555;display:inline-block;min-width:5.5em}\
.cdt-r pre{max-height:30em;overflow:auto;background:#f7f7f7;padding:4px;margin:0}\
</style>";

/// The badge colour of a status.
#[must_use]
pub fn status_colour(status: Status) -> &'static str {
    match status {
        Status::NoIssue => "#2e7d32",
        Status::IssueInSource => "#c62828",
        Status::IssueInBookmarked => "#ad1457",
        Status::IssueInBoth => "#6a1b9a",
        Status::NotFound => "#ef6c00",
        Status::Ambiguous => "#8d6e00",
    }
}

/// A status as a coloured badge.
#[must_use]
pub fn status_badge(status: Status) -> String {
    format!(
        "<span class=\"cdt-badge\" style=\"background:{}\">{}</span>",
        status_colour(status),
        status.as_str()
    )
}

/// The whole result as one self-contained fragment ([`STYLE`] included).
#[must_use]
pub fn result_html(r: &DiagnosticResult) -> String {
    let mut h = String::with_capacity(8 * 1024);
    h.push_str(STYLE);
    h.push_str("<div class=\"cdt-r\">");
    let _ = write!(
        h,
        "<p><b>{}</b> <code>{}</code> {}</p><p>{}</p>",
        escape_html(&r.tool_name),
        escape_html(&r.tool_id),
        status_badge(r.status),
        escape_html(&r.summary)
    );
    let inputs: Vec<String> = r
        .inputs
        .iter()
        .map(|(k, v)| format!("{}={}", escape_html(k), escape_html(v)))
        .collect();
    let _ = write!(
        h,
        "<p><small>customer {} · inputs {}",
        escape_html(r.customer_id.as_deref().unwrap_or("(files)")),
        inputs.join(", ")
    );
    if let Some(t) = &r.hubspot_ticket_id {
        let _ = write!(h, " · ticket {}", escape_html(t));
    }
    let _ = write!(h, " · {}</small></p>", r.timestamp.format("%Y-%m-%d %H:%M:%S UTC"));
    findings(&mut h, r);
    if !r.remediation.is_empty() {
        h.push_str("<p><b>Remediation</b></p><ol>");
        for step in &r.remediation {
            let _ = write!(h, "<li>{}</li>", escape_html(&step.to_string()));
        }
        h.push_str("</ol>");
    }
    records(&mut h, &matched_records(r));
    if !r.warnings.is_empty() {
        h.push_str("<p><b>Warnings</b></p><ul>");
        for w in &r.warnings {
            let _ = write!(h, "<li>{}</li>", escape_html(w));
        }
        h.push_str("</ul>");
    }
    if !r.comparison.is_null() {
        let _ = write!(
            h,
            "<details><summary>The tool's comparison</summary>{}</details>",
            pre(&r.comparison)
        );
    }
    let _ = write!(
        h,
        "<details><summary>Data on both sides</summary><table><tr><th>SIS</th><th>Bookmarked</th></tr>\
         <tr><td>{}</td><td>{}</td></tr></table></details></div>",
        pre(&r.source_data),
        pre(&r.bookmarked_data)
    );
    h
}

fn findings(h: &mut String, r: &DiagnosticResult) {
    if r.findings.is_empty() {
        return;
    }
    h.push_str(
        "<p><b>Findings</b></p><table><tr><th>severity</th><th>system</th><th>code</th>\
         <th>message</th><th>records</th></tr>",
    );
    for f in &r.findings {
        let severity = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        let _ = write!(
            h,
            "<tr><td>{severity}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            f.system.label(),
            escape_html(&f.code),
            escape_html(&f.message),
            escape_html(&f.record_ids.join(", "))
        );
    }
    h.push_str("</table>");
}

fn records(h: &mut String, rows: &[RecordRow]) {
    if rows.is_empty() {
        return;
    }
    let differing = rows.iter().filter(|r| r.differs()).count();
    let _ = write!(
        h,
        "<p><b>Records on both sides</b> <small>{} record{}, {differing} with differences</small></p>\
         <table class=\"cdt-sides\"><tr><th>record</th><th>SIS</th><th>Bookmarked</th></tr>",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    );
    for row in rows {
        let _ = write!(
            h,
            "<tr{}><td><b>{}</b> {}<br><small><code>{}</code></small></td>",
            if row.differs() { " class=\"cdt-differs\"" } else { "" },
            escape_html(&row.kind),
            escape_html(&row.name),
            escape_html(&row.sourced_id)
        );
        side(h, row, row.in_sis, "not in the SIS", |f| f.sis.as_deref());
        side(h, row, row.in_bookmarked, "not in Bookmarked", |f| {
            f.bookmarked.as_deref()
        });
        h.push_str("</tr>");
    }
    h.push_str("</table>");
}

fn side(
    h: &mut String,
    row: &RecordRow,
    present: bool,
    absent: &str,
    value: impl Fn(&crate::sides::FieldRow) -> Option<&str>,
) {
    if !present {
        let _ = write!(h, "<td class=\"cdt-diff\"><i>{absent}</i></td>");
        return;
    }
    h.push_str("<td>");
    for f in &row.fields {
        let Some(v) = value(f) else { continue };
        let _ = write!(
            h,
            "<div{}><span class=\"cdt-k\">{}</span> {}</div>",
            if f.differs { " class=\"cdt-diff\"" } else { "" },
            f.field,
            escape_html(v)
        );
    }
    h.push_str("</td>");
}

fn pre(v: &serde_json::Value) -> String {
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    format!("<pre>{}</pre>", escape_html(&text))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::result::{Finding, System};

    const HOSTILE: &str = "<script>alert(1)</script><img src=x onerror=alert(1)>";

    #[test]
    fn a_result_reads_status_first_and_escapes_everything() {
        let r = DiagnosticResult {
            tool_id: HOSTILE.into(),
            tool_name: HOSTILE.into(),
            customer_id: Some(HOSTILE.into()),
            timestamp: chrono::DateTime::UNIX_EPOCH,
            inputs: BTreeMap::from([(HOSTILE.to_owned(), HOSTILE.to_owned())]),
            status: Status::IssueInBookmarked,
            summary: HOSTILE.into(),
            findings: vec![Finding::new(HOSTILE, Severity::Error, System::Bookmarked, HOSTILE).records([HOSTILE])],
            source_data: json!({"student": {"sourcedId": HOSTILE, "name": HOSTILE, "role": "student", "givenName": "x"}}),
            bookmarked_data: json!({"student": {"sourced_id": HOSTILE, "name": "other"}}),
            comparison: json!({HOSTILE: HOSTILE}),
            remediation: Vec::new(),
            warnings: vec![HOSTILE.into()],
            hubspot_ticket_id: Some(HOSTILE.into()),
        };
        let h = result_html(&r);
        assert!(!h.contains("<script") && !h.contains("<img"), "{h}");
        assert!(h.find("ISSUE_IN_BOOKMARKED") < h.find("Findings"));
        assert!(h.find("Findings") < h.find("Records on both sides"));
        // One row for the student, its name marked as differing on both sides.
        assert_eq!(h.matches("<tr class=\"cdt-differs\">").count(), 1, "{h}");
        assert_eq!(
            h.matches("<div class=\"cdt-diff\"><span class=\"cdt-k\">name</span>")
                .count(),
            2
        );
    }
}
