//! Planted demo cases: differences between the SIS and Bookmarked that a support
//! engineer can diagnose with the built-in tools, each with its expected outcome.
//!
//! [`plant`] adds new people, classes and enrollments to a district whose two sides
//! agree (e.g. one from [`crate::generator`]), then breaks the platform side where a
//! story needs it. Everything planted has names no generated record carries, SIS
//! `sourcedId`s prefixed `demo-` and platform ids prefixed `bm-demo-`, so the cases never
//! collide with the district around them.
//!
//! At least one case is planted for every status every built-in tool can return, with
//! the data that makes real rosters hard: accents and hyphens (`Quispe-Huamán`), several
//! words (`Van der Meulen`, `de la Fuente`), two guardians, a parent with three children
//! at three schools, the same name at two schools, deleted records on each side.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use cdt_core::Status;
use cdt_core::matching::normalize_text;
use cdt_core::platform::{self, ImportError, ImportRun, Parent, ParentStudent, PlatformData, PlatformStatus};
use cdt_core::roster::{AcademicSession, Class, Course, Enrollment, RecordStatus, Role, Roster, User, UserRole};

/// One planted demo case: a command a support engineer can run and its expected outcome.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct DemoCase {
    /// The tool to run, e.g. `student-mismatch`.
    pub tool_id: String,
    /// Its inputs, by name.
    pub inputs: BTreeMap<String, String>,
    /// The status the tool returns on the planted data.
    pub expected_status: Status,
    /// One sentence: the ticket and what is behind it.
    pub story: String,
}

/// Plants the demo cases into a district. `roster` and `platform` must already contain the district
/// (orgs: one district org and >= 3 schools on both sides; platform organizations' `sourced_id` = the SIS org `sourcedId`).
/// Adds NEW people/classes/enrollments with names unique to the scenarios (so they never collide with generated names),
/// ids prefixed `demo-` (SIS sourcedIds) and `bm-demo-` (platform ids). Deterministic. Returns the cases.
///
/// The first three live schools (in roster order) that the platform also has are used.
/// A district with fewer such schools gets nothing planted and no cases.
#[must_use]
pub fn plant(
    roster: &mut Roster,
    platform: &mut PlatformData,
    bookmarked_org_id: &str,
    today: NaiveDate,
) -> Vec<DemoCase> {
    let Some(mut p) = Planter::new(roster, platform, bookmarked_org_id, today) else {
        return Vec::new();
    };
    let classes = p.classes();
    p.student_mismatch(&classes);
    p.missing_data(&classes);
    p.parent_conflicts(&classes);
    p.campus_transfer(&classes);
    p.cases
}

const STUDENT_MISMATCH: &str = "student-mismatch";
const MISSING_DATA: &str = "missing-data";
const PARENT_CONFLICTS: &str = "parent-conflicts";
const CAMPUS_TRANSFER: &str = "campus-transfer";

/// A school on both sides.
struct SchoolRef {
    sourced_id: String,
    bm_id: String,
    name: String,
    /// What to type to name it: its name, or its `sourcedId` when the name is not unique.
    input: String,
}

/// The classes every scenario draws from (SIS `sourcedId`s).
struct Classes {
    astronomy: String,
    robotics: String,
    debate_a: String,
    orienteering: String,
    marine: String,
    debate_b: String,
    stagecraft: String,
    mariachi: String,
    forensic: String,
    ceramics: String,
}

struct Planter<'a> {
    roster: &'a mut Roster,
    platform: &'a mut PlatformData,
    bookmarked_org_id: String,
    today: NaiveDate,
    /// First day of the planted enrollments.
    begin: NaiveDate,
    term: String,
    district: String,
    schools: Vec<SchoolRef>,
    run_id: String,
    /// SIS `sourcedId`s already copied to the platform.
    mirrored: BTreeSet<String>,
    enrollments: usize,
    cases: Vec<DemoCase>,
}

fn days_before(day: NaiveDate, n: u64) -> NaiveDate {
    day.checked_sub_days(Days::new(n)).unwrap_or(day)
}

fn days_after(day: NaiveDate, n: u64) -> NaiveDate {
    day.checked_add_days(Days::new(n)).unwrap_or(day)
}

/// The platform id of a planted SIS record: `bm-` + its `sourcedId` (`bm-demo-…`).
fn bm(sid: &str) -> String {
    format!("bm-{sid}")
}

impl<'a> Planter<'a> {
    fn new(
        roster: &'a mut Roster,
        platform: &'a mut PlatformData,
        bookmarked_org_id: &str,
        today: NaiveDate,
    ) -> Option<Self> {
        let mut schools = Vec::new();
        for org in roster.orgs.iter().filter(|o| o.is_school() && o.status.is_active()) {
            let Some(b) = platform.organizations.iter().find(|b| b.sourced_id == org.sourced_id) else {
                continue;
            };
            let key = normalize_text(&org.name);
            let unique = roster.orgs.iter().filter(|o| normalize_text(&o.name) == key).count() == 1;
            schools.push(SchoolRef {
                sourced_id: org.sourced_id.clone(),
                bm_id: b.id.clone(),
                name: org.name.clone(),
                input: if unique {
                    org.name.clone()
                } else {
                    org.sourced_id.clone()
                },
            });
            if schools.len() == 3 {
                break;
            }
        }
        if schools.len() < 3 {
            return None;
        }
        let district = roster
            .orgs
            .iter()
            .find(|o| o.org_type.eq_ignore_ascii_case("district"))
            .map_or_else(|| schools[0].sourced_id.clone(), |o| o.sourced_id.clone());

        // The school year around `today`, or a demo one.
        let covering = roster
            .academic_sessions
            .iter()
            .filter(|s| {
                s.status.is_active()
                    && s.start_date.is_some_and(|d| d <= today)
                    && s.end_date.is_some_and(|d| d >= today)
            })
            .min_by_key(|s| (!s.session_type.eq_ignore_ascii_case("schoolYear"), s.sourced_id.clone()));
        let (term, term_start) = if let Some(s) = covering {
            (s.sourced_id.clone(), s.start_date.unwrap_or(today))
        } else {
            let start = days_before(today, 100);
            roster.academic_sessions.push(AcademicSession {
                sourced_id: "demo-term".to_owned(),
                status: RecordStatus::Active,
                title: "Demo school year".to_owned(),
                session_type: "schoolYear".to_owned(),
                start_date: Some(start),
                end_date: Some(days_after(today, 180)),
                parent_sourced_id: None,
                school_year: Some(days_after(today, 180).format("%Y").to_string()),
            });
            ("demo-term".to_owned(), start)
        };

        // The latest import run, or a demo one, to hang import errors on.
        let latest = platform
            .import_runs
            .iter()
            .filter(|r| r.organization_id == bookmarked_org_id)
            .max_by(|x, y| x.started_at.cmp(&y.started_at).then_with(|| x.id.cmp(&y.id)))
            .map(|r| r.id.clone());
        let run_id = latest.unwrap_or_else(|| {
            platform.import_runs.push(ImportRun {
                id: "bm-demo-run-0001".to_owned(),
                organization_id: bookmarked_org_id.to_owned(),
                source: "oneroster-csv".to_owned(),
                started_at: format!("{}T02:00:00Z", days_before(today, 1)),
                finished_at: Some(format!("{}T02:07:00Z", days_before(today, 1))),
                status: "partial".to_owned(),
            });
            "bm-demo-run-0001".to_owned()
        });

        Some(Self {
            roster,
            platform,
            bookmarked_org_id: bookmarked_org_id.to_owned(),
            today,
            begin: term_start.min(days_before(today, 30)),
            term,
            district,
            schools,
            run_id,
            mirrored: BTreeSet::new(),
            enrollments: 0,
            cases: Vec::new(),
        })
    }

    // -----------------------------------------------------------------------------
    // The SIS side.

    fn school(&self, i: usize) -> &SchoolRef {
        &self.schools[i.min(self.schools.len() - 1)]
    }

    fn user(&mut self, sid: String, given: &str, family: &str, role: Role, org: String) -> String {
        let n = self.roster.users.len();
        self.roster.users.push(User {
            sourced_id: sid.clone(),
            status: RecordStatus::Active,
            enabled: true,
            roles: vec![UserRole {
                role,
                org_sourced_id: org,
                primary: true,
            }],
            username: sid.clone(),
            given_name: given.to_owned(),
            family_name: family.to_owned(),
            middle_name: None,
            preferred_given_name: None,
            identifier: Some(format!("D{:06}", n + 1)),
            email: None,
            phone: None,
            agent_sourced_ids: Vec::new(),
            grades: Vec::new(),
        });
        sid
    }

    /// A student at a school, enrolled from the start of the year in `classes`.
    fn student(
        &mut self,
        key: &str,
        given: &str,
        family: &str,
        school: usize,
        grade: &str,
        classes: &[&str],
    ) -> String {
        let org = self.school(school).sourced_id.clone();
        let sid = self.user(format!("demo-stu-{key}"), given, family, Role::Student, org);
        if let Some(u) = self.sis_user(&sid) {
            u.grades = vec![grade.to_owned()];
        }
        for class in classes {
            self.enroll(&sid, class, self.begin, None);
        }
        sid
    }

    /// A family member (parent, guardian or relative) with an email.
    fn family(&mut self, key: &str, given: &str, family: &str, email: &str, role: Role) -> String {
        let org = self.district.clone();
        let sid = self.user(format!("demo-par-{key}"), given, family, role, org);
        if let Some(u) = self.sis_user(&sid) {
            u.email = Some(email.to_owned());
        }
        sid
    }

    fn sis_user(&mut self, sid: &str) -> Option<&mut User> {
        self.roster.users.iter_mut().find(|u| u.sourced_id == sid)
    }

    /// Links a family member and a student in the SIS (`agentSourcedIds`, both ways).
    fn link(&mut self, parent: &str, student: &str) {
        if let Some(p) = self.sis_user(parent) {
            p.agent_sourced_ids.push(student.to_owned());
        }
        if let Some(s) = self.sis_user(student) {
            s.agent_sourced_ids.push(parent.to_owned());
        }
    }

    /// A class (with its course) at a school, for the school year.
    fn class(&mut self, key: &str, title: &str, school: usize) -> String {
        let org = self.school(school).sourced_id.clone();
        let sid = format!("demo-cls-{key}");
        self.roster.courses.push(Course {
            sourced_id: format!("demo-crs-{key}"),
            status: RecordStatus::Active,
            title: title.to_owned(),
            course_code: Some(format!("DEMO-{}", key.to_uppercase())),
            org_sourced_id: org.clone(),
        });
        self.roster.classes.push(Class {
            sourced_id: sid.clone(),
            status: RecordStatus::Active,
            title: title.to_owned(),
            course_sourced_id: format!("demo-crs-{key}"),
            class_code: Some(format!("DEMO-{}-01", key.to_uppercase())),
            class_type: Some("scheduled".to_owned()),
            school_sourced_id: org,
            term_sourced_ids: vec![self.term.clone()],
        });
        sid
    }

    /// Enrolls a student in a class; returns the enrollment's `sourcedId`.
    fn enroll(&mut self, student: &str, class: &str, begin: NaiveDate, end: Option<NaiveDate>) -> String {
        self.enrollments += 1;
        let sid = format!("demo-enr-{:03}", self.enrollments);
        let school = self
            .roster
            .classes
            .iter()
            .find(|c| c.sourced_id == class)
            .map(|c| c.school_sourced_id.clone())
            .unwrap_or_default();
        self.roster.enrollments.push(Enrollment {
            sourced_id: sid.clone(),
            status: RecordStatus::Active,
            class_sourced_id: class.to_owned(),
            school_sourced_id: school,
            user_sourced_id: student.to_owned(),
            role: Role::Student,
            primary: None,
            begin_date: Some(begin),
            end_date: end,
        });
        sid
    }

    fn case(&mut self, tool: &str, inputs: &[(&str, &str)], expected: Status, story: String) {
        self.cases.push(DemoCase {
            tool_id: tool.to_owned(),
            inputs: inputs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            expected_status: expected,
            story,
        });
    }

    // -----------------------------------------------------------------------------
    // The platform side.

    fn bm_org(&self, sis_org: &str) -> String {
        self.platform
            .organizations
            .iter()
            .find(|o| o.sourced_id == sis_org)
            .map_or_else(|| self.bookmarked_org_id.clone(), |o| o.id.clone())
    }

    /// Copies the planted SIS records not copied yet to the platform, as a correct import
    /// would: records that are not live, and enrollments not current, as `deleted`.
    fn sync(&mut self) {
        let status = |live: bool| {
            if live {
                PlatformStatus::Active
            } else {
                PlatformStatus::Deleted
            }
        };
        let users: Vec<User> = self
            .roster
            .users
            .iter()
            .filter(|u| u.sourced_id.starts_with("demo-") && !self.mirrored.contains(&u.sourced_id))
            .cloned()
            .collect();
        for u in &users {
            if u.is_student() {
                let org = self.bm_org(u.org_sourced_ids().next().unwrap_or_default());
                self.platform.students.push(platform::Student {
                    id: bm(&u.sourced_id),
                    sourced_id: u.sourced_id.clone(),
                    organization_id: org,
                    first_name: u.given_name.clone(),
                    last_name: u.family_name.clone(),
                    email: u.email.as_ref().map(|e| e.trim().to_lowercase()),
                    grade: u.grades.first().cloned(),
                    student_number: u.identifier.clone(),
                    status: status(u.is_live()),
                });
            } else if u.is_family() {
                self.platform.parents.push(Parent {
                    id: bm(&u.sourced_id),
                    sourced_id: u.sourced_id.clone(),
                    first_name: u.given_name.clone(),
                    last_name: u.family_name.clone(),
                    email: u.email.as_ref().map(|e| e.trim().to_lowercase()),
                    phone: u.phone.clone(),
                    status: status(u.is_live()),
                });
            }
            self.mirrored.insert(u.sourced_id.clone());
        }
        // Links made by this sync: a new user with a linked user that is on the platform.
        let mut links: BTreeSet<(String, String)> = BTreeSet::new();
        for u in &users {
            for other in self.roster.linked_users(u) {
                let (parent, student) = if u.is_family() && other.is_student() {
                    (u, other)
                } else if u.is_student() && other.is_family() {
                    (other, u)
                } else {
                    continue;
                };
                let (p, s) = (bm(&parent.sourced_id), bm(&student.sourced_id));
                if self.platform.parents.iter().any(|x| x.id == p) && self.platform.students.iter().any(|x| x.id == s) {
                    links.insert((p, s));
                }
            }
        }
        for (parent_id, student_id) in links {
            if !self
                .platform
                .parent_students
                .iter()
                .any(|l| l.parent_id == parent_id && l.student_id == student_id)
            {
                self.platform
                    .parent_students
                    .push(ParentStudent { parent_id, student_id });
            }
        }
        let classes: Vec<Class> = self
            .roster
            .classes
            .iter()
            .filter(|c| c.sourced_id.starts_with("demo-") && !self.mirrored.contains(&c.sourced_id))
            .cloned()
            .collect();
        for c in &classes {
            let org = self.bm_org(&c.school_sourced_id);
            self.platform.classes.push(platform::Class {
                id: bm(&c.sourced_id),
                sourced_id: c.sourced_id.clone(),
                organization_id: org,
                title: c.title.clone(),
                course_sourced_id: Some(c.course_sourced_id.clone()),
                term_sourced_id: c.term_sourced_ids.first().cloned(),
                status: status(c.status.is_active()),
            });
            self.mirrored.insert(c.sourced_id.clone());
        }
        let enrollments: Vec<Enrollment> = self
            .roster
            .enrollments
            .iter()
            .filter(|e| e.sourced_id.starts_with("demo-") && !self.mirrored.contains(&e.sourced_id))
            .cloned()
            .collect();
        for e in &enrollments {
            self.mirrored.insert(e.sourced_id.clone());
            let (class_id, user_id) = (bm(&e.class_sourced_id), bm(&e.user_sourced_id));
            let class = self.platform.classes.iter().find(|c| c.id == class_id);
            let student = self.platform.students.iter().find(|s| s.id == user_id);
            let (Some(class), Some(student)) = (class, student) else {
                continue;
            };
            let live = e.is_current(self.today) && class.status.is_active() && student.status.is_active();
            self.platform.enrollments.push(platform::Enrollment {
                id: bm(&e.sourced_id),
                sourced_id: e.sourced_id.clone(),
                class_id,
                user_id,
                role: "student".to_owned(),
                status: status(live),
            });
        }
    }

    /// Removes every platform row copied from this SIS record, and its links.
    fn drop_on_platform(&mut self, sid: &str) {
        let id = bm(sid);
        self.platform.students.retain(|s| s.sourced_id != sid);
        self.platform.parents.retain(|p| p.sourced_id != sid);
        self.platform.classes.retain(|c| c.sourced_id != sid);
        self.platform
            .enrollments
            .retain(|e| e.sourced_id != sid && e.user_id != id && e.class_id != id);
        self.platform
            .parent_students
            .retain(|l| l.parent_id != id && l.student_id != id);
    }

    fn platform_enrollment(&mut self, sid: &str) -> Option<&mut platform::Enrollment> {
        self.platform.enrollments.iter_mut().find(|e| e.sourced_id == sid)
    }

    fn import_error(&mut self, sid: &str, entity: &str, message: &str) {
        let n = self
            .platform
            .import_errors
            .iter()
            .filter(|e| e.id.starts_with("bm-demo-ierr-"))
            .count();
        self.platform.import_errors.push(ImportError {
            id: format!("bm-demo-ierr-{:04}", n + 1),
            import_run_id: self.run_id.clone(),
            entity_type: entity.to_owned(),
            sourced_id: sid.to_owned(),
            message: message.to_owned(),
        });
    }

    // -----------------------------------------------------------------------------
    // The scenarios.

    fn classes(&mut self) -> Classes {
        Classes {
            astronomy: self.class("astronomy", "Astronomy Club", 0),
            robotics: self.class("robotics", "Robotics Lab", 0),
            debate_a: self.class("debate-a", "Debate Team", 0),
            orienteering: self.class("orienteering", "Orienteering Club", 0),
            marine: self.class("marine", "Marine Biology Seminar", 1),
            debate_b: self.class("debate-b", "Debate Team", 1),
            stagecraft: self.class("stagecraft", "Stagecraft Workshop", 1),
            mariachi: self.class("mariachi", "Mariachi Ensemble", 2),
            forensic: self.class("forensic", "Forensic Science Workshop", 2),
            ceramics: self.class("ceramics", "Ceramics Studio", 2),
        }
    }

    fn student_mismatch(&mut self, cls: &Classes) {
        let (a, b, c) = (
            self.school(0).name.clone(),
            self.school(1).name.clone(),
            self.school(2).name.clone(),
        );

        // A parent with three children at three schools, all linked on both sides.
        let hana = self.family(
            "hana",
            "Hana",
            "Takahashi-Moreau",
            "Hana.TM@famille-moreau.example",
            Role::Parent,
        );
        for (key, given, school, grade, class) in [
            ("kenji", "Kenji", 0, "03", &cls.astronomy),
            ("aiko", "Aiko", 1, "07", &cls.marine),
            ("luc", "Luc", 2, "10", &cls.mariachi),
        ] {
            let s = self.student(key, given, "Takahashi-Moreau", school, grade, &[class]);
            self.link(&hana, &s);
        }
        self.sync();
        self.case(
            STUDENT_MISMATCH,
            &[("parent_email", "hana.tm@Famille-Moreau.example"), ("student_name", "Luc Takahashi Moreau")],
            Status::NoIssue,
            format!("Hana Takahashi-Moreau says she can't see her son Luc at {c}, yet both sides link her to all three of her children: she probably signs in with another email."),
        );

        // Two guardians; the SIS links the student to his father only.
        let mateo = self.student(
            "mateo",
            "Mateo",
            "Quispe-Huamán",
            0,
            "04",
            &[&cls.astronomy, &cls.debate_a],
        );
        let rodrigo = self.family(
            "rodrigo",
            "Rodrigo",
            "Quispe",
            "rodrigo.quispe@andes-mail.example",
            Role::Parent,
        );
        self.family(
            "ximena",
            "Ximena",
            "Huamán",
            "ximena.huaman@andes-mail.example",
            Role::Parent,
        );
        self.link(&rodrigo, &mateo);
        self.sync();
        self.case(
            STUDENT_MISMATCH,
            &[("parent_email", "ximena.huaman@andes-mail.example"), ("student_name", "mateo quispe huaman")],
            Status::IssueInSource,
            format!("Ximena Huamán can't see her son Mateo Quispe-Huamán at {a}: the SIS links him only to his father, Rodrigo Quispe."),
        );

        // A grandmother whose guardian record the SIS deleted.
        let wren = self.student("wren", "Wren", "Fairweather-Osei", 1, "06", &[&cls.marine]);
        let ottoline = self.family(
            "ottoline",
            "Ottoline",
            "Fairweather-Osei",
            "granny.otto@fairweather.example",
            Role::Relative,
        );
        self.link(&ottoline, &wren);
        if let Some(u) = self.sis_user(&ottoline) {
            u.status = RecordStatus::ToBeDeleted;
        }
        self.sync();
        self.case(
            STUDENT_MISMATCH,
            &[("parent_email", "granny.otto@fairweather.example"), ("student_name", "Wren Fairweather-Osei")],
            Status::IssueInSource,
            "Ottoline Fairweather-Osei lost access to her grandson Wren: the SIS marked her guardian record tobedeleted.".to_owned(),
        );

        // The SIS links them; the import skipped the link.
        let katya = self.student("katya", "Katya", "Volkonsky-Hale", 1, "06", &[&cls.debate_b]);
        let dmitri = self.family(
            "dmitri",
            "Dmitri",
            "Volkonsky-Hale",
            "dmitri.vh@volkonsky.example",
            Role::Parent,
        );
        self.link(&dmitri, &katya);
        self.sync();
        let (dmitri_bm, katya_bm) = (bm(&dmitri), bm(&katya));
        self.platform
            .parent_students
            .retain(|l| !(l.parent_id == dmitri_bm && l.student_id == katya_bm));
        self.import_error(
            &dmitri,
            "user",
            &format!("agentSourcedIds: student {katya} was not imported yet; link skipped"),
        );
        self.case(
            STUDENT_MISMATCH,
            &[("parent_email", "dmitri.vh@volkonsky.example"), ("student_name", "Volkonsky-Hale, Katya")],
            Status::IssueInBookmarked,
            format!("Dmitri Volkonsky-Hale can't see his daughter Katya at {b}: the SIS links them, but the import skipped the link."),
        );

        // The SIS has the parent's new email; Bookmarked still has the old one.
        let thiago = self.student("thiago", "Thiago", "Castellanos-Mbeki", 2, "11", &[&cls.mariachi]);
        let ines = self.family(
            "ines",
            "Inés",
            "Castellanos-Mbeki",
            "ines.cm@nuevo-correo.example",
            Role::Guardian,
        );
        self.link(&ines, &thiago);
        self.sync();
        if let Some(p) = self.platform.parents.iter_mut().find(|p| p.sourced_id == ines) {
            p.email = Some("ines.castellanos@viejo-correo.example".to_owned());
        }
        self.case(
            STUDENT_MISMATCH,
            &[("parent_email", "ines.cm@nuevo-correo.example"), ("student_name", "Thiago Castellanos-Mbeki")],
            Status::IssueInBookmarked,
            "Inés Castellanos-Mbeki can't sign in to see Thiago with her new email: the SIS has it, Bookmarked still has her old one.".to_owned(),
        );

        self.case(
            STUDENT_MISMATCH,
            &[
                ("parent_email", "grandpa.joe@unknown-family.example"),
                ("student_name", "Mateo Quispe-Huamán"),
            ],
            Status::NotFound,
            "A grandparent asks about Mateo Quispe-Huamán from an email neither the SIS nor Bookmarked knows."
                .to_owned(),
        );

        // Both sides link them, but Bookmarked shows the boy with a misspelt family name.
        let soren = self.student("soren", "Sören", "Lindqvist-Amadi", 0, "05", &[&cls.robotics]);
        let marguerite = self.family(
            "marguerite",
            "Marguerite",
            "Lindqvist-Amadi",
            "marguerite.la@norrsken.example",
            Role::Parent,
        );
        self.link(&marguerite, &soren);
        self.sync();
        if let Some(s) = self.platform.students.iter_mut().find(|s| s.sourced_id == soren) {
            "Lindqvist-Amaid".clone_into(&mut s.last_name);
        }
        self.case(
            STUDENT_MISMATCH,
            &[("parent_email", "marguerite.la@norrsken.example"), ("student_name", "Soren Lindqvist-Amadi")],
            Status::IssueInBookmarked,
            format!("Marguerite Lindqvist-Amadi can't find her son Sören at {a}: both sides link them, but Bookmarked shows him as Lindqvist-Amaid (last_name), a stale copy of the SIS's familyName."),
        );

        // The same name at two schools.
        let noor_a = self.student("noor-a", "Noor", "Zapata-Kowalczyk", 0, "05", &[&cls.astronomy]);
        let noor_b = self.student("noor-b", "Noor", "Zapata-Kowalczyk", 1, "08", &[&cls.marine]);
        let jadwiga = self.family(
            "jadwiga",
            "Jadwiga",
            "Kowalczyk",
            "jadwiga.k@polmail.example",
            Role::Parent,
        );
        let emilio = self.family(
            "emilio",
            "Emilio",
            "Zapata",
            "emilio.zapata@correo-mx.example",
            Role::Parent,
        );
        self.link(&jadwiga, &noor_a);
        self.link(&emilio, &noor_b);
        let bo = self.student("bo", "Bo", "Thorvaldsen", 2, "09", &[&cls.mariachi]);
        let sunniva = self.family(
            "sunniva",
            "Sunniva",
            "Thorvaldsen",
            "sunniva.t@fjord-mail.example",
            Role::Parent,
        );
        self.link(&sunniva, &bo);
        self.sync();
        self.case(
            STUDENT_MISMATCH,
            &[("parent_email", "sunniva.t@fjord-mail.example"), ("student_name", "Noor Zapata-Kowalczyk")],
            Status::Ambiguous,
            format!("Sunniva Thorvaldsen asks about Noor Zapata-Kowalczyk, but two students have that name (at {a} and {b}) and neither is linked to her."),
        );
        self.case(
            STUDENT_MISMATCH,
            &[("parent_email", "jadwiga.k@polmail.example"), ("student_name", "Noor Zapata-Kowalczyk")],
            Status::NoIssue,
            format!("Jadwiga Kowalczyk asks about her daughter Noor: two students share the name, but only the one at {a} is linked to her, and both sides agree."),
        );
    }

    fn missing_data(&mut self, cls: &Classes) {
        let (a, b, cc) = (
            self.school(0).name.clone(),
            self.school(1).name.clone(),
            self.school(2).input.clone(),
        );
        let c_name = self.school(2).name.clone();
        let b_input = self.school(1).input.clone();

        // Students.
        self.student(
            "tomasz",
            "Tomasz",
            "Bergström-Achterberg",
            0,
            "05",
            &[&cls.astronomy, &cls.robotics],
        );
        self.sync();
        self.case(
            MISSING_DATA,
            &[("student_name", "Tomasz Bergstrom Achterberg")],
            Status::NoIssue,
            format!("A teacher at {a} can't find Tomasz Bergström-Achterberg, but both sides have him in Astronomy Club and Robotics Lab."),
        );

        let lena = self.student("lena", "Lena", "Abernathy-Nakamura", 1, "07", &[]);
        let ended = days_before(self.today, 7);
        self.enroll(&lena, &cls.marine, self.begin, Some(ended));
        self.sync();
        self.case(
            MISSING_DATA,
            &[("student_name", "Lena Abernathy-Nakamura")],
            Status::IssueInSource,
            format!("Lena Abernathy-Nakamura vanished from Marine Biology Seminar at {b}: the SIS ended her only enrollment on {ended}."),
        );

        let esperanza = self.student("esperanza", "Esperanza", "de la Fuente", 2, "10", &[&cls.mariachi]);
        self.sync();
        self.drop_on_platform(&esperanza);
        self.import_error(
            &esperanza,
            "user",
            "email `esperanza.delafuente@` is not a valid email address",
        );
        self.case(
            MISSING_DATA,
            &[("student_name", "Esperanza De La Fuente"), ("school", &cc)],
            Status::IssueInBookmarked,
            format!(
                "Esperanza de la Fuente is missing from Mariachi Ensemble at {c_name}: the import rejected her record."
            ),
        );

        self.case(
            MISSING_DATA,
            &[("student_name", "Zebulon Quartermaine-Ashdown")],
            Status::NotFound,
            "A teacher asks about Zebulon Quartermaine-Ashdown, whom neither side has ever had.".to_owned(),
        );
        self.case(
            MISSING_DATA,
            &[("student_name", "Noor Zapata-Kowalczyk")],
            Status::Ambiguous,
            format!("Noor Zapata-Kowalczyk is said to be missing, but two students have that name, at {a} and {b}."),
        );
        self.case(
            MISSING_DATA,
            &[("student_name", "Noor Zapata-Kowalczyk"), ("school", &b_input)],
            Status::NoIssue,
            format!("Narrowed to {b}, Noor Zapata-Kowalczyk is in Marine Biology Seminar on both sides."),
        );

        // Classes.
        self.case(
            MISSING_DATA,
            &[("class_name", "astronomy club")],
            Status::NoIssue,
            format!("Astronomy Club at {a} has the same students on both sides."),
        );

        self.student(
            "luca",
            "Luca",
            "Iturbide-Solís",
            2,
            "11",
            &[&cls.forensic, &cls.mariachi],
        );
        if let Some(class) = self.roster.classes.iter_mut().find(|x| x.sourced_id == cls.forensic) {
            class.status = RecordStatus::ToBeDeleted;
        }
        self.sync();
        self.case(
            MISSING_DATA,
            &[("class_name", "Forensic Science Workshop")],
            Status::IssueInSource,
            format!("Forensic Science Workshop disappeared at {c_name}: the SIS marked the class tobedeleted."),
        );

        let yusuf = self.student("yusuf", "Yusuf", "Oyelaran", 0, "05", &[&cls.astronomy]);
        let enr = self.enroll(&yusuf, &cls.robotics, self.begin, None);
        self.sync();
        self.drop_on_platform(&enr);
        self.import_error(&enr, "enrollment", "duplicate sourcedId in enrollments.csv");
        self.case(
            MISSING_DATA,
            &[("class_name", "Robotics Lab")],
            Status::IssueInBookmarked,
            format!("Yusuf Oyelaran is missing from Robotics Lab at {a}: the import rejected his enrollment."),
        );

        self.student("pilar", "Pilar", "Echeverría-Nkemelu", 2, "10", &[&cls.ceramics]);
        self.sync();
        if let Some(c) = self.platform.classes.iter_mut().find(|c| c.sourced_id == cls.ceramics) {
            "Ceramic Studio".clone_into(&mut c.title);
        }
        self.case(
            MISSING_DATA,
            &[("class_name", "Ceramics Studio")],
            Status::IssueInBookmarked,
            format!("Teachers at {c_name} can't find Ceramics Studio in Bookmarked: the platform shows it as Ceramic Studio (title), a stale copy of the SIS's."),
        );

        self.case(
            MISSING_DATA,
            &[("class_name", "Underwater Basket Weaving")],
            Status::NotFound,
            "A teacher asks about Underwater Basket Weaving, a class neither side has.".to_owned(),
        );

        self.student(
            "ana-maria",
            "Ana María",
            "Van der Meulen-Soto",
            1,
            "08",
            &[&cls.debate_b],
        );
        self.sync();
        self.case(
            MISSING_DATA,
            &[("class_name", "Debate Team")],
            Status::Ambiguous,
            format!(
                "A coach reports a student missing from Debate Team, but {a} and {b} both have a class by that name."
            ),
        );
        self.case(
            MISSING_DATA,
            &[("class_name", "Debate Team"), ("school", &b_input)],
            Status::NoIssue,
            format!("Narrowed to {b}, Debate Team has the same students on both sides."),
        );
    }

    fn parent_conflicts(&mut self, cls: &Classes) {
        self.case(
            PARENT_CONFLICTS,
            &[("parent_email", "HANA.TM@famille-moreau.example")],
            Status::NoIssue,
            "Hana Takahashi-Moreau's email belongs to her alone, with the same three children on both sides."
                .to_owned(),
        );

        // Two people share one email; the platform took the first and rejected the second.
        let elin = self.student("elin", "Elin", "Pereira-Lund", 0, "02", &[&cls.astronomy]);
        let marisol = self.family(
            "marisol",
            "Marisol",
            "Pereira",
            "pereira.lund.family@nordmail.example",
            Role::Parent,
        );
        let anders = self.family(
            "anders",
            "Anders",
            "Lund",
            "Pereira.Lund.Family@nordmail.example",
            Role::Parent,
        );
        self.link(&marisol, &elin);
        self.link(&anders, &elin);
        self.sync();
        self.drop_on_platform(&anders);
        self.import_error(
            &anders,
            "user",
            &format!(
                "email pereira.lund.family@nordmail.example is already used by parent {}",
                bm(&marisol)
            ),
        );
        self.case(
            PARENT_CONFLICTS,
            &[("parent_email", "pereira.lund.family@nordmail.example")],
            Status::IssueInSource,
            "Marisol Pereira and Anders Lund share one email in the SIS; Bookmarked took Marisol and rejected Anders."
                .to_owned(),
        );

        // Both sides carry the shared email.
        let folake = self.family(
            "folake",
            "Folake",
            "Oyelaran",
            "oyelaran.home@naija-mail.example",
            Role::Parent,
        );
        let tunde = self.family(
            "tunde",
            "Tunde",
            "Oyelaran",
            "oyelaran.home@naija-mail.example",
            Role::Guardian,
        );
        self.link(&folake, "demo-stu-yusuf");
        self.link(&tunde, "demo-stu-yusuf");
        self.sync();
        self.case(
            PARENT_CONFLICTS,
            &[("parent_email", "oyelaran.home@naija-mail.example")],
            Status::IssueInBoth,
            "Folake and Tunde Oyelaran share one email in the SIS, and Bookmarked has two active parents with it."
                .to_owned(),
        );

        // The SIS moved the parent to a new email; Bookmarked still has the old one.
        let rafael = self.student("rafael", "Rafael", "Iturbide", 2, "12", &[&cls.mariachi]);
        let gustavo = self.family(
            "gustavo",
            "Gustavo",
            "Iturbide",
            "gustavo.iturbide@nuevo-correo.example",
            Role::Parent,
        );
        self.link(&gustavo, &rafael);
        self.sync();
        if let Some(p) = self.platform.parents.iter_mut().find(|p| p.sourced_id == gustavo) {
            p.email = Some("g.iturbide@viejo-correo.example".to_owned());
        }
        self.case(
            PARENT_CONFLICTS,
            &[("parent_email", "g.iturbide@viejo-correo.example")],
            Status::IssueInBookmarked,
            "Someone signs in as g.iturbide@viejo-correo.example: the SIS moved Gustavo Iturbide to a new email, but Bookmarked still gives him the old one.".to_owned(),
        );

        self.case(
            PARENT_CONFLICTS,
            &[("parent_email", "nobody.here@unknown-family.example")],
            Status::NotFound,
            "A parent writes from nobody.here@unknown-family.example, which neither side knows.".to_owned(),
        );
    }

    fn campus_transfer(&mut self, cls: &Classes) {
        let (a, b) = (self.school(0).input.clone(), self.school(1).input.clone());
        let (a_name, b_name) = (self.school(0).name.clone(), self.school(1).name.clone());
        let b_sid = self.school(1).sourced_id.clone();
        let left = days_before(self.today, 15);
        let arrived = days_before(self.today, 14);
        let inputs = |name: &str| {
            [
                ("student_name", name.to_owned()),
                ("old_campus", a.clone()),
                ("new_campus", b.clone()),
            ]
        };

        // Moves a student: ends (or not) the old-campus enrollment, enrolls at the new campus.
        let transfer = |p: &mut Self, key: &str, given: &str, family: &str, end_old: bool, move_org: bool| {
            let sid = p.student(key, given, family, 0, "07", &[]);
            let old = p.enroll(&sid, &cls.orienteering, p.begin, end_old.then_some(left));
            p.enroll(&sid, &cls.stagecraft, arrived, None);
            if move_org && let Some(u) = p.sis_user(&sid) {
                for r in &mut u.roles {
                    r.org_sourced_id.clone_from(&b_sid);
                }
            }
            p.sync();
            (sid, old)
        };

        transfer(self, "anouk", "Anouk", "Van der Meulen", true, true);
        let i = inputs("anouk van der meulen");
        self.case_owned(
            CAMPUS_TRANSFER,
            &i,
            Status::NoIssue,
            format!("Anouk Van der Meulen moved from {a_name} to {b_name} on {arrived}, and both sides carried the move through."),
        );

        transfer(self, "cassius", "Cassius", "Rafferty-Obi", false, true);
        let i = inputs("Cassius Rafferty-Obi");
        self.case_owned(
            CAMPUS_TRANSFER,
            &i,
            Status::IssueInSource,
            format!("Cassius Rafferty-Obi still shows in Orienteering Club at {a_name}: the SIS never ended that enrollment when he moved to {b_name}."),
        );

        let (ingrid, old) = transfer(self, "ingrid", "Ingrid", "Solberg-Mwangi", true, true);
        if let Some(e) = self.platform_enrollment(&old) {
            e.status = PlatformStatus::Active;
        }
        let a_bm = self.school(0).bm_id.clone();
        if let Some(s) = self.platform.students.iter_mut().find(|s| s.sourced_id == ingrid) {
            s.organization_id = a_bm;
        }
        let i = inputs("Solberg-Mwangi, Ingrid");
        self.case_owned(
            CAMPUS_TRANSFER,
            &i,
            Status::IssueInBookmarked,
            format!("Ingrid Solberg-Mwangi moved to {b_name}, but Bookmarked still has her at {a_name} with a phantom Orienteering Club enrollment."),
        );

        let (_, old) = transfer(self, "bartholomew", "Bartholomew", "Kealoha-Brandt", true, false);
        if let Some(e) = self.platform_enrollment(&old) {
            e.status = PlatformStatus::Active;
        }
        let i = inputs("Bartholomew Kealoha-Brandt");
        self.case_owned(
            CAMPUS_TRANSFER,
            &i,
            Status::IssueInBoth,
            format!("Bartholomew Kealoha-Brandt moved to {b_name}: the SIS still lists {a_name} as his school, and Bookmarked kept his old Orienteering Club enrollment."),
        );

        // A clean SIS move with a phantom left behind, and a platform-only namesake at the old campus.
        let (ilse, old) = transfer(self, "ilse", "Ilse", "Moreno-Quaye", true, true);
        if let Some(e) = self.platform_enrollment(&old) {
            e.status = PlatformStatus::Active;
        }
        let a_bm = self.school(0).bm_id.clone();
        if let Some(mut leftover) = self.platform.students.iter().find(|s| s.sourced_id == ilse).cloned() {
            leftover.id = bm("demo-stu-ilse-old");
            "demo-stu-ilse-old".clone_into(&mut leftover.sourced_id);
            leftover.organization_id = a_bm;
            leftover.student_number = Some("D-OLD-0001".to_owned());
            self.platform.students.push(leftover);
        }
        let i = inputs("Ilse Moreno-Quaye");
        self.case_owned(
            CAMPUS_TRANSFER,
            &i,
            Status::IssueInBookmarked,
            format!("Ilse Moreno-Quaye moved to {b_name} and still shows in Orienteering Club at {a_name}: the SIS has one Ilse, so the phantom enrollment is reported, and the platform-only Ilse at {a_name} is a leftover record of its own."),
        );

        let i = inputs("Zebulon Quartermaine-Ashdown");
        self.case_owned(
            CAMPUS_TRANSFER,
            &i,
            Status::NotFound,
            "A transfer is reported for Zebulon Quartermaine-Ashdown, whom neither side has.".to_owned(),
        );
        let i = inputs("Noor Zapata-Kowalczyk");
        self.case_owned(
            CAMPUS_TRANSFER,
            &i,
            Status::Ambiguous,
            format!("A transfer from {a_name} to {b_name} is reported for Noor Zapata-Kowalczyk, but a student of that name attends each school."),
        );
    }

    fn case_owned(&mut self, tool: &str, inputs: &[(&str, String)], expected: Status, story: String) {
        let pairs: Vec<(&str, &str)> = inputs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.case(tool, &pairs, expected, story);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use cdt_core::platform::Organization;
    use cdt_core::roster::Org;
    use cdt_core::{Inputs, Registry, Verdict};

    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).expect("a date")
    }

    /// One district and three schools on both sides, nothing else.
    fn minimal_district() -> (Roster, PlatformData, String) {
        let mut roster = Roster::default();
        let mut platform = PlatformData::default();
        let org = |sid: &str, name: &str, kind: &str, parent: Option<&str>| Org {
            sourced_id: sid.to_owned(),
            status: RecordStatus::Active,
            name: name.to_owned(),
            org_type: kind.to_owned(),
            identifier: Some(format!("ID-{sid}")),
            parent_sourced_id: parent.map(str::to_owned),
        };
        roster.orgs.push(org("dist", "Riverbend Unified", "district", None));
        platform.organizations.push(Organization {
            id: "bm-org-1".to_owned(),
            sourced_id: "dist".to_owned(),
            name: "Riverbend Unified".to_owned(),
            org_type: "district".to_owned(),
            parent_id: None,
        });
        for (i, name) in ["Cedar Elementary", "Willow Middle", "Escuela Secundaria Juárez"]
            .into_iter()
            .enumerate()
        {
            let sid = format!("sch-{i}");
            roster.orgs.push(org(&sid, name, "school", Some("dist")));
            platform.organizations.push(Organization {
                id: format!("bm-org-{}", i + 2),
                sourced_id: sid,
                name: name.to_owned(),
                org_type: "school".to_owned(),
                parent_id: Some("bm-org-1".to_owned()),
            });
        }
        (roster, platform, "bm-org-1".to_owned())
    }

    /// Runs a case the way the engine does: validate, look up, slice both sides, run.
    fn run(roster: &Roster, platform: &PlatformData, org: &str, case: &DemoCase) -> cdt_core::Result<Verdict> {
        let tool = Registry::builtin()?.get(&case.tool_id)?;
        cdt_core::engine::run_in_memory(
            tool.as_ref(),
            &Inputs(case.inputs.clone()),
            roster,
            platform,
            org,
            today(),
        )
    }

    fn check_all(roster: &Roster, platform: &PlatformData, org: &str, cases: &[DemoCase]) {
        cdt_tools::link();
        let mut failures = Vec::new();
        for case in cases {
            match run(roster, platform, org, case) {
                Ok(v) if v.status == case.expected_status => {
                    if v.status != Status::NoIssue {
                        assert!(!v.remediation.is_empty(), "{}: no remediation", case.story);
                    }
                }
                Ok(v) => failures.push(format!(
                    "{} {:?}: expected {}, got {}\n  story: {}\n  summary: {}",
                    case.tool_id, case.inputs, case.expected_status, v.status, case.story, v.summary
                )),
                Err(e) => failures.push(format!(
                    "{} {:?}: error {e}\n  story: {}",
                    case.tool_id, case.inputs, case.story
                )),
            }
        }
        assert!(
            failures.is_empty(),
            "{} case(s) failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn every_planted_case_has_its_expected_status() {
        let (mut roster, mut platform, org) = minimal_district();
        let cases = plant(&mut roster, &mut platform, &org, today());
        assert!(cases.len() >= 21, "{} cases", cases.len());
        check_all(&roster, &platform, &org, &cases);
    }

    #[test]
    fn every_status_of_every_tool_is_planted() {
        use Status::{Ambiguous, IssueInBookmarked, IssueInBoth, IssueInSource, NoIssue, NotFound};
        let (mut roster, mut platform, org) = minimal_district();
        let cases = plant(&mut roster, &mut platform, &org, today());
        let possible: [(&str, &[Status]); 4] = [
            (
                STUDENT_MISMATCH,
                &[NoIssue, IssueInSource, IssueInBookmarked, NotFound, Ambiguous],
            ),
            (
                MISSING_DATA,
                &[NoIssue, IssueInSource, IssueInBookmarked, NotFound, Ambiguous],
            ),
            (
                PARENT_CONFLICTS,
                &[NoIssue, IssueInSource, IssueInBookmarked, IssueInBoth, NotFound],
            ),
            (
                CAMPUS_TRANSFER,
                &[
                    NoIssue,
                    IssueInSource,
                    IssueInBookmarked,
                    IssueInBoth,
                    NotFound,
                    Ambiguous,
                ],
            ),
        ];
        for (tool, statuses) in possible {
            for status in statuses {
                assert!(
                    cases.iter().any(|c| c.tool_id == tool && c.expected_status == *status),
                    "no {tool} case with status {status}"
                );
            }
            assert!(
                cases
                    .iter()
                    .filter(|c| c.tool_id == tool)
                    .all(|c| statuses.contains(&c.expected_status)),
                "{tool} has a case with a status it cannot return"
            );
        }
        // Both paths of missing-data.
        assert!(cases.iter().any(|c| c.inputs.contains_key("class_name")));
        assert!(
            cases
                .iter()
                .any(|c| c.inputs.contains_key("student_name") && c.tool_id == MISSING_DATA)
        );
        assert!(cases.iter().all(|c| !c.story.is_empty() && c.story.ends_with('.')));
    }

    #[test]
    fn planting_is_deterministic_prefixed_and_consistent() {
        let (mut r1, mut p1, org) = minimal_district();
        let (mut r2, mut p2, _) = minimal_district();
        let c1 = plant(&mut r1, &mut p1, &org, today());
        let c2 = plant(&mut r2, &mut p2, &org, today());
        assert_eq!(c1, c2);
        assert_eq!((&r1, &p1), (&r2, &p2));

        let (base_roster, base_platform, _) = minimal_district();
        let old_sids: BTreeSet<&str> = base_roster.orgs.iter().map(|o| o.sourced_id.as_str()).collect();
        for u in &r1.users {
            assert!(u.sourced_id.starts_with("demo-"), "{}", u.sourced_id);
        }
        for c in &r1.classes {
            assert!(c.sourced_id.starts_with("demo-"));
            assert!(
                r1.courses.iter().any(|x| x.sourced_id == c.course_sourced_id),
                "{} has no course",
                c.sourced_id
            );
            for t in &c.term_sourced_ids {
                assert!(
                    r1.academic_sessions.iter().any(|s| &s.sourced_id == t),
                    "{} has no term",
                    c.sourced_id
                );
            }
            assert!(old_sids.contains(c.school_sourced_id.as_str()));
        }
        let schools: BTreeSet<&str> = base_platform
            .organizations
            .iter()
            .filter(|o| o.org_type == "school")
            .map(|o| o.id.as_str())
            .collect();
        for c in &p1.classes {
            assert!(c.id.starts_with("bm-demo-"));
            assert!(
                schools.contains(c.organization_id.as_str()),
                "{} is not at a school",
                c.id
            );
        }
        for s in &p1.students {
            assert!(s.id.starts_with("bm-demo-"));
            assert!(schools.contains(s.organization_id.as_str()));
        }
        assert!(p1.parents.iter().all(|p| p.id.starts_with("bm-demo-")));
        assert!(p1.enrollments.iter().all(|e| e.id.starts_with("bm-demo-")));
        assert!(p1.import_errors.iter().all(|e| e.id.starts_with("bm-demo-")));
        // Enrollments end in the past only where the story says so.
        let ended: Vec<&Enrollment> = r1
            .enrollments
            .iter()
            .filter(|e| e.end_date.is_some_and(|d| d < today()))
            .collect();
        assert_eq!(ended.len(), 5, "{ended:?}");
        // Planted full names are unique, except the planted namesakes.
        let mut names: BTreeMap<String, usize> = BTreeMap::new();
        for u in r1.students() {
            *names.entry(normalize_text(&u.full_name())).or_default() += 1;
        }
        let dupes: Vec<&String> = names.iter().filter(|(_, n)| **n > 1).map(|(k, _)| k).collect();
        assert_eq!(dupes, ["noor zapata kowalczyk"]);
    }

    #[test]
    fn too_few_schools_plant_nothing() {
        let (mut roster, mut platform, org) = minimal_district();
        platform.organizations.truncate(2);
        let before = (roster.clone(), platform.clone());
        assert!(plant(&mut roster, &mut platform, &org, today()).is_empty());
        assert_eq!((roster, platform), before);
    }

    #[test]
    fn cases_hold_in_a_generated_district() {
        let mut district = crate::generator::generate(&crate::generator::GenConfig::new(600, 11));
        let org = district.bookmarked_org_id.clone();
        let cases = plant(&mut district.roster, &mut district.platform, &org, today());
        assert!(cases.len() >= 21);
        check_all(&district.roster, &district.platform, &org, &cases);
    }
}
