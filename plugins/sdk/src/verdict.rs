//! The verdict document: what a plugin returns. The host checks it (status
//! vocabulary, sizes, shapes) before it becomes a `cdt` diagnostic result.

use serde::{Deserialize, Serialize};

/// The outcome of a diagnostic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// Both sides agree; nothing to fix.
    NoIssue,
    /// Fix it in the SIS.
    IssueInSource,
    /// Fix or resync Bookmarked.
    IssueInBookmarked,
    /// Both sides need a fix.
    IssueInBoth,
    /// The record is on neither side.
    NotFound,
    /// The input matches several records.
    Ambiguous,
}

impl Status {
    /// The status for which sides are wrong.
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

/// Which system a finding or a step is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum System {
    /// The district's SIS.
    Sis,
    /// The Bookmarked platform.
    Bookmarked,
    /// Bookmarked support.
    Support,
}

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// For information.
    Info,
    /// Worth a look.
    Warning,
    /// Wrong data.
    Error,
}

/// One fact the diagnostic established.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct Finding {
    /// A stable code in lowercase kebab-case (`^[a-z0-9]+(-[a-z0-9]+)*$`, at most 64
    /// bytes), e.g. `guardian-without-active-student`: the convention of the built-in
    /// tools' codes. The host refuses a verdict with any other code.
    pub code: String,
    /// How serious.
    pub severity: Severity,
    /// Which system.
    pub system: System,
    /// For people.
    pub message: String,
    /// The records concerned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub record_ids: Vec<String>,
}

impl Finding {
    /// A finding.
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
    pub fn records<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> Self {
        self.record_ids.extend(ids.into_iter().map(Into::into));
        self
    }
}

/// One step to fix the problem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct Remediation {
    /// Where to act.
    pub system: System,
    /// What to do.
    pub action: String,
    /// The records to change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub record_ids: Vec<String>,
    /// The field to change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Remediation {
    /// A step.
    pub fn new(system: System, action: impl Into<String>) -> Self {
        Self {
            system,
            action: action.into(),
            record_ids: Vec::new(),
            field: None,
        }
    }

    /// With the records to change.
    #[must_use]
    pub fn records<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> Self {
        self.record_ids.extend(ids.into_iter().map(Into::into));
        self
    }

    /// With the field to change.
    #[must_use]
    pub fn field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }
}

/// What a plugin concludes about a case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct Verdict {
    /// The outcome.
    pub status: Status,
    /// One or two sentences.
    pub summary: String,
    /// The facts established.
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// What the SIS holds for this case (any JSON).
    #[serde(default)]
    pub source_data: serde_json::Value,
    /// What Bookmarked holds for this case (any JSON).
    #[serde(default)]
    pub bookmarked_data: serde_json::Value,
    /// The side-by-side comparison (any JSON).
    #[serde(default)]
    pub comparison: serde_json::Value,
    /// What to do, in order.
    #[serde(default)]
    pub remediation: Vec<Remediation>,
}

impl Verdict {
    /// A verdict with a status and a summary, and nothing else yet.
    pub fn new(status: Status, summary: impl Into<String>) -> Self {
        Self {
            status,
            summary: summary.into(),
            findings: Vec::new(),
            source_data: serde_json::Value::Null,
            bookmarked_data: serde_json::Value::Null,
            comparison: serde_json::Value::Null,
            remediation: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A verdict document in the form the host reads, written by the host.
    const GOLDEN: &str = include_str!("../../../cdt-wasm/tests/golden/verdict.json");

    #[test]
    fn the_hosts_verdict_document_parses_strictly_and_writes_back_the_same() {
        let verdict: Verdict = serde_json::from_str(GOLDEN).unwrap_or_else(|e| {
            panic!(
                "the SDK's Verdict no longer matches the host's verdict form (cdt-wasm/tests/golden/verdict.json): {e}"
            )
        });
        assert!(verdict.findings.iter().any(|f| !f.record_ids.is_empty()));
        assert!(verdict.remediation.iter().any(|r| !r.record_ids.is_empty()));
        let golden: serde_json::Value = serde_json::from_str(GOLDEN).unwrap();
        assert_eq!(
            serde_json::to_value(&verdict).unwrap(),
            golden,
            "the SDK's Verdict writes a field the host does not read, or drops one"
        );
    }
}
