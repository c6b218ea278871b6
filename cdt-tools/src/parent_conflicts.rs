//! # Parent email conflicts (`parent-conflicts`)
//!
//! The ticket: "two parents share one email" (or "a parent sees the wrong children").
//!
//! ## What it checks
//!
//! Every family user (parent, guardian, relative) with the email on each side, paired by
//! `sourcedId`:
//!
//! - in the SIS, whether several live records share the email: different people (names
//!   differ) or duplicate records of one person (same name, different `sourcedId`s);
//! - on the platform, whether several active parents have the email; whether an active
//!   parent with the email has a `sourcedId` the SIS no longer sends for it (email
//!   reassigned or stale); whether each live SIS parent's platform row has the same first
//!   name, last name and email (one finding a field, with both values); and whether the parent's students are the same on both sides (the SIS
//!   parent's linked students against the platform's `parent_students`).
//!
//! ## Why it matters
//!
//! Bookmarked signs a parent in by email: one email must be one person, with the children
//! the SIS links to them. A shared or stale email shows a parent the wrong children, or
//! none.
//!
//! ## Statuses
//!
//! - `NOT_FOUND`: nobody has the email on either side.
//! - `ISSUE_IN_SOURCE`: only the SIS is wrong (shared email or duplicate records).
//! - `ISSUE_IN_BOOKMARKED`: only the platform is wrong (several active parents, a stale
//!   email, a different name or email, different students, or the parent missing).
//! - `ISSUE_IN_BOTH`: both are.
//! - `NO_ISSUE`: one person has the email on both sides, with the same name and students
//!   (or every record with the email is deleted on both sides).
//!
//! Finding codes: `parent-not-found`, `email-shared-in-source`,
//! `duplicate-parent-records-in-source`, `parent-inactive-in-source`,
//! `several-parents-with-email-in-bookmarked`, `stale-parent-email-in-bookmarked`,
//! `parent-missing-in-bookmarked`, `parent-name-differs-in-bookmarked`,
//! `parent-email-differs-in-bookmarked`, `parent-students-differ`, `import-error`,
//! `parent-consistent`.
//!
//! ## Limits
//!
//! - Names are compared once normalized (case, accents, punctuation, word order).
//! - Students are compared by `sourcedId` and only live ones count on either side.
//! - When the SIS shares an email between people, a parent the platform is missing is
//!   reported as a consequence (a warning), not as a platform fault.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use cdt_core::platform::Parent;
use cdt_core::roster::User;
use cdt_core::{Case, InputKind, InputSpec, Inputs, Lookup, Result, Status, Tool, ToolSpec, Verdict};
use serde_json::{Value, json};

use crate::common::{
    Report, bm_parent_by_sid, bm_parent_json, check_parent_names, emails_agree, has_email, name_key, sides_summary,
    sis_state, sis_user_json,
};
use crate::findings::{
    DuplicateParentRecordsInSource, EmailSharedInSource, ParentConsistent, ParentEmailDiffersInBookmarked,
    ParentInactiveInSource, ParentMissingInBookmarked, ParentNotFound, ParentStudentsDiffer,
    SeveralParentsWithEmailInBookmarked, SisParent, StaleParentEmailInBookmarked,
};

/// The `parent-conflicts` diagnostic: who shares a parent email, and what to do.
#[derive(Default)]
pub struct ParentConflicts {
    spec: OnceLock<ToolSpec>,
}

cdt_core::register_tool!(ParentConflicts);

impl Tool for ParentConflicts {
    fn spec(&self) -> &ToolSpec {
        self.spec.get_or_init(|| ToolSpec {
            id: "parent-conflicts".into(),
            title: "Parent email conflicts".into(),
            description: "Who has a parent email on each side: shared emails, duplicate records, \
                          stale platform parents, and conflicting student assignments."
                .into(),
            inputs: vec![InputSpec::required(
                "parent_email",
                InputKind::Email,
                "the parent email in question",
            )],
            triage_phrases: Vec::new(),
        })
    }

    fn lookup(&self, inputs: &Inputs) -> Result<Lookup> {
        Ok(Lookup::default().email(inputs.require("parent_email")?))
    }

    fn run(&self, inputs: &Inputs, case: &Case) -> Result<Verdict> {
        let email = inputs.require("parent_email")?;
        Ok(diagnose(case, email))
    }
}

fn label_user(u: &User) -> String {
    format!("{} ({})", u.full_name(), u.sourced_id)
}

fn label_parent(p: &Parent) -> String {
    format!("{} ({}, sourced_id {})", p.full_name(), p.id, p.sourced_id)
}

/// The live students the SIS links to a family user, by `sourcedId`.
fn sis_students(case: &Case, u: &User) -> BTreeMap<String, String> {
    case.source
        .linked_users(u)
        .into_iter()
        .filter(|s| s.is_student() && s.is_live())
        .map(|s| (s.sourced_id.clone(), s.full_name()))
        .collect()
}

/// The active students the platform links to a parent, by `sourced_id`.
fn bm_students(case: &Case, p: &Parent) -> BTreeMap<String, String> {
    case.platform
        .students_of(&p.id)
        .filter(|s| s.status.is_active())
        .map(|s| (s.sourced_id.clone(), s.full_name()))
        .collect()
}

fn diagnose(case: &Case, email: &str) -> Verdict {
    let src = &case.source;
    let pf = &case.platform;
    let mut r = Report::default();
    let sis_all: Vec<&User> = src.family().filter(|u| has_email(u.email.as_deref(), email)).collect();
    let sis_live: Vec<&User> = sis_all.iter().copied().filter(|u| u.is_live()).collect();
    let bm_all: Vec<&Parent> = pf
        .parents
        .iter()
        .filter(|p| has_email(p.email.as_deref(), email))
        .collect();
    let bm_live: Vec<&Parent> = bm_all.iter().copied().filter(|p| p.status.is_active()).collect();

    if sis_all.is_empty() && bm_all.is_empty() {
        r.report(&ParentNotFound {
            email: email.to_owned(),
        });
        return r.verdict(
            Status::NotFound,
            format!("Nobody has the email `{email}` on either side."),
            json!({ "parent_email": email, "family": [] }),
            json!({ "parents": [] }),
            json!({ "live_in_sis": 0, "live_in_bookmarked": 0 }),
        );
    }

    // ---- The SIS side.
    let mut source_msgs: Vec<String> = Vec::new();
    let mut by_name: BTreeMap<String, Vec<&User>> = BTreeMap::new();
    for u in &sis_live {
        by_name
            .entry(name_key(&u.given_name, &u.family_name))
            .or_default()
            .push(u);
    }
    if by_name.len() > 1 {
        let people: Vec<String> = by_name
            .values()
            .map(|group| {
                let ids: Vec<&str> = group.iter().map(|u| u.sourced_id.as_str()).collect();
                let first = group.first().map(|u| u.full_name()).unwrap_or_default();
                format!("{first} ({})", ids.join(", "))
            })
            .collect();
        source_msgs.push(r.report(&EmailSharedInSource {
            email: email.to_owned(),
            people,
            ids: sis_live.iter().map(|u| u.sourced_id.clone()).collect(),
            cause: true,
        }));
    }
    for group in by_name.values().filter(|g| g.len() > 1) {
        let details: Vec<String> = group
            .iter()
            .map(|u| {
                let kids: Vec<String> = sis_students(case, u).into_values().collect();
                if kids.is_empty() {
                    format!("{} (no students)", u.sourced_id)
                } else {
                    format!("{} (students: {})", u.sourced_id, kids.join(", "))
                }
            })
            .collect();
        source_msgs.push(r.report(&DuplicateParentRecordsInSource {
            email: email.to_owned(),
            name: group.first().map(|u| u.full_name()).unwrap_or_default(),
            details,
            ids: group.iter().map(|u| u.sourced_id.clone()).collect(),
        }));
    }
    for u in sis_all.iter().filter(|u| !u.is_live()) {
        r.report(&ParentInactiveInSource::of(u, None));
    }
    let source_problem = !source_msgs.is_empty();

    // ---- The platform side.
    let mut platform_msgs: Vec<String> = Vec::new();
    let live_ids: BTreeSet<&str> = sis_live.iter().map(|u| u.sourced_id.as_str()).collect();
    let mut unimported_ids: Vec<String> = Vec::new();
    if bm_live.len() > 1 {
        platform_msgs.push(r.report(&SeveralParentsWithEmailInBookmarked {
            email: email.to_owned(),
            labels: bm_live.iter().map(|p| label_parent(p)).collect(),
            ids: bm_live.iter().map(|p| p.id.clone()).collect(),
            sis_first: source_problem,
        }));
    }
    for p in bm_live.iter().filter(|p| !live_ids.contains(p.sourced_id.as_str())) {
        let sis = match src.user(&p.sourced_id) {
            Some(u) if !u.is_live() => SisParent::Inactive(sis_state(u)),
            Some(u) if !has_email(u.email.as_deref(), email) => SisParent::OtherEmail(u.email.clone()),
            _ => SisParent::Absent,
        };
        platform_msgs.push(r.report(&StaleParentEmailInBookmarked {
            email: email.to_owned(),
            label: label_parent(p),
            id: p.id.clone(),
            sid: p.sourced_id.clone(),
            sis,
        }));
    }
    let mut rows: Vec<Value> = Vec::new();
    for u in &sis_live {
        let b = bm_parent_by_sid(pf, &u.sourced_id);
        let sis_kids = sis_students(case, u);
        let bm_kids = b.map(|b| bm_students(case, b)).unwrap_or_default();
        let missing_kids: Vec<String> = sis_kids
            .iter()
            .filter(|(k, _)| !bm_kids.contains_key(*k))
            .map(|(k, n)| format!("{n} ({k})"))
            .collect();
        let extra_kids: Vec<String> = bm_kids
            .iter()
            .filter(|(k, _)| !sis_kids.contains_key(*k))
            .map(|(k, n)| format!("{n} ({k})"))
            .collect();
        rows.push(json!({
            "sourcedId": u.sourced_id,
            "sis_name": u.full_name(),
            "bookmarked_name": b.map(Parent::full_name),
            "sis_status": sis_state(u),
            "bookmarked_id": b.map(|b| b.id.as_str()),
            "bookmarked_status": b.map_or("absent", |b| b.status.as_str()),
            "sis_email": u.email,
            "bookmarked_email": b.and_then(|b| b.email.as_deref()),
            "sis_students": sis_kids,
            "bookmarked_students": bm_kids,
            "students_missing_in_bookmarked": missing_kids,
            "students_extra_in_bookmarked": extra_kids,
        }));
        let Some(b) = b.filter(|b| b.status.is_active()) else {
            // When the SIS is wrong too, a missing parent is context, not a cause.
            let msg = r.report(&ParentMissingInBookmarked {
                name: u.full_name(),
                sid: u.sourced_id.clone(),
                deleted: b.map(label_parent),
                strays: Vec::new(),
                context_only: source_problem,
            });
            unimported_ids.push(u.sourced_id.clone());
            if !source_problem {
                platform_msgs.push(msg);
            }
            continue;
        };
        platform_msgs.extend(check_parent_names(&mut r, pf, u, b));
        if !emails_agree(u.email.as_deref(), b.email.as_deref()) {
            platform_msgs.push(r.report(&ParentEmailDiffersInBookmarked::of(u, b)));
        }
        if !missing_kids.is_empty() || !extra_kids.is_empty() {
            let mut ids: Vec<String> = vec![b.id.clone(), u.sourced_id.clone()];
            ids.extend(sis_kids.keys().filter(|k| !bm_kids.contains_key(*k)).cloned());
            ids.extend(bm_kids.keys().filter(|k| !sis_kids.contains_key(*k)).cloned());
            platform_msgs.push(r.report(&ParentStudentsDiffer {
                label: label_user(u),
                id: b.id.clone(),
                missing: missing_kids,
                extra: extra_kids,
                ids,
            }));
        }
    }
    r.import_errors(pf, unimported_ids.iter().map(String::as_str));
    let platform_problem = !platform_msgs.is_empty();
    let status = Status::from_sides(source_problem, platform_problem);

    let summary = if status == Status::NoIssue {
        let parent = match sis_live.as_slice() {
            [u] => Some((label_user(u), u.sourced_id.clone(), sis_students(case, u).len())),
            _ => None,
        };
        let msg = r.report(&ParentConsistent {
            email: email.to_owned(),
            parent,
        });
        format!("No conflict: {}{}", msg[..1].to_lowercase(), &msg[1..])
    } else {
        sides_summary("", &source_msgs, &platform_msgs)
    };

    let family: Vec<Value> = sis_all
        .iter()
        .map(|u| {
            let mut v = sis_user_json(src, u);
            if let Some(obj) = v.as_object_mut() {
                obj.insert("students".into(), json!(sis_students(case, u)));
            }
            v
        })
        .collect();
    let mut bm_rows: Vec<&Parent> = bm_all.clone();
    for u in &sis_live {
        if let Some(b) = bm_parent_by_sid(pf, &u.sourced_id)
            && !bm_rows.iter().any(|p| p.id == b.id)
        {
            bm_rows.push(b);
        }
    }
    let parents: Vec<Value> = bm_rows.iter().map(|p| bm_parent_json(pf, p)).collect();
    let comparison = json!({
        "live_in_sis": sis_live.len(),
        "distinct_people_in_sis": by_name.len(),
        "live_in_bookmarked": bm_live.len(),
        "by_sourced_id": rows,
        "bookmarked_only": bm_live
            .iter()
            .filter(|p| !live_ids.contains(p.sourced_id.as_str()))
            .map(|p| json!({ "id": p.id, "sourced_id": p.sourced_id, "name": p.full_name(), "students": bm_students(case, p) }))
            .collect::<Vec<_>>(),
    });
    let bookmarked_data = json!({
        "district_id": case.bookmarked_org_id,
        "parents": parents,
        "import_errors": r.import_error_rows(),
    });
    r.verdict(
        status,
        summary,
        json!({ "parent_email": email, "family": family }),
        bookmarked_data,
        comparison,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{World, codes, fixes};
    use cdt_core::platform::PlatformStatus;
    use cdt_core::roster::RecordStatus;
    use cdt_core::{Status, System};

    const EMAIL: &str = "familia.ortiz@example.org";

    /// Rosa Ortiz-Vega with three children at two schools.
    fn world() -> World {
        let mut w = World::new();
        w.student("stu-1", "Diego", "Ortiz", "sch-lincoln");
        w.student("stu-2", "Paula", "Ortiz", "sch-lincoln");
        w.student("stu-3", "Iván", "Ortiz", "sch-roosevelt");
        w.parent("par-rosa", "Rosa", "Ortiz-Vega", "Familia.Ortiz@example.org");
        for s in ["stu-1", "stu-2", "stu-3"] {
            w.link("par-rosa", s);
        }
        w
    }

    fn run(w: &World, email: &str) -> Verdict {
        w.run(&ParentConflicts::default(), &[("parent_email", email)])
            .expect("runs")
    }

    #[test]
    fn one_parent_with_several_children_in_step_is_no_issue() {
        let mut w = world();
        w.mirror();
        let v = run(&w, "FAMILIA.ORTIZ@EXAMPLE.ORG");
        assert_eq!(v.status, Status::NoIssue, "{}", v.summary);
        assert!(v.summary.contains("3 student(s)"), "{}", v.summary);
        // Accents and hyphens do not make names differ.
        w.bm_parent("par-rosa").last_name = "Ortiz Vega".into();
        let v = run(&w, EMAIL);
        assert_eq!(v.status, Status::NoIssue, "{}", v.summary);
    }

    #[test]
    fn unknown_email_is_not_found() {
        let mut w = world();
        w.mirror();
        let v = run(&w, "nobody@example.org");
        assert_eq!(v.status, Status::NotFound);
        assert!(fixes_system(&v, System::Support));
    }

    fn fixes_system(v: &Verdict, system: System) -> bool {
        v.remediation.iter().any(|r| r.system == system)
    }

    #[test]
    fn two_people_sharing_an_email_in_the_sis_is_an_issue_in_source() {
        let mut w = world();
        w.parent("par-luis", "Luis", "Ortiz", EMAIL);
        w.link("par-luis", "stu-3");
        w.mirror();
        // The platform rejected Luis: his email was taken.
        w.drop_bm("par-luis");
        w.import_error("par-luis", "user", "email already used by another parent");
        let v = run(&w, EMAIL);
        assert_eq!(v.status, Status::IssueInSource, "{}", v.summary);
        assert!(codes(&v).contains(&"email-shared-in-source"));
        assert!(codes(&v).contains(&"parent-missing-in-bookmarked"));
        assert!(fixes(&v, System::Sis, "email"));
        insta::assert_json_snapshot!("parent_conflicts_shared_in_source", v);
    }

    #[test]
    fn duplicate_records_of_one_person_are_an_issue_in_source() {
        let mut w = world();
        w.parent("par-rosa-2", "ROSA", "Ortiz Vega", EMAIL);
        w.link("par-rosa-2", "stu-3");
        w.mirror();
        w.drop_bm("par-rosa-2");
        let v = run(&w, EMAIL);
        assert_eq!(v.status, Status::IssueInSource, "{}", v.summary);
        assert!(codes(&v).contains(&"duplicate-parent-records-in-source"));
        assert!(!codes(&v).contains(&"email-shared-in-source"));
        assert!(fixes(&v, System::Sis, "agentSourcedIds"));
    }

    #[test]
    fn sharing_mirrored_on_the_platform_is_an_issue_in_both() {
        let mut w = world();
        w.parent("par-luis", "Luis", "Ortiz", EMAIL);
        w.link("par-luis", "stu-3");
        w.mirror();
        let v = run(&w, EMAIL);
        assert_eq!(v.status, Status::IssueInBoth, "{}", v.summary);
        assert!(codes(&v).contains(&"several-parents-with-email-in-bookmarked"));
    }

    #[test]
    fn platform_only_problems_are_issues_in_bookmarked() {
        // Stale: the email moved to another person in the SIS.
        let mut w = world();
        w.parent("par-old", "Marta", "Gil", "marta@example.org");
        w.mirror();
        w.bm_parent("par-old").email = Some(EMAIL.into());
        let v = run(&w, EMAIL);
        assert_eq!(v.status, Status::IssueInBookmarked, "{}", v.summary);
        assert!(codes(&v).contains(&"stale-parent-email-in-bookmarked"));
        assert!(codes(&v).contains(&"several-parents-with-email-in-bookmarked"));
        assert!(fixes(&v, System::Bookmarked, "email"));

        // Name differs.
        let mut w = world();
        w.mirror();
        w.bm_parent("par-rosa").first_name = "Rose".into();
        let v = run(&w, EMAIL);
        assert_eq!(v.status, Status::IssueInBookmarked, "{}", v.summary);
        assert_eq!(codes(&v), ["parent-name-differs-in-bookmarked"]);
        assert!(fixes(&v, System::Bookmarked, "first_name"));

        // Students differ: one missing, one extra.
        let mut w = world();
        w.student("stu-x", "Other", "Child", "sch-juarez");
        w.mirror();
        w.unlink_bm("par-rosa", "stu-2");
        w.platform.parent_students.push(cdt_core::platform::ParentStudent {
            parent_id: "bm-par-rosa".into(),
            student_id: "bm-stu-x".into(),
        });
        let v = run(&w, EMAIL);
        assert_eq!(v.status, Status::IssueInBookmarked, "{}", v.summary);
        assert_eq!(codes(&v), ["parent-students-differ"]);
        assert_eq!(
            v.comparison["by_sourced_id"][0]["students_missing_in_bookmarked"][0],
            "Paula Ortiz (stu-2)"
        );
        assert!(fixes(&v, System::Bookmarked, "parent_students"));

        // Deleted in the SIS, still active on the platform.
        let mut w = world();
        w.mirror();
        w.sis("par-rosa").status = RecordStatus::ToBeDeleted;
        let v = run(&w, EMAIL);
        assert_eq!(v.status, Status::IssueInBookmarked, "{}", v.summary);
        assert!(codes(&v).contains(&"stale-parent-email-in-bookmarked"));
        assert!(fixes(&v, System::Bookmarked, "status"));
    }

    #[test]
    fn everyone_deleted_on_both_sides_is_no_issue() {
        let mut w = world();
        w.sis("par-rosa").status = RecordStatus::ToBeDeleted;
        w.mirror();
        assert_eq!(w.bm_parent("par-rosa").status, PlatformStatus::Deleted);
        let v = run(&w, EMAIL);
        assert_eq!(v.status, Status::NoIssue, "{}", v.summary);
        assert!(codes(&v).contains(&"parent-inactive-in-source"));
    }
}
