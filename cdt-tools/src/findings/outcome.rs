//! Context from the platform, and the findings of a clean case.

use cdt_core::{Severity, System};

use super::{Violation, and_list};

/// The platform's import rejected a record the case is about.
pub(crate) struct ImportErrorReported {
    pub(crate) entity_type: String,
    pub(crate) sid: String,
    pub(crate) message: String,
}

impl Violation for ImportErrorReported {
    const CODE: &'static str = "import-error";
    const SEVERITY: Severity = Severity::Warning;
    const SYSTEM: System = System::Bookmarked;
    const SUMMARY: &'static str = "The platform's import rejected a record the case is about (from import_errors). Fix what it rejected, then re-run the district's import.";

    fn message(&self) -> String {
        format!(
            "The import rejected {} `{}`: {}",
            self.entity_type, self.sid, self.message
        )
    }

    fn records(&self) -> Vec<String> {
        vec![self.sid.clone()]
    }
}

/// Both sides link the parents and the student, all live.
pub(crate) struct ParentStudentLinkOk {
    /// The parents as `Name (sourcedId)`, and their ids.
    pub(crate) parents: Vec<String>,
    pub(crate) ids: Vec<String>,
    /// The student as `Name (sourcedId, school)`.
    pub(crate) student: String,
}

impl Violation for ParentStudentLinkOk {
    const CODE: &'static str = "parent-student-link-ok";
    const SEVERITY: Severity = Severity::Info;
    const SYSTEM: System = System::Support;
    const SUMMARY: &'static str = "Both sides link the parent and the student and all are live: the problem is likely not roster data (e.g. the parent signs in with another email).";

    fn message(&self) -> String {
        format!(
            "The SIS and Bookmarked both link {} to {}, and all are live.",
            and_list(&self.parents),
            self.student
        )
    }

    fn records(&self) -> Vec<String> {
        self.ids.clone()
    }
}

/// The record and its current enrollments agree on both sides.
pub(crate) struct RecordsAgree {
    /// `Student Name (sourcedId)` or `Class Title (sourcedId, school)`, and the `sourcedId`.
    pub(crate) subject: String,
    pub(crate) sid: String,
    /// How many current enrollments (of the student) or students (of the class) agree.
    pub(crate) count: usize,
    /// Whether the record is a class (its students are counted).
    pub(crate) class: bool,
}

impl Violation for RecordsAgree {
    const CODE: &'static str = "records-agree";
    const SEVERITY: Severity = Severity::Info;
    const SYSTEM: System = System::Support;
    const SUMMARY: &'static str = "The student (or class) is live on both sides with the same current enrollments.";

    fn message(&self) -> String {
        let what = if self.class {
            "student(s)"
        } else {
            "current enrollment(s)"
        };
        format!(
            "{} is live on both sides with the same {} {what}.",
            self.subject, self.count
        )
    }

    fn records(&self) -> Vec<String> {
        vec![self.sid.clone()]
    }
}

/// Only one person has the email, the same on both sides; or every record with it is deleted.
pub(crate) struct ParentConsistent {
    pub(crate) email: String,
    /// The one live parent as `Name (sourcedId)`, its id and its number of students.
    pub(crate) parent: Option<(String, String, usize)>,
}

impl Violation for ParentConsistent {
    const CODE: &'static str = "parent-consistent";
    const SEVERITY: Severity = Severity::Info;
    const SYSTEM: System = System::Support;
    const SUMMARY: &'static str = "Only one person has the email, with the same name and students on both sides (or every record with it is deleted on both sides).";

    fn message(&self) -> String {
        match &self.parent {
            Some((label, _, kids)) => format!(
                "Only {label} has `{}`, with the same name and the same {kids} student(s) on both sides.",
                self.email
            ),
            None => format!("Every record with `{}` is deleted on both sides.", self.email),
        }
    }

    fn records(&self) -> Vec<String> {
        self.parent.iter().map(|(_, id, _)| id.clone()).collect()
    }
}

/// The transfer went through on both sides.
pub(crate) struct TransferClean {
    pub(crate) name: String,
    pub(crate) sid: String,
    pub(crate) old_campus: String,
    pub(crate) new_campus: String,
    /// The current enrollments at the new campus.
    pub(crate) current_new: usize,
}

impl Violation for TransferClean {
    const CODE: &'static str = "transfer-clean";
    const SEVERITY: Severity = Severity::Info;
    const SYSTEM: System = System::Support;
    const SUMMARY: &'static str = "The SIS has the student enrolled only at the new campus, and Bookmarked has them there with nothing left at the old one.";

    fn message(&self) -> String {
        let (name, old, new) = (&self.name, &self.old_campus, &self.new_campus);
        format!(
            "The transfer of {name} from {old} to {new} is clean: the SIS has {} current enrollment(s) at {new} and none at {old}, and Bookmarked has them at {new} with no active enrollment left at {old}.",
            self.current_new
        )
    }

    fn records(&self) -> Vec<String> {
        vec![self.sid.clone()]
    }
}
