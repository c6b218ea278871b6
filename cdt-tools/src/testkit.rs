//! A small district built in code for the tools' tests, and a runner that mirrors the
//! engine (validate, look up, slice both sides, run).

use std::collections::BTreeSet;

use cdt_core::platform::{
    self, ImportError, ImportRun, Organization, Parent, ParentStudent, PlatformData, PlatformStatus,
};
use cdt_core::roster::{AcademicSession, Class, Course, Enrollment, Org, RecordStatus, Role, Roster, User, UserRole};
use cdt_core::{Inputs, Result, Status, System, Tool, Verdict};
use chrono::NaiveDate;

/// The day every test runs on.
pub(crate) fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).expect("a valid date")
}

/// A date.
pub(crate) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

/// The platform id of an SIS record: `bm-` + its `sourcedId`.
pub(crate) fn bm(sid: &str) -> String {
    format!("bm-{sid}")
}

/// The district's Bookmarked id.
pub(crate) const DISTRICT_BM: &str = "bm-dist-1";

/// A district under construction, SIS side and platform side.
pub(crate) struct World {
    pub(crate) roster: Roster,
    pub(crate) platform: PlatformData,
}

fn org(sid: &str, name: &str, kind: &str, identifier: &str, parent: Option<&str>) -> Org {
    Org {
        sourced_id: sid.into(),
        status: RecordStatus::Active,
        name: name.into(),
        org_type: kind.into(),
        identifier: Some(identifier.into()),
        parent_sourced_id: parent.map(Into::into),
    }
}

impl World {
    /// One district and three schools on both sides, a school year, one import run.
    pub(crate) fn new() -> Self {
        let schools = [
            ("sch-lincoln", "Lincoln Elementary", "0101"),
            ("sch-roosevelt", "Roosevelt Middle", "0202"),
            ("sch-juarez", "Escuela Juárez", "0303"),
        ];
        let mut roster = Roster::default();
        let mut platform = PlatformData::default();
        roster
            .orgs
            .push(org("dist-1", "Springfield USD", "district", "0100", None));
        platform.organizations.push(Organization {
            id: DISTRICT_BM.into(),
            sourced_id: "dist-1".into(),
            name: "Springfield USD".into(),
            org_type: "district".into(),
            parent_id: None,
        });
        for (sid, name, ident) in schools {
            roster.orgs.push(org(sid, name, "school", ident, Some("dist-1")));
            platform.organizations.push(Organization {
                id: bm(sid),
                sourced_id: sid.into(),
                name: name.into(),
                org_type: "school".into(),
                parent_id: Some(DISTRICT_BM.into()),
            });
        }
        roster.academic_sessions.push(AcademicSession {
            sourced_id: "term-2026".into(),
            status: RecordStatus::Active,
            title: "2025-2026".into(),
            session_type: "schoolYear".into(),
            start_date: Some(date(2025, 8, 15)),
            end_date: Some(date(2026, 6, 15)),
            parent_sourced_id: None,
            school_year: Some("2026".into()),
        });
        platform.import_runs.push(ImportRun {
            id: "run-1".into(),
            organization_id: DISTRICT_BM.into(),
            source: "oneroster-csv".into(),
            started_at: "2026-03-01T02:00:00Z".into(),
            finished_at: Some("2026-03-01T02:05:00Z".into()),
            status: "partial".into(),
        });
        Self { roster, platform }
    }

    fn user(&mut self, sid: &str, given: &str, family: &str, role: Role, org: &str) -> &mut User {
        self.roster.users.push(User {
            sourced_id: sid.into(),
            status: RecordStatus::Active,
            enabled: true,
            roles: vec![UserRole {
                role,
                org_sourced_id: org.into(),
                primary: true,
            }],
            username: sid.into(),
            given_name: given.into(),
            family_name: family.into(),
            middle_name: None,
            preferred_given_name: None,
            identifier: None,
            email: None,
            phone: None,
            agent_sourced_ids: Vec::new(),
            grades: Vec::new(),
        });
        self.roster.users.last_mut().expect("just pushed")
    }

    /// An SIS student at a school.
    pub(crate) fn student(&mut self, sid: &str, given: &str, family: &str, school: &str) -> &mut User {
        let u = self.user(sid, given, family, Role::Student, school);
        u.grades = vec!["05".into()];
        u
    }

    /// An SIS parent with an email.
    pub(crate) fn parent(&mut self, sid: &str, given: &str, family: &str, email: &str) -> &mut User {
        let u = self.user(sid, given, family, Role::Parent, "dist-1");
        u.email = Some(email.into());
        u
    }

    /// The SIS user with this `sourcedId`.
    pub(crate) fn sis(&mut self, sid: &str) -> &mut User {
        self.roster
            .users
            .iter_mut()
            .find(|u| u.sourced_id == sid)
            .expect("a known SIS user")
    }

    /// Links a parent and a student in the SIS, both directions.
    pub(crate) fn link(&mut self, parent: &str, student: &str) {
        self.sis(parent).agent_sourced_ids.push(student.into());
        self.sis(student).agent_sourced_ids.push(parent.into());
    }

    /// An SIS class at a school, with its course, in the school year.
    pub(crate) fn class(&mut self, sid: &str, title: &str, school: &str) {
        self.roster.courses.push(Course {
            sourced_id: format!("crs-{sid}"),
            status: RecordStatus::Active,
            title: title.into(),
            course_code: None,
            org_sourced_id: school.into(),
        });
        self.roster.classes.push(Class {
            sourced_id: sid.into(),
            status: RecordStatus::Active,
            title: title.into(),
            course_sourced_id: format!("crs-{sid}"),
            class_code: None,
            class_type: Some("scheduled".into()),
            school_sourced_id: school.into(),
            term_sourced_ids: vec!["term-2026".into()],
        });
    }

    /// Enrolls a student in a class in the SIS, from the start of the year: `enr-<student>-<class>`.
    pub(crate) fn enroll(&mut self, student: &str, class: &str) -> &mut Enrollment {
        let school = self
            .roster
            .class(class)
            .map(|c| c.school_sourced_id.clone())
            .expect("a known class");
        self.roster.enrollments.push(Enrollment {
            sourced_id: format!("enr-{student}-{class}"),
            status: RecordStatus::Active,
            class_sourced_id: class.into(),
            school_sourced_id: school,
            user_sourced_id: student.into(),
            role: Role::Student,
            primary: None,
            begin_date: Some(date(2025, 8, 15)),
            end_date: None,
        });
        self.roster.enrollments.last_mut().expect("just pushed")
    }

    /// Copies the SIS to the platform as a sync that worked would: ids `bm-<sourcedId>`,
    /// records that are not live (or enrollments not current) as `deleted`. Replaces the
    /// platform's people, classes and enrollments (not its orgs or import errors).
    pub(crate) fn mirror(&mut self) {
        let today = today();
        self.platform.students.clear();
        self.platform.parents.clear();
        self.platform.parent_students.clear();
        self.platform.classes.clear();
        self.platform.enrollments.clear();
        for u in &self.roster.users {
            let status = if u.is_live() {
                PlatformStatus::Active
            } else {
                PlatformStatus::Deleted
            };
            if u.is_student() {
                let school = u.org_sourced_ids().next().unwrap_or_default();
                self.platform.students.push(platform::Student {
                    id: bm(&u.sourced_id),
                    sourced_id: u.sourced_id.clone(),
                    organization_id: bm(school),
                    first_name: u.given_name.clone(),
                    last_name: u.family_name.clone(),
                    email: u.email.as_ref().map(|e| e.to_lowercase()),
                    grade: u.grades.first().cloned(),
                    student_number: None,
                    status,
                });
            } else if u.is_family() {
                self.platform.parents.push(Parent {
                    id: bm(&u.sourced_id),
                    sourced_id: u.sourced_id.clone(),
                    first_name: u.given_name.clone(),
                    last_name: u.family_name.clone(),
                    email: u.email.as_ref().map(|e| e.trim().to_lowercase()),
                    phone: None,
                    status,
                });
            }
        }
        let mut links = BTreeSet::new();
        for u in self.roster.users.iter().filter(|u| u.is_family()) {
            for s in self.roster.linked_users(u) {
                if s.is_student() {
                    links.insert((bm(&u.sourced_id), bm(&s.sourced_id)));
                }
            }
        }
        self.platform.parent_students.extend(
            links
                .into_iter()
                .map(|(parent_id, student_id)| ParentStudent { parent_id, student_id }),
        );
        for c in &self.roster.classes {
            self.platform.classes.push(platform::Class {
                id: bm(&c.sourced_id),
                sourced_id: c.sourced_id.clone(),
                organization_id: bm(&c.school_sourced_id),
                title: c.title.clone(),
                course_sourced_id: Some(c.course_sourced_id.clone()),
                term_sourced_id: c.term_sourced_ids.first().cloned(),
                status: if c.status.is_active() {
                    PlatformStatus::Active
                } else {
                    PlatformStatus::Deleted
                },
            });
        }
        for e in &self.roster.enrollments {
            self.platform.enrollments.push(platform::Enrollment {
                id: bm(&e.sourced_id),
                sourced_id: e.sourced_id.clone(),
                class_id: bm(&e.class_sourced_id),
                user_id: bm(&e.user_sourced_id),
                role: e.role.as_str().to_owned(),
                status: if e.is_current(today) {
                    PlatformStatus::Active
                } else {
                    PlatformStatus::Deleted
                },
            });
        }
    }

    /// The platform student mirrored from this SIS `sourcedId`.
    pub(crate) fn bm_student(&mut self, sid: &str) -> &mut platform::Student {
        self.platform
            .students
            .iter_mut()
            .find(|s| s.sourced_id == sid)
            .expect("a known platform student")
    }

    /// The platform parent mirrored from this SIS `sourcedId`.
    pub(crate) fn bm_parent(&mut self, sid: &str) -> &mut Parent {
        self.platform
            .parents
            .iter_mut()
            .find(|p| p.sourced_id == sid)
            .expect("a known platform parent")
    }

    /// The platform enrollment mirrored from this SIS `sourcedId`.
    pub(crate) fn bm_enrollment(&mut self, sid: &str) -> &mut platform::Enrollment {
        self.platform
            .enrollments
            .iter_mut()
            .find(|e| e.sourced_id == sid)
            .expect("a known platform enrollment")
    }

    /// Removes every platform row mirrored from this SIS `sourcedId` (and its links).
    pub(crate) fn drop_bm(&mut self, sid: &str) {
        let id = bm(sid);
        self.platform.students.retain(|s| s.sourced_id != sid);
        self.platform.parents.retain(|p| p.sourced_id != sid);
        self.platform.classes.retain(|c| c.sourced_id != sid);
        self.platform.enrollments.retain(|e| e.sourced_id != sid);
        self.platform
            .parent_students
            .retain(|l| l.parent_id != id && l.student_id != id);
    }

    /// Removes the platform link between a parent and a student.
    pub(crate) fn unlink_bm(&mut self, parent: &str, student: &str) {
        let (p, s) = (bm(parent), bm(student));
        self.platform
            .parent_students
            .retain(|l| !(l.parent_id == p && l.student_id == s));
    }

    /// Adds an import error about an SIS record.
    pub(crate) fn import_error(&mut self, sid: &str, entity: &str, message: &str) {
        let n = self.platform.import_errors.len() + 1;
        self.platform.import_errors.push(ImportError {
            id: format!("ie-{n}"),
            import_run_id: "run-1".into(),
            entity_type: entity.into(),
            sourced_id: sid.into(),
            message: message.into(),
        });
    }

    /// Runs a tool the way the engine does: validate, look up, slice both sides, run.
    pub(crate) fn run(&self, tool: &dyn Tool, inputs: &[(&str, &str)]) -> Result<Verdict> {
        let inputs = Inputs::from_pairs(inputs.iter().copied());
        let verdict =
            cdt_core::engine::run_in_memory(tool, &inputs, &self.roster, &self.platform, DISTRICT_BM, today())?;
        check_contract(&verdict);
        check_codes_documented(&tool.spec().id, &verdict);
        Ok(verdict)
    }
}

/// The module docs of a tool.
fn module_doc(id: &str) -> String {
    let src = match id {
        "student-mismatch" => include_str!("student_mismatch.rs"),
        "missing-data" => include_str!("missing_data/mod.rs"),
        "parent-conflicts" => include_str!("parent_conflicts.rs"),
        "campus-transfer" => include_str!("campus_transfer.rs"),
        _ => "",
    };
    src.lines()
        .filter(|l| l.starts_with("//!"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every finding code a tool emits is listed in its module docs and in the catalogue, with
/// this tool, this status, its system, and its severity (or a lower one, for context).
fn check_codes_documented(id: &str, v: &Verdict) {
    let doc = module_doc(id);
    let catalogue = crate::findings::catalogue();
    for f in &v.findings {
        let entry = catalogue
            .iter()
            .find(|e| e.code == f.code)
            .unwrap_or_else(|| panic!("`{}` is not in the catalogue", f.code));
        assert!(
            entry.tools.contains(&id),
            "the catalogue does not list {id} for `{}`",
            f.code
        );
        assert!(
            entry.statuses.contains(&v.status),
            "the catalogue does not list {} for `{}`",
            v.status,
            f.code
        );
        assert_eq!(entry.system, f.system, "{}", f.code);
        assert!(
            f.severity <= entry.severity,
            "{} is more severe than catalogued",
            f.code
        );
        assert!(
            doc.contains(&format!("`{}`", f.code)),
            "{id} emits `{}` but its docs do not list it",
            f.code
        );
    }
}

/// What every verdict must satisfy: a status other than `NO_ISSUE` has remediation naming the
/// system it blames (Support for `NOT_FOUND` and `AMBIGUOUS`), findings have kebab-case codes
/// and are sorted most serious first, the data are JSON objects.
pub(crate) fn check_contract(v: &Verdict) {
    if v.status != Status::NoIssue {
        assert!(
            !v.remediation.is_empty(),
            "{} without remediation: {}",
            v.status,
            v.summary
        );
    }
    // The remediation names the system the status blames.
    let names = |system: System| v.remediation.iter().any(|r| r.system == system);
    let expected: &[System] = match v.status {
        Status::NoIssue => &[],
        Status::IssueInSource => &[System::Sis],
        Status::IssueInBookmarked => &[System::Bookmarked],
        Status::IssueInBoth => &[System::Sis, System::Bookmarked],
        Status::NotFound | Status::Ambiguous => &[System::Support],
    };
    for system in expected {
        assert!(
            names(*system),
            "{} without a {} step: {:?}",
            v.status,
            system.label(),
            v.remediation
        );
    }
    for f in &v.findings {
        assert!(
            !f.code.is_empty()
                && f.code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "finding code `{}` is not kebab-case",
            f.code
        );
    }
    assert!(v.source_data.is_object(), "source_data is not an object");
    assert!(v.bookmarked_data.is_object(), "bookmarked_data is not an object");
    assert!(v.comparison.is_object(), "comparison is not an object");
    assert!(!v.summary.is_empty());
    for w in v.findings.windows(2) {
        assert!(w[0].severity >= w[1].severity, "findings are not sorted by severity");
    }
}

/// The finding codes of a verdict.
pub(crate) fn codes(v: &Verdict) -> Vec<&str> {
    v.findings.iter().map(|f| f.code.as_str()).collect()
}

/// Whether the remediation names this system and field.
pub(crate) fn fixes(v: &Verdict, system: System, field: &str) -> bool {
    v.remediation
        .iter()
        .any(|r| r.system == system && r.field.as_deref() == Some(field))
}
