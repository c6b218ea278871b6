//! # Student at two schools at once
//!
//! ## What it checks
//! The schools where a student has a current enrollment, on both sides: in the SIS
//! (active enrollments begun and not ended, by the class's school) and in Bookmarked
//! (active enrollments in active classes, by the class's organization).
//!
//! ## Why it matters
//! A transfer that is only half done leaves the student in classes at the old school:
//! teachers there still see the student, and the family sees the wrong school.
//!
//! ## Statuses
//! - `NOT_FOUND`: no student has this name on either side.
//! - `AMBIGUOUS`: several SIS students have this name.
//! - `ISSUE_IN_SOURCE` / `ISSUE_IN_BOOKMARKED` / `ISSUE_IN_BOTH`: the side(s) where
//!   the student is current at two or more schools.
//! - `NO_ISSUE`: one school (or none) on each side.

use std::collections::{BTreeMap, BTreeSet};

use cdt_plugin_sdk::text::same_person;
use cdt_plugin_sdk::{Finding, LeanPlugin, Remediation, Severity, Status, System, Verdict};
use serde_json::json;

pub mod view;

/// The plugin.
pub struct ConcurrentSchools;

// A lean plugin: it parses only what it reads (see `view.rs`), borrowing the strings.
cdt_plugin_sdk::export_plugin!(lean ConcurrentSchools);

impl LeanPlugin for ConcurrentSchools {
    type Case<'a> = view::Case<'a>;

    fn diagnose(case: &view::Case<'_>) -> Result<Verdict, String> {
        let name = case
            .inputs
            .student_name
            .as_deref()
            .filter(|n| !n.is_empty())
            .ok_or("the input student_name is required")?;
        let sis_students: Vec<_> = case
            .source
            .users
            .iter()
            .filter(|u| u.has_role("student") && same_person(name, &u.given_name, &u.family_name))
            .collect();
        let bm_by_name: Vec<_> = case
            .platform
            .students
            .iter()
            .filter(|s| same_person(name, &s.first_name, &s.last_name))
            .collect();
        if sis_students.len() > 1 {
            let ids: Vec<String> = sis_students.iter().map(|u| u.sourced_id.to_string()).collect();
            let mut v = Verdict::new(
                Status::Ambiguous,
                format!(
                    "{} SIS students are named {name}: re-run with a more precise name.",
                    ids.len()
                ),
            );
            v.findings.push(
                Finding::new(
                    "several-students",
                    Severity::Info,
                    System::Sis,
                    "Several students match.",
                )
                .records(ids),
            );
            return Ok(v);
        }
        let sis_student = sis_students.first().copied();
        // Matching between the sides is by sourcedId; the name only seeds the search.
        let bm_student = match sis_student {
            Some(u) => case.platform.students.iter().find(|s| s.sourced_id == u.sourced_id),
            None if bm_by_name.len() == 1 => Some(bm_by_name[0]),
            None => None,
        };
        if sis_student.is_none() && bm_student.is_none() {
            return Ok(Verdict::new(
                Status::NotFound,
                format!("No student is named {name} in the SIS or in Bookmarked."),
            ));
        }

        let org_names: BTreeMap<&str, &str> = case
            .source
            .orgs
            .iter()
            .map(|o| (o.sourced_id.as_ref(), o.name.as_ref()))
            .collect();
        let class_school: BTreeMap<&str, &str> = case
            .source
            .classes
            .iter()
            .map(|c| (c.sourced_id.as_ref(), c.school_sourced_id.as_ref()))
            .collect();
        let mut sis_schools: BTreeMap<String, Vec<String>> = BTreeMap::new();
        if let Some(u) = sis_student {
            for e in case
                .source
                .enrollments
                .iter()
                .filter(|e| e.user_sourced_id == u.sourced_id && e.is_current(&case.today))
            {
                let school = class_school
                    .get(e.class_sourced_id.as_ref())
                    .copied()
                    .unwrap_or(&e.school_sourced_id);
                let label = org_names
                    .get(school)
                    .map_or_else(|| school.to_owned(), |n| (*n).to_owned());
                sis_schools.entry(label).or_default().push(e.sourced_id.to_string());
            }
        }

        let orgs: BTreeMap<&str, &str> = case
            .platform
            .organizations
            .iter()
            .map(|o| (o.id.as_ref(), o.name.as_ref()))
            .collect();
        let classes: BTreeMap<&str, &view::PlatformClass> =
            case.platform.classes.iter().map(|c| (c.id.as_ref(), c)).collect();
        let mut bm_schools: BTreeMap<String, Vec<String>> = BTreeMap::new();
        if let Some(s) = bm_student {
            for e in case
                .platform
                .enrollments
                .iter()
                .filter(|e| e.user_id == s.id && e.status == "active")
            {
                let Some(c) = classes.get(e.class_id.as_ref()).filter(|c| c.status == "active") else {
                    continue;
                };
                let label = orgs
                    .get(c.organization_id.as_ref())
                    .map_or_else(|| c.organization_id.to_string(), |n| (*n).to_owned());
                bm_schools.entry(label).or_default().push(e.id.to_string());
            }
        }

        let who = sis_student
            .map(|u| format!("{} {}", u.given_name, u.family_name))
            .or_else(|| bm_student.map(|s| format!("{} {}", s.first_name, s.last_name)))
            .unwrap_or_else(|| name.to_owned());
        let name = who.as_str();
        let source_wrong = sis_schools.len() > 1;
        let bookmarked_wrong = bm_schools.len() > 1;
        let mut v = Verdict::new(Status::from_sides(source_wrong, bookmarked_wrong), String::new());
        let schools = |m: &BTreeMap<String, Vec<String>>| m.keys().cloned().collect::<Vec<_>>().join(", ");
        if source_wrong {
            let ids: Vec<String> = sis_schools.values().flatten().cloned().collect();
            v.findings.push(
                Finding::new(
                    "current-at-several-schools",
                    Severity::Error,
                    System::Sis,
                    format!(
                        "The SIS has current enrollments for {name} at {}.",
                        schools(&sis_schools)
                    ),
                )
                .records(ids.clone()),
            );
            v.remediation.push(
                Remediation::new(
                    System::Sis,
                    "End the enrollments at the school the student left (set endDate or status tobedeleted).",
                )
                .records(ids)
                .field("endDate"),
            );
        }
        if bookmarked_wrong {
            let ids: Vec<String> = bm_schools.values().flatten().cloned().collect();
            v.findings.push(
                Finding::new(
                    "current-at-several-schools",
                    Severity::Error,
                    System::Bookmarked,
                    format!(
                        "Bookmarked has active enrollments for {name} at {}.",
                        schools(&bm_schools)
                    ),
                )
                .records(ids.clone()),
            );
            v.remediation.push(
                Remediation::new(
                    System::Bookmarked,
                    if source_wrong {
                        "After the SIS fix, resync the district so Bookmarked drops the old enrollments."
                    } else {
                        "Resync the district: the SIS already ended these enrollments; delete them in Bookmarked if the resync keeps them."
                    },
                )
                .records(ids),
            );
        }
        v.summary = match v.status {
            Status::NoIssue => format!("{name} is current at one school at most on each side."),
            _ => format!("{name} is current at several schools at once."),
        };
        v.source_data = json!({"student": sis_student.map(|u| &u.sourced_id), "schools": sis_schools});
        v.bookmarked_data = json!({"student": bm_student.map(|s| &s.id), "schools": bm_schools});
        let all: BTreeSet<&String> = sis_schools.keys().chain(bm_schools.keys()).collect();
        v.comparison = json!(all
            .into_iter()
            .map(|s| json!({"school": s, "sis": sis_schools.contains_key(s), "bookmarked": bm_schools.contains_key(s)}))
            .collect::<Vec<_>>());
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use cdt_plugin_sdk::{Case, Class, Enrollment, Org, User, UserRole};

    use super::*;

    fn case(end_old: bool) -> Case {
        let mut c = Case {
            today: "2026-11-25".into(),
            ..Case::default()
        };
        c.inputs.insert("student_name".into(), "Quispe, Mateo".into());
        c.source.orgs = ["a", "b"]
            .iter()
            .map(|o| Org {
                sourced_id: (*o).into(),
                name: format!("School {o}"),
                ..Org::default()
            })
            .collect();
        c.source.users = vec![User {
            sourced_id: "k1".into(),
            status: "active".into(),
            enabled: true,
            roles: vec![UserRole {
                role: "student".into(),
                ..UserRole::default()
            }],
            given_name: "Mateo".into(),
            family_name: "Quispe".into(),
            ..User::default()
        }];
        c.source.classes = ["a", "b"]
            .iter()
            .map(|o| Class {
                sourced_id: format!("c{o}"),
                school_sourced_id: (*o).into(),
                ..Class::default()
            })
            .collect();
        c.source.enrollments = ["a", "b"]
            .iter()
            .map(|o| Enrollment {
                sourced_id: format!("e{o}"),
                status: "active".into(),
                class_sourced_id: format!("c{o}"),
                user_sourced_id: "k1".into(),
                role: "student".into(),
                end_date: (end_old && *o == "a").then(|| "2026-11-01".into()),
                ..Enrollment::default()
            })
            .collect();
        c
    }

    fn run(c: &Case) -> Verdict {
        let out = cdt_plugin_sdk::run_json_lean::<ConcurrentSchools>(&serde_json::to_string(c).unwrap()).unwrap();
        serde_json::from_str(&out).unwrap()
    }

    #[test]
    fn statuses() {
        let v = run(&case(false));
        assert_eq!(v.status, Status::IssueInSource);
        assert_eq!(v.findings[0].record_ids, ["ea", "eb"]);
        assert_eq!(run(&case(true)).status, Status::NoIssue);
        let mut twins = case(true);
        let mut twin = twins.source.users[0].clone();
        twin.sourced_id = "k2".into();
        twins.source.users.push(twin);
        assert_eq!(run(&twins).status, Status::Ambiguous);
        let mut nobody = case(true);
        nobody.inputs.insert("student_name".into(), "Zebulon Nobody".into());
        assert_eq!(run(&nobody).status, Status::NotFound);
    }

    #[test]
    fn strings_with_json_escapes_are_read_unescaped() {
        // Quotes, backslashes and control characters are escaped in the document, so
        // these strings cannot be borrowed: they must still read right.
        let mut c = case(false);
        c.source.orgs[0].name = "School \"A\" \\ North\tCampus".into();
        let v = run(&c);
        assert_eq!(v.status, Status::IssueInSource);
        assert!(
            v.findings[0].message.contains("School \"A\" \\ North\tCampus"),
            "{}",
            v.findings[0].message
        );
        let doc = serde_json::to_string(&c).unwrap().replace("Quispe", "Qu\\u0069spe");
        let v: Verdict =
            serde_json::from_str(&cdt_plugin_sdk::run_json_lean::<ConcurrentSchools>(&doc).unwrap()).unwrap();
        assert_eq!(v.status, Status::IssueInSource);
        assert!(v.summary.starts_with("Mateo Quispe"), "{}", v.summary);
    }

    #[test]
    fn a_case_that_is_not_json_is_an_error() {
        let err = cdt_plugin_sdk::run_json_lean::<ConcurrentSchools>("{\"source\": [").unwrap_err();
        assert!(err.contains("does not parse"), "{err}");
    }
}
