//! Classes and enrollments, on either side.

use cdt_core::{Remediation, Severity, System};

use super::Violation;

/// The SIS has no current enrollment for a live student.
pub(crate) struct NoCurrentEnrollmentsInSource {
    pub(crate) name: String,
    pub(crate) sid: String,
    /// `no enrollment at all`, or how many there are and why none is current.
    pub(crate) detail: String,
    /// The student's SIS enrollments.
    pub(crate) enrollments: Vec<String>,
    /// The field most likely to fix it: `endDate`, `status` or `classSourcedId`.
    pub(crate) field: &'static str,
}

impl Violation for NoCurrentEnrollmentsInSource {
    const CODE: &'static str = "no-current-enrollments-in-source";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Sis;
    const SUMMARY: &'static str = "The SIS has no current enrollment for the student (ended, not begun, tobedeleted or in a deleted class), so Bookmarked shows them in no class. Enroll them in the SIS.";

    fn message(&self) -> String {
        format!(
            "The SIS has {} for student {} ({}), so Bookmarked shows them in no class.",
            self.detail, self.name, self.sid
        )
    }

    fn records(&self) -> Vec<String> {
        [self.sid.clone()]
            .into_iter()
            .chain(self.enrollments.iter().cloned())
            .collect()
    }

    fn remediation(&self) -> Vec<Remediation> {
        vec![
            Remediation::new(
                System::Sis,
                format!(
                    "Ask the district to enroll {} ({}) in their current classes in the SIS (active enrollments with no past endDate).",
                    self.name, self.sid
                ),
            )
            .records(self.records())
            .field(self.field),
        ]
    }
}

/// Only Bookmarked still has the class.
pub(crate) struct ClassNotInSource {
    /// The class as `Title (sourcedId, school)`, and its `sourcedId`.
    pub(crate) label: String,
    pub(crate) sid: String,
    /// The platform row's status.
    pub(crate) bm_state: String,
}

impl Violation for ClassNotInSource {
    const CODE: &'static str = "class-not-in-source";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Sis;
    const SUMMARY: &'static str = "Only Bookmarked has the class: the SIS no longer sends it. Ask the district whether it still runs, and if so add it back to the SIS.";

    fn message(&self) -> String {
        format!(
            "The SIS no longer sends class {}; only Bookmarked has it ({}).",
            self.label, self.bm_state
        )
    }

    fn records(&self) -> Vec<String> {
        vec![self.sid.clone()]
    }

    fn remediation(&self) -> Vec<Remediation> {
        vec![
            Remediation::new(
                System::Sis,
                format!(
                    "Ask the district whether class {} still runs; if so, add it back to the SIS classes with status active and its enrollments.",
                    self.label
                ),
            )
            .records([self.sid.clone()])
            .field("status"),
        ]
    }
}

/// The SIS has the class `tobedeleted`.
pub(crate) struct ClassDeletedInSource {
    /// The class as `Title (sourcedId, school)`, and its `sourcedId`.
    pub(crate) label: String,
    pub(crate) sid: String,
}

impl Violation for ClassDeletedInSource {
    const CODE: &'static str = "class-deleted-in-source";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Sis;
    const SUMMARY: &'static str = "The SIS has the class tobedeleted, so Bookmarked drops it and its enrollments. Set it back to active if it still runs.";

    fn message(&self) -> String {
        format!(
            "The SIS has class {} marked tobedeleted, so Bookmarked drops it and its enrollments.",
            self.label
        )
    }

    fn records(&self) -> Vec<String> {
        vec![self.sid.clone()]
    }

    fn remediation(&self) -> Vec<Remediation> {
        vec![
            Remediation::new(
                System::Sis,
                format!(
                    "If class {} still runs, set its status back to active in the SIS.",
                    self.label
                ),
            )
            .records([self.sid.clone()])
            .field("status"),
        ]
    }
}

/// The SIS has the class live, Bookmarked has no class with its `sourcedId`.
pub(crate) struct ClassMissingInBookmarked {
    pub(crate) title: String,
    pub(crate) school: String,
    pub(crate) sid: String,
    /// The SIS enrollment that brought the class into question, if one.
    pub(crate) enrollment: Option<String>,
}

impl Violation for ClassMissingInBookmarked {
    const CODE: &'static str = "class-missing-in-bookmarked";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Bookmarked;
    const SUMMARY: &'static str = "The SIS has the class live but Bookmarked has no class with its sourcedId, so none of its enrollments either. Fix any import error, then re-run the import.";

    fn message(&self) -> String {
        format!(
            "Bookmarked has no class with sourced_id {} ({}, {}).",
            self.sid, self.title, self.school
        )
    }

    fn records(&self) -> Vec<String> {
        [self.sid.clone()].into_iter().chain(self.enrollment.clone()).collect()
    }

    fn remediation(&self) -> Vec<Remediation> {
        vec![
            Remediation::new(
                System::Bookmarked,
                format!(
                    "Re-run the district's import so Bookmarked creates class {} ({}) and its enrollments; fix any import error first.",
                    self.title, self.sid
                ),
            )
            .records([self.sid.clone()]),
        ]
    }
}

/// The SIS has the class live, Bookmarked has it deleted.
pub(crate) struct ClassDeletedInBookmarked {
    pub(crate) title: String,
    /// The platform id.
    pub(crate) id: String,
    pub(crate) sid: String,
}

impl Violation for ClassDeletedInBookmarked {
    const CODE: &'static str = "class-deleted-in-bookmarked";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Bookmarked;
    const SUMMARY: &'static str =
        "The SIS has the class live but Bookmarked has it deleted. Restore the class, or re-run the import.";

    fn message(&self) -> String {
        format!(
            "Bookmarked has class {} ({}) deleted although the SIS has it live.",
            self.title, self.id
        )
    }

    fn records(&self) -> Vec<String> {
        vec![self.id.clone(), self.sid.clone()]
    }

    fn remediation(&self) -> Vec<Remediation> {
        vec![
            Remediation::new(
                System::Bookmarked,
                format!(
                    "Restore class {} (sourced_id {}) to active, or re-run the district's import.",
                    self.id, self.sid
                ),
            )
            .records([self.id.clone()])
            .field("status"),
        ]
    }
}

/// The SIS has a current enrollment Bookmarked lacks.
pub(crate) struct EnrollmentMissingInBookmarked {
    pub(crate) name: String,
    pub(crate) title: String,
    pub(crate) school: String,
    /// The SIS enrollment, and the platform student and class ids.
    pub(crate) sid: String,
    pub(crate) student_id: String,
    pub(crate) class_id: String,
}

impl Violation for EnrollmentMissingInBookmarked {
    const CODE: &'static str = "enrollment-missing-in-bookmarked";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Bookmarked;
    const SUMMARY: &'static str = "The SIS has a current enrollment and both its student and class are on Bookmarked, but the enrollment is not. Fix any import error, then re-run the import.";

    fn message(&self) -> String {
        format!(
            "Bookmarked has no enrollment of {} in {} ({}); the SIS has {} current.",
            self.name, self.title, self.school, self.sid
        )
    }

    fn records(&self) -> Vec<String> {
        vec![self.sid.clone()]
    }

    fn remediation(&self) -> Vec<Remediation> {
        vec![
            Remediation::new(
                System::Bookmarked,
                format!(
                    "Re-run the district's import so Bookmarked creates enrollment {} (student {}, class {}); fix any import error first.",
                    self.sid, self.student_id, self.class_id
                ),
            )
            .records([self.sid.clone()]),
        ]
    }
}

/// The SIS has a current enrollment Bookmarked has deleted.
pub(crate) struct EnrollmentDeletedInBookmarked {
    pub(crate) name: String,
    pub(crate) title: String,
    /// The platform id and `sourced_id`, and the SIS enrollment.
    pub(crate) id: String,
    pub(crate) bm_sid: String,
    pub(crate) sid: String,
}

impl Violation for EnrollmentDeletedInBookmarked {
    const CODE: &'static str = "enrollment-deleted-in-bookmarked";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Bookmarked;
    const SUMMARY: &'static str =
        "The SIS has a current enrollment that Bookmarked has deleted. Restore it, or re-run the import.";

    fn message(&self) -> String {
        format!(
            "Bookmarked has the enrollment of {} in {} ({}) deleted; the SIS has {} current.",
            self.name, self.title, self.id, self.sid
        )
    }

    fn records(&self) -> Vec<String> {
        vec![self.id.clone(), self.sid.clone()]
    }

    fn remediation(&self) -> Vec<Remediation> {
        vec![
            Remediation::new(
                System::Bookmarked,
                format!(
                    "Restore enrollment {} (sourced_id {}) to active, or re-run the district's import.",
                    self.id, self.bm_sid
                ),
            )
            .records([self.id.clone()])
            .field("status"),
        ]
    }
}

/// Bookmarked has an active enrollment the SIS no longer has current.
pub(crate) struct ExtraEnrollmentInBookmarked {
    pub(crate) name: String,
    pub(crate) title: String,
    /// The platform id and `sourced_id`.
    pub(crate) id: String,
    pub(crate) sid: String,
    /// Why the SIS does not have it current, as a clause (e.g. `the SIS has the
    /// student disabled (enabledUser = false)`).
    pub(crate) why: String,
}

impl Violation for ExtraEnrollmentInBookmarked {
    const CODE: &'static str = "extra-enrollment-in-bookmarked";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Bookmarked;
    const SUMMARY: &'static str = "Bookmarked still has an active enrollment the SIS no longer has current; the message says why (the student tobedeleted or disabled with enabledUser false, the enrollment tobedeleted, ended or not begun, its class tobedeleted, or no longer sent). Set it to deleted, or re-run the import.";

    fn message(&self) -> String {
        format!(
            "Bookmarked still has {} active in {} (enrollment {}, sourced_id {}), which the SIS no longer has current: {}.",
            self.name, self.title, self.id, self.sid, self.why
        )
    }

    fn records(&self) -> Vec<String> {
        vec![self.id.clone(), self.sid.clone()]
    }

    fn remediation(&self) -> Vec<Remediation> {
        vec![
            Remediation::new(
                System::Bookmarked,
                format!(
                    "Set enrollment {} ({} in {}) to deleted, or re-run the district's import.",
                    self.id, self.name, self.title
                ),
            )
            .records([self.id.clone()])
            .field("status"),
        ]
    }
}
