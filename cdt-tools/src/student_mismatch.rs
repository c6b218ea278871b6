//! # Student mismatch (`student-mismatch`)
//!
//! The ticket: "a parent can't see her son".
//!
//! ## What it checks
//!
//! Finds the family users with the parent's email (several may share it: all are
//! considered) and the student by name (or `sourcedId`), on both sides, paired by
//! `sourcedId`, then by name for a student the platform has under another `sourcedId`. Then it
//! checks, in order:
//!
//! 1. the SIS: the parent and the student are live (not `tobedeleted`, `enabledUser`
//!    true) and linked (one lists the other in `agentSourcedIds`);
//! 2. Bookmarked: the parent and the student exist and are active, the parent's email is
//!    the SIS's, and a `parent_students` row links them. The platform's import errors
//!    about missing records are listed.
//!
//! ## Why it matters
//!
//! A parent sees a child in Bookmarked only through a `parent_students` row, which the
//! import builds from the SIS's `agentSourcedIds`. The fix is in the SIS when the SIS
//! never linked them or dropped one of them, and on the platform when the SIS is right
//! but the import did not follow.
//!
//! ## Statuses
//!
//! - `NOT_FOUND`: nobody has the email on either side, or no student has the name on
//!   either side (the summary says which).
//! - `AMBIGUOUS`: the name matches several students and the parent's links (on either
//!   side) do not single one out; the candidates are listed. Re-run with the right
//!   candidate's `sourcedId` as `student_name`.
//! - `ISSUE_IN_SOURCE`: the SIS does not link them, or has the parent or the student
//!   deleted or disabled, or no longer sends the parent or the student (only Bookmarked
//!   has them).
//! - `ISSUE_IN_BOOKMARKED`: the SIS is right, but Bookmarked lacks the parent, the student
//!   or the `parent_students` row, has one of them deleted, or has another email for the
//!   parent.
//! - `NO_ISSUE`: both sides link them and both are live: the problem is likely not roster
//!   data (e.g. the parent signs in with another email).
//!
//! Finding codes: `parent-not-found`, `student-not-found`, `student-ambiguous`,
//! `student-disambiguated-by-parent-link`, `email-shared-in-source`,
//! `parent-not-in-source`, `parent-inactive-in-source`, `student-not-in-source`,
//! `student-inactive-in-source`, `parent-student-link-missing-in-source`,
//! `parent-missing-in-bookmarked`, `parent-deleted-in-bookmarked`,
//! `parent-email-differs-in-bookmarked`, `student-missing-in-bookmarked`,
//! `student-deleted-in-bookmarked`, `student-sourced-id-differs-in-bookmarked`,
//! `parent-student-link-missing-in-bookmarked`,
//! `import-error`, `parent-student-link-ok`.
//!
//! ## Limits
//!
//! - It does not read Bookmarked's login accounts: a parent who signs in with another
//!   address is only suspected (`NO_ISSUE`).
//! - When the SIS is wrong, Bookmarked is not judged: it follows the SIS on the next sync.
//! - Several live parents sharing the email are reported as a warning only; the
//!   `parent-conflicts` tool diagnoses that.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use cdt_core::platform::Parent;
use cdt_core::roster::User;
use cdt_core::{
    Case, Finding, InputKind, InputSpec, Inputs, Lookup, Remediation, Result, Severity, Status, System, Tool, ToolSpec,
    Verdict,
};
use serde_json::{Value, json};

use crate::common::{
    Report, StudentRecord, and_list, bm_linked, bm_parent_by_sid, bm_parent_json, bm_student_json, check_rekeyed,
    emails_agree, find_students, fix_ambiguous, fix_not_found, has_email, keep_best, sis_linked, sis_not_live_reason,
    sis_state, sis_user_json,
};

/// The `student-mismatch` diagnostic: why a parent cannot see a student.
#[derive(Default)]
pub struct StudentMismatch {
    spec: OnceLock<ToolSpec>,
}

cdt_core::register_tool!(StudentMismatch);

impl Tool for StudentMismatch {
    fn spec(&self) -> &ToolSpec {
        self.spec.get_or_init(|| ToolSpec {
            id: "student-mismatch".into(),
            title: "Student mismatch".into(),
            description: "Why a parent cannot see a student: compares the parent-student link \
                          in the SIS (agentSourcedIds) and in Bookmarked (parent_students)."
                .into(),
            inputs: vec![
                InputSpec::required(
                    "parent_email",
                    InputKind::Email,
                    "the email the parent uses with Bookmarked",
                ),
                InputSpec::required(
                    "student_name",
                    InputKind::Text,
                    "the student's name, e.g. `Mateo Ríos` or `Ríos, Mateo` (or their sourcedId)",
                ),
            ],
        })
    }

    fn lookup(&self, inputs: &Inputs) -> Result<Lookup> {
        Ok(Lookup::default()
            .email(inputs.require("parent_email")?)
            .person(inputs.require("student_name")?)
            .sourced_id(inputs.require("student_name")?))
    }

    fn run(&self, inputs: &Inputs, case: &Case) -> Result<Verdict> {
        let email = inputs.require("parent_email")?;
        let name = inputs.require("student_name")?;
        Ok(diagnose(case, email, name))
    }
}

/// A family member as both sides know them, paired by `sourcedId`.
#[derive(Clone, Copy)]
struct ParentRecord<'a> {
    sis: Option<&'a User>,
    bm: Option<&'a Parent>,
}

impl ParentRecord<'_> {
    fn sourced_id(&self) -> &str {
        self.sis
            .map(|u| u.sourced_id.as_str())
            .or(self.bm.map(|p| p.sourced_id.as_str()))
            .unwrap_or_default()
    }

    fn label(&self) -> String {
        let name = self
            .sis
            .map(User::full_name)
            .or(self.bm.map(Parent::full_name))
            .unwrap_or_default();
        format!("{name} ({})", self.sourced_id())
    }

    fn linked_to(&self, case: &Case, student: &StudentRecord<'_>) -> bool {
        let sis = matches!((self.sis, student.sis), (Some(p), Some(s)) if sis_linked(p, s));
        let bm = matches!((self.bm, student.bm), (Some(p), Some(s)) if bm_linked(&case.platform, p, s));
        sis || bm
    }
}

/// Every family member with this email on either side, paired by `sourcedId`.
fn find_parents<'a>(case: &'a Case, email: &str) -> Vec<ParentRecord<'a>> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for u in case.source.family() {
        if has_email(u.email.as_deref(), email) && seen.insert(u.sourced_id.as_str()) {
            out.push(ParentRecord {
                sis: Some(u),
                bm: bm_parent_by_sid(&case.platform, &u.sourced_id),
            });
        }
    }
    for p in &case.platform.parents {
        if has_email(p.email.as_deref(), email) && seen.insert(p.sourced_id.as_str()) {
            out.push(ParentRecord {
                sis: case.source.family().find(|u| u.sourced_id == p.sourced_id),
                bm: bm_parent_by_sid(&case.platform, &p.sourced_id).or(Some(p)),
            });
        }
    }
    out
}

fn diagnose(case: &Case, email: &str, query: &str) -> Verdict {
    let src = &case.source;
    let pf = &case.platform;
    let parents = find_parents(case, email);
    let students = keep_best(find_students(case, query));
    let mut r = Report::default();

    let sis_parents: Vec<Value> = parents
        .iter()
        .filter_map(|p| p.sis)
        .map(|u| sis_user_json(src, u))
        .collect();
    let bm_parents: Vec<Value> = parents
        .iter()
        .filter_map(|p| p.bm)
        .map(|p| bm_parent_json(pf, p))
        .collect();

    if parents.is_empty() || students.is_empty() {
        let mut missing = Vec::new();
        if parents.is_empty() {
            r.add(Finding::new(
                "parent-not-found",
                Severity::Error,
                System::Support,
                format!("No parent or guardian has the email `{email}` in the SIS or in Bookmarked."),
            ));
            fix_not_found(&mut r, "parent email", email);
            missing.push(format!("no parent has the email `{email}`"));
        }
        if students.is_empty() {
            r.add(Finding::new(
                "student-not-found",
                Severity::Error,
                System::Support,
                format!("No student is named `{query}` in the SIS or in Bookmarked."),
            ));
            fix_not_found(&mut r, "student name", query);
            missing.push(format!("no student is named `{query}`"));
        }
        let summary = format!("Not found on either side: {}.", and_list(&missing));
        let candidates: Vec<Value> = students.iter().map(|s| s.candidate_json(case)).collect();
        return r.verdict(
            Status::NotFound,
            summary,
            json!({ "parent_email": email, "parents": sis_parents, "students": candidates }),
            json!({ "parents": bm_parents }),
            json!({ "parent_found": !parents.is_empty(), "student_found": !students.is_empty() }),
        );
    }

    let student = if let [one] = students.as_slice() {
        *one
    } else {
        let linked: Vec<StudentRecord<'_>> = students
            .iter()
            .copied()
            .filter(|s| parents.iter().any(|p| p.linked_to(case, s)))
            .collect();
        if let [one] = linked.as_slice() {
            r.add(
                Finding::new(
                    "student-disambiguated-by-parent-link",
                    Severity::Info,
                    System::Support,
                    format!(
                        "`{query}` matches {} students; only {} is linked to a parent with this email.",
                        students.len(),
                        one.label(case)
                    ),
                )
                .records(students.iter().map(|s| s.sourced_id().to_owned())),
            );
            *one
        } else {
            let shown = if linked.len() > 1 { linked } else { students };
            let labels: Vec<String> = shown.iter().map(|s| s.label(case)).collect();
            r.add(
                Finding::new(
                    "student-ambiguous",
                    Severity::Error,
                    System::Support,
                    format!(
                        "`{query}` matches {} students and the parent's links do not single one out: {}.",
                        shown.len(),
                        and_list(&labels)
                    ),
                )
                .records(shown.iter().map(|s| s.sourced_id().to_owned())),
            );
            fix_ambiguous(
                &mut r,
                "the right student's sourcedId as `student_name`",
                shown.iter().map(|s| s.sourced_id().to_owned()),
            );
            let candidates: Vec<Value> = shown.iter().map(|s| s.candidate_json(case)).collect();
            return r.verdict(
                Status::Ambiguous,
                format!(
                    "`{query}` matches {} students; re-run with the right one's sourcedId as student_name: {}.",
                    shown.len(),
                    and_list(&labels)
                ),
                json!({ "parent_email": email, "parents": sis_parents, "candidates": candidates }),
                json!({ "parents": bm_parents }),
                json!({ "candidates": shown.len() }),
            );
        }
    };

    let source_data = json!({
        "parent_email": email,
        "parents": sis_parents,
        "student": student.sis.map(|u| sis_user_json(src, u)),
        "student_family": student.sis.map(|u| {
            src.linked_users(u)
                .into_iter()
                .filter(|f| f.is_family())
                .map(|f| sis_user_json(src, f))
                .collect::<Vec<_>>()
        }),
    });
    let comparison = compare(case, &parents, &student);

    let source_problem = check_source(&mut r, case, email, &parents, &student);
    if let Some(first) = source_problem {
        let bookmarked_data = bookmarked_data(case, &r, &bm_parents, &student);
        return r.verdict(
            Status::IssueInSource,
            format!("{first} Fix it in the SIS; Bookmarked follows on the next sync."),
            source_data,
            bookmarked_data,
            comparison,
        );
    }

    let linked: Vec<ParentRecord<'_>> = parents
        .iter()
        .copied()
        .filter(|p| matches!((p.sis, student.sis), (Some(u), Some(s)) if u.is_live() && sis_linked(u, s)))
        .collect();
    let student_label = student.label(case);
    let parent_labels: Vec<String> = linked.iter().map(ParentRecord::label).collect();
    match check_platform(&mut r, case, &parents, &linked, &student) {
        None => {
            r.add(
                Finding::new(
                    "parent-student-link-ok",
                    Severity::Info,
                    System::Support,
                    format!(
                        "The SIS and Bookmarked both link {} to {student_label}, and all are live.",
                        and_list(&parent_labels)
                    ),
                )
                .records(linked.iter().map(|p| p.sourced_id().to_owned())),
            );
            r.fix(Remediation::new(
                System::Support,
                format!("Ask the parent which email they sign in with: Bookmarked expects `{email}`."),
            ));
            let bookmarked_data = bookmarked_data(case, &r, &bm_parents, &student);
            r.verdict(
                Status::NoIssue,
                format!(
                    "Both the SIS and Bookmarked link {} to {student_label} and both are live; the problem is likely not roster data (e.g. the parent signs in with another email).",
                    and_list(&parent_labels)
                ),
                source_data,
                bookmarked_data,
                comparison,
            )
        }
        Some(first) => {
            let bookmarked_data = bookmarked_data(case, &r, &bm_parents, &student);
            r.verdict(
                Status::IssueInBookmarked,
                format!(
                    "The SIS links {} to {student_label}, but Bookmarked does not follow: {first}",
                    and_list(&parent_labels)
                ),
                source_data,
                bookmarked_data,
                comparison,
            )
        }
    }
}

/// Checks the SIS side; returns the first problem's message if there is one.
fn check_source(
    r: &mut Report,
    case: &Case,
    email: &str,
    parents: &[ParentRecord<'_>],
    student: &StudentRecord<'_>,
) -> Option<String> {
    let mut first: Option<String> = None;
    let mut problem = |r: &mut Report, finding: Finding| {
        if first.is_none() {
            first = Some(finding.message.clone());
        }
        r.add(finding);
    };
    let sis_parents: Vec<&User> = parents.iter().filter_map(|p| p.sis).collect();
    let live: Vec<&User> = sis_parents.iter().copied().filter(|u| u.is_live()).collect();
    let student_name = student.name();
    let sid = student.sourced_id().to_owned();

    if live.len() > 1 {
        let labels: Vec<String> = live
            .iter()
            .map(|u| format!("{} ({})", u.full_name(), u.sourced_id))
            .collect();
        r.add(
            Finding::new(
                "email-shared-in-source",
                Severity::Warning,
                System::Sis,
                format!(
                    "{} live SIS family records share `{email}`: {}; the parent-conflicts tool checks them.",
                    live.len(),
                    and_list(&labels)
                ),
            )
            .records(live.iter().map(|u| u.sourced_id.clone())),
        );
    }
    if sis_parents.is_empty() {
        let labels: Vec<String> = parents.iter().map(ParentRecord::label).collect();
        problem(
            r,
            Finding::new(
                "parent-not-in-source",
                Severity::Error,
                System::Sis,
                format!(
                    "The SIS sends no parent with the email `{email}`; only Bookmarked still has {}: the SIS no longer sends them.",
                    and_list(&labels)
                ),
            )
            .records(parents.iter().map(|p| p.sourced_id().to_owned())),
        );
        r.fix(
            Remediation::new(
                System::Sis,
                format!(
                    "If {} should still see {student_name}, ask the district to add the parent back to the SIS with the email `{email}` and list the student in their agentSourcedIds.",
                    and_list(&labels)
                ),
            )
            .records(parents.iter().map(|p| p.sourced_id().to_owned()).chain([sid.clone()]))
            .field("agentSourcedIds"),
        );
    } else if live.is_empty() {
        for u in &sis_parents {
            problem(
                r,
                Finding::new(
                    "parent-inactive-in-source",
                    Severity::Error,
                    System::Sis,
                    format!(
                        "The SIS has parent {} ({}) {}, so Bookmarked drops them.",
                        u.full_name(),
                        u.sourced_id,
                        sis_not_live_reason(u)
                    ),
                )
                .records([u.sourced_id.clone()]),
            );
            let field = if u.status.is_active() { "enabledUser" } else { "status" };
            r.fix(
                Remediation::new(
                    System::Sis,
                    format!(
                        "If {} should still see {student_name}, make their SIS record active (status active, enabledUser true).",
                        u.full_name()
                    ),
                )
                .records([u.sourced_id.clone()])
                .field(field),
            );
        }
    }
    match student.sis {
        None => {
            problem(
                r,
                Finding::new(
                    "student-not-in-source",
                    Severity::Error,
                    System::Sis,
                    format!("The SIS no longer sends student {student_name} ({sid}); only Bookmarked has them."),
                )
                .records([sid.clone()]),
            );
            r.fix(
                Remediation::new(
                    System::Sis,
                    format!(
                        "Ask the district whether {student_name} ({sid}) still attends; if so, add them back to the SIS users with status active."
                    ),
                )
                .records([sid.clone()])
                .field("status"),
            );
        }
        Some(u) if !u.is_live() => {
            problem(
                r,
                Finding::new(
                    "student-inactive-in-source",
                    Severity::Error,
                    System::Sis,
                    format!(
                        "The SIS has student {student_name} ({sid}) {}, so Bookmarked hides them from every parent.",
                        sis_not_live_reason(u)
                    ),
                )
                .records([sid.clone()]),
            );
            let field = if u.status.is_active() { "enabledUser" } else { "status" };
            r.fix(
                Remediation::new(
                    System::Sis,
                    format!(
                        "If {student_name} still attends, make their SIS record active (status active, enabledUser true)."
                    ),
                )
                .records([sid.clone()])
                .field(field),
            );
        }
        Some(s) => {
            let linked = live.iter().any(|p| sis_linked(p, s));
            if !live.is_empty() && !linked {
                let labels: Vec<String> = live
                    .iter()
                    .map(|u| format!("{} ({})", u.full_name(), u.sourced_id))
                    .collect();
                let family: Vec<String> = case
                    .source
                    .linked_users(s)
                    .into_iter()
                    .filter(|f| f.is_family())
                    .map(|f| format!("{} ({}, {})", f.full_name(), f.sourced_id, sis_state(f)))
                    .collect();
                let others = if family.is_empty() {
                    "the student has no family linked at all".to_owned()
                } else {
                    format!("the student's family there is {}", and_list(&family))
                };
                problem(
                    r,
                    Finding::new(
                        "parent-student-link-missing-in-source",
                        Severity::Error,
                        System::Sis,
                        format!(
                            "The SIS does not link {} to {student_name} ({sid}): neither lists the other in agentSourcedIds, and {others}.",
                            and_list(&labels)
                        ),
                    )
                    .records(live.iter().map(|u| u.sourced_id.clone()).chain([sid.clone()])),
                );
                r.fix(
                    Remediation::new(
                        System::Sis,
                        format!(
                            "Add the parent's sourcedId to student {sid}'s agentSourcedIds (and {sid} to the parent's) in the SIS, if the parent is a guardian of {student_name}."
                        ),
                    )
                    .records([sid.clone()].into_iter().chain(live.iter().map(|u| u.sourced_id.clone())))
                    .field("agentSourcedIds"),
                );
            }
        }
    }
    first
}

/// Checks Bookmarked for the parents the SIS links to the student; returns `None` when one
/// of them is fully in place, else the first problem's message.
fn check_platform(
    r: &mut Report,
    case: &Case,
    parents: &[ParentRecord<'_>],
    linked: &[ParentRecord<'_>],
    student: &StudentRecord<'_>,
) -> Option<String> {
    let pf = &case.platform;
    // Platform parents with the email under a sourcedId the SIS does not send for it.
    let strays: Vec<String> = parents
        .iter()
        .filter(|p| p.sis.is_none())
        .filter_map(|p| p.bm)
        .map(|b| format!("{} ({}, sourced_id {})", b.full_name(), b.id, b.sourced_id))
        .collect();
    let instead = if strays.is_empty() {
        String::new()
    } else {
        format!(" It has the email on {} instead.", and_list(&strays))
    };
    let sid = student.sourced_id().to_owned();
    let name = student.name();
    let mut findings: Vec<(Finding, Remediation)> = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    let rekeyed = check_rekeyed(r, pf, student);
    let student_ok = rekeyed.is_none()
        && match student.bm {
            None => {
                missing.push(sid.clone());
                findings.push((
                Finding::new(
                    "student-missing-in-bookmarked",
                    Severity::Error,
                    System::Bookmarked,
                    format!("Bookmarked has no student with sourced_id {sid} ({name})."),
                )
                .records([sid.clone()]),
                Remediation::new(
                    System::Bookmarked,
                    format!("Re-run the district's import so Bookmarked creates student {name} ({sid}); fix any import error first."),
                )
                .records([sid.clone()]),
            ));
                false
            }
            Some(s) if !s.status.is_active() => {
                missing.push(sid.clone());
                findings.push((
                    Finding::new(
                        "student-deleted-in-bookmarked",
                        Severity::Error,
                        System::Bookmarked,
                        format!(
                            "Bookmarked has student {name} ({}) deleted although the SIS has them active.",
                            s.id
                        ),
                    )
                    .records([s.id.clone(), sid.clone()]),
                    Remediation::new(
                        System::Bookmarked,
                        format!(
                            "Restore student {} (sourced_id {sid}) to active, or re-run the district's import.",
                            s.id
                        ),
                    )
                    .records([s.id.clone()])
                    .field("status"),
                ));
                false
            }
            Some(_) => true,
        };
    let mut any_ok = false;
    for p in linked {
        let Some(u) = p.sis else { continue };
        let mut ok = student_ok;
        match p.bm {
            None => {
                ok = false;
                missing.push(u.sourced_id.clone());
                findings.push((
                    Finding::new(
                        "parent-missing-in-bookmarked",
                        Severity::Error,
                        System::Bookmarked,
                        format!(
                            "Bookmarked has no parent with sourced_id {} ({}).{instead}",
                            u.sourced_id,
                            u.full_name()
                        ),
                    )
                    .records([u.sourced_id.clone()]),
                    Remediation::new(
                        System::Bookmarked,
                        format!(
                            "Re-run the district's import so Bookmarked creates parent {} ({}) and links them to {name}; fix any import error first.",
                            u.full_name(),
                            u.sourced_id
                        ),
                    )
                    .records([u.sourced_id.clone()]),
                ));
            }
            Some(b) => {
                if !b.status.is_active() {
                    ok = false;
                    missing.push(u.sourced_id.clone());
                    findings.push((
                        Finding::new(
                            "parent-deleted-in-bookmarked",
                            Severity::Error,
                            System::Bookmarked,
                            format!(
                                "Bookmarked has parent {} ({}) deleted although the SIS has them active.",
                                b.full_name(),
                                b.id
                            ),
                        )
                        .records([b.id.clone(), u.sourced_id.clone()]),
                        Remediation::new(
                            System::Bookmarked,
                            format!("Restore parent {} (sourced_id {}) to active.", b.id, u.sourced_id),
                        )
                        .records([b.id.clone()])
                        .field("status"),
                    ));
                }
                if !emails_agree(u.email.as_deref(), b.email.as_deref()) {
                    ok = false;
                    let sis_email = u.email.as_deref().unwrap_or("(none)");
                    let bm_email = b.email.as_deref().unwrap_or("(none)");
                    findings.push((
                        Finding::new(
                            "parent-email-differs-in-bookmarked",
                            Severity::Error,
                            System::Bookmarked,
                            format!(
                                "Bookmarked has parent {} ({}) with the email `{bm_email}`, the SIS with `{sis_email}`.",
                                b.full_name(),
                                b.id
                            ),
                        )
                        .records([b.id.clone(), u.sourced_id.clone()]),
                        Remediation::new(
                            System::Bookmarked,
                            format!(
                                "Set parent {}'s email to `{}` as in the SIS (or re-run the import).",
                                b.id,
                                sis_email.trim().to_lowercase()
                            ),
                        )
                        .records([b.id.clone()])
                        .field("email"),
                    ));
                }
                if let Some(s) = student.bm
                    && !bm_linked(pf, b, s)
                {
                    ok = false;
                    findings.push((
                            Finding::new(
                                "parent-student-link-missing-in-bookmarked",
                                Severity::Error,
                                System::Bookmarked,
                                format!(
                                    "Bookmarked has no parent_students row linking parent {} ({}) to student {} ({}).",
                                    b.full_name(),
                                    b.id,
                                    s.full_name(),
                                    s.id
                                ),
                            )
                            .records([b.id.clone(), s.id.clone()]),
                            Remediation::new(
                                System::Bookmarked,
                                format!(
                                    "Add the parent_students row (parent_id {}, student_id {}) or re-run the district's import.",
                                    b.id, s.id
                                ),
                            )
                            .records([b.id.clone(), s.id.clone()])
                            .field("parent_students"),
                        ));
                    missing.push(u.sourced_id.clone());
                    missing.push(sid.clone());
                }
            }
        }
        any_ok |= ok;
    }
    if any_ok {
        return None;
    }
    let first = rekeyed.or_else(|| findings.first().map(|(f, _)| f.message.clone()));
    for (f, fix) in findings {
        r.add(f);
        r.fix(fix);
    }
    r.import_errors(pf, missing.iter().map(String::as_str));
    first.or_else(|| Some("no parent with this email is linked to the student.".to_owned()))
}

fn bookmarked_data(case: &Case, r: &Report, bm_parents: &[Value], student: &StudentRecord<'_>) -> Value {
    let pf = &case.platform;
    json!({
        "district_id": case.bookmarked_org_id,
        "parents": bm_parents,
        "student": student.bm.map(|s| bm_student_json(pf, s)),
        "student_parents": student.bm.map(|s| {
            pf.parents_of(&s.id).map(|p| bm_parent_json(pf, p)).collect::<Vec<_>>()
        }),
        "import_errors": r.import_error_rows(),
    })
}

fn compare(case: &Case, parents: &[ParentRecord<'_>], student: &StudentRecord<'_>) -> Value {
    let rows: Vec<Value> = parents
        .iter()
        .map(|p| {
            json!({
                "sourcedId": p.sourced_id(),
                "name": p.label(),
                "sis_status": p.sis.map_or("absent", sis_state),
                "bookmarked_status": p.bm.map_or("absent", |b| b.status.as_str()),
                "sis_email": p.sis.and_then(|u| u.email.as_deref()),
                "bookmarked_email": p.bm.and_then(|b| b.email.as_deref()),
                "linked_in_sis": matches!((p.sis, student.sis), (Some(u), Some(s)) if sis_linked(u, s)),
                "linked_in_bookmarked": matches!((p.bm, student.bm), (Some(b), Some(s)) if bm_linked(&case.platform, b, s)),
            })
        })
        .collect();
    json!({
        "student": {
            "sourcedId": student.sourced_id(),
            "name": student.name(),
            "sis_status": student.sis.map_or("absent", sis_state),
            "bookmarked_status": student.bm.map_or("absent", |s| s.status.as_str()),
        },
        "parents": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{World, codes, fixes};

    const ANA: &str = "ana.rios@example.org";

    /// Ana Ríos and her son Mateo at Lincoln, linked and synced; her daughter Lucía too.
    fn world() -> World {
        let mut w = World::new();
        w.student("stu-mateo", "Mateo", "Ríos", "sch-lincoln");
        w.student("stu-lucia", "Lucía", "Ríos", "sch-roosevelt");
        w.parent("par-ana", "Ana", "Ríos", "Ana.Rios@Example.org");
        w.parent("par-jorge", "Jorge", "Ríos", "jorge.rios@example.org");
        w.link("par-ana", "stu-mateo");
        w.link("par-ana", "stu-lucia");
        w.link("par-jorge", "stu-mateo");
        w
    }

    fn run(w: &World, email: &str, name: &str) -> Verdict {
        w.run(
            &StudentMismatch::default(),
            &[("parent_email", email), ("student_name", name)],
        )
        .expect("runs")
    }

    #[test]
    fn linked_on_both_sides_is_no_issue_with_case_and_accents_ignored() {
        let mut w = world();
        w.mirror();
        let v = run(&w, " ANA.RIOS@example.ORG ", "mateo rios");
        assert_eq!(v.status, Status::NoIssue, "{}", v.summary);
        assert!(codes(&v).contains(&"parent-student-link-ok"));
        let v = run(&w, ANA, "Ríos, Lucía");
        assert_eq!(v.status, Status::NoIssue, "{}", v.summary);
    }

    #[test]
    fn missing_sis_link_is_an_issue_in_source() {
        let mut w = world();
        w.sis("par-ana").agent_sourced_ids.clear();
        for s in ["stu-mateo", "stu-lucia"] {
            w.sis(s).agent_sourced_ids.retain(|a| a != "par-ana");
        }
        w.mirror();
        let v = run(&w, ANA, "Mateo Ríos");
        assert_eq!(v.status, Status::IssueInSource, "{}", v.summary);
        assert!(codes(&v).contains(&"parent-student-link-missing-in-source"));
        assert!(fixes(&v, System::Sis, "agentSourcedIds"));
        // The other guardian is named.
        assert!(v.summary.contains("Jorge Ríos"), "{}", v.summary);
    }

    #[test]
    fn link_listed_on_one_side_only_counts() {
        let mut w = world();
        w.sis("par-ana").agent_sourced_ids.clear();
        w.mirror();
        let v = run(&w, ANA, "Mateo Ríos");
        assert_eq!(v.status, Status::NoIssue, "{}", v.summary);
    }

    #[test]
    fn deleted_or_disabled_people_in_the_sis_are_issues_in_source() {
        let mut w = world();
        w.sis("par-ana").status = cdt_core::roster::RecordStatus::ToBeDeleted;
        w.mirror();
        let v = run(&w, ANA, "Mateo Ríos");
        assert_eq!(v.status, Status::IssueInSource);
        assert!(codes(&v).contains(&"parent-inactive-in-source"));
        assert!(fixes(&v, System::Sis, "status"));

        let mut w = world();
        w.sis("stu-mateo").enabled = false;
        w.mirror();
        let v = run(&w, ANA, "Mateo Ríos");
        assert_eq!(v.status, Status::IssueInSource);
        assert!(codes(&v).contains(&"student-inactive-in-source"));
        assert!(fixes(&v, System::Sis, "enabledUser"));
    }

    #[test]
    fn people_only_on_the_platform_are_issues_in_source() {
        let mut w = world();
        w.mirror();
        w.roster.users.retain(|u| u.sourced_id != "par-ana");
        let v = run(&w, ANA, "Mateo Ríos");
        assert_eq!(v.status, Status::IssueInSource, "{}", v.summary);
        assert!(codes(&v).contains(&"parent-not-in-source"));

        let mut w = world();
        w.mirror();
        w.roster.users.retain(|u| u.sourced_id != "stu-mateo");
        let v = run(&w, ANA, "Mateo Ríos");
        assert_eq!(v.status, Status::IssueInSource, "{}", v.summary);
        assert!(codes(&v).contains(&"student-not-in-source"));
    }

    #[test]
    fn platform_link_missing_is_an_issue_in_bookmarked() {
        let mut w = world();
        w.mirror();
        w.unlink_bm("par-ana", "stu-mateo");
        w.import_error("par-ana", "user", "duplicate email");
        let v = run(&w, ANA, "Mateo Ríos");
        assert_eq!(v.status, Status::IssueInBookmarked, "{}", v.summary);
        assert!(codes(&v).contains(&"parent-student-link-missing-in-bookmarked"));
        assert!(codes(&v).contains(&"import-error"));
        assert!(fixes(&v, System::Bookmarked, "parent_students"));
        insta::assert_json_snapshot!("student_mismatch_link_missing_in_bookmarked", v);
    }

    #[test]
    fn platform_records_missing_deleted_or_stale_are_issues_in_bookmarked() {
        let mut w = world();
        w.mirror();
        w.drop_bm("par-ana");
        w.import_error("par-ana", "user", "email is not valid");
        let v = run(&w, ANA, "Mateo Ríos");
        assert_eq!(v.status, Status::IssueInBookmarked);
        assert!(codes(&v).contains(&"parent-missing-in-bookmarked"));
        assert_eq!(v.bookmarked_data["import_errors"].as_array().map(Vec::len), Some(1));

        // Bookmarked kept Ana under an old sourcedId.
        let mut w = world();
        w.mirror();
        w.bm_parent("par-ana").sourced_id = "par-ana-old".into();
        let v = run(&w, ANA, "Mateo Ríos");
        assert_eq!(v.status, Status::IssueInBookmarked);
        assert!(v.summary.contains("sourced_id par-ana-old"), "{}", v.summary);

        let mut w = world();
        w.mirror();
        w.bm_student("stu-mateo").status = cdt_core::platform::PlatformStatus::Deleted;
        let v = run(&w, ANA, "Mateo Ríos");
        assert_eq!(v.status, Status::IssueInBookmarked);
        assert!(codes(&v).contains(&"student-deleted-in-bookmarked"));

        let mut w = world();
        w.mirror();
        w.bm_parent("par-ana").email = Some("ana.old@example.org".into());
        let v = run(&w, ANA, "Mateo Ríos");
        assert_eq!(v.status, Status::IssueInBookmarked);
        assert!(codes(&v).contains(&"parent-email-differs-in-bookmarked"));
        assert!(fixes(&v, System::Bookmarked, "email"));
    }

    #[test]
    fn nobody_found_is_not_found_and_says_which() {
        let mut w = world();
        w.mirror();
        let v = run(&w, "nobody@example.org", "Mateo Ríos");
        assert_eq!(v.status, Status::NotFound);
        assert!(codes(&v).contains(&"parent-not-found"));
        assert!(!codes(&v).contains(&"student-not-found"));
        let v = run(&w, ANA, "Pedro Páramo");
        assert_eq!(v.status, Status::NotFound);
        assert_eq!(codes(&v), ["student-not-found"]);
    }

    #[test]
    fn duplicate_names_are_disambiguated_by_the_parent_link_or_ambiguous() {
        let mut w = world();
        // Another Mateo Ríos at Escuela Juárez, with another parent.
        w.student("stu-mateo-2", "Mateo", "Rios", "sch-juarez");
        w.parent("par-eva", "Eva", "Ríos", "eva@example.org");
        w.link("par-eva", "stu-mateo-2");
        w.mirror();
        let v = run(&w, ANA, "Mateo Ríos");
        assert_eq!(v.status, Status::NoIssue, "{}", v.summary);
        assert!(codes(&v).contains(&"student-disambiguated-by-parent-link"));

        // A parent linked to neither: ambiguous, with both candidates.
        w.parent("par-zoe", "Zoë", "Núñez", "zoe@example.org");
        w.mirror();
        let v = run(&w, "zoe@example.org", "Mateo Rios");
        assert_eq!(v.status, Status::Ambiguous, "{}", v.summary);
        assert_eq!(v.source_data["candidates"].as_array().map(Vec::len), Some(2));
        assert!(fixes_support(&v));
        insta::assert_json_snapshot!("student_mismatch_ambiguous", v);
        // The sourcedId picks one.
        let v = run(&w, "zoe@example.org", "stu-mateo-2");
        assert_eq!(v.status, Status::IssueInSource, "{}", v.summary);
        assert_eq!(v.comparison["student"]["sourcedId"], "stu-mateo-2");
    }

    fn fixes_support(v: &Verdict) -> bool {
        v.remediation.iter().any(|r| r.system == System::Support)
    }

    #[test]
    fn shared_email_considers_every_parent() {
        let mut w = world();
        // Jorge's record carries Ana's email too; only Ana is linked to Lucía.
        w.sis("par-jorge").email = Some(ANA.into());
        w.mirror();
        let v = run(&w, ANA, "Lucía Ríos");
        assert_eq!(v.status, Status::NoIssue, "{}", v.summary);
        assert!(codes(&v).contains(&"email-shared-in-source"));
    }

    #[test]
    fn hyphenated_and_multi_word_family_names_match() {
        let mut w = World::new();
        w.student("stu-1", "María José", "García-López", "sch-juarez");
        w.parent("par-1", "Elena", "Van der Berg", "elena@example.org");
        w.link("par-1", "stu-1");
        w.mirror();
        for q in ["maria jose garcia lopez", "García López, María José", "Maria Garcia"] {
            let v = run(&w, "elena@example.org", q);
            assert_eq!(v.status, Status::NoIssue, "{q}: {}", v.summary);
        }
    }
}
