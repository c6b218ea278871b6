//! The Bookmarked side: the platform's roster tables.
//!
//! Bookmarked keeps its own ids (`id`) and stores the SIS's `sourcedId` beside them
//! (`sourced_id`). Matching between the SIS and Bookmarked is by `sourced_id`; links
//! between Bookmarked rows use Bookmarked ids. Emails are stored lower-cased.

use serde::{Deserialize, Serialize};

pub mod schema;

pub use schema::PlatformRow;

/// The status of a platform row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlatformStatus {
    /// Live.
    #[default]
    Active,
    /// Soft-deleted.
    Deleted,
}

impl PlatformStatus {
    /// Parses `active` or `deleted`, ignoring case and spaces.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "active" => Some(Self::Active),
            "deleted" => Some(Self::Deleted),
            _ => None,
        }
    }

    /// `active` or `deleted`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Deleted => "deleted",
        }
    }

    /// Whether the row is live.
    #[must_use]
    pub fn is_active(self) -> bool {
        self == Self::Active
    }
}

/// A row of `organizations`: a district or a school.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The district's id, for a school.
    pub parent_id: Option<String>,
}

/// A row of `students`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Student {
    /// Bookmarked id.
    pub id: String,
    /// The SIS `sourcedId`.
    pub sourced_id: String,
    /// The student's school (an organization id).
    pub organization_id: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email, lower-cased.
    pub email: Option<String>,
    /// Grade.
    pub grade: Option<String>,
    /// Student number.
    pub student_number: Option<String>,
    /// Status.
    pub status: PlatformStatus,
}

impl Student {
    /// `First Last`.
    #[must_use]
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// A row of `parents`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parent {
    /// Bookmarked id.
    pub id: String,
    /// The SIS `sourcedId`.
    pub sourced_id: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email, lower-cased.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Status.
    pub status: PlatformStatus,
}

impl Parent {
    /// `First Last`.
    #[must_use]
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// A row of `parent_students`: a parent sees a student.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ParentStudent {
    /// The parent's id.
    pub parent_id: String,
    /// The student's id.
    pub student_id: String,
}

/// A row of `classes`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Class {
    /// Bookmarked id.
    pub id: String,
    /// The SIS `sourcedId`.
    pub sourced_id: String,
    /// The school (an organization id).
    pub organization_id: String,
    /// Title.
    pub title: String,
    /// The course's SIS `sourcedId`.
    pub course_sourced_id: Option<String>,
    /// The term's SIS `sourcedId`.
    pub term_sourced_id: Option<String>,
    /// Status.
    pub status: PlatformStatus,
}

/// A row of `enrollments`: a student in a class.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    /// Bookmarked id.
    pub id: String,
    /// The SIS `sourcedId`.
    pub sourced_id: String,
    /// The class's id.
    pub class_id: String,
    /// The student's id.
    pub user_id: String,
    /// Role, e.g. `student`.
    pub role: String,
    /// Status.
    pub status: PlatformStatus,
}

/// A row of `import_runs`: one sync of a district's SIS data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRun {
    /// Id.
    pub id: String,
    /// The district's organization id.
    pub organization_id: String,
    /// What was imported, e.g. `oneroster-csv`.
    pub source: String,
    /// When it started (ISO 8601).
    pub started_at: String,
    /// When it finished, if it did.
    pub finished_at: Option<String>,
    /// `succeeded`, `failed`, `partial`, …
    pub status: String,
}

/// A row of `import_errors`: an SIS record an import rejected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportError {
    /// Id.
    pub id: String,
    /// The import run.
    pub import_run_id: String,
    /// `user`, `class`, `enrollment`, …
    pub entity_type: String,
    /// The rejected SIS record's `sourcedId`.
    pub sourced_id: String,
    /// Why it was rejected.
    pub message: String,
}

/// The platform's copy of one district, whole or sliced for one case.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformData {
    /// `organizations`
    pub organizations: Vec<Organization>,
    /// `students`
    pub students: Vec<Student>,
    /// `parents`
    pub parents: Vec<Parent>,
    /// `parent_students`
    pub parent_students: Vec<ParentStudent>,
    /// `classes`
    pub classes: Vec<Class>,
    /// `enrollments`
    pub enrollments: Vec<Enrollment>,
    /// `import_runs`
    pub import_runs: Vec<ImportRun>,
    /// `import_errors`
    pub import_errors: Vec<ImportError>,
}

impl PlatformData {
    /// The organization with this id.
    #[must_use]
    pub fn organization(&self, id: &str) -> Option<&Organization> {
        self.organizations.iter().find(|o| o.id == id)
    }

    /// The student with this id.
    #[must_use]
    pub fn student(&self, id: &str) -> Option<&Student> {
        self.students.iter().find(|s| s.id == id)
    }

    /// The parent with this id.
    #[must_use]
    pub fn parent(&self, id: &str) -> Option<&Parent> {
        self.parents.iter().find(|p| p.id == id)
    }

    /// The class with this id.
    #[must_use]
    pub fn class(&self, id: &str) -> Option<&Class> {
        self.classes.iter().find(|c| c.id == id)
    }

    /// The students a parent is linked to.
    pub fn students_of<'a>(&'a self, parent_id: &'a str) -> impl Iterator<Item = &'a Student> {
        self.parent_students
            .iter()
            .filter(move |l| l.parent_id == parent_id)
            .filter_map(|l| self.student(&l.student_id))
    }

    /// The parents linked to a student.
    pub fn parents_of<'a>(&'a self, student_id: &'a str) -> impl Iterator<Item = &'a Parent> {
        self.parent_students
            .iter()
            .filter(move |l| l.student_id == student_id)
            .filter_map(|l| self.parent(&l.parent_id))
    }

    /// The enrollments of a student.
    pub fn enrollments_of<'a>(&'a self, student_id: &'a str) -> impl Iterator<Item = &'a Enrollment> {
        self.enrollments.iter().filter(move |e| e.user_id == student_id)
    }

    /// The import errors about an SIS record, newest run first when runs are known.
    #[must_use]
    pub fn import_errors_for(&self, sourced_id: &str) -> Vec<&ImportError> {
        let mut errors: Vec<&ImportError> = self
            .import_errors
            .iter()
            .filter(|e| e.sourced_id == sourced_id)
            .collect();
        let started = |run: &str| {
            self.import_runs
                .iter()
                .find(|r| r.id == run)
                .map(|r| r.started_at.clone())
        };
        errors.sort_by_key(|e| std::cmp::Reverse(started(&e.import_run_id)));
        errors
    }

    /// The district row and its schools, keeping only what belongs to `district_id`.
    ///
    /// Students are kept when their school is in the district; classes likewise;
    /// enrollments when their class is kept; parents when linked to a kept student
    /// or linked to nobody (parents carry no org of their own).
    #[must_use]
    pub fn scoped_to_district(mut self, district_id: &str) -> Self {
        use std::collections::HashSet;
        let orgs: HashSet<String> = self
            .organizations
            .iter()
            .filter(|o| o.id == district_id || o.parent_id.as_deref() == Some(district_id))
            .map(|o| o.id.clone())
            .collect();
        self.organizations.retain(|o| orgs.contains(&o.id));
        self.students.retain(|s| orgs.contains(&s.organization_id));
        let students: HashSet<&str> = self.students.iter().map(|s| s.id.as_str()).collect();
        self.classes.retain(|c| orgs.contains(&c.organization_id));
        let classes: HashSet<&str> = self.classes.iter().map(|c| c.id.as_str()).collect();
        self.enrollments.retain(|e| classes.contains(e.class_id.as_str()));
        let linked: HashSet<&str> = self.parent_students.iter().map(|l| l.parent_id.as_str()).collect();
        let kept_parents: HashSet<String> = self
            .parent_students
            .iter()
            .filter(|l| students.contains(l.student_id.as_str()))
            .map(|l| l.parent_id.clone())
            .collect();
        self.parents
            .retain(|p| kept_parents.contains(&p.id) || !linked.contains(p.id.as_str()));
        self.parent_students
            .retain(|l| students.contains(l.student_id.as_str()));
        self.import_runs.retain(|r| orgs.contains(&r.organization_id));
        let runs: HashSet<String> = self.import_runs.iter().map(|r| r.id.clone()).collect();
        self.import_errors.retain(|e| runs.contains(&e.import_run_id));
        self
    }
}
