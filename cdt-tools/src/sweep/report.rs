//! The sweep's report: the district's findings, each once, ranked and counted.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use cdt_core::{Finding, Remediation, Severity, Status, System, Verdict};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a finding was found: the tool and the inputs a ticket would give it. Running
/// the tool with these inputs gives the finding again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundBy {
    /// The tool's id.
    pub tool_id: String,
    /// The inputs.
    pub inputs: BTreeMap<String, String>,
    /// The verdict's status.
    pub status: Status,
}

/// One discrepancy of the district, reported once whichever cases found it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepFinding {
    /// The finding code (see `docs/finding-codes.md`).
    pub code: String,
    /// How serious it is.
    pub severity: Severity,
    /// The system to fix.
    pub system: System,
    /// One sentence for a person, as the tool writes it.
    pub message: String,
    /// The records concerned.
    pub record_ids: Vec<String>,
    /// The school it is about, when known.
    pub school: Option<String>,
    /// The verdict's steps about this finding's records (or its system).
    pub remediation: Vec<Remediation>,
    /// Every case that found it, the first one first.
    pub found_by: Vec<FoundBy>,
}

/// A count under a key (a code, a system, a school).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    /// The key.
    pub key: String,
    /// How many findings.
    pub count: usize,
}

/// A case the sweep could not run (a record whose inputs a tool refuses).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedCase {
    /// The tool's id.
    pub tool_id: String,
    /// The inputs.
    pub inputs: BTreeMap<String, String>,
    /// Why.
    pub error: String,
}

/// The result of a sweep over a district.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepReport {
    /// The customer, when run on one.
    pub customer_id: Option<String>,
    /// The district's id in Bookmarked.
    pub bookmarked_org_id: String,
    /// When it ran.
    pub timestamp: DateTime<Utc>,
    /// The cases run, by tool id.
    pub cases_by_tool: BTreeMap<String, usize>,
    /// The cases run in all.
    pub cases: usize,
    /// The cases whose verdict was an issue (`ISSUE_IN_*`).
    pub cases_with_issue: usize,
    /// Findings by code, most first.
    pub by_code: Vec<Count>,
    /// Findings by system to fix, most first.
    pub by_system: Vec<Count>,
    /// Findings by school, most first (`(district)` when about no one school).
    pub by_school: Vec<Count>,
    /// The findings, ranked: errors first, then by system, code, school and records.
    pub findings: Vec<SweepFinding>,
    /// The cases that could not run.
    pub skipped: Vec<SkippedCase>,
    /// Whether the sweep was stopped before the end (the report covers the cases run).
    pub interrupted: bool,
    /// Things to keep in mind (source reading warnings, an inactive customer).
    pub warnings: Vec<String>,
}

impl SweepReport {
    /// Whether the district has anything to fix.
    #[must_use]
    pub fn needs_action(&self) -> bool {
        !self.findings.is_empty()
    }

    /// The report as pretty JSON.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

/// The school label of findings about no one school.
pub const DISTRICT: &str = "(district)";

/// Whether a verdict's findings count as the district's: only an issue on one side or
/// both. `NO_ISSUE` is context; `NOT_FOUND` and `AMBIGUOUS` are about the question, not
/// the district's data.
#[must_use]
pub fn counts(status: Status) -> bool {
    matches!(
        status,
        Status::IssueInSource | Status::IssueInBookmarked | Status::IssueInBoth
    )
}

/// Gathers findings from verdicts, each discrepancy once (by code and records).
#[derive(Debug, Default)]
pub(crate) struct Collector {
    findings: Vec<SweepFinding>,
    index: HashMap<(String, Vec<String>), usize>,
    pub(crate) cases_by_tool: BTreeMap<String, usize>,
    pub(crate) cases: usize,
    pub(crate) cases_with_issue: usize,
    pub(crate) skipped: Vec<SkippedCase>,
}

/// The key of a finding: its code and its records, sorted.
fn key(f: &Finding) -> (String, Vec<String>) {
    let mut records = f.record_ids.clone();
    records.sort();
    records.dedup();
    (f.code.clone(), records)
}

/// The verdict's steps that are about a finding: those naming one of its records, else
/// those of its system.
fn steps_for(f: &Finding, remediation: &[Remediation]) -> Vec<Remediation> {
    let records: BTreeSet<&str> = f.record_ids.iter().map(String::as_str).collect();
    let named: Vec<Remediation> = remediation
        .iter()
        .filter(|r| r.record_ids.iter().any(|id| records.contains(id.as_str())))
        .cloned()
        .collect();
    if !named.is_empty() {
        return named;
    }
    remediation.iter().filter(|r| r.system == f.system).cloned().collect()
}

impl Collector {
    /// Counts a case run.
    pub(crate) fn ran(&mut self, tool_id: &str) {
        self.cases += 1;
        *self.cases_by_tool.entry(tool_id.to_owned()).or_default() += 1;
    }

    /// Adds a verdict's findings, if it counts.
    pub(crate) fn add(&mut self, tool_id: &str, inputs: &BTreeMap<String, String>, school: Option<&str>, v: &Verdict) {
        if !counts(v.status) {
            return;
        }
        self.cases_with_issue += 1;
        let by = FoundBy {
            tool_id: tool_id.to_owned(),
            inputs: inputs.clone(),
            status: v.status,
        };
        for f in v.findings.iter().filter(|f| f.severity >= Severity::Warning) {
            let k = key(f);
            if let Some(&i) = self.index.get(&k) {
                let entry = &mut self.findings[i];
                if !entry.found_by.contains(&by) {
                    entry.found_by.push(by.clone());
                }
                continue;
            }
            self.index.insert(k.clone(), self.findings.len());
            self.findings.push(SweepFinding {
                code: f.code.clone(),
                severity: f.severity,
                system: f.system,
                message: f.message.clone(),
                record_ids: k.1,
                school: school.map(str::to_owned),
                remediation: steps_for(f, &v.remediation),
                found_by: vec![by.clone()],
            });
        }
    }

    /// The report.
    pub(crate) fn report(self, head: ReportHead) -> SweepReport {
        let mut findings = self.findings;
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| system_rank(a.system).cmp(&system_rank(b.system)))
                .then_with(|| a.code.cmp(&b.code))
                .then_with(|| a.school.cmp(&b.school))
                .then_with(|| a.record_ids.cmp(&b.record_ids))
        });
        let count = |key: &dyn Fn(&SweepFinding) -> String| {
            let mut m: BTreeMap<String, usize> = BTreeMap::new();
            for f in &findings {
                *m.entry(key(f)).or_default() += 1;
            }
            let mut v: Vec<Count> = m.into_iter().map(|(key, count)| Count { key, count }).collect();
            v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
            v
        };
        let by_code = count(&|f| f.code.clone());
        let by_system = count(&|f| f.system.label().to_owned());
        let by_school = count(&|f| f.school.clone().unwrap_or_else(|| DISTRICT.to_owned()));
        SweepReport {
            customer_id: head.customer_id,
            bookmarked_org_id: head.bookmarked_org_id,
            timestamp: head.timestamp,
            cases_by_tool: self.cases_by_tool,
            cases: self.cases,
            cases_with_issue: self.cases_with_issue,
            by_code,
            by_system,
            by_school,
            findings,
            skipped: self.skipped,
            interrupted: head.interrupted,
            warnings: head.warnings,
        }
    }
}

/// What a report says about the run itself.
pub(crate) struct ReportHead {
    pub(crate) customer_id: Option<String>,
    pub(crate) bookmarked_org_id: String,
    pub(crate) timestamp: DateTime<Utc>,
    pub(crate) interrupted: bool,
    pub(crate) warnings: Vec<String>,
}

fn system_rank(s: System) -> u8 {
    match s {
        System::Sis => 0,
        System::Bookmarked => 1,
        System::Support => 2,
    }
}
