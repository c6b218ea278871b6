//! # Guardians without students
//!
//! ## What it checks
//! Every guardian account with the given email, on both sides: does it lead to at
//! least one active student? In the SIS a guardian's students are its
//! `agentSourcedIds` (and the students naming it as their agent); in Bookmarked they
//! are its `parent_students` rows.
//!
//! ## Why it matters
//! A parent whose account has no active student signs in to an empty app: the ticket
//! says "I can't see my child" although no single link looks broken.
//!
//! ## Statuses
//! - `NOT_FOUND`: no guardian has this email on either side.
//! - `ISSUE_IN_SOURCE`: an active SIS guardian has no active student.
//! - `ISSUE_IN_BOOKMARKED`: an active Bookmarked parent has no active student, while
//!   the SIS gives the same guardian one.
//! - `ISSUE_IN_BOTH`, `NO_ISSUE`.

use std::collections::{BTreeMap, BTreeSet};

use cdt_plugin_sdk::text::same_email;
use cdt_plugin_sdk::{Case, Finding, Plugin, Remediation, Severity, Status, System, Verdict};
use serde_json::json;

/// The plugin.
pub struct GuardiansWithoutStudents;

cdt_plugin_sdk::export_plugin!(GuardiansWithoutStudents);

impl Plugin for GuardiansWithoutStudents {
    fn diagnose(case: &Case) -> Result<Verdict, String> {
        let email = case.input("parent_email").ok_or("the input parent_email is required")?;
        let users: BTreeMap<&str, &cdt_plugin_sdk::User> =
            case.source.users.iter().map(|u| (u.sourced_id.as_str(), u)).collect();

        // SIS: guardians with the email, and their active students.
        let mut sis = Vec::new();
        for g in case
            .source
            .users
            .iter()
            .filter(|u| u.is_family() && u.status == "active")
        {
            if !g.email.as_deref().is_some_and(|e| same_email(e, email)) {
                continue;
            }
            let mut kids: BTreeSet<&str> = g.agent_sourced_ids.iter().map(String::as_str).collect();
            kids.extend(
                case.source
                    .users
                    .iter()
                    .filter(|u| u.agent_sourced_ids.iter().any(|a| a == &g.sourced_id))
                    .map(|u| u.sourced_id.as_str()),
            );
            let active: Vec<&str> = kids
                .into_iter()
                .filter(|k| users.get(k).is_some_and(|u| u.has_role("student") && u.is_active()))
                .collect();
            sis.push((g, active));
        }

        // Bookmarked: parents with the email, and their active students.
        let students: BTreeMap<&str, &cdt_plugin_sdk::Student> =
            case.platform.students.iter().map(|s| (s.id.as_str(), s)).collect();
        let mut bm = Vec::new();
        for p in case.platform.parents.iter().filter(|p| p.status == "active") {
            if !p.email.as_deref().is_some_and(|e| same_email(e, email)) {
                continue;
            }
            let active: Vec<&str> = case
                .platform
                .parent_students
                .iter()
                .filter(|l| l.parent_id == p.id)
                .filter_map(|l| students.get(l.student_id.as_str()))
                .filter(|s| s.status == "active")
                .map(|s| s.sourced_id.as_str())
                .collect();
            bm.push((p, active));
        }

        if sis.is_empty() && bm.is_empty() {
            return Ok(Verdict::new(
                Status::NotFound,
                format!("No active guardian has the email {email} in the SIS or in Bookmarked."),
            ));
        }

        let mut findings = Vec::new();
        let mut remediation = Vec::new();
        let mut source_wrong = false;
        let mut bookmarked_wrong = false;
        for (g, active) in &sis {
            if active.is_empty() {
                source_wrong = true;
                findings.push(
                    Finding::new(
                        "guardian-without-active-student",
                        Severity::Error,
                        System::Sis,
                        format!(
                            "SIS guardian {} ({}) has no active student.",
                            g.full_name(),
                            g.sourced_id
                        ),
                    )
                    .records([g.sourced_id.clone()]),
                );
                remediation.push(
                    Remediation::new(
                        System::Sis,
                        format!(
                            "Link {} to their student(s) in the SIS (agentSourcedIds), or deactivate the guardian record if they have none.",
                            g.full_name()
                        ),
                    )
                    .records([g.sourced_id.clone()])
                    .field("agentSourcedIds"),
                );
            }
        }
        for (p, active) in &bm {
            if !active.is_empty() {
                continue;
            }
            // Only Bookmarked's fault when the SIS gives the same guardian a student.
            let sis_has = sis.iter().any(|(g, a)| g.sourced_id == p.sourced_id && !a.is_empty());
            let severity = if sis_has { Severity::Error } else { Severity::Warning };
            bookmarked_wrong |= sis_has;
            findings.push(
                Finding::new(
                    "parent-without-active-student",
                    severity,
                    System::Bookmarked,
                    format!(
                        "Bookmarked parent {} {} ({}) has no active student.",
                        p.first_name, p.last_name, p.id
                    ),
                )
                .records([p.id.clone()]),
            );
            if sis_has {
                remediation.push(
                    Remediation::new(
                        System::Bookmarked,
                        "Resync the district: the SIS links this guardian to active students that Bookmarked does not.",
                    )
                    .records([p.id.clone()]),
                );
            }
        }
        let status = Status::from_sides(source_wrong, bookmarked_wrong);
        let summary = match status {
            Status::NoIssue => {
                format!("Every guardian with the email {email} has at least one active student on both sides.")
            }
            _ => format!(
                "{} guardian account(s) with the email {email} lead to no active student.",
                findings.len()
            ),
        };
        let mut verdict = Verdict::new(status, summary);
        verdict.source_data = json!(sis
            .iter()
            .map(|(g, a)| json!({"sourced_id": g.sourced_id, "name": g.full_name(), "active_students": a}))
            .collect::<Vec<_>>());
        verdict.bookmarked_data = json!(bm
            .iter()
            .map(|(p, a)| json!({"id": p.id, "sourced_id": p.sourced_id, "active_students": a}))
            .collect::<Vec<_>>());
        verdict.comparison = json!({"sis_guardians": sis.len(), "bookmarked_parents": bm.len()});
        verdict.findings = findings;
        verdict.remediation = remediation;
        Ok(verdict)
    }
}

#[cfg(test)]
mod tests {
    use cdt_plugin_sdk::{Parent, ParentStudent, Student, User, UserRole};

    use super::*;

    fn user(id: &str, role: &str, email: Option<&str>, agents: &[&str]) -> User {
        User {
            sourced_id: id.into(),
            status: "active".into(),
            enabled: true,
            roles: vec![UserRole {
                role: role.into(),
                org_sourced_id: "s1".into(),
                primary: true,
            }],
            given_name: id.into(),
            family_name: "Doe".into(),
            email: email.map(Into::into),
            agent_sourced_ids: agents.iter().map(|a| (*a).into()).collect(),
            ..User::default()
        }
    }

    fn case(users: Vec<User>, linked: bool) -> Case {
        let mut c = Case::default();
        c.inputs.insert("parent_email".into(), "Pat@Example.org".into());
        c.source.users = users;
        c.platform.parents = vec![Parent {
            id: "bp1".into(),
            sourced_id: "g1".into(),
            email: Some("pat@example.org".into()),
            status: "active".into(),
            ..Parent::default()
        }];
        c.platform.students = vec![Student {
            id: "bs1".into(),
            sourced_id: "k1".into(),
            status: "active".into(),
            ..Student::default()
        }];
        if linked {
            c.platform.parent_students = vec![ParentStudent {
                parent_id: "bp1".into(),
                student_id: "bs1".into(),
            }];
        }
        c
    }

    fn run(c: &Case) -> Verdict {
        let out = cdt_plugin_sdk::run_json::<GuardiansWithoutStudents>(&serde_json::to_string(c).unwrap()).unwrap();
        serde_json::from_str(&out).unwrap()
    }

    #[test]
    fn every_status() {
        let linked = vec![
            user("g1", "guardian", Some("pat@example.org"), &["k1"]),
            user("k1", "student", None, &[]),
        ];
        assert_eq!(run(&case(linked.clone(), true)).status, Status::NoIssue);
        assert_eq!(run(&case(linked, false)).status, Status::IssueInBookmarked);
        let unlinked = vec![
            user("g1", "guardian", Some("pat@example.org"), &[]),
            user("k1", "student", None, &[]),
        ];
        let v = run(&case(unlinked.clone(), true));
        assert_eq!(v.status, Status::IssueInSource);
        assert_eq!(v.findings[0].code, "guardian-without-active-student");
        // Bookmarked's parent has no student either, but the SIS gives none: the SIS is at fault.
        assert_eq!(run(&case(unlinked, false)).status, Status::IssueInSource);
        let mut nobody = case(vec![], false);
        nobody.platform.parents.clear();
        assert_eq!(run(&nobody).status, Status::NotFound);
    }

    #[test]
    fn a_missing_input_is_an_error_not_a_verdict() {
        let err = cdt_plugin_sdk::run_json::<GuardiansWithoutStudents>("{}").unwrap_err();
        assert!(err.contains("parent_email"), "{err}");
        let err = cdt_plugin_sdk::run_json::<GuardiansWithoutStudents>("not json").unwrap_err();
        assert!(err.contains("does not parse"), "{err}");
    }
}
