//! # Missing data (`missing-data`)
//!
//! The ticket: "a student is missing from a class" (or "a class is missing").
//!
//! ## What it checks
//!
//! Takes exactly one of `student_name` or `class_name`, optionally narrowed by `school`
//! (a name, `sourcedId` or identifier).
//!
//! - For a student: the student on both sides (paired by `sourcedId`, then by name when
//!   the platform has them under another `sourcedId`), the SIS's current
//!   enrollments (active, begun, not ended, in a live class, on `case.today`) and the
//!   platform's enrollments, matched by class `sourcedId`.
//! - For a class: the class on both sides, and the students the SIS currently enrolls in
//!   it against the platform's enrollments in it.
//!
//! Every record missing on the platform comes with the platform's import errors about it
//! (student, class and enrollment `sourcedId`s). A record both sides have is compared
//! field by field as people see it (a student's names, email, school and grade; a
//! class's title, school and period, i.e. its term): each difference is a finding naming
//! the field and both values. A name the SIS gives to one student resolves to that
//! student even when the platform has namesakes, which are reported on their own.
//!
//! ## Why it matters
//!
//! Bookmarked only shows what the import brought over. A record can be missing because
//! the SIS stopped sending it (deleted, disabled, enrollment ended) or because the import
//! rejected or lost it; the two have different owners.
//!
//! ## Statuses
//!
//! - `NOT_FOUND`: no student (or class) by that name on either side (at that school).
//! - `AMBIGUOUS`: several students (or classes, e.g. one per school) match; the candidates
//!   are listed. Give `school` to narrow.
//! - `ISSUE_IN_SOURCE`: the SIS has the student deleted or disabled, or no current
//!   enrollment for them, or the class `tobedeleted`, or only Bookmarked has the record.
//! - `ISSUE_IN_BOOKMARKED`: the SIS is right but Bookmarked lacks (or deleted) the student,
//!   the class or a current enrollment, still has active enrollments the SIS no longer
//!   has, shows the student or the class with another value than the SIS, or has an
//!   active namesake of the student the SIS does not send.
//! - `NO_ISSUE`: the record and all its current enrollments agree.
//!
//! Finding codes: `student-not-found`, `class-not-found`, `student-ambiguous`,
//! `class-ambiguous`, `student-not-in-source`, `student-inactive-in-source`,
//! `no-current-enrollments-in-source`, `class-not-in-source`, `class-deleted-in-source`,
//! `student-missing-in-bookmarked`, `student-deleted-in-bookmarked`,
//! `student-sourced-id-differs-in-bookmarked`, `student-field-differs-in-bookmarked`,
//! `student-namesake-in-bookmarked`, `class-field-differs-in-bookmarked`,
//! `class-missing-in-bookmarked`, `class-deleted-in-bookmarked`,
//! `enrollment-missing-in-bookmarked`, `enrollment-deleted-in-bookmarked`,
//! `extra-enrollment-in-bookmarked`, `import-error`, `records-agree`.
//!
//! ## Limits
//!
//! - Only student enrollments are compared (teachers are not on the platform's
//!   enrollments).
//! - Class titles must match once normalized (case, accents, punctuation); a class code or
//!   `sourcedId` works too. Partial titles do not match.
//! - When the SIS is wrong, Bookmarked is not judged: it follows the SIS on the next sync.

use std::sync::OnceLock;

use cdt_core::{Case, Error, InputKind, InputSpec, Inputs, Lookup, Result, Tool, ToolSpec, Verdict};

use crate::common::{School, find_school};

mod class;
mod enrollments;
mod student;

use class::diagnose_class;
use student::diagnose_student;

/// The `missing-data` diagnostic: why a student or a class is missing on the platform.
#[derive(Default)]
pub struct MissingData {
    spec: OnceLock<ToolSpec>,
}

cdt_core::register_tool!(MissingData);

impl Tool for MissingData {
    fn spec(&self) -> &ToolSpec {
        self.spec.get_or_init(|| ToolSpec {
            id: "missing-data".into(),
            title: "Missing data".into(),
            description: "Why a student or a class is missing in Bookmarked: compares the record \
                          and its current enrollments on both sides, with the import errors."
                .into(),
            inputs: vec![
                InputSpec::optional(
                    "student_name",
                    InputKind::Text,
                    "the student's name or sourcedId (give this or class_name)",
                ),
                InputSpec::optional(
                    "class_name",
                    InputKind::Text,
                    "the class's title, class code or sourcedId (give this or student_name)",
                ),
                InputSpec::optional(
                    "school",
                    InputKind::Text,
                    "name, sourcedId or identifier of the school to narrow the search",
                ),
            ],
            triage_phrases: Vec::new(),
        })
    }

    fn lookup(&self, inputs: &Inputs) -> Result<Lookup> {
        match target(inputs)? {
            Target::Student(name) => Ok(Lookup::default().person(name).sourced_id(name)),
            Target::Class(title) => Ok(Lookup::default().class(title)),
        }
    }

    fn run(&self, inputs: &Inputs, case: &Case) -> Result<Verdict> {
        let school = inputs
            .get("school")
            .map(|q| find_school(case, "school", q))
            .transpose()?;
        Ok(match target(inputs)? {
            Target::Student(name) => diagnose_student(case, name, school.as_ref()),
            Target::Class(title) => diagnose_class(case, title, school.as_ref()),
        })
    }
}

enum Target<'a> {
    Student(&'a str),
    Class(&'a str),
}

fn target(inputs: &Inputs) -> Result<Target<'_>> {
    match (inputs.get("student_name"), inputs.get("class_name")) {
        (Some(name), None) => Ok(Target::Student(name)),
        (None, Some(title)) => Ok(Target::Class(title)),
        (Some(_), Some(_)) => Err(Error::input("class_name", "give student_name or class_name, not both")),
        (None, None) => Err(Error::input(
            "student_name",
            "give exactly one of student_name or class_name",
        )),
    }
}

/// ` at <school>` when the search is narrowed to a school.
fn at_school(school: Option<&School<'_>>) -> String {
    school.map(|s| format!(" at {}", s.name())).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{World, bm, codes, date, fixes};
    use cdt_core::platform::PlatformStatus;
    use cdt_core::roster::RecordStatus;
    use cdt_core::{Status, System};

    /// Mateo Ríos in two classes at Lincoln; two Sam Lees (Lincoln, Juárez); a Science class
    /// at Lincoln and one at Roosevelt.
    fn world() -> World {
        let mut w = World::new();
        w.class("cls-math", "Math 5", "sch-lincoln");
        w.class("cls-read", "Reading 5", "sch-lincoln");
        w.class("cls-sci-l", "Science", "sch-lincoln");
        w.class("cls-sci-r", "Science", "sch-roosevelt");
        w.class("cls-art", "Art & Design", "sch-juarez");
        w.student("stu-mateo", "Mateo", "Ríos", "sch-lincoln");
        w.enroll("stu-mateo", "cls-math");
        w.enroll("stu-mateo", "cls-read");
        w.enroll("stu-mateo", "cls-sci-l");
        w.student("stu-sam-1", "Sam", "Lee", "sch-lincoln");
        w.enroll("stu-sam-1", "cls-math");
        w.student("stu-sam-2", "Sam", "Lee", "sch-juarez");
        w.enroll("stu-sam-2", "cls-art");
        w.student("stu-ana", "Ana María", "de la Cruz", "sch-roosevelt");
        w.enroll("stu-ana", "cls-sci-r");
        w
    }

    fn student(w: &World, name: &str) -> Verdict {
        w.run(&MissingData::default(), &[("student_name", name)]).expect("runs")
    }

    fn class(w: &World, title: &str, school: Option<&str>) -> Verdict {
        let mut inputs = vec![("class_name", title)];
        if let Some(s) = school {
            inputs.push(("school", s));
        }
        w.run(&MissingData::default(), &inputs).expect("runs")
    }

    #[test]
    fn exactly_one_of_student_or_class_is_required() {
        let tool = MissingData::default();
        let both = Inputs::from_pairs([("student_name", "Mateo"), ("class_name", "Math 5")]);
        assert!(tool.lookup(&both).is_err());
        let err = tool.lookup(&Inputs::default()).unwrap_err();
        assert!(err.to_string().contains("exactly one"), "{err}");
        let mut w = world();
        w.mirror();
        let err = w
            .run(&tool, &[("student_name", "Mateo Ríos"), ("school", "Nowhere High")])
            .unwrap_err();
        assert!(err.to_string().contains("Lincoln Elementary"), "{err}");
    }

    #[test]
    fn a_student_in_step_on_both_sides_is_no_issue() {
        let mut w = world();
        w.mirror();
        let v = student(&w, "RIOS, mateo");
        assert_eq!(v.status, Status::NoIssue, "{}", v.summary);
        assert!(v.summary.contains("3 current enrollment(s)"), "{}", v.summary);
        // Multi-word given and family names.
        let v = student(&w, "ana maria de la cruz");
        assert_eq!(v.status, Status::NoIssue, "{}", v.summary);
    }

    #[test]
    fn unknown_names_are_not_found() {
        let mut w = world();
        w.mirror();
        let v = student(&w, "Pedro Páramo");
        assert_eq!(v.status, Status::NotFound);
        let v = class(&w, "Latin 9", None);
        assert_eq!(v.status, Status::NotFound);
        assert_eq!(codes(&v), ["class-not-found"]);
        // Mateo is not at Juárez.
        let v = w
            .run(
                &MissingData::default(),
                &[("student_name", "Mateo Ríos"), ("school", "Escuela Juarez")],
            )
            .expect("runs");
        assert_eq!(v.status, Status::NotFound);
    }

    #[test]
    fn duplicate_names_are_ambiguous_until_a_school_is_given() {
        let mut w = world();
        w.mirror();
        let v = student(&w, "Sam Lee");
        assert_eq!(v.status, Status::Ambiguous);
        assert_eq!(v.source_data["candidates"].as_array().map(Vec::len), Some(2));
        let v = w
            .run(
                &MissingData::default(),
                &[("student_name", "Sam Lee"), ("school", "escuela JUÁREZ")],
            )
            .expect("runs");
        assert_eq!(v.status, Status::NoIssue, "{}", v.summary);
        assert_eq!(v.comparison["student"]["sourcedId"], "stu-sam-2");
        // By the school's identifier.
        let v = w
            .run(
                &MissingData::default(),
                &[("student_name", "Sam Lee"), ("school", "0101")],
            )
            .expect("runs");
        assert_eq!(v.comparison["student"]["sourcedId"], "stu-sam-1");

        let v = class(&w, "science", None);
        assert_eq!(v.status, Status::Ambiguous);
        insta::assert_json_snapshot!("missing_data_class_ambiguous", v);
        let v = class(&w, "Science", Some("Roosevelt Middle"));
        assert_eq!(v.status, Status::NoIssue, "{}", v.summary);
    }

    #[test]
    fn sis_side_problems_are_issues_in_source() {
        let mut w = world();
        w.sis("stu-mateo").status = RecordStatus::ToBeDeleted;
        w.mirror();
        let v = student(&w, "Mateo Ríos");
        assert_eq!(v.status, Status::IssueInSource);
        assert!(codes(&v).contains(&"student-inactive-in-source"));

        let mut w = world();
        for e in &mut w.roster.enrollments {
            if e.user_sourced_id == "stu-mateo" {
                e.end_date = Some(date(2026, 1, 31));
            }
        }
        w.mirror();
        let v = student(&w, "Mateo Ríos");
        assert_eq!(v.status, Status::IssueInSource, "{}", v.summary);
        assert!(codes(&v).contains(&"no-current-enrollments-in-source"));
        assert!(fixes(&v, System::Sis, "endDate"));

        let mut w = world();
        w.mirror();
        w.roster.users.retain(|u| u.sourced_id != "stu-mateo");
        let v = student(&w, "Mateo Ríos");
        assert_eq!(v.status, Status::IssueInSource, "{}", v.summary);
        assert!(codes(&v).contains(&"student-not-in-source"));
    }

    #[test]
    fn platform_side_problems_are_issues_in_bookmarked() {
        let mut w = world();
        w.mirror();
        w.drop_bm("stu-mateo");
        w.import_error("stu-mateo", "user", "grade `5th` is not a valid grade");
        let v = student(&w, "Mateo Ríos");
        assert_eq!(v.status, Status::IssueInBookmarked, "{}", v.summary);
        assert!(codes(&v).contains(&"student-missing-in-bookmarked"));
        assert!(codes(&v).contains(&"import-error"));
        insta::assert_json_snapshot!("missing_data_student_missing_in_bookmarked", v);

        let mut w = world();
        w.mirror();
        w.drop_bm("enr-stu-mateo-cls-read");
        w.bm_enrollment("enr-stu-mateo-cls-math").status = PlatformStatus::Deleted;
        w.import_error("enr-stu-mateo-cls-read", "enrollment", "class not found");
        let v = student(&w, "Mateo Ríos");
        assert_eq!(v.status, Status::IssueInBookmarked, "{}", v.summary);
        assert!(codes(&v).contains(&"enrollment-missing-in-bookmarked"));
        assert!(codes(&v).contains(&"enrollment-deleted-in-bookmarked"));
        assert!(fixes(&v, System::Bookmarked, "status"));

        // The SIS ended Reading; Bookmarked kept it active.
        let mut w = world();
        w.mirror();
        if let Some(e) = w
            .roster
            .enrollments
            .iter_mut()
            .find(|e| e.sourced_id == "enr-stu-mateo-cls-read")
        {
            e.end_date = Some(date(2026, 2, 1));
        }
        let v = student(&w, "Mateo Ríos");
        assert_eq!(v.status, Status::IssueInBookmarked, "{}", v.summary);
        assert_eq!(codes(&v), ["extra-enrollment-in-bookmarked"]);
    }

    #[test]
    fn a_student_rekeyed_in_the_sis_is_paired_by_name() {
        let mut w = world();
        w.mirror();
        // The SIS re-created Ana María's record under a new sourcedId; Bookmarked has the old one.
        w.sis("stu-ana").sourced_id = "stu-ana-new".into();
        for e in &mut w.roster.enrollments {
            if e.user_sourced_id == "stu-ana" {
                e.user_sourced_id = "stu-ana-new".into();
            }
        }
        let v = student(&w, "Ana María de la Cruz");
        assert_eq!(v.status, Status::IssueInBookmarked, "{}", v.summary);
        assert!(codes(&v).contains(&"student-sourced-id-differs-in-bookmarked"));
        assert!(fixes(&v, System::Bookmarked, "sourced_id"));
    }

    /// The SIS names a student only partly (a middle name), the platform exactly: the
    /// platform-only student is the one meant, and the SIS no longer sends them.
    #[test]
    fn an_exact_platform_only_match_beats_a_partial_sis_one() {
        let mut w = world();
        w.student("stu-eleanor", "Eleanor", "Miller", "sch-lincoln").middle_name = Some("Ella".into());
        w.student("stu-ella", "Ella", "Miller", "sch-lincoln");
        w.mirror();
        w.roster.users.retain(|u| u.sourced_id != "stu-ella");
        let v = student(&w, "Ella Miller");
        assert_eq!(v.status, Status::IssueInSource, "{}", v.summary);
        assert!(codes(&v).contains(&"student-not-in-source"));
        assert!(!codes(&v).contains(&"student-namesake-in-bookmarked"));
    }

    #[test]
    fn class_path_covers_every_status() {
        let mut w = world();
        w.mirror();
        let v = class(&w, "math 5", None);
        assert_eq!(v.status, Status::NoIssue, "{}", v.summary);
        assert!(v.summary.contains("2 current student(s)"), "{}", v.summary);
        // By sourcedId.
        let v = class(&w, "cls-math", None);
        assert_eq!(v.status, Status::NoIssue, "{}", v.summary);

        // A student missing from the platform class, with an extra one there.
        let mut w = world();
        w.mirror();
        w.drop_bm("enr-stu-sam-1-cls-math");
        w.platform.enrollments.push(cdt_core::platform::Enrollment {
            id: "bm-extra".into(),
            sourced_id: "enr-old".into(),
            class_id: bm("cls-math"),
            user_id: bm("stu-ana"),
            role: "student".into(),
            status: PlatformStatus::Active,
        });
        let v = class(&w, "Math 5", None);
        assert_eq!(v.status, Status::IssueInBookmarked, "{}", v.summary);
        assert!(codes(&v).contains(&"enrollment-missing-in-bookmarked"));
        assert!(codes(&v).contains(&"extra-enrollment-in-bookmarked"));

        let mut w = world();
        w.mirror();
        w.drop_bm("cls-art");
        w.import_error("cls-art", "class", "term not found");
        let v = class(&w, "art &  DESIGN", None);
        assert_eq!(v.status, Status::IssueInBookmarked, "{}", v.summary);
        assert!(codes(&v).contains(&"class-missing-in-bookmarked"));
        assert!(codes(&v).contains(&"import-error"));

        let mut w = world();
        if let Some(c) = w.roster.classes.iter_mut().find(|c| c.sourced_id == "cls-art") {
            c.status = RecordStatus::ToBeDeleted;
        }
        w.mirror();
        let v = class(&w, "Art & Design", None);
        assert_eq!(v.status, Status::IssueInSource, "{}", v.summary);
        assert!(codes(&v).contains(&"class-deleted-in-source"));

        let mut w = world();
        w.mirror();
        w.roster.classes.retain(|c| c.sourced_id != "cls-art");
        w.roster.enrollments.retain(|e| e.class_sourced_id != "cls-art");
        let v = class(&w, "Art & Design", None);
        assert_eq!(v.status, Status::IssueInSource, "{}", v.summary);
        assert!(codes(&v).contains(&"class-not-in-source"));
    }

    #[test]
    fn an_extra_enrollment_says_why_the_sis_has_it_not_current() {
        let why = |v: &Verdict| -> String {
            v.findings
                .iter()
                .find(|f| f.code == "extra-enrollment-in-bookmarked")
                .map(|f| f.message.clone())
                .unwrap_or_default()
        };
        // Sam Lee is disabled in the SIS (enabledUser false) but still in Math 5 on Bookmarked.
        let mut w = world();
        w.mirror();
        w.sis("stu-sam-1").enabled = false;
        let v = class(&w, "Math 5", None);
        assert!(
            why(&v).ends_with(
                "which the SIS no longer has current: the SIS has the student disabled (enabledUser = false)."
            ),
            "{}",
            why(&v)
        );

        let mut w = world();
        w.mirror();
        w.sis("stu-sam-1").status = RecordStatus::ToBeDeleted;
        assert!(why(&class(&w, "Math 5", None)).ends_with("the SIS has the student marked tobedeleted."));

        let mut w = world();
        w.mirror();
        if let Some(e) = w
            .roster
            .enrollments
            .iter_mut()
            .find(|e| e.user_sourced_id == "stu-sam-1")
        {
            e.end_date = Some(date(2020, 6, 30));
        }
        assert!(why(&class(&w, "Math 5", None)).ends_with("the SIS ended it on 2020-06-30."));
    }
}
