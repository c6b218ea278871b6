//! Finding the record the ticket is about: not found, ambiguous, disambiguated.

use cdt_core::{Remediation, Severity, System};

use super::{Violation, and_list, fix_ambiguous, fix_not_found};

/// Nobody has the parent email on either side.
pub(crate) struct ParentNotFound {
    pub(crate) email: String,
}

impl Violation for ParentNotFound {
    const CODE: &'static str = "parent-not-found";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Support;
    const SUMMARY: &'static str = "No parent or guardian has the email on either side. Check the spelling with the requester, or ask the district to add the parent to the SIS.";

    fn message(&self) -> String {
        format!(
            "No parent or guardian has the email `{}` in the SIS or in Bookmarked.",
            self.email
        )
    }

    fn remediation(&self) -> Vec<Remediation> {
        fix_not_found("parent email", &self.email)
    }
}

/// No student has the name on either side (at the school, when one is given).
pub(crate) struct StudentNotFound {
    pub(crate) query: String,
    /// ` at <school>` or empty.
    pub(crate) where_: String,
}

impl Violation for StudentNotFound {
    const CODE: &'static str = "student-not-found";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Support;
    const SUMMARY: &'static str = "No student has the name (or sourcedId) on either side. Check the spelling with the requester, or ask the district to add the student to the SIS.";

    fn message(&self) -> String {
        format!(
            "No student is named `{}`{} in the SIS or in Bookmarked.",
            self.query, self.where_
        )
    }

    fn remediation(&self) -> Vec<Remediation> {
        fix_not_found("student name", &self.query)
    }
}

/// No class has the title, code or `sourcedId` on either side.
pub(crate) struct ClassNotFound {
    pub(crate) query: String,
    /// ` at <school>` or empty.
    pub(crate) where_: String,
}

impl Violation for ClassNotFound {
    const CODE: &'static str = "class-not-found";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Support;
    const SUMMARY: &'static str =
        "No class has the title, class code or sourcedId on either side. Check the spelling with the requester.";

    fn message(&self) -> String {
        format!(
            "No class is titled `{}`{} in the SIS or in Bookmarked.",
            self.query, self.where_
        )
    }

    fn remediation(&self) -> Vec<Remediation> {
        fix_not_found("class title", &self.query)
    }
}

/// The name matches several students and nothing singles one out.
pub(crate) struct StudentAmbiguous {
    pub(crate) query: String,
    /// ` at <school>` or empty.
    pub(crate) where_: String,
    /// The candidates as `Name (sourcedId, school)`.
    pub(crate) labels: Vec<String>,
    /// The candidates' `sourcedId`s.
    pub(crate) ids: Vec<String>,
    /// Whether the tool takes a `school` input to narrow the search.
    pub(crate) school_input: bool,
}

impl Violation for StudentAmbiguous {
    const CODE: &'static str = "student-ambiguous";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Support;
    const SUMMARY: &'static str = "The name matches several students and nothing singles one out; the candidates are listed. Re-run with the right one's sourcedId (or a school).";

    fn message(&self) -> String {
        format!(
            "`{}`{} matches {} students: {}.",
            self.query,
            self.where_,
            self.labels.len(),
            and_list(&self.labels)
        )
    }

    fn records(&self) -> Vec<String> {
        self.ids.clone()
    }

    fn remediation(&self) -> Vec<Remediation> {
        let how = if self.school_input {
            "their `school`, or the right student's sourcedId as `student_name`"
        } else {
            "the right student's sourcedId as `student_name`"
        };
        fix_ambiguous(how, &self.ids)
    }
}

/// The title matches several classes (e.g. one per school).
pub(crate) struct ClassAmbiguous {
    pub(crate) query: String,
    /// ` at <school>` or empty.
    pub(crate) where_: String,
    /// The candidates as `Title (sourcedId, school)`.
    pub(crate) labels: Vec<String>,
    /// The candidates' `sourcedId`s.
    pub(crate) ids: Vec<String>,
}

impl Violation for ClassAmbiguous {
    const CODE: &'static str = "class-ambiguous";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Support;
    const SUMMARY: &'static str = "The title matches several classes (e.g. one per school); the candidates are listed. Re-run with a school or the class's sourcedId.";

    fn message(&self) -> String {
        format!(
            "`{}`{} matches {} classes: {}.",
            self.query,
            self.where_,
            self.labels.len(),
            and_list(&self.labels)
        )
    }

    fn records(&self) -> Vec<String> {
        self.ids.clone()
    }

    fn remediation(&self) -> Vec<Remediation> {
        fix_ambiguous(
            "its `school`, or the right class's sourcedId as `class_name`",
            &self.ids,
        )
    }
}

/// Several students have the name, but only one is linked to a parent with the email.
pub(crate) struct StudentDisambiguatedByParentLink {
    pub(crate) query: String,
    pub(crate) matches: usize,
    /// The one kept, as `Name (sourcedId, school)`.
    pub(crate) chosen: String,
    /// Every match's `sourcedId`.
    pub(crate) ids: Vec<String>,
}

impl Violation for StudentDisambiguatedByParentLink {
    const CODE: &'static str = "student-disambiguated-by-parent-link";
    const SEVERITY: Severity = Severity::Info;
    const SYSTEM: System = System::Support;
    const SUMMARY: &'static str =
        "Several students have the name; the one linked to a parent with the email is diagnosed.";

    fn message(&self) -> String {
        format!(
            "`{}` matches {} students; only {} is linked to a parent with this email.",
            self.query, self.matches, self.chosen
        )
    }

    fn records(&self) -> Vec<String> {
        self.ids.clone()
    }
}

/// Several students have the name, but only one is seen at either campus.
pub(crate) struct StudentDisambiguatedBySchool {
    pub(crate) query: String,
    pub(crate) matches: usize,
    /// The one kept, as `Name (sourcedId, school)`.
    pub(crate) chosen: String,
    pub(crate) old_campus: String,
    pub(crate) new_campus: String,
    /// Every match's `sourcedId`.
    pub(crate) ids: Vec<String>,
}

impl Violation for StudentDisambiguatedBySchool {
    const CODE: &'static str = "student-disambiguated-by-school";
    const SEVERITY: Severity = Severity::Info;
    const SYSTEM: System = System::Support;
    const SUMMARY: &'static str =
        "Several students have the name; the one seen at the old or the new campus is diagnosed.";

    fn message(&self) -> String {
        format!(
            "`{}` matches {} students; only {} is seen at {} or {}.",
            self.query, self.matches, self.chosen, self.old_campus, self.new_campus
        )
    }

    fn records(&self) -> Vec<String> {
        self.ids.clone()
    }
}
