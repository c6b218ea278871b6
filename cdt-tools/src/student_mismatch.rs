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
//! 3. What people see: the student's and the linked parents' names (given or preferred,
//!    family), the student's email, school and grade, on the platform row matched by
//!    `sourcedId`, against the SIS (the source of truth); each difference is a finding
//!    naming the field and both values, even when the link itself is in place.
//!
//! A name the SIS gives to one student resolves to that student even when the platform
//! has namesakes: those are reported on their own (`student-namesake-in-bookmarked`).
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
//!   or the `parent_students` row, has one of them deleted, has another email for the
//!   parent, shows the student or the parent with another name (or the student with
//!   another email, school or grade), or has an active namesake of the student the SIS
//!   does not send.
//! - `NO_ISSUE`: both sides link them, both are live and show the same: the problem is
//!   likely not roster data (e.g. the parent signs in with another email).
//!
//! Finding codes: `parent-not-found`, `student-not-found`, `student-ambiguous`,
//! `student-disambiguated-by-parent-link`, `email-shared-in-source`,
//! `parent-not-in-source`, `parent-inactive-in-source`, `student-not-in-source`,
//! `student-inactive-in-source`, `parent-student-link-missing-in-source`,
//! `parent-missing-in-bookmarked`, `parent-deleted-in-bookmarked`,
//! `parent-email-differs-in-bookmarked`, `parent-name-differs-in-bookmarked`,
//! `student-field-differs-in-bookmarked`, `student-namesake-in-bookmarked`,
//! `student-missing-in-bookmarked`,
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
    Case, InputKind, InputSpec, Inputs, Lookup, Remediation, Result, Status, System, Tool, ToolSpec, Verdict,
};
use serde_json::{Value, json};

use crate::common::{
    OnBookmarked, Pending, Report, Resolution, Resolved, StudentQuery, StudentRecord, and_list, bm_linked,
    bm_parent_by_sid, bm_parent_json, bm_student, bm_student_json, check_parent_names, check_rekeyed,
    check_sis_student, check_student_fields, emails_agree, has_email, resolve_student, sis_linked, sis_state,
    sis_user_json, source_verdict, unresolved_student,
};
use crate::findings::{
    EmailSharedInSource, ParentDeletedInBookmarked, ParentEmailDiffersInBookmarked, ParentInactiveInSource,
    ParentMissingInBookmarked, ParentNotFound, ParentNotInSource, ParentStudentLinkMissingInBookmarked,
    ParentStudentLinkMissingInSource, ParentStudentLinkOk, StudentDisambiguatedByParentLink, StudentNotFound,
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
            triage_phrases: Vec::new(),
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

    let resolution = resolve_student(case, query, None, |s| parents.iter().any(|p| p.linked_to(case, s)));
    if parents.is_empty() || matches!(resolution.resolved, Resolved::NotFound) {
        let found: Vec<Value> = match &resolution.resolved {
            Resolved::One(one) => vec![one.candidate_json(case)],
            Resolved::Preferred { among: all, .. } | Resolved::Ambiguous(all) => {
                all.iter().map(|s| s.candidate_json(case)).collect()
            }
            Resolved::NotFound => Vec::new(),
        };
        let found = json!({ "parent_email": email, "parents": sis_parents, "students": found });
        return not_found(r, email, query, parents.is_empty(), found, &bm_parents);
    }
    let student = match &resolution.resolved {
        Resolved::One(one) => *one,
        Resolved::Preferred { chosen, among } => {
            r.report(&StudentDisambiguatedByParentLink {
                query: query.to_owned(),
                matches: among.len(),
                chosen: chosen.label(case),
                ids: among.iter().map(|s| s.sourced_id().to_owned()).collect(),
            });
            *chosen
        }
        Resolved::Ambiguous(shown) => {
            return unresolved_student(
                r,
                case,
                &StudentQuery {
                    query,
                    where_: "",
                    school_input: false,
                },
                Some(shown),
                json!({ "parent_email": email, "parents": sis_parents }),
                json!({ "parents": bm_parents }),
            );
        }
        Resolved::NotFound => unreachable!("handled above"),
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

    if let Some(first) = check_source(&mut r, case, email, &parents, &student) {
        let bookmarked_data = bookmarked_data(case, &r, &bm_parents, &student);
        return source_verdict(r, &first, source_data, bookmarked_data, comparison);
    }

    let linked: Vec<ParentRecord<'_>> = parents
        .iter()
        .copied()
        .filter(|p| matches!((p.sis, student.sis), (Some(u), Some(s)) if u.is_live() && sis_linked(u, s)))
        .collect();
    let student_label = student.label(case);
    let parent_labels: Vec<String> = linked.iter().map(ParentRecord::label).collect();
    match check_platform(&mut r, case, &parents, &linked, &student, &resolution) {
        None => {
            r.report(&ParentStudentLinkOk {
                parents: parent_labels.clone(),
                ids: linked.iter().map(|p| p.sourced_id().to_owned()).collect(),
                student: student_label.clone(),
            });
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

/// Nobody has the email, or no student has the name (or both).
fn not_found(
    mut r: Report,
    email: &str,
    query: &str,
    no_parent: bool,
    source_data: Value,
    bm_parents: &[Value],
) -> Verdict {
    let no_student = source_data["students"].as_array().is_none_or(Vec::is_empty);
    let mut missing = Vec::new();
    if no_parent {
        r.report(&ParentNotFound {
            email: email.to_owned(),
        });
        missing.push(format!("no parent has the email `{email}`"));
    }
    if no_student {
        r.report(&StudentNotFound {
            query: query.to_owned(),
            where_: String::new(),
        });
        missing.push(format!("no student is named `{query}`"));
    }
    r.verdict(
        Status::NotFound,
        format!("Not found on either side: {}.", and_list(&missing)),
        source_data,
        json!({ "parents": bm_parents }),
        json!({ "parent_found": !no_parent, "student_found": !no_student }),
    )
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
    let sis_parents: Vec<&User> = parents.iter().filter_map(|p| p.sis).collect();
    let live: Vec<&User> = sis_parents.iter().copied().filter(|u| u.is_live()).collect();
    let live_labels: Vec<String> = live
        .iter()
        .map(|u| format!("{} ({})", u.full_name(), u.sourced_id))
        .collect();
    let live_ids: Vec<String> = live.iter().map(|u| u.sourced_id.clone()).collect();
    let student_name = student.name();
    let sid = student.sourced_id().to_owned();

    if live.len() > 1 {
        r.report(&EmailSharedInSource {
            email: email.to_owned(),
            people: live_labels.clone(),
            ids: live_ids.clone(),
            cause: false,
        });
    }
    if sis_parents.is_empty() {
        first = Some(r.report(&ParentNotInSource {
            email: email.to_owned(),
            labels: parents.iter().map(ParentRecord::label).collect(),
            ids: parents.iter().map(|p| p.sourced_id().to_owned()).collect(),
            student_name: student_name.clone(),
            student_sid: sid.clone(),
        }));
    } else if live.is_empty() {
        for u in &sis_parents {
            let msg = r.report(&ParentInactiveInSource::of(u, Some(student_name.clone())));
            first.get_or_insert(msg);
        }
    }
    if let Some(msg) = check_sis_student(r, student) {
        first.get_or_insert(msg);
    } else if let Some(s) = student.sis
        && !live.is_empty()
        && !live.iter().any(|p| sis_linked(p, s))
    {
        let family: Vec<String> = case
            .source
            .linked_users(s)
            .into_iter()
            .filter(|f| f.is_family())
            .map(|f| format!("{} ({}, {})", f.full_name(), f.sourced_id, sis_state(f)))
            .collect();
        let msg = r.report(&ParentStudentLinkMissingInSource {
            parents: live_labels,
            parent_ids: live_ids,
            student_name,
            student_sid: sid,
            family,
        });
        first.get_or_insert(msg);
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
    resolution: &Resolution<'_>,
) -> Option<String> {
    let pf = &case.platform;
    // Platform parents with the email under a sourcedId the SIS does not send for it.
    let strays: Vec<String> = parents
        .iter()
        .filter(|p| p.sis.is_none())
        .filter_map(|p| p.bm)
        .map(|b| format!("{} ({}, sourced_id {})", b.full_name(), b.id, b.sourced_id))
        .collect();
    let sid = student.sourced_id().to_owned();
    let name = student.name();
    let mut pending: Vec<Pending> = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    let rekeyed = check_rekeyed(r, pf, student);
    let student_ok = rekeyed.is_none()
        && match bm_student(&name, &sid, student.bm, None) {
            OnBookmarked::Live(_) => true,
            OnBookmarked::Missing(v) => {
                missing.push(sid.clone());
                pending.push(Pending::of(&v));
                false
            }
            OnBookmarked::Deleted(v) => {
                missing.push(sid.clone());
                pending.push(Pending::of(&v));
                false
            }
        };
    let mut any_ok = false;
    for p in linked {
        let Some(u) = p.sis else { continue };
        let mut ok = student_ok;
        let Some(b) = p.bm else {
            missing.push(u.sourced_id.clone());
            pending.push(Pending::of(&ParentMissingInBookmarked {
                name: u.full_name(),
                sid: u.sourced_id.clone(),
                deleted: None,
                strays: strays.clone(),
                context_only: false,
            }));
            continue;
        };
        if !b.status.is_active() {
            ok = false;
            missing.push(u.sourced_id.clone());
            pending.push(Pending::of(&ParentDeletedInBookmarked {
                name: b.full_name(),
                id: b.id.clone(),
                sid: u.sourced_id.clone(),
            }));
        }
        if !emails_agree(u.email.as_deref(), b.email.as_deref()) {
            ok = false;
            pending.push(Pending::of(&ParentEmailDiffersInBookmarked::of(u, b)));
        }
        if let Some(s) = student.bm
            && !bm_linked(pf, b, s)
        {
            ok = false;
            pending.push(Pending::of(&ParentStudentLinkMissingInBookmarked {
                parent_name: b.full_name(),
                parent_id: b.id.clone(),
                student_name: s.full_name(),
                student_id: s.id.clone(),
            }));
            missing.push(u.sourced_id.clone());
            missing.push(sid.clone());
        }
        any_ok |= ok;
    }
    // What people see, compared field by field (every difference is reported, linked or
    // not), and the platform's namesakes of the student.
    let mut seen: Vec<String> = Vec::new();
    if rekeyed.is_none()
        && let (Some(u), Some(s)) = (student.sis, student.bm)
        && s.status.is_active()
    {
        seen.extend(check_student_fields(r, &case.source, pf, u, s, true));
    }
    for p in linked {
        if let (Some(u), Some(b)) = (p.sis, p.bm)
            && b.status.is_active()
        {
            seen.extend(check_parent_names(r, pf, u, b));
        }
    }
    seen.extend(resolution.report_namesakes(r, case, student));
    if any_ok {
        return seen.into_iter().next();
    }
    let first = rekeyed
        .or_else(|| pending.first().map(|p| p.finding.message.clone()))
        .or_else(|| seen.into_iter().next());
    for p in pending {
        r.add_pending(p);
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

    /// The issue's first story: both sides link them, but Bookmarked holds the student under
    /// another given name, or a family name with transposed letters or a moved hyphen.
    #[test]
    fn linked_records_are_compared_field_by_field() {
        for (first, last, field) in [
            ("Matías", "Ríos", "first_name"),
            ("Mateo", "Rois", "last_name"),
            ("Mateo", "Rí-os", "last_name"),
        ] {
            let mut w = world();
            w.mirror();
            w.bm_student("stu-mateo").first_name = first.into();
            w.bm_student("stu-mateo").last_name = last.into();
            let v = run(&w, ANA, "Mateo Ríos");
            assert_eq!(v.status, Status::IssueInBookmarked, "{first} {last}: {}", v.summary);
            let f = v
                .findings
                .iter()
                .find(|f| f.code == "student-field-differs-in-bookmarked")
                .expect("the difference is a finding");
            assert!(f.message.contains(&format!("{field} `")), "{}", f.message);
            assert!(f.record_ids.contains(&"bm-stu-mateo".to_owned()));
            assert!(fixes(&v, System::Bookmarked, field));
        }
        // Case, accents and spacing are not differences.
        let mut w = world();
        w.mirror();
        w.bm_student("stu-mateo").first_name = "  MATEO ".into();
        w.bm_student("stu-mateo").last_name = "rios".into();
        w.bm_parent("par-ana").last_name = "RIOS".into();
        let v = run(&w, ANA, "Mateo Ríos");
        assert_eq!(v.status, Status::NoIssue, "{}", v.summary);
        // The parent's name too, with the import error that explains it.
        let mut w = world();
        w.mirror();
        w.bm_parent("par-ana").first_name = "Anna".into();
        w.import_error("par-ana", "user", "givenName too long");
        let v = run(&w, ANA, "Mateo Ríos");
        assert_eq!(v.status, Status::IssueInBookmarked, "{}", v.summary);
        assert!(codes(&v).contains(&"parent-name-differs-in-bookmarked"));
        assert!(codes(&v).contains(&"import-error"));
    }

    #[test]
    fn a_name_unique_in_the_sis_resolves_despite_platform_namesakes() {
        let mut w = world();
        w.mirror();
        let mut leftover = w.bm_student("stu-mateo").clone();
        leftover.id = "bm-old-mateo".into();
        leftover.sourced_id = "stu-old-mateo".into();
        w.platform.students.push(leftover);
        let v = run(&w, ANA, "Mateo Ríos");
        assert_eq!(v.status, Status::IssueInBookmarked, "{}", v.summary);
        assert_eq!(v.comparison["student"]["sourcedId"], "stu-mateo");
        assert!(codes(&v).contains(&"student-namesake-in-bookmarked"));
        assert!(!codes(&v).contains(&"student-ambiguous"));
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
