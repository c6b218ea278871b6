//! A student's own record, on either side.

use cdt_core::roster::User;
use cdt_core::{Remediation, Severity, System};

use super::Violation;

/// Only Bookmarked still has the student: the SIS stopped sending them.
pub(crate) struct StudentNotInSource {
    pub(crate) name: String,
    pub(crate) sid: String,
    /// The platform row's status.
    pub(crate) bm_state: String,
}

impl Violation for StudentNotInSource {
    const CODE: &'static str = "student-not-in-source";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Sis;
    const SUMMARY: &'static str = "Only Bookmarked has the student: the SIS no longer sends them. Ask the district whether the student still attends, and if so add them back to the SIS.";

    fn message(&self) -> String {
        format!(
            "The SIS no longer sends student {} ({}); only Bookmarked has them ({}).",
            self.name, self.sid, self.bm_state
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
                    "Ask the district whether {} ({}) still attends; if so, add them back to the SIS with status active and their enrollments.",
                    self.name, self.sid
                ),
            )
            .records([self.sid.clone()])
            .field("status"),
        ]
    }
}

/// The SIS has the student `tobedeleted` or disabled.
pub(crate) struct StudentInactiveInSource {
    pub(crate) name: String,
    pub(crate) sid: String,
    /// Whether the record is active but `enabledUser` is false.
    pub(crate) disabled: bool,
}

impl StudentInactiveInSource {
    /// The finding for an SIS user who is not live.
    pub(crate) fn of(name: String, u: &User) -> Self {
        Self {
            name,
            sid: u.sourced_id.clone(),
            disabled: u.status.is_active(),
        }
    }
}

/// Why an SIS user is not live, as a phrase.
pub(crate) fn not_live_reason(disabled: bool) -> &'static str {
    if disabled {
        "disabled (enabledUser = false)"
    } else {
        "marked tobedeleted"
    }
}

/// The field that makes an SIS user not live.
pub(crate) fn not_live_field(disabled: bool) -> &'static str {
    if disabled { "enabledUser" } else { "status" }
}

impl Violation for StudentInactiveInSource {
    const CODE: &'static str = "student-inactive-in-source";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Sis;
    const SUMMARY: &'static str = "The SIS has the student tobedeleted or disabled (enabledUser false), so Bookmarked drops them. Make the SIS record active if the student still attends.";

    fn message(&self) -> String {
        format!(
            "The SIS has student {} ({}) {}, so Bookmarked drops them.",
            self.name,
            self.sid,
            not_live_reason(self.disabled)
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
                    "If {} still attends, make their SIS record active (status active, enabledUser true).",
                    self.name
                ),
            )
            .records([self.sid.clone()])
            .field(not_live_field(self.disabled)),
        ]
    }
}

/// The SIS has the student live, Bookmarked has no student with their `sourcedId`.
pub(crate) struct StudentMissingInBookmarked {
    pub(crate) name: String,
    pub(crate) sid: String,
    /// The SIS enrollment that brought the student into question, if one.
    pub(crate) enrollment: Option<String>,
}

impl Violation for StudentMissingInBookmarked {
    const CODE: &'static str = "student-missing-in-bookmarked";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Bookmarked;
    const SUMMARY: &'static str = "The SIS has the student live but Bookmarked has no student with their sourcedId. Fix any import error, then re-run the district's import.";

    fn message(&self) -> String {
        format!(
            "Bookmarked has no student with sourced_id {} ({}).",
            self.sid, self.name
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
                    "Re-run the district's import so Bookmarked creates student {} ({}) and their enrollments; fix any import error first.",
                    self.name, self.sid
                ),
            )
            .records([self.sid.clone()]),
        ]
    }
}

/// The SIS has the student live, Bookmarked has them deleted.
pub(crate) struct StudentDeletedInBookmarked {
    pub(crate) name: String,
    /// The platform id.
    pub(crate) id: String,
    pub(crate) sid: String,
}

impl Violation for StudentDeletedInBookmarked {
    const CODE: &'static str = "student-deleted-in-bookmarked";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Bookmarked;
    const SUMMARY: &'static str = "The SIS has the student live but Bookmarked has them deleted. Restore the student, or re-run the district's import.";

    fn message(&self) -> String {
        format!(
            "Bookmarked has student {} ({}) deleted although the SIS has them active.",
            self.name, self.id
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
                    "Restore student {} (sourced_id {}) to active, or re-run the district's import.",
                    self.id, self.sid
                ),
            )
            .records([self.id.clone()])
            .field("status"),
        ]
    }
}

/// Bookmarked has the student (same name) only under another `sourced_id`.
pub(crate) struct StudentSourcedIdDiffersInBookmarked {
    /// The SIS `sourcedId`.
    pub(crate) sid: String,
    /// The platform student's name, id and `sourced_id`.
    pub(crate) bm_name: String,
    pub(crate) bm_id: String,
    pub(crate) bm_sid: String,
}

impl Violation for StudentSourcedIdDiffersInBookmarked {
    const CODE: &'static str = "student-sourced-id-differs-in-bookmarked";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Bookmarked;
    const SUMMARY: &'static str = "Bookmarked has no student with the SIS's sourcedId but has one of the same name under another: the SIS re-keyed the student, or it is another child. Align the sourced_id, or re-run the import.";

    fn message(&self) -> String {
        format!(
            "Bookmarked has no student with sourced_id {}, but has {} ({}) under sourced_id {}: the SIS re-keyed the student, or that is another child of the same name.",
            self.sid, self.bm_name, self.bm_id, self.bm_sid
        )
    }

    fn records(&self) -> Vec<String> {
        vec![self.bm_id.clone(), self.bm_sid.clone(), self.sid.clone()]
    }

    fn remediation(&self) -> Vec<Remediation> {
        vec![
            Remediation::new(
                System::Bookmarked,
                format!(
                    "If {} is the same child, set its sourced_id to {} (the SIS's) and re-run the district's import; otherwise re-run the import so Bookmarked creates {}.",
                    self.bm_id, self.sid, self.sid
                ),
            )
            .records([self.bm_id.clone(), self.sid.clone()])
            .field("sourced_id"),
        ]
    }
}

/// Bookmarked still has a transferred student at another school.
pub(crate) struct StudentSchoolNotUpdatedInBookmarked {
    pub(crate) name: String,
    /// The platform id.
    pub(crate) id: String,
    pub(crate) sid: String,
    /// The school Bookmarked has, and its organization id.
    pub(crate) here: String,
    pub(crate) organization_id: String,
    /// The new campus, and its platform organization id if Bookmarked has one.
    pub(crate) new_campus: String,
    pub(crate) new_bm_id: Option<String>,
}

impl Violation for StudentSchoolNotUpdatedInBookmarked {
    const CODE: &'static str = "student-school-not-updated-in-bookmarked";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Bookmarked;
    const SUMMARY: &'static str = "The SIS lists the new campus among the student's schools but Bookmarked still has them at another. Set the student's organization_id, or re-run the import.";

    fn message(&self) -> String {
        let (name, id, here, new) = (&self.name, &self.id, &self.here, &self.new_campus);
        match &self.new_bm_id {
            Some(new_id) => format!(
                "Bookmarked still has {name} ({id}) at {here} (organization_id {}), not {new} ({new_id}).",
                self.organization_id
            ),
            None => format!("Bookmarked still has {name} ({id}) at {here}, and has no organization for {new}."),
        }
    }

    fn records(&self) -> Vec<String> {
        vec![self.id.clone(), self.sid.clone()]
    }

    fn remediation(&self) -> Vec<Remediation> {
        vec![
            Remediation::new(
                System::Bookmarked,
                format!(
                    "Set student {}'s organization_id to {} ({}), or re-run the district's import.",
                    self.id,
                    self.new_bm_id.as_deref().unwrap_or("the new campus's organization"),
                    self.new_campus
                ),
            )
            .records([self.id.clone()])
            .field("organization_id"),
        ]
    }
}
