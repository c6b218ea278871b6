//! A student's move from one campus to another.

use cdt_core::{Remediation, Severity, System};

use super::{Violation, and_list};

/// The SIS still has current enrollments at the old campus.
pub(crate) struct OldCampusEnrollmentsCurrentInSource {
    pub(crate) name: String,
    pub(crate) old_campus: String,
    /// The enrollments as `Title (sourcedId)`, and their `sourcedId`s.
    pub(crate) classes: Vec<String>,
    pub(crate) ids: Vec<String>,
}

impl Violation for OldCampusEnrollmentsCurrentInSource {
    const CODE: &'static str = "old-campus-enrollments-current-in-source";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Sis;
    const SUMMARY: &'static str =
        "The SIS still has current enrollments of the student at the old campus. End them in the SIS.";

    fn message(&self) -> String {
        format!(
            "The SIS still has {} current enrollment(s) of {} at {}: {}.",
            self.ids.len(),
            self.name,
            self.old_campus,
            and_list(&self.classes)
        )
    }

    fn records(&self) -> Vec<String> {
        self.ids.clone()
    }

    fn remediation(&self) -> Vec<Remediation> {
        vec![
            Remediation::new(
                System::Sis,
                format!(
                    "End {}'s {} enrollments in the SIS (endDate = their last day there, or status tobedeleted).",
                    self.name, self.old_campus
                ),
            )
            .records(self.ids.iter().cloned())
            .field("endDate"),
        ]
    }
}

/// The SIS has no current enrollment at the new campus.
pub(crate) struct NoNewCampusEnrollmentsInSource {
    pub(crate) name: String,
    pub(crate) sid: String,
    pub(crate) new_campus: String,
}

impl Violation for NoNewCampusEnrollmentsInSource {
    const CODE: &'static str = "no-new-campus-enrollments-in-source";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Sis;
    const SUMMARY: &'static str =
        "The SIS has no current enrollment of the student at the new campus. Enroll them there in the SIS.";

    fn message(&self) -> String {
        format!(
            "The SIS has no current enrollment of {} at {}.",
            self.name, self.new_campus
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
                    "Enroll {} ({}) in their {} classes in the SIS.",
                    self.name, self.sid, self.new_campus
                ),
            )
            .records([self.sid.clone()])
            .field("classSourcedId"),
        ]
    }
}

/// The SIS user record does not list the new campus among the student's schools.
pub(crate) struct NewCampusMissingFromOrgRolesInSource {
    pub(crate) name: String,
    pub(crate) sid: String,
    /// The schools the SIS lists.
    pub(crate) schools: Vec<String>,
    pub(crate) new_campus: String,
    pub(crate) new_sid: String,
}

impl Violation for NewCampusMissingFromOrgRolesInSource {
    const CODE: &'static str = "new-campus-missing-from-org-roles-in-source";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Sis;
    const SUMMARY: &'static str = "The SIS user record does not list the new campus among the student's schools (orgSourcedIds or roles). Set it in the SIS.";

    fn message(&self) -> String {
        let schools = if self.schools.is_empty() {
            "nothing".to_owned()
        } else {
            and_list(&self.schools)
        };
        format!(
            "The SIS still lists {}'s school(s) as {schools}, not {}.",
            self.name, self.new_campus
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
                    "Set {}'s school to {} ({}) in the SIS user record.",
                    self.name, self.new_campus, self.new_sid
                ),
            )
            .records([self.sid.clone()])
            .field("orgSourcedIds"),
        ]
    }
}

/// The SIS lists both campuses among the student's schools.
pub(crate) struct OldCampusStillInOrgRoles {
    pub(crate) name: String,
    pub(crate) sid: String,
    pub(crate) old_campus: String,
    pub(crate) new_campus: String,
}

impl Violation for OldCampusStillInOrgRoles {
    const CODE: &'static str = "old-campus-still-in-org-roles";
    const SEVERITY: Severity = Severity::Warning;
    const SYSTEM: System = System::Sis;
    const SUMMARY: &'static str =
        "The SIS lists both the old and the new campus among the student's schools. Worth a look; not the cause.";

    fn message(&self) -> String {
        format!(
            "The SIS lists both {} and {} among {}'s schools.",
            self.old_campus, self.new_campus, self.name
        )
    }

    fn records(&self) -> Vec<String> {
        vec![self.sid.clone()]
    }
}

/// Bookmarked still has an active enrollment at the old campus the SIS no longer has.
pub(crate) struct PhantomEnrollmentInBookmarked {
    pub(crate) name: String,
    pub(crate) title: String,
    pub(crate) old_campus: String,
    /// The platform id and `sourced_id`.
    pub(crate) id: String,
    pub(crate) sid: String,
}

impl Violation for PhantomEnrollmentInBookmarked {
    const CODE: &'static str = "phantom-enrollment-in-bookmarked";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Bookmarked;
    const SUMMARY: &'static str = "Bookmarked still has the student active in an old-campus class the SIS no longer has current. Set the enrollment to deleted, or re-run the import.";

    fn message(&self) -> String {
        format!(
            "Bookmarked still has {} active in {} at {} (enrollment {}, sourced_id {}), which the SIS no longer has current.",
            self.name, self.title, self.old_campus, self.id, self.sid
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
                    "Set enrollment {} ({} in {}, {}) to deleted, or re-run the district's import.",
                    self.id, self.name, self.title, self.old_campus
                ),
            )
            .records([self.id.clone()])
            .field("status"),
        ]
    }
}

/// Bookmarked lacks (or deleted) a current new-campus enrollment.
pub(crate) struct NewCampusEnrollmentMissingInBookmarked {
    pub(crate) name: String,
    pub(crate) title: String,
    pub(crate) new_campus: String,
    /// The SIS enrollment and class `sourcedId`s.
    pub(crate) sid: String,
    pub(crate) class_sid: String,
    /// The platform enrollment id when Bookmarked has it deleted.
    pub(crate) deleted: Option<String>,
}

impl Violation for NewCampusEnrollmentMissingInBookmarked {
    const CODE: &'static str = "new-campus-enrollment-missing-in-bookmarked";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Bookmarked;
    const SUMMARY: &'static str = "Bookmarked lacks (or has deleted) a current new-campus enrollment of the student. Fix any import error, then re-run the import.";

    fn message(&self) -> String {
        let state = if self.deleted.is_some() { "deleted" } else { "missing" };
        format!(
            "Bookmarked lacks {}'s {} enrollment in {} ({}): {state}.",
            self.name, self.new_campus, self.title, self.sid
        )
    }

    fn records(&self) -> Vec<String> {
        vec![self.sid.clone(), self.class_sid.clone()]
    }

    fn remediation(&self) -> Vec<Remediation> {
        let fix = Remediation::new(
            System::Bookmarked,
            format!(
                "Re-run the district's import so Bookmarked has enrollment {} ({} in {}) active; fix any import error first.",
                self.sid, self.name, self.title
            ),
        );
        vec![match &self.deleted {
            Some(id) => fix.records([id.clone()]).field("status"),
            None => fix.records([self.sid.clone()]),
        }]
    }
}
