//! The catalogue of findings: every finding code the built-in tools emit, defined once.
//!
//! One code, one type (the way ruff has one type per violation): the type holds the data
//! its message needs and knows its code, severity, system, message and remediation. A
//! tool's check only decides *that* something is wrong and builds the type; it never
//! writes the sentence. [`catalogue`] lists every code with the statuses it can lead to
//! and the tools that emit it; `docs/finding-codes.md` is generated from it
//! (`UPDATE_DOCS=1 cargo test -p cdt-tools --test finding_codes`).

use std::fmt::Write as _;

use cdt_core::{Finding, Remediation, Severity, Status, System};

mod class;
mod fields;
mod lookup;
mod outcome;
mod parent;
mod student;
mod transfer;

pub(crate) use class::*;
pub(crate) use fields::*;
pub(crate) use lookup::*;
pub(crate) use outcome::*;
pub(crate) use parent::*;
pub(crate) use student::*;
pub(crate) use transfer::*;

/// A finding code: what a check reports. The type carries the data its message needs.
pub(crate) trait Violation {
    /// The stable, kebab-case code.
    const CODE: &'static str;
    /// The usual severity (see [`Violation::severity`]).
    const SEVERITY: Severity;
    /// The system the finding is about.
    const SYSTEM: System;
    /// What the code means, for the reference.
    const SUMMARY: &'static str;

    /// One sentence for a person.
    fn message(&self) -> String;

    /// The records concerned.
    fn records(&self) -> Vec<String> {
        Vec::new()
    }

    /// The steps to fix it (none when the finding is context, not a cause).
    fn remediation(&self) -> Vec<Remediation> {
        Vec::new()
    }

    /// The severity of this occurrence: [`Violation::SEVERITY`] unless the finding is only
    /// context here.
    fn severity(&self) -> Severity {
        Self::SEVERITY
    }

    /// The finding.
    fn finding(&self) -> Finding {
        Finding::new(Self::CODE, self.severity(), Self::SYSTEM, self.message()).records(self.records())
    }
}

/// The steps for a record found on neither side: check the spelling, or add it to the SIS.
pub(crate) fn fix_not_found(what: &str, query: &str) -> Vec<Remediation> {
    vec![
        Remediation::new(
            System::Support,
            format!("Check the spelling of the {what} `{query}` with the requester and re-run with the exact value."),
        ),
        Remediation::new(
            System::Sis,
            format!(
                "If the {what} is right, ask the district to add it to the SIS; the next sync brings it to Bookmarked."
            ),
        ),
    ]
}

/// The step for a name matching several records; `how` says how to re-run.
pub(crate) fn fix_ambiguous(how: &str, ids: &[String]) -> Vec<Remediation> {
    vec![
        Remediation::new(
            System::Support,
            format!(
                "Ask the requester which one is meant (school, grade), then re-run with {how}; the candidates are listed in source_data."
            ),
        )
        .records(ids.iter().cloned()),
    ]
}

/// Joins labels for a sentence: `a`, `a and b`, `a, b and c`.
pub(crate) fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// One entry of the catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The stable, kebab-case code.
    pub code: &'static str,
    /// Its usual severity.
    pub severity: Severity,
    /// The system it is about.
    pub system: System,
    /// What it means.
    pub summary: &'static str,
    /// The statuses a verdict carrying it can have.
    pub statuses: &'static [Status],
    /// The ids of the tools that emit it.
    pub tools: &'static [&'static str],
}

fn entry<V: Violation>(statuses: &'static [Status], tools: &'static [&'static str]) -> Entry {
    Entry {
        code: V::CODE,
        severity: V::SEVERITY,
        system: V::SYSTEM,
        summary: V::SUMMARY,
        statuses,
        tools,
    }
}

const SM: &str = "student-mismatch";
const MD: &str = "missing-data";
const PC: &str = "parent-conflicts";
const CT: &str = "campus-transfer";

use Status::{Ambiguous, IssueInBookmarked, IssueInBoth, IssueInSource, NoIssue, NotFound};

/// Every finding code of the built-in tools, in documentation order.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn catalogue() -> Vec<Entry> {
    const SRC: &[Status] = &[IssueInSource, IssueInBoth];
    const BM: &[Status] = &[IssueInBookmarked, IssueInBoth];
    vec![
        // Finding the record.
        entry::<ParentNotFound>(&[NotFound], &[SM, PC]),
        entry::<StudentNotFound>(&[NotFound], &[SM, MD, CT]),
        entry::<ClassNotFound>(&[NotFound], &[MD]),
        entry::<StudentAmbiguous>(&[Ambiguous], &[SM, MD, CT]),
        entry::<ClassAmbiguous>(&[Ambiguous], &[MD]),
        entry::<StudentDisambiguatedByParentLink>(&[NoIssue, IssueInSource, IssueInBookmarked], &[SM]),
        entry::<StudentDisambiguatedBySchool>(&[NoIssue, IssueInSource, IssueInBookmarked, IssueInBoth], &[CT]),
        // The SIS.
        entry::<EmailSharedInSource>(&[NoIssue, IssueInSource, IssueInBookmarked, IssueInBoth], &[SM, PC]),
        entry::<DuplicateParentRecordsInSource>(SRC, &[PC]),
        entry::<ParentNotInSource>(&[IssueInSource], &[SM]),
        entry::<ParentInactiveInSource>(&[NoIssue, IssueInSource, IssueInBookmarked, IssueInBoth], &[SM, PC]),
        entry::<StudentNotInSource>(&[IssueInSource], &[SM, MD, CT]),
        entry::<StudentInactiveInSource>(&[IssueInSource], &[SM, MD, CT]),
        entry::<ParentStudentLinkMissingInSource>(&[IssueInSource], &[SM]),
        entry::<NoCurrentEnrollmentsInSource>(&[IssueInSource], &[MD]),
        entry::<ClassNotInSource>(&[IssueInSource], &[MD]),
        entry::<ClassDeletedInSource>(&[IssueInSource], &[MD]),
        entry::<OldCampusEnrollmentsCurrentInSource>(SRC, &[CT]),
        entry::<NoNewCampusEnrollmentsInSource>(SRC, &[CT]),
        entry::<NewCampusMissingFromOrgRolesInSource>(SRC, &[CT]),
        entry::<OldCampusStillInOrgRoles>(&[NoIssue, IssueInSource, IssueInBookmarked, IssueInBoth], &[CT]),
        // Bookmarked.
        entry::<ParentMissingInBookmarked>(&[IssueInBookmarked, IssueInSource, IssueInBoth], &[SM, PC]),
        entry::<ParentDeletedInBookmarked>(&[IssueInBookmarked], &[SM]),
        entry::<ParentEmailDiffersInBookmarked>(BM, &[SM, PC]),
        entry::<ParentNameDiffersInBookmarked>(BM, &[SM, PC]),
        entry::<SeveralParentsWithEmailInBookmarked>(BM, &[PC]),
        entry::<StaleParentEmailInBookmarked>(BM, &[PC]),
        entry::<ParentStudentsDiffer>(BM, &[PC]),
        entry::<ParentStudentLinkMissingInBookmarked>(&[IssueInBookmarked], &[SM]),
        entry::<StudentMissingInBookmarked>(BM, &[SM, MD, CT]),
        entry::<StudentDeletedInBookmarked>(BM, &[SM, MD, CT]),
        entry::<StudentSourcedIdDiffersInBookmarked>(BM, &[SM, MD, CT]),
        entry::<StudentSchoolNotUpdatedInBookmarked>(BM, &[CT]),
        entry::<StudentFieldDiffersInBookmarked>(BM, &[SM, MD, CT]),
        entry::<StudentNamesakeInBookmarked>(BM, &[SM, MD, CT]),
        entry::<ClassMissingInBookmarked>(&[IssueInBookmarked], &[MD]),
        entry::<ClassDeletedInBookmarked>(&[IssueInBookmarked], &[MD]),
        entry::<ClassFieldDiffersInBookmarked>(&[IssueInBookmarked], &[MD]),
        entry::<EnrollmentMissingInBookmarked>(&[IssueInBookmarked], &[MD]),
        entry::<EnrollmentDeletedInBookmarked>(&[IssueInBookmarked], &[MD]),
        entry::<ExtraEnrollmentInBookmarked>(&[IssueInBookmarked], &[MD]),
        entry::<PhantomEnrollmentInBookmarked>(BM, &[CT]),
        entry::<NewCampusEnrollmentMissingInBookmarked>(BM, &[CT]),
        entry::<ImportErrorReported>(&[IssueInBookmarked, IssueInSource, IssueInBoth], &[SM, MD, PC, CT]),
        // All is well.
        entry::<ParentStudentLinkOk>(&[NoIssue], &[SM]),
        entry::<RecordsAgree>(&[NoIssue], &[MD]),
        entry::<ParentConsistent>(&[NoIssue], &[PC]),
        entry::<TransferClean>(&[NoIssue], &[CT]),
    ]
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

/// `docs/finding-codes.md`: every code with its severity, system, statuses and tools.
#[must_use]
pub fn markdown() -> String {
    let mut out = String::from(
        "# Finding codes\n\n\
         <!-- Generated from cdt-tools/src/findings by \
         `UPDATE_DOCS=1 cargo test -p cdt-tools --test finding_codes`. Do not edit. -->\n\n\
         Every finding of a built-in tool carries one of these codes. Codes are stable: \
         they are never renamed or reused. The severity is the usual one (a finding that is \
         only context in a verdict is reported lower, as its meaning says); \
         the system is the one to fix; the statuses are those a verdict carrying the code \
         can have.\n\n\
         | Code | Severity | System | Statuses | Tools | Meaning |\n|---|---|---|---|---|---|\n",
    );
    for e in catalogue() {
        let statuses: Vec<String> = e.statuses.iter().map(|s| format!("`{s}`")).collect();
        let tools: Vec<String> = e.tools.iter().map(|t| format!("`{t}`")).collect();
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            e.code,
            severity_name(e.severity),
            e.system.label(),
            statuses.join(", "),
            tools.join(", "),
            e.summary.replace('|', "\\|")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_lists_every_code() {
        let md = markdown();
        for e in catalogue() {
            assert!(md.contains(&format!("| `{}` |", e.code)), "{}", e.code);
        }
    }
}
