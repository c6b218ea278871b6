//! The case document: what a plugin receives. Field names and shapes are those of
//! `docs/plugin-interface.md`; tables the manifest did not ask for are empty, and
//! unknown fields are ignored so that the host may add fields within 1.x.
//!
//! These types mirror the host's records (a guest crate cannot depend on the host).
//! The tests hold them to the case document the host writes
//! (`cdt-wasm/tests/golden/case.json`): there, every type refuses unknown fields and
//! requires every field, and the parsed case must write back the same document.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The data of one support case.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(test), serde(default))]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct Case {
    /// The interface version, `cdt:plugin@1.0.0`.
    pub abi: String,
    /// The plugin's id, as its manifest gives it.
    pub plugin: String,
    /// The inputs the user gave, trimmed and checked against the manifest.
    pub inputs: BTreeMap<String, String>,
    /// Today's date (`YYYY-MM-DD`), as the host saw it: plugins have no clock.
    pub today: String,
    /// The district's `id` in Bookmarked's `organizations`.
    pub bookmarked_org_id: String,
    /// The SIS side (OneRoster).
    pub source: Roster,
    /// The Bookmarked side.
    pub platform: PlatformData,
}

impl Case {
    /// An input's value, when given.
    #[must_use]
    pub fn input(&self, name: &str) -> Option<&str> {
        self.inputs.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }
}

/// The SIS side of a case.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(test), serde(default))]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct Roster {
    /// Districts and schools.
    pub orgs: Vec<Org>,
    /// Students, parents, teachers…
    pub users: Vec<User>,
    /// Classes.
    pub classes: Vec<Class>,
    /// Courses.
    pub courses: Vec<Course>,
    /// Terms and school years.
    pub academic_sessions: Vec<AcademicSession>,
    /// Who is in which class.
    pub enrollments: Vec<Enrollment>,
}

/// A OneRoster org (district, school…).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(test), serde(default))]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct Org {
    /// `sourcedId`.
    pub sourced_id: String,
    /// `active` or `to_be_deleted`.
    pub status: String,
    /// Name.
    pub name: String,
    /// `district`, `school`… as written.
    pub org_type: String,
    /// The SIS's own identifier.
    pub identifier: Option<String>,
    /// The parent org.
    pub parent_sourced_id: Option<String>,
}

/// One role a user holds at one org.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(test), serde(default))]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct UserRole {
    /// `student`, `parent`, `guardian`, `relative`, `teacher`…
    pub role: String,
    /// The org.
    pub org_sourced_id: String,
    /// Whether it is the primary role.
    pub primary: bool,
}

/// A OneRoster user.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(test), serde(default))]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct User {
    /// `sourcedId`.
    pub sourced_id: String,
    /// `active` or `to_be_deleted`.
    pub status: String,
    /// `enabledUser`.
    pub enabled: bool,
    /// Roles, one per (role, org).
    pub roles: Vec<UserRole>,
    /// Login name.
    pub username: String,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Middle name.
    pub middle_name: Option<String>,
    /// Preferred given name.
    pub preferred_given_name: Option<String>,
    /// The SIS's identifier.
    pub identifier: Option<String>,
    /// Email as written in the SIS.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// A student's parents, a parent's students.
    pub agent_sourced_ids: Vec<String>,
    /// Grades.
    pub grades: Vec<String>,
}

impl User {
    /// Whether the record is active and enabled.
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.status == "active" && self.enabled
    }

    /// Whether the user holds this role (`student`, `guardian`…) anywhere.
    #[must_use]
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r.role.eq_ignore_ascii_case(role))
    }

    /// Whether the user is a parent, guardian or relative.
    #[must_use]
    pub fn is_family(&self) -> bool {
        self.has_role("parent") || self.has_role("guardian") || self.has_role("relative")
    }

    /// `Given Family`.
    #[must_use]
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }
}

/// A OneRoster course.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(test), serde(default))]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct Course {
    /// `sourcedId`.
    pub sourced_id: String,
    /// Status.
    pub status: String,
    /// Title.
    pub title: String,
    /// Course code.
    pub course_code: Option<String>,
    /// The org.
    pub org_sourced_id: String,
}

/// A OneRoster class.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(test), serde(default))]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct Class {
    /// `sourcedId`.
    pub sourced_id: String,
    /// Status.
    pub status: String,
    /// Title.
    pub title: String,
    /// Its course.
    pub course_sourced_id: String,
    /// Class code.
    pub class_code: Option<String>,
    /// Class type.
    pub class_type: Option<String>,
    /// Its school.
    pub school_sourced_id: String,
    /// Its terms.
    pub term_sourced_ids: Vec<String>,
}

/// A OneRoster academic session.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(test), serde(default))]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct AcademicSession {
    /// `sourcedId`.
    pub sourced_id: String,
    /// Status.
    pub status: String,
    /// Title.
    pub title: String,
    /// `term`, `schoolYear`…
    pub session_type: String,
    /// `YYYY-MM-DD`.
    pub start_date: Option<String>,
    /// `YYYY-MM-DD`.
    pub end_date: Option<String>,
    /// The parent session.
    pub parent_sourced_id: Option<String>,
    /// The school year.
    pub school_year: Option<String>,
}

/// A OneRoster enrollment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(test), serde(default))]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct Enrollment {
    /// `sourcedId`.
    pub sourced_id: String,
    /// Status.
    pub status: String,
    /// The class.
    pub class_sourced_id: String,
    /// The school.
    pub school_sourced_id: String,
    /// The user.
    pub user_sourced_id: String,
    /// `student`, `teacher`…
    pub role: String,
    /// Whether primary.
    pub primary: Option<bool>,
    /// `YYYY-MM-DD`.
    pub begin_date: Option<String>,
    /// `YYYY-MM-DD`.
    pub end_date: Option<String>,
}

impl Enrollment {
    /// Whether the enrollment is active on `today` (`YYYY-MM-DD`): status active,
    /// begun, and not ended. ISO dates compare as text.
    #[must_use]
    pub fn is_current(&self, today: &str) -> bool {
        self.status == "active"
            && self.begin_date.as_deref().is_none_or(|d| d <= today)
            && self.end_date.as_deref().is_none_or(|d| d >= today)
    }
}

/// The Bookmarked side of a case.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(test), serde(default))]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct PlatformData {
    /// `organizations`.
    pub organizations: Vec<Organization>,
    /// `students`.
    pub students: Vec<Student>,
    /// `parents`.
    pub parents: Vec<Parent>,
    /// `parent_students`.
    pub parent_students: Vec<ParentStudent>,
    /// `classes`.
    pub classes: Vec<PlatformClass>,
    /// `enrollments`.
    pub enrollments: Vec<PlatformEnrollment>,
    /// `import_runs`.
    pub import_runs: Vec<ImportRun>,
    /// `import_errors`.
    pub import_errors: Vec<ImportError>,
}

/// A Bookmarked organization.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(test), serde(default))]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct Organization {
    /// Bookmarked id.
    pub id: String,
    /// The SIS `sourcedId`.
    pub sourced_id: String,
    /// Name.
    pub name: String,
    /// `district` or `school`.
    #[serde(rename = "type")]
    pub org_type: String,
    /// The parent organization.
    pub parent_id: Option<String>,
}

/// A Bookmarked student.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(test), serde(default))]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct Student {
    /// Bookmarked id.
    pub id: String,
    /// The SIS `sourcedId`.
    pub sourced_id: String,
    /// The school's Bookmarked id.
    pub organization_id: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email (lower-cased).
    pub email: Option<String>,
    /// Grade.
    pub grade: Option<String>,
    /// Student number.
    pub student_number: Option<String>,
    /// `active` or `deleted`.
    pub status: String,
}

/// A Bookmarked parent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(test), serde(default))]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct Parent {
    /// Bookmarked id.
    pub id: String,
    /// The SIS `sourcedId`.
    pub sourced_id: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email (lower-cased).
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// `active` or `deleted`.
    pub status: String,
}

/// A Bookmarked parent-student link.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(test), serde(default))]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct ParentStudent {
    /// The parent's Bookmarked id.
    pub parent_id: String,
    /// The student's Bookmarked id.
    pub student_id: String,
}

/// A Bookmarked class.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(test), serde(default))]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct PlatformClass {
    /// Bookmarked id.
    pub id: String,
    /// The SIS `sourcedId`.
    pub sourced_id: String,
    /// The school's Bookmarked id.
    pub organization_id: String,
    /// Title.
    pub title: String,
    /// The SIS course.
    pub course_sourced_id: Option<String>,
    /// The SIS term.
    pub term_sourced_id: Option<String>,
    /// `active` or `deleted`.
    pub status: String,
}

/// A Bookmarked enrollment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(test), serde(default))]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct PlatformEnrollment {
    /// Bookmarked id.
    pub id: String,
    /// The SIS `sourcedId`.
    pub sourced_id: String,
    /// The class's Bookmarked id.
    pub class_id: String,
    /// The user's Bookmarked id (a student's or a teacher's).
    pub user_id: String,
    /// `student` or `teacher`.
    pub role: String,
    /// `active` or `deleted`.
    pub status: String,
}

/// A Bookmarked import run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(test), serde(default))]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct ImportRun {
    /// Id.
    pub id: String,
    /// The organization.
    pub organization_id: String,
    /// Where it imported from.
    pub source: String,
    /// Start time.
    pub started_at: String,
    /// End time.
    pub finished_at: Option<String>,
    /// Outcome.
    pub status: String,
}

/// A Bookmarked import error: a record the import rejected.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(test), serde(default))]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct ImportError {
    /// Id.
    pub id: String,
    /// The import run.
    pub import_run_id: String,
    /// `student`, `parent`, `enrollment`…
    pub entity_type: String,
    /// The SIS `sourcedId` of the rejected record.
    pub sourced_id: String,
    /// Why.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The case document the host writes for a demo case, with every table asked for.
    const GOLDEN: &str = include_str!("../../../cdt-wasm/tests/golden/case.json");

    fn golden() -> serde_json::Value {
        serde_json::from_str(GOLDEN).unwrap()
    }

    #[test]
    fn the_hosts_case_document_parses_strictly_and_writes_back_the_same() {
        let case: Case = serde_json::from_str(GOLDEN).unwrap_or_else(|e| {
            panic!("the SDK's Case no longer reads what the host writes (cdt-wasm/tests/golden/case.json): {e}")
        });
        assert_eq!(case.abi, crate::ABI);
        assert!(!case.platform.import_errors.is_empty() && !case.source.academic_sessions.is_empty());
        assert_eq!(
            serde_json::to_value(&case).unwrap(),
            golden(),
            "the SDK's Case drops, adds or renames a field of the host's case document"
        );
    }

    #[test]
    fn a_renamed_or_missing_field_fails_under_test() {
        let mut renamed = golden();
        let student = renamed["platform"]["students"][0].as_object_mut().unwrap();
        let first = student.remove("first_name").unwrap();
        student.insert("given_name".into(), first);
        let err = serde_json::from_value::<Case>(renamed).unwrap_err().to_string();
        assert!(err.contains("given_name"), "{err}");
        let mut missing = golden();
        missing["source"].as_object_mut().unwrap().remove("courses");
        let err = serde_json::from_value::<Case>(missing).unwrap_err().to_string();
        assert!(err.contains("missing field `courses`"), "{err}");
    }
}
