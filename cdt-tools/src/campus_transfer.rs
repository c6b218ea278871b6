//! # Campus transfer (`campus-transfer`)
//!
//! The ticket: "a student moved schools but still shows at the old one".
//!
//! ## What it checks
//!
//! Resolves both schools (by name, `sourcedId` or identifier in the SIS; on the platform
//! by `sourced_id`, then name) and the student by name, then checks both sides:
//!
//! - the SIS: no current enrollment left at the old campus, at least one current
//!   enrollment at the new campus, and the new campus among the student's org roles
//!   (`orgSourcedIds`);
//! - Bookmarked: the student's `organization_id` is the new campus, no active enrollment
//!   is left in a class of the old campus that the SIS no longer has current (a *phantom*
//!   enrollment, listed with its platform id, `sourced_id` and class title), and every
//!   current SIS enrollment at the new campus is on the platform.
//!
//! The student's names, email and grade on the platform are compared with the SIS's
//! (each difference a finding naming the field and both values; the school is judged
//! against the new campus).
//!
//! A name the SIS gives to one student resolves to that student even when the platform
//! has namesakes (e.g. a leftover record at the old campus): those are reported on their
//! own. When the SIS has several students of the name, only the ones seen at the old or
//! the new campus (on either side) are kept; if that leaves one, it is the student.
//!
//! ## Why it matters
//!
//! A transfer touches the student's school, their enrollments at both campuses and the
//! classes teachers see. If any step is left behind, the student shows in old rosters or
//! misses new ones; the owner of the fix depends on which side kept the old state.
//!
//! ## Statuses
//!
//! - `NOT_FOUND`: no student by that name on either side.
//! - `AMBIGUOUS`: several students match in the SIS (or, when the SIS has none, on the
//!   platform), even after keeping those seen at either campus.
//! - `ISSUE_IN_SOURCE`: only the SIS is wrong (old enrollments still current, none at the
//!   new campus, the new campus missing from the org roles, or the student deleted or
//!   absent in the SIS).
//! - `ISSUE_IN_BOOKMARKED`: only Bookmarked is wrong (school not updated, phantom
//!   enrollments, new-campus enrollments missing, the student missing or deleted, shown
//!   with another name, email or grade, or an active platform-only namesake).
//! - `ISSUE_IN_BOTH`: both are.
//! - `NO_ISSUE`: the transfer is clean on both sides.
//!
//! An unknown school is an input error (`Err`) that lists the district's schools.
//!
//! Finding codes: `student-not-found`, `student-ambiguous`,
//! `student-disambiguated-by-school`, `student-not-in-source`,
//! `student-inactive-in-source`, `old-campus-enrollments-current-in-source`,
//! `no-new-campus-enrollments-in-source`, `new-campus-missing-from-org-roles-in-source`,
//! `old-campus-still-in-org-roles`, `student-missing-in-bookmarked`,
//! `student-deleted-in-bookmarked`, `student-sourced-id-differs-in-bookmarked`,
//! `student-school-not-updated-in-bookmarked`, `student-field-differs-in-bookmarked`,
//! `student-namesake-in-bookmarked`, `phantom-enrollment-in-bookmarked`, `new-campus-enrollment-missing-in-bookmarked`,
//! `import-error`, `transfer-clean`.
//!
//! ## Limits
//!
//! - A Bookmarked enrollment at the old campus that the SIS still has current is not a
//!   phantom: it follows the SIS, which is reported instead.
//! - When the SIS lacks the student or has them deleted, Bookmarked is not judged.
//! - Only student enrollments are compared.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use cdt_core::platform;
use cdt_core::roster::Enrollment;
use cdt_core::{Case, Error, InputKind, InputSpec, Inputs, Lookup, Result, Status, Tool, ToolSpec, Verdict};
use serde_json::{Value, json};

use crate::common::{
    OnBookmarked, Report, Resolved, School, StudentQuery, bm_class_by_sid, bm_enrollment_json, bm_org_name, bm_student,
    bm_student_json, check_rekeyed, check_sis_student, check_student_fields, find_school, is_current, resolve_student,
    sides_summary, sis_enrollment_json, sis_enrollment_school, sis_org_name, sis_state, sis_user_json,
    unresolved_student,
};
use crate::findings::{
    NewCampusEnrollmentMissingInBookmarked, NewCampusMissingFromOrgRolesInSource, NoNewCampusEnrollmentsInSource,
    OldCampusEnrollmentsCurrentInSource, OldCampusStillInOrgRoles, PhantomEnrollmentInBookmarked,
    StudentDisambiguatedBySchool, StudentSchoolNotUpdatedInBookmarked, TransferClean,
};

/// The `campus-transfer` diagnostic: whether a student's move between schools was carried
/// through on both sides.
#[derive(Default)]
pub struct CampusTransfer {
    spec: OnceLock<ToolSpec>,
}

cdt_core::register_tool!(CampusTransfer);

impl Tool for CampusTransfer {
    fn spec(&self) -> &ToolSpec {
        self.spec.get_or_init(|| ToolSpec {
            id: "campus-transfer".into(),
            title: "Campus transfer".into(),
            description: "Whether a student's move from one school to another went through on \
                          both sides: current enrollments, school, and phantom enrollments left \
                          at the old campus."
                .into(),
            inputs: vec![
                InputSpec::required("student_name", InputKind::Text, "the student's name or sourcedId"),
                InputSpec::required(
                    "old_campus",
                    InputKind::Text,
                    "the school the student left: name, sourcedId or identifier",
                ),
                InputSpec::required(
                    "new_campus",
                    InputKind::Text,
                    "the school the student moved to: name, sourcedId or identifier",
                ),
            ],
            triage_phrases: Vec::new(),
        })
    }

    fn lookup(&self, inputs: &Inputs) -> Result<Lookup> {
        inputs.require("old_campus")?;
        inputs.require("new_campus")?;
        let name = inputs.require("student_name")?;
        Ok(Lookup::default().person(name).sourced_id(name))
    }

    fn run(&self, inputs: &Inputs, case: &Case) -> Result<Verdict> {
        let name = inputs.require("student_name")?;
        let old = find_school(case, "old_campus", inputs.require("old_campus")?)?;
        let new = find_school(case, "new_campus", inputs.require("new_campus")?)?;
        if old.sourced_id() == new.sourced_id() {
            return Err(Error::input(
                "new_campus",
                format!("`{}` is the same school as old_campus", new.name()),
            ));
        }
        Ok(diagnose(case, name, &old, &new))
    }
}

/// The SIS's current enrollments of the student at one school.
fn current_at<'a>(case: &'a Case, current: &[&'a Enrollment], school: &School<'_>) -> Vec<&'a Enrollment> {
    current
        .iter()
        .copied()
        .filter(|e| school.is_sis(sis_enrollment_school(&case.source, e)))
        .collect()
}

fn class_title<'a>(case: &'a Case, e: &'a Enrollment) -> &'a str {
    case.source
        .class(&e.class_sourced_id)
        .map_or(e.class_sourced_id.as_str(), |c| c.title.as_str())
}

fn diagnose(case: &Case, query: &str, old: &School<'_>, new: &School<'_>) -> Verdict {
    let src = &case.source;
    let pf = &case.platform;
    let mut r = Report::default();
    let schools = json!({ "old_campus": old.json(), "new_campus": new.json() });

    let resolution = resolve_student(case, query, None, |s| s.is_at(case, old) || s.is_at(case, new));
    let student = match &resolution.resolved {
        Resolved::One(one) => *one,
        Resolved::Preferred { chosen, among } => {
            r.report(&StudentDisambiguatedBySchool {
                query: query.to_owned(),
                matches: among.len(),
                chosen: chosen.label(case),
                old_campus: old.name().to_owned(),
                new_campus: new.name().to_owned(),
                ids: among.iter().map(|s| s.sourced_id().to_owned()).collect(),
            });
            *chosen
        }
        Resolved::NotFound => {
            let source = json!({ "student_name": query, "schools": schools });
            return unresolved_student(
                r,
                case,
                &StudentQuery {
                    query,
                    where_: "",
                    school_input: false,
                },
                None,
                source,
                json!({}),
            );
        }
        Resolved::Ambiguous(shown) => {
            let source = json!({ "student_name": query, "schools": schools });
            return unresolved_student(
                r,
                case,
                &StudentQuery {
                    query,
                    where_: "",
                    school_input: false,
                },
                Some(shown),
                source,
                json!({}),
            );
        }
    };

    let sid = student.sourced_id().to_owned();
    let name = student.name();
    let (old_name, new_name) = (old.name().to_owned(), new.name().to_owned());
    let sis_enrollments: Vec<&Enrollment> = student
        .sis
        .map(|u| src.enrollments_of(&u.sourced_id).collect())
        .unwrap_or_default();
    let current: Vec<&Enrollment> = sis_enrollments
        .iter()
        .copied()
        .filter(|e| is_current(src, e, case.today))
        .collect();
    let current_old = current_at(case, &current, old);
    let current_new = current_at(case, &current, new);
    let bm_enrollments: Vec<&platform::Enrollment> = student
        .bm
        .map(|s| pf.enrollments_of(&s.id).collect())
        .unwrap_or_default();
    let bm_old_active: Vec<&platform::Enrollment> = bm_enrollments
        .iter()
        .copied()
        .filter(|e| {
            e.status.is_active()
                && pf
                    .class(&e.class_id)
                    .is_some_and(|c| c.status.is_active() && old.is_bm(&c.organization_id))
        })
        .collect();

    // ---- The SIS side. When the SIS is wrong about the student itself, Bookmarked is not judged.
    let mut source_msgs: Vec<String> = Vec::new();
    let student_problem = check_sis_student(&mut r, &student);
    let judge_platform = student_problem.is_none();
    source_msgs.extend(student_problem);
    if let Some(u) = student.sis.filter(|_| judge_platform) {
        if !current_old.is_empty() {
            source_msgs.push(
                r.report(&OldCampusEnrollmentsCurrentInSource {
                    name: name.clone(),
                    old_campus: old_name.clone(),
                    classes: current_old
                        .iter()
                        .map(|e| format!("{} ({})", class_title(case, e), e.sourced_id))
                        .collect(),
                    ids: current_old.iter().map(|e| e.sourced_id.clone()).collect(),
                }),
            );
        }
        if current_new.is_empty() {
            source_msgs.push(r.report(&NoNewCampusEnrollmentsInSource {
                name: name.clone(),
                sid: sid.clone(),
                new_campus: new_name.clone(),
            }));
        }
        let orgs: Vec<&str> = u.org_sourced_ids().collect();
        if !orgs.iter().any(|o| new.is_sis(o)) {
            source_msgs.push(r.report(&NewCampusMissingFromOrgRolesInSource {
                name: name.clone(),
                sid: sid.clone(),
                schools: orgs.iter().map(|o| sis_org_name(src, o).to_owned()).collect(),
                new_campus: new_name.clone(),
                new_sid: new.sourced_id().unwrap_or("?").to_owned(),
            }));
        } else if orgs.iter().any(|o| old.is_sis(o)) {
            r.report(&OldCampusStillInOrgRoles {
                name: name.clone(),
                sid: sid.clone(),
                old_campus: old_name.clone(),
                new_campus: new_name.clone(),
            });
        }
    }
    let source_problem = !source_msgs.is_empty();

    // ---- The platform side.
    let mut platform_msgs: Vec<String> = Vec::new();
    let mut phantoms: Vec<Value> = Vec::new();
    let new_in_roles = student.sis.is_some_and(|u| u.org_sourced_ids().any(|o| new.is_sis(o)));
    if judge_platform {
        if let Some(msg) = check_rekeyed(&mut r, pf, &student) {
            platform_msgs.push(msg);
        }
        match bm_student(&name, &sid, student.bm, None) {
            OnBookmarked::Missing(v) => {
                platform_msgs.push(r.report(&v));
                r.import_errors(pf, [sid.as_str()]);
            }
            OnBookmarked::Deleted(v) => {
                platform_msgs.push(r.report(&v));
                r.import_errors(pf, [sid.as_str()]);
            }
            OnBookmarked::Live(b) => {
                // The school is judged below, against the new campus.
                if let Some(u) = student.sis.filter(|_| !student.by_name) {
                    platform_msgs.extend(check_student_fields(&mut r, src, pf, u, b, false));
                }
                if !new.is_bm(&b.organization_id) && new_in_roles {
                    platform_msgs.push(r.report(&StudentSchoolNotUpdatedInBookmarked {
                        name: name.clone(),
                        id: b.id.clone(),
                        sid: sid.clone(),
                        here: bm_org_name(pf, &b.organization_id).to_owned(),
                        organization_id: b.organization_id.clone(),
                        new_campus: new_name.clone(),
                        new_bm_id: new.bm_id().map(str::to_owned),
                    }));
                }
                let current_ids: BTreeSet<&str> = current.iter().map(|e| e.sourced_id.as_str()).collect();
                let current_classes: BTreeSet<&str> = current.iter().map(|e| e.class_sourced_id.as_str()).collect();
                for e in &bm_old_active {
                    let class = pf.class(&e.class_id);
                    let still_current = current_ids.contains(e.sourced_id.as_str())
                        || class.is_some_and(|c| current_classes.contains(c.sourced_id.as_str()));
                    if still_current {
                        continue;
                    }
                    let title = class.map_or(e.class_id.as_str(), |c| c.title.as_str());
                    platform_msgs.push(r.report(&PhantomEnrollmentInBookmarked {
                        name: name.clone(),
                        title: title.to_owned(),
                        old_campus: old_name.clone(),
                        id: e.id.clone(),
                        sid: e.sourced_id.clone(),
                    }));
                    phantoms.push(json!({
                        "id": e.id,
                        "sourced_id": e.sourced_id,
                        "class_id": e.class_id,
                        "class": title,
                        "school": old_name,
                    }));
                }
                let mut error_ids: Vec<&str> = Vec::new();
                for e in &current_new {
                    let row = bm_class_by_sid(pf, &e.class_sourced_id).and_then(|c| {
                        bm_enrollments
                            .iter()
                            .filter(|x| x.class_id == c.id)
                            .max_by_key(|x| x.status.is_active())
                    });
                    if row.is_some_and(|x| x.status.is_active()) {
                        continue;
                    }
                    platform_msgs.push(r.report(&NewCampusEnrollmentMissingInBookmarked {
                        name: name.clone(),
                        title: class_title(case, e).to_owned(),
                        new_campus: new_name.clone(),
                        sid: e.sourced_id.clone(),
                        class_sid: e.class_sourced_id.clone(),
                        deleted: row.map(|x| x.id.clone()),
                    }));
                    error_ids.push(&e.sourced_id);
                    error_ids.push(&e.class_sourced_id);
                }
                r.import_errors(pf, error_ids);
            }
        }
    }
    if judge_platform {
        platform_msgs.extend(resolution.report_namesakes(&mut r, case, &student));
    }
    let platform_problem = !platform_msgs.is_empty();
    let status = Status::from_sides(source_problem, platform_problem);

    let summary = if status == Status::NoIssue {
        r.report(&TransferClean {
            name: name.clone(),
            sid: sid.clone(),
            old_campus: old_name.clone(),
            new_campus: new_name.clone(),
            current_new: current_new.len(),
        })
    } else {
        sides_summary(
            &format!("The transfer of {name} from {old_name} to {new_name} is incomplete."),
            &source_msgs,
            &platform_msgs,
        )
    };

    let source_data = json!({
        "student_name": query,
        "schools": schools,
        "student": student.sis.map(|u| sis_user_json(src, u)),
        "enrollments": sis_enrollments.iter().map(|e| sis_enrollment_json(src, e, case.today)).collect::<Vec<_>>(),
    });
    let bookmarked_data = json!({
        "district_id": case.bookmarked_org_id,
        "student": student.bm.map(|s| bm_student_json(pf, s)),
        "enrollments": bm_enrollments.iter().map(|e| bm_enrollment_json(pf, e)).collect::<Vec<_>>(),
        "import_errors": r.import_error_rows(),
    });
    let comparison = json!({
        "student": {
            "sourcedId": sid,
            "name": name,
            "sis_status": student.sis.map_or("absent", sis_state),
            "bookmarked_status": student.bm.map_or("absent", |s| s.status.as_str()),
        },
        "old_campus": old_name,
        "new_campus": new_name,
        "sis_current_enrollments": current.iter().map(|e| sis_enrollment_json(src, e, case.today)).collect::<Vec<_>>(),
        "sis_current_at_old_campus": current_old.len(),
        "sis_current_at_new_campus": current_new.len(),
        "sis_schools": student.sis.map(|u| u.org_sourced_ids().map(|o| sis_org_name(src, o).to_owned()).collect::<Vec<_>>()),
        "bookmarked_school": student.bm.map(|s| bm_org_name(pf, &s.organization_id)),
        "bookmarked_enrollments_left_at_old_campus": bm_old_active.iter().map(|e| bm_enrollment_json(pf, e)).collect::<Vec<_>>(),
        "phantom_enrollments": phantoms,
        "transfer_cleaned_up": status == Status::NoIssue,
    });
    r.verdict(status, summary, source_data, bookmarked_data, comparison)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{World, codes, date, fixes};
    use cdt_core::platform::PlatformStatus;
    use cdt_core::roster::RecordStatus;
    use cdt_core::{Status, System};

    /// Sofía Pérez-Núñez moved from Lincoln to Roosevelt on 2026-01-20, done right in the SIS.
    fn world() -> World {
        let mut w = World::new();
        w.class("cls-l-math", "Math 6", "sch-lincoln");
        w.class("cls-l-art", "Art 6", "sch-lincoln");
        w.class("cls-r-math", "Math 6", "sch-roosevelt");
        w.student("stu-sofia", "Sofía", "Pérez-Núñez", "sch-roosevelt");
        for c in ["cls-l-math", "cls-l-art"] {
            w.enroll("stu-sofia", c).end_date = Some(date(2026, 1, 16));
        }
        w.enroll("stu-sofia", "cls-r-math").begin_date = Some(date(2026, 1, 20));
        w
    }

    fn run(w: &World, name: &str, old: &str, new: &str) -> Result<Verdict> {
        w.run(
            &CampusTransfer::default(),
            &[("student_name", name), ("old_campus", old), ("new_campus", new)],
        )
    }

    fn ok(w: &World, name: &str) -> Verdict {
        run(w, name, "Lincoln Elementary", "Roosevelt Middle").expect("runs")
    }

    #[test]
    fn a_clean_transfer_is_no_issue() {
        let mut w = world();
        w.mirror();
        let v = ok(&w, "sofia perez nunez");
        assert_eq!(v.status, Status::NoIssue, "{}", v.summary);
        assert_eq!(v.comparison["transfer_cleaned_up"], true);
        // Schools by sourcedId or identifier, names in `Family, Given` order.
        let v = run(&w, "Pérez-Núñez, Sofía", "sch-lincoln", "0202").expect("runs");
        assert_eq!(v.status, Status::NoIssue, "{}", v.summary);
        insta::assert_json_snapshot!("campus_transfer_clean", v);
    }

    #[test]
    fn unknown_or_identical_schools_are_input_errors() {
        let mut w = world();
        w.mirror();
        let err = run(&w, "Sofía Pérez", "Lincon", "Roosevelt Middle").unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("input `old_campus`: no school named `Lincon`"), "{msg}");
        assert!(msg.contains("Escuela Juárez"), "{msg}");
        let err = run(&w, "Sofía Pérez", "Lincoln Elementary", "lincoln elementary").unwrap_err();
        assert!(err.to_string().contains("new_campus"), "{err}");
    }

    #[test]
    fn phantom_enrollments_and_stale_school_are_issues_in_bookmarked() {
        let mut w = world();
        w.mirror();
        w.bm_enrollment("enr-stu-sofia-cls-l-math").status = PlatformStatus::Active;
        w.bm_student("stu-sofia").organization_id = "bm-sch-lincoln".into();
        let v = ok(&w, "Sofía Pérez-Núñez");
        assert_eq!(v.status, Status::IssueInBookmarked, "{}", v.summary);
        assert!(codes(&v).contains(&"phantom-enrollment-in-bookmarked"));
        assert!(codes(&v).contains(&"student-school-not-updated-in-bookmarked"));
        assert!(fixes(&v, System::Bookmarked, "organization_id"));
        assert_eq!(
            v.comparison["phantom_enrollments"][0]["id"],
            "bm-enr-stu-sofia-cls-l-math"
        );
        assert_eq!(v.comparison["phantom_enrollments"][0]["class"], "Math 6");
        insta::assert_json_snapshot!("campus_transfer_phantoms", v);

        let mut w = world();
        w.mirror();
        w.drop_bm("enr-stu-sofia-cls-r-math");
        w.import_error("enr-stu-sofia-cls-r-math", "enrollment", "class not found");
        let v = ok(&w, "Sofía Pérez-Núñez");
        assert_eq!(v.status, Status::IssueInBookmarked, "{}", v.summary);
        assert!(codes(&v).contains(&"new-campus-enrollment-missing-in-bookmarked"));
        assert!(codes(&v).contains(&"import-error"));
    }

    #[test]
    fn old_enrollments_left_current_in_the_sis_are_issues_in_source() {
        let mut w = world();
        for e in &mut w.roster.enrollments {
            if e.class_sourced_id == "cls-l-math" {
                e.end_date = None;
            }
        }
        w.mirror();
        let v = ok(&w, "Sofía Pérez-Núñez");
        assert_eq!(v.status, Status::IssueInSource, "{}", v.summary);
        assert!(codes(&v).contains(&"old-campus-enrollments-current-in-source"));
        assert!(!codes(&v).contains(&"phantom-enrollment-in-bookmarked"));
        assert!(fixes(&v, System::Sis, "endDate"));

        let mut w = world();
        w.sis("stu-sofia").status = RecordStatus::ToBeDeleted;
        w.mirror();
        let v = ok(&w, "Sofía Pérez-Núñez");
        assert_eq!(v.status, Status::IssueInSource, "{}", v.summary);
        assert!(codes(&v).contains(&"student-inactive-in-source"));
    }

    #[test]
    fn both_sides_wrong_is_an_issue_in_both() {
        let mut w = world();
        w.sis("stu-sofia").roles[0].org_sourced_id = "sch-lincoln".into();
        w.mirror();
        w.bm_enrollment("enr-stu-sofia-cls-l-art").status = PlatformStatus::Active;
        let v = ok(&w, "Sofía Pérez-Núñez");
        assert_eq!(v.status, Status::IssueInBoth, "{}", v.summary);
        assert!(codes(&v).contains(&"new-campus-missing-from-org-roles-in-source"));
        assert!(fixes(&v, System::Sis, "orgSourcedIds"));
        assert!(codes(&v).contains(&"phantom-enrollment-in-bookmarked"));
        // The platform following the SIS's school is not blamed on the platform.
        assert!(!codes(&v).contains(&"student-school-not-updated-in-bookmarked"));
    }

    /// The issue's second story: a student unique by name in the SIS, with a platform-only
    /// namesake at the old school: the phantoms are reported, not an ambiguity.
    #[test]
    fn a_platform_only_namesake_does_not_make_the_transfer_ambiguous() {
        let mut w = world();
        w.mirror();
        w.bm_enrollment("enr-stu-sofia-cls-l-math").status = PlatformStatus::Active;
        let mut leftover = w.bm_student("stu-sofia").clone();
        leftover.id = "bm-sofia-old".into();
        leftover.sourced_id = "stu-sofia-old".into();
        leftover.organization_id = "bm-sch-lincoln".into();
        w.platform.students.push(leftover);
        let v = ok(&w, "Sofía Pérez-Núñez");
        assert_eq!(v.status, Status::IssueInBookmarked, "{}", v.summary);
        assert!(codes(&v).contains(&"phantom-enrollment-in-bookmarked"));
        assert!(codes(&v).contains(&"student-namesake-in-bookmarked"));
        // Namesakes on both sides, at the schools concerned, stay ambiguous.
        w.student("stu-sofia-2", "Sofia", "Perez-Nunez", "sch-lincoln");
        let v = ok(&w, "Sofía Pérez-Núñez");
        assert_eq!(v.status, Status::Ambiguous, "{}", v.summary);
    }

    #[test]
    fn names_not_found_or_ambiguous() {
        let mut w = world();
        w.mirror();
        let v = ok(&w, "Pedro Páramo");
        assert_eq!(v.status, Status::NotFound);

        // A namesake at Juárez is ruled out by the schools.
        let mut w = world();
        w.student("stu-sofia-2", "Sofia", "Perez-Nunez", "sch-juarez");
        w.mirror();
        let v = ok(&w, "Sofía Pérez-Núñez");
        assert_eq!(v.status, Status::NoIssue, "{}", v.summary);
        assert!(codes(&v).contains(&"student-disambiguated-by-school"));

        // A namesake at Lincoln is not.
        let mut w = world();
        w.student("stu-sofia-2", "Sofia", "Perez-Nunez", "sch-lincoln");
        w.mirror();
        let v = ok(&w, "Sofía Pérez-Núñez");
        assert_eq!(v.status, Status::Ambiguous, "{}", v.summary);
        assert_eq!(v.source_data["candidates"].as_array().map(Vec::len), Some(2));
    }
}
