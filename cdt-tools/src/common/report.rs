//! Gathering findings and remediation into a verdict.

use std::collections::BTreeSet;

use cdt_core::platform::PlatformData;
use cdt_core::{Case, Finding, Remediation, Status, System, Verdict};
use serde_json::{Value, json};

use super::json::import_error_json;
use super::resolve::StudentRecord;
use crate::findings::{ImportErrorReported, StudentAmbiguous, StudentNotFound, Violation, and_list};

/// A violation's finding and steps, held back until the tool knows it reports them.
#[derive(Debug)]
pub(crate) struct Pending {
    pub(crate) finding: Finding,
    pub(crate) remediation: Vec<Remediation>,
}

impl Pending {
    /// Holds a violation back.
    pub(crate) fn of<V: Violation>(v: &V) -> Self {
        Self {
            finding: v.finding(),
            remediation: v.remediation(),
        }
    }
}

/// Findings and remediation gathered while a tool runs.
#[derive(Debug, Default)]
pub(crate) struct Report {
    findings: Vec<Finding>,
    remediation: Vec<Remediation>,
    import_errors: Vec<Value>,
    import_error_ids: BTreeSet<String>,
}

impl Report {
    /// Adds a finding.
    fn add(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Reports a violation: its finding and its remediation steps. Returns its message.
    pub(crate) fn report<V: Violation>(&mut self, v: &V) -> String {
        let finding = v.finding();
        let message = finding.message.clone();
        self.add(finding);
        for step in v.remediation() {
            self.fix(step);
        }
        message
    }

    /// Adds a finding and its steps built earlier (see [`Pending`]).
    pub(crate) fn add_pending(&mut self, p: Pending) {
        self.add(p.finding);
        for step in p.remediation {
            self.fix(step);
        }
    }

    /// Adds a remediation step, unless the same step is already there.
    pub(crate) fn fix(&mut self, step: Remediation) {
        if !self.remediation.contains(&step) {
            self.remediation.push(step);
        }
    }

    /// Records the platform's import errors about these SIS records: one finding each, a
    /// remediation step to fix them, and the rows for `bookmarked_data`. Returns how many
    /// were found.
    pub(crate) fn import_errors<'s, I>(&mut self, pf: &PlatformData, sourced_ids: I) -> usize
    where
        I: IntoIterator<Item = &'s str>,
    {
        let mut count = 0;
        for sid in sourced_ids {
            let errors = pf.import_errors_for(sid);
            for e in &errors {
                if !self.import_error_ids.insert(e.id.clone()) {
                    continue;
                }
                count += 1;
                self.import_errors.push(import_error_json(pf, e));
                self.report(&ImportErrorReported {
                    entity_type: e.entity_type.clone(),
                    sid: e.sourced_id.clone(),
                    message: e.message.clone(),
                });
            }
            if let Some(latest) = errors.first() {
                self.fix(
                    Remediation::new(
                        System::Bookmarked,
                        format!(
                            "Fix what the import rejected ({}) for `{sid}`, then re-run the district's import.",
                            latest.message
                        ),
                    )
                    .records([sid.to_owned()]),
                );
            }
        }
        count
    }

    /// The import error rows gathered, for `bookmarked_data`.
    pub(crate) fn import_error_rows(&self) -> Value {
        Value::Array(self.import_errors.clone())
    }

    /// The verdict, findings most serious first.
    pub(crate) fn verdict(
        mut self,
        status: Status,
        summary: String,
        source_data: Value,
        bookmarked_data: Value,
        comparison: Value,
    ) -> Verdict {
        self.findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        Verdict {
            status,
            summary,
            findings: self.findings,
            source_data,
            bookmarked_data,
            comparison,
            remediation: self.remediation,
        }
    }
}

/// A summary: the lead sentence, then the first problem on each side (each message names
/// its side), with how many more there are.
pub(crate) fn sides_summary(lead: &str, source: &[String], platform: &[String]) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !lead.is_empty() {
        parts.push(lead.to_owned());
    }
    let mut side = |msgs: &[String], what: &str| {
        if let Some(first) = msgs.first() {
            let first = first.trim_end_matches('.');
            if msgs.len() > 1 {
                parts.push(format!("{first} (and {} more {what} finding(s)).", msgs.len() - 1));
            } else {
                parts.push(format!("{first}."));
            }
        }
    };
    side(source, "SIS");
    side(platform, "platform");
    parts.join(" ")
}

/// The one rule when the SIS is wrong about the record itself: Bookmarked is not judged
/// (it follows the SIS on the next sync), so the verdict is `ISSUE_IN_SOURCE` and the
/// summary leads with the first SIS problem.
pub(crate) fn source_verdict(
    r: Report,
    first: &str,
    source_data: Value,
    bookmarked_data: Value,
    comparison: Value,
) -> Verdict {
    r.verdict(
        Status::IssueInSource,
        format!("{first} Fix it in the SIS; Bookmarked follows on the next sync."),
        source_data,
        bookmarked_data,
        comparison,
    )
}

/// A student name as a tool was given it.
pub(crate) struct StudentQuery<'q> {
    /// The name (or `sourcedId`) typed.
    pub(crate) query: &'q str,
    /// ` at <school>` when narrowed to a school, else empty.
    pub(crate) where_: &'q str,
    /// Whether the tool takes a `school` input to narrow the search.
    pub(crate) school_input: bool,
}

/// The verdict when the student a query names is not found or ambiguous, the same for
/// every tool: `source` is the tool's `source_data` (its inputs), to which the candidates
/// are added.
pub(crate) fn unresolved_student(
    mut r: Report,
    case: &Case,
    q: &StudentQuery<'_>,
    ambiguous: Option<&[StudentRecord<'_>]>,
    mut source: Value,
    bookmarked: Value,
) -> Verdict {
    let (query, where_, school_input) = (q.query, q.where_, q.school_input);
    let Some(shown) = ambiguous else {
        r.report(&StudentNotFound {
            query: query.to_owned(),
            where_: where_.to_owned(),
        });
        if let Some(obj) = source.as_object_mut() {
            obj.insert("students".into(), json!([]));
        }
        return r.verdict(
            Status::NotFound,
            format!("No student named `{query}`{where_} on either side."),
            source,
            json!({ "students": [] }),
            json!({ "student_found": false }),
        );
    };
    let labels: Vec<String> = shown.iter().map(|s| s.label(case)).collect();
    r.report(&StudentAmbiguous {
        query: query.to_owned(),
        where_: where_.to_owned(),
        labels: labels.clone(),
        ids: shown.iter().map(|s| s.sourced_id().to_owned()).collect(),
        school_input,
    });
    if let Some(obj) = source.as_object_mut() {
        let candidates: Vec<Value> = shown.iter().map(|s| s.candidate_json(case)).collect();
        obj.insert("candidates".into(), json!(candidates));
    }
    let how = if school_input {
        "a school or the right one's sourcedId"
    } else {
        "the right one's sourcedId"
    };
    r.verdict(
        Status::Ambiguous,
        format!(
            "`{query}`{where_} matches {} students; re-run with {how} as student_name: {}.",
            shown.len(),
            and_list(&labels)
        ),
        source,
        bookmarked,
        json!({ "candidates": shown.len() }),
    )
}
