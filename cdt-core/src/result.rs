//! What a diagnostic returns.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::text::one_line;

/// The outcome of a diagnostic. Every status but [`Status::NoIssue`] is something a
/// support engineer can act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Status {
    /// Both sides agree; nothing to fix.
    NoIssue,
    /// The SIS data is wrong or incomplete: the district must fix it in its SIS.
    IssueInSource,
    /// The SIS is right but Bookmarked is not: fix or resync on the platform.
    IssueInBookmarked,
    /// Both sides need a fix.
    IssueInBoth,
    /// The record is on neither side: check the spelling with the requester, or ask the
    /// district to add it to the SIS.
    NotFound,
    /// The input matches several records: re-run with a more precise input (the
    /// candidates are listed).
    Ambiguous,
}

impl Status {
    /// The status as written in results: `ISSUE_IN_SOURCE`, …
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoIssue => "NO_ISSUE",
            Self::IssueInSource => "ISSUE_IN_SOURCE",
            Self::IssueInBookmarked => "ISSUE_IN_BOOKMARKED",
            Self::IssueInBoth => "ISSUE_IN_BOTH",
            Self::NotFound => "NOT_FOUND",
            Self::Ambiguous => "AMBIGUOUS",
        }
    }

    /// Every status, in a stable order.
    pub const ALL: [Status; 6] = [
        Self::NoIssue,
        Self::IssueInSource,
        Self::IssueInBookmarked,
        Self::IssueInBoth,
        Self::NotFound,
        Self::Ambiguous,
    ];

    /// Parses `ISSUE_IN_SOURCE` and the like.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Combines the verdicts on the two sides.
    #[must_use]
    pub fn from_sides(source_wrong: bool, bookmarked_wrong: bool) -> Self {
        match (source_wrong, bookmarked_wrong) {
            (false, false) => Self::NoIssue,
            (true, false) => Self::IssueInSource,
            (false, true) => Self::IssueInBookmarked,
            (true, true) => Self::IssueInBoth,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which system a finding or a fix is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum System {
    /// The district's SIS (the source).
    Sis,
    /// The Bookmarked platform.
    Bookmarked,
    /// The support engineer (ask the requester, re-run with other inputs).
    Support,
}

impl System {
    /// `SIS`, `Bookmarked` or `Support`.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Sis => "SIS",
            Self::Bookmarked => "Bookmarked",
            Self::Support => "Support",
        }
    }
}

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Severity {
    /// Context, not a problem.
    Info,
    /// Worth a look; not the cause.
    Warning,
    /// A cause of the ticket.
    Error,
}

/// One fact a diagnostic established.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    /// A stable, kebab-case code, e.g. `parent-student-link-missing`.
    pub code: String,
    /// How serious it is.
    pub severity: Severity,
    /// Which side it is about.
    pub system: System,
    /// One sentence for a person.
    pub message: String,
    /// The records concerned (SIS `sourcedId`s or Bookmarked ids, prefixed when both
    /// could be meant).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub record_ids: Vec<String>,
}

impl Finding {
    /// A finding.
    #[must_use]
    pub fn new(code: &str, severity: Severity, system: System, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            severity,
            system,
            message: message.into(),
            record_ids: Vec::new(),
        }
    }

    /// With the records concerned.
    #[must_use]
    pub fn records<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.record_ids.extend(ids.into_iter().map(Into::into));
        self
    }
}

/// One concrete step to fix the problem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Remediation {
    /// The system to change.
    pub system: System,
    /// What to do, in one or two sentences.
    pub action: String,
    /// The records to change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub record_ids: Vec<String>,
    /// The field to change, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The field's values on each side and the value it should have, when the step
    /// knows them (a fix list shows them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<FieldValues>,
}

/// A field's value in each system, and the value it should have.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldValues {
    /// The value in the SIS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sis: Option<String>,
    /// The value in Bookmarked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bookmarked: Option<String>,
    /// The value it should have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
}

impl Remediation {
    /// A step.
    #[must_use]
    pub fn new(system: System, action: impl Into<String>) -> Self {
        Self {
            system,
            action: action.into(),
            record_ids: Vec::new(),
            field: None,
            values: None,
        }
    }

    /// With the records to change.
    #[must_use]
    pub fn records<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.record_ids.extend(ids.into_iter().map(Into::into));
        self
    }

    /// With the field to change.
    #[must_use]
    pub fn field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }

    /// With the field's value in the SIS and in Bookmarked, and the value it should have.
    #[must_use]
    pub fn values(mut self, sis: Option<&str>, bookmarked: Option<&str>, expected: Option<&str>) -> Self {
        self.values = Some(FieldValues {
            sis: sis.map(str::to_owned),
            bookmarked: bookmarked.map(str::to_owned),
            expected: expected.map(str::to_owned),
        });
        self
    }
}

/// One line of text for people: outside text in it cannot break the line or reach
/// the terminal as a control sequence ([`crate::text::one_line`]).
impl fmt::Display for Remediation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.system.label(), one_line(&self.action))?;
        if let Some(field) = &self.field {
            write!(f, " (field: {})", one_line(field))?;
        }
        if !self.record_ids.is_empty() {
            write!(f, " (records: {})", one_line(&self.record_ids.join(", ")))?;
        }
        Ok(())
    }
}

/// The result of one diagnostic: a status, both sides' data, the comparison and the
/// steps to fix it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiagnosticResult {
    /// The tool's stable id, e.g. `student-mismatch`.
    pub tool_id: String,
    /// The tool's title, e.g. `Student mismatch`.
    pub tool_name: String,
    /// The customer, when run on one (not when run on files).
    pub customer_id: Option<String>,
    /// When it ran.
    pub timestamp: DateTime<Utc>,
    /// The inputs it ran with.
    pub inputs: BTreeMap<String, String>,
    /// The outcome.
    pub status: Status,
    /// One or two sentences saying what was found.
    pub summary: String,
    /// The facts established, most serious first.
    pub findings: Vec<Finding>,
    /// What the SIS holds for this case.
    pub source_data: serde_json::Value,
    /// What Bookmarked holds for this case.
    pub bookmarked_data: serde_json::Value,
    /// The side-by-side comparison.
    pub comparison: serde_json::Value,
    /// What to do, in order.
    pub remediation: Vec<Remediation>,
    /// Things to keep in mind when reading the result (inactive customer, rows skipped
    /// while reading, …).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// The HubSpot ticket this diagnostic is for.
    pub hubspot_ticket_id: Option<String>,
}

impl DiagnosticResult {
    /// The result as pretty JSON.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// Whether this result asks for action (any status but `NO_ISSUE`).
    #[must_use]
    pub fn needs_action(&self) -> bool {
        self.status != Status::NoIssue
    }

    /// A compact HTML summary for a HubSpot ticket note: the status, the key findings and
    /// the remediation steps. Every value is HTML-escaped.
    #[must_use]
    pub fn to_hubspot_comment(&self) -> String {
        let mut h = String::new();
        let _ = write!(
            h,
            "<p><strong>cdt · {}</strong>: <strong>{}</strong></p><p>{}</p>",
            escape_html(&self.tool_name),
            self.status,
            escape_html(&self.summary)
        );
        let key: Vec<&Finding> = self
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Warning)
            .take(10)
            .collect();
        if !key.is_empty() {
            h.push_str("<p><strong>Differences</strong></p><ul>");
            for f in &key {
                let _ = write!(h, "<li>[{}] {}</li>", f.system.label(), escape_html(&f.message));
            }
            h.push_str("</ul>");
        }
        if !self.remediation.is_empty() {
            h.push_str("<p><strong>Remediation</strong></p><ol>");
            for r in &self.remediation {
                let _ = write!(h, "<li>{}</li>", escape_html(&r.to_string()));
            }
            h.push_str("</ol>");
        }
        let inputs = self
            .inputs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = write!(
            h,
            "<p><small>{} · customer {} · inputs {} · {}</small></p>",
            escape_html(&self.tool_id),
            escape_html(self.customer_id.as_deref().unwrap_or("(files)")),
            escape_html(&inputs),
            self.timestamp.format("%Y-%m-%d %H:%M UTC")
        );
        h
    }

    /// A plain-text report for a terminal. Every value is on its own line and cleaned
    /// of control characters ([`crate::text::one_line`]): a name from the SIS cannot
    /// forge a line or send an escape sequence.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(t, "{} ({})", one_line(&self.tool_name), one_line(&self.tool_id));
        if let Some(c) = &self.customer_id {
            let _ = writeln!(t, "customer: {}", one_line(c));
        }
        for (k, v) in &self.inputs {
            let _ = writeln!(t, "input {}: {}", one_line(k), one_line(v));
        }
        let _ = writeln!(t, "\nstatus: {}\n{}", self.status, one_line(&self.summary));
        if !self.findings.is_empty() {
            let _ = writeln!(t, "\nfindings:");
            for f in &self.findings {
                let sev = match f.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Info => "info",
                };
                let _ = write!(
                    t,
                    "  - {sev} [{}] {}: {}",
                    f.system.label(),
                    one_line(&f.code),
                    one_line(&f.message)
                );
                if !f.record_ids.is_empty() {
                    let _ = write!(t, " ({})", one_line(&f.record_ids.join(", ")));
                }
                t.push('\n');
            }
        }
        if !self.remediation.is_empty() {
            let _ = writeln!(t, "\nremediation:");
            for (i, r) in self.remediation.iter().enumerate() {
                let _ = writeln!(t, "  {}. {r}", i + 1);
            }
        }
        if !self.warnings.is_empty() {
            let _ = writeln!(t, "\nwarnings:");
            for w in &self.warnings {
                let _ = writeln!(t, "  - {}", one_line(w));
            }
        }
        t
    }
}

/// Escapes text for HTML element content and attribute values.
#[must_use]
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> DiagnosticResult {
        DiagnosticResult {
            tool_id: "student-mismatch".into(),
            tool_name: "Student mismatch".into(),
            customer_id: Some("demo-district".into()),
            timestamp: DateTime::from_timestamp(1_764_000_000, 0).unwrap(),
            inputs: BTreeMap::from([("student_name".into(), "<b>Bo</b>".into())]),
            status: Status::IssueInSource,
            summary: "The SIS does not link parent <script> to the student.".into(),
            findings: vec![Finding::new(
                "parent-student-link-missing",
                Severity::Error,
                System::Sis,
                "O'Neil & Sons <x>",
            )],
            source_data: serde_json::json!({}),
            bookmarked_data: serde_json::json!({}),
            comparison: serde_json::json!({}),
            remediation: vec![
                Remediation::new(System::Sis, "Add the parent to agentSourcedIds")
                    .records(["usr-1"])
                    .field("agentSourcedIds"),
            ],
            warnings: vec![],
            hubspot_ticket_id: None,
        }
    }

    #[test]
    fn the_text_report_keeps_outside_text_on_its_line_without_controls() {
        let mut r = sample();
        r.summary = "Ana\n\nstatus: NO_ISSUE\u{1b}[2J".into();
        r.findings[0].message = "x\r  - error [SIS] forged\u{202e}".into();
        r.remediation[0].action = "do it\nremediation:\n  9. [SIS] forged".into();
        r.warnings = vec!["w\u{7}".into()];
        let text = r.to_text();
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text:?}");
        assert!(!text.contains('\u{202e}'), "{text:?}");
        assert_eq!(text.lines().filter(|l| l.starts_with("status:")).count(), 1, "{text}");
        assert_eq!(
            text.lines().filter(|l| l.trim_start().starts_with("- error")).count(),
            1,
            "{text}"
        );
        assert!(!text.contains("\n  9."), "{text}");
    }

    #[test]
    fn statuses_serialise_in_screaming_case() {
        for s in Status::ALL {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn hubspot_comment_is_escaped_html() {
        let html = sample().to_hubspot_comment();
        insta::assert_snapshot!(html);
        assert!(!html.contains("<script>"));
        assert!(!html.contains("<b>Bo"));
    }

    #[test]
    fn json_round_trips() {
        let r = sample();
        let back: DiagnosticResult = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(back, r);
    }
}
