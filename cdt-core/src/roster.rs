//! The SIS side: a roster model that does not depend on the OneRoster version.
//!
//! OneRoster 1.1 puts one role and a list of orgs on each user; 1.2 moves roles to
//! `roles.csv`. Both become [`User::roles`] here, one [`UserRole`] per (role, org).

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The lifecycle status of a source record.
///
/// Bulk files leave `status` blank, which means [`RecordStatus::Active`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// The record is live.
    #[default]
    Active,
    /// The SIS deleted the record (OneRoster `tobedeleted`).
    ToBeDeleted,
}

impl RecordStatus {
    /// Whether the record is live.
    #[must_use]
    pub fn is_active(self) -> bool {
        self == Self::Active
    }
}

/// A role a user holds, in the union of the OneRoster 1.1 and 1.2 vocabularies.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum Role {
    /// `student`
    Student,
    /// `parent`
    Parent,
    /// `guardian`
    Guardian,
    /// `relative`
    Relative,
    /// `teacher`
    Teacher,
    /// `aide`
    Aide,
    /// `proctor`
    Proctor,
    /// `counselor` (1.2)
    Counselor,
    /// `principal` (1.2)
    Principal,
    /// `administrator` (1.1)
    Administrator,
    /// `districtAdministrator` (1.2)
    DistrictAdministrator,
    /// `siteAdministrator` (1.2)
    SiteAdministrator,
    /// `systemAdministrator` (1.2)
    SystemAdministrator,
    /// Any other value, kept as written (e.g. an `ext:` extension).
    Other(String),
}

impl Role {
    /// Parses a OneRoster role, ignoring case.
    #[must_use]
    pub fn parse(s: &str) -> Self {
        match s.trim().to_ascii_lowercase().as_str() {
            "student" => Self::Student,
            "parent" => Self::Parent,
            "guardian" => Self::Guardian,
            "relative" => Self::Relative,
            "teacher" => Self::Teacher,
            "aide" => Self::Aide,
            "proctor" => Self::Proctor,
            "counselor" => Self::Counselor,
            "principal" => Self::Principal,
            "administrator" => Self::Administrator,
            "districtadministrator" => Self::DistrictAdministrator,
            "siteadministrator" => Self::SiteAdministrator,
            "systemadministrator" => Self::SystemAdministrator,
            _ => Self::Other(s.trim().to_owned()),
        }
    }

    /// The OneRoster spelling.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Student => "student",
            Self::Parent => "parent",
            Self::Guardian => "guardian",
            Self::Relative => "relative",
            Self::Teacher => "teacher",
            Self::Aide => "aide",
            Self::Proctor => "proctor",
            Self::Counselor => "counselor",
            Self::Principal => "principal",
            Self::Administrator => "administrator",
            Self::DistrictAdministrator => "districtAdministrator",
            Self::SiteAdministrator => "siteAdministrator",
            Self::SystemAdministrator => "systemAdministrator",
            Self::Other(s) => s,
        }
    }

    /// Parent, guardian or relative: someone who sees a student's data as family.
    #[must_use]
    pub fn is_family(&self) -> bool {
        matches!(self, Self::Parent | Self::Guardian | Self::Relative)
    }
}

impl From<String> for Role {
    fn from(s: String) -> Self {
        Self::parse(&s)
    }
}

impl From<Role> for String {
    fn from(r: Role) -> Self {
        r.as_str().to_owned()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An organisation: a district, a school, a department…
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    /// OneRoster `sourcedId`.
    pub sourced_id: String,
    /// Lifecycle status.
    pub status: RecordStatus,
    /// Display name.
    pub name: String,
    /// `district`, `school`, `department`, … as written.
    pub org_type: String,
    /// The SIS's own identifier (e.g. a state school code).
    pub identifier: Option<String>,
    /// The parent org's `sourcedId` (a school's district).
    pub parent_sourced_id: Option<String>,
}

impl Org {
    /// Whether this org is a school.
    #[must_use]
    pub fn is_school(&self) -> bool {
        self.org_type.eq_ignore_ascii_case("school")
    }
}

/// One role a user holds at one org.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRole {
    /// The role.
    pub role: Role,
    /// The org where the user holds it.
    pub org_sourced_id: String,
    /// Whether this is the user's primary role or org.
    pub primary: bool,
}

/// A person in the SIS: a student, a parent, a teacher…
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// OneRoster `sourcedId`.
    pub sourced_id: String,
    /// Lifecycle status.
    pub status: RecordStatus,
    /// OneRoster `enabledUser`.
    pub enabled: bool,
    /// Roles held, one per (role, org).
    pub roles: Vec<UserRole>,
    /// Login name.
    pub username: String,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Middle name, if any.
    pub middle_name: Option<String>,
    /// Preferred given name (1.2), if any.
    pub preferred_given_name: Option<String>,
    /// The SIS's identifier (e.g. student number).
    pub identifier: Option<String>,
    /// Email as written in the SIS.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// `agentSourcedIds`: a student's parents, a parent's students.
    pub agent_sourced_ids: Vec<String>,
    /// Grade levels (CEDS codes).
    pub grades: Vec<String>,
}

impl User {
    /// `Given Family`.
    #[must_use]
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }

    /// Whether the user holds this role anywhere.
    #[must_use]
    pub fn has_role(&self, role: &Role) -> bool {
        self.roles.iter().any(|r| &r.role == role)
    }

    /// Whether the user is a student.
    #[must_use]
    pub fn is_student(&self) -> bool {
        self.has_role(&Role::Student)
    }

    /// Whether the user is a parent, guardian or relative.
    #[must_use]
    pub fn is_family(&self) -> bool {
        self.roles.iter().any(|r| r.role.is_family())
    }

    /// The primary role, or the first one.
    #[must_use]
    pub fn primary_role(&self) -> Option<&Role> {
        self.roles
            .iter()
            .find(|r| r.primary)
            .or_else(|| self.roles.first())
            .map(|r| &r.role)
    }

    /// The orgs where the user holds a role, primary first.
    pub fn org_sourced_ids(&self) -> impl Iterator<Item = &str> {
        let mut roles: Vec<&UserRole> = self.roles.iter().collect();
        roles.sort_by_key(|r| !r.primary);
        let mut seen = Vec::new();
        roles.into_iter().filter_map(move |r| {
            if seen.contains(&r.org_sourced_id.as_str()) {
                None
            } else {
                seen.push(r.org_sourced_id.as_str());
                Some(r.org_sourced_id.as_str())
            }
        })
    }

    /// Whether the user is live: active status and enabled.
    #[must_use]
    pub fn is_live(&self) -> bool {
        self.status.is_active() && self.enabled
    }
}

/// A course (the catalogue entry a class is a section of).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Course {
    /// OneRoster `sourcedId`.
    pub sourced_id: String,
    /// Lifecycle status.
    pub status: RecordStatus,
    /// Title.
    pub title: String,
    /// Course code.
    pub course_code: Option<String>,
    /// The org offering it.
    pub org_sourced_id: String,
}

/// A class: a section of a course at a school, for some terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Class {
    /// OneRoster `sourcedId`.
    pub sourced_id: String,
    /// Lifecycle status.
    pub status: RecordStatus,
    /// Title.
    pub title: String,
    /// The course's `sourcedId`.
    pub course_sourced_id: String,
    /// Class code.
    pub class_code: Option<String>,
    /// `homeroom` or `scheduled`.
    pub class_type: Option<String>,
    /// The school's `sourcedId`.
    pub school_sourced_id: String,
    /// The terms' `sourcedId`s.
    pub term_sourced_ids: Vec<String>,
}

/// A term, semester, grading period or school year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcademicSession {
    /// OneRoster `sourcedId`.
    pub sourced_id: String,
    /// Lifecycle status.
    pub status: RecordStatus,
    /// Title.
    pub title: String,
    /// `term`, `semester`, `gradingPeriod` or `schoolYear`.
    pub session_type: String,
    /// First day.
    pub start_date: Option<NaiveDate>,
    /// Last day.
    pub end_date: Option<NaiveDate>,
    /// The parent session's `sourcedId`.
    pub parent_sourced_id: Option<String>,
    /// School year, e.g. `2026`.
    pub school_year: Option<String>,
}

/// A user's membership in a class.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    /// OneRoster `sourcedId`.
    pub sourced_id: String,
    /// Lifecycle status.
    pub status: RecordStatus,
    /// The class's `sourcedId`.
    pub class_sourced_id: String,
    /// The school's `sourcedId`.
    pub school_sourced_id: String,
    /// The user's `sourcedId`.
    pub user_sourced_id: String,
    /// `student`, `teacher`, …
    pub role: Role,
    /// Whether this is the user's primary enrollment (teachers).
    pub primary: Option<bool>,
    /// First day.
    pub begin_date: Option<NaiveDate>,
    /// Last day.
    pub end_date: Option<NaiveDate>,
}

impl Enrollment {
    /// Whether the enrollment is in force on `day`: active, begun and not ended.
    #[must_use]
    pub fn is_current(&self, day: NaiveDate) -> bool {
        self.status.is_active() && self.begin_date.is_none_or(|b| b <= day) && self.end_date.is_none_or(|e| e >= day)
    }
}

/// Where a roster came from, for reports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// What produced it, e.g. `OneRoster 1.1 CSV bundle demo/oneroster`.
    pub description: String,
    /// The OneRoster version, if known (`1.1`, `1.2`).
    pub oneroster_version: Option<String>,
}

/// A district's roster as the SIS sends it, whole or sliced for one case.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    /// Orgs (districts and schools).
    pub orgs: Vec<Org>,
    /// Users of every role.
    pub users: Vec<User>,
    /// Classes.
    pub classes: Vec<Class>,
    /// Courses.
    pub courses: Vec<Course>,
    /// Academic sessions.
    pub academic_sessions: Vec<AcademicSession>,
    /// Enrollments.
    pub enrollments: Vec<Enrollment>,
    /// Where it came from.
    pub provenance: Provenance,
    /// Problems met while reading that did not stop it (rows skipped, lenient parses).
    pub warnings: Vec<String>,
    /// Records read from rows that failed validation: `sourcedId` -> where and why
    /// (e.g. `users.csv, row 7: value.invalid_boolean`). The engine warns when a
    /// diagnostic relies on one of them.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub invalid_records: std::collections::BTreeMap<String, String>,
    /// The source's validation findings about records (errors and warnings), each as one
    /// line, by the `sourcedId` of every record it is about (the record of its row, the
    /// record it refers to). A slice keeps those about its records; the engine names
    /// them in the result's warnings.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub record_findings: std::collections::BTreeMap<String, Vec<String>>,
}

impl Roster {
    /// The org with this `sourcedId`.
    #[must_use]
    pub fn org(&self, sourced_id: &str) -> Option<&Org> {
        self.orgs.iter().find(|o| o.sourced_id == sourced_id)
    }

    /// The user with this `sourcedId`.
    #[must_use]
    pub fn user(&self, sourced_id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.sourced_id == sourced_id)
    }

    /// The class with this `sourcedId`.
    #[must_use]
    pub fn class(&self, sourced_id: &str) -> Option<&Class> {
        self.classes.iter().find(|c| c.sourced_id == sourced_id)
    }

    /// The students of every status.
    pub fn students(&self) -> impl Iterator<Item = &User> {
        self.users.iter().filter(|u| u.is_student())
    }

    /// Parents, guardians and relatives of every status.
    pub fn family(&self) -> impl Iterator<Item = &User> {
        self.users.iter().filter(|u| u.is_family())
    }

    /// The users linked to `user` as agents, in either direction
    /// (a student's parents, a parent's students), without duplicates.
    #[must_use]
    pub fn linked_users(&self, user: &User) -> Vec<&User> {
        let mut out: Vec<&User> = Vec::new();
        for id in &user.agent_sourced_ids {
            if let Some(u) = self.user(id)
                && !out.iter().any(|o| o.sourced_id == u.sourced_id)
            {
                out.push(u);
            }
        }
        for u in &self.users {
            if u.agent_sourced_ids.iter().any(|a| a == &user.sourced_id)
                && !out.iter().any(|o| o.sourced_id == u.sourced_id)
            {
                out.push(u);
            }
        }
        out
    }

    /// The enrollments of a user.
    pub fn enrollments_of<'a>(&'a self, user_sourced_id: &'a str) -> impl Iterator<Item = &'a Enrollment> {
        self.enrollments
            .iter()
            .filter(move |e| e.user_sourced_id == user_sourced_id)
    }
}
