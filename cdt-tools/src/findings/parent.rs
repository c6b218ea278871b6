//! Parents, their emails and their links to students, on either side.

use cdt_core::platform::Parent;
use cdt_core::roster::User;
use cdt_core::{Remediation, Severity, System};

use super::fields::FieldDiff;
use super::student::{not_live_field, not_live_reason};
use super::{Violation, and_list};

/// Several live SIS family records (different people) have the email.
pub(crate) struct EmailSharedInSource {
    pub(crate) email: String,
    /// The people, as `Name (sourcedId, …)`.
    pub(crate) people: Vec<String>,
    /// Every live record's `sourcedId`.
    pub(crate) ids: Vec<String>,
    /// Whether the sharing is the cause diagnosed (else a warning, for another tool).
    pub(crate) cause: bool,
}

impl Violation for EmailSharedInSource {
    const CODE: &'static str = "email-shared-in-source";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Sis;
    const SUMMARY: &'static str = "Several live SIS family records share the email; only one can sign in with it. Give each person their own email in the SIS. A warning in `student-mismatch`, which leaves it to `parent-conflicts`.";

    fn message(&self) -> String {
        format!(
            "{} different people share `{}` in the SIS: {}.",
            self.people.len(),
            self.email,
            and_list(&self.people)
        )
    }

    fn records(&self) -> Vec<String> {
        self.ids.clone()
    }

    fn severity(&self) -> Severity {
        if self.cause { Self::SEVERITY } else { Severity::Warning }
    }

    fn remediation(&self) -> Vec<Remediation> {
        if !self.cause {
            return Vec::new();
        }
        vec![
            Remediation::new(
                System::Sis,
                format!(
                    "Give each person their own email in the SIS: only one of {} can sign in to Bookmarked with `{}`.",
                    and_list(&self.people),
                    self.email
                ),
            )
            .records(self.ids.iter().cloned())
            .field("email"),
        ]
    }
}

/// The SIS has several records of one person with the email.
pub(crate) struct DuplicateParentRecordsInSource {
    pub(crate) email: String,
    pub(crate) name: String,
    /// Each record as `sourcedId (students: …)`.
    pub(crate) details: Vec<String>,
    pub(crate) ids: Vec<String>,
}

impl Violation for DuplicateParentRecordsInSource {
    const CODE: &'static str = "duplicate-parent-records-in-source";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Sis;
    const SUMMARY: &'static str = "The SIS has several live records of one person with the email. Merge them in the SIS: keep one sourcedId and move every student to it.";

    fn message(&self) -> String {
        format!(
            "The SIS has {} records for {} with `{}`: {}; they are duplicates of one person.",
            self.details.len(),
            self.name,
            self.email,
            and_list(&self.details)
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
                    "Merge the duplicate records of {} in the SIS: keep one sourcedId, move every student to its agentSourcedIds, and set the others to tobedeleted.",
                    self.name
                ),
            )
            .records(self.ids.iter().cloned())
            .field("agentSourcedIds"),
        ]
    }
}

/// Only Bookmarked still has the parents with the email.
pub(crate) struct ParentNotInSource {
    pub(crate) email: String,
    /// The parents, as `Name (sourcedId)`.
    pub(crate) labels: Vec<String>,
    pub(crate) ids: Vec<String>,
    pub(crate) student_name: String,
    pub(crate) student_sid: String,
}

impl Violation for ParentNotInSource {
    const CODE: &'static str = "parent-not-in-source";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Sis;
    const SUMMARY: &'static str = "Only Bookmarked has a parent with the email: the SIS no longer sends them. Ask the district to add the parent back, linked to the student.";

    fn message(&self) -> String {
        format!(
            "The SIS sends no parent with the email `{}`; only Bookmarked still has {}: the SIS no longer sends them.",
            self.email,
            and_list(&self.labels)
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
                    "If {} should still see {}, ask the district to add the parent back to the SIS with the email `{}` and list the student in their agentSourcedIds.",
                    and_list(&self.labels),
                    self.student_name,
                    self.email
                ),
            )
            .records(self.ids.iter().cloned().chain([self.student_sid.clone()]))
            .field("agentSourcedIds"),
        ]
    }
}

/// The SIS has a parent with the email `tobedeleted` or disabled.
pub(crate) struct ParentInactiveInSource {
    pub(crate) name: String,
    pub(crate) sid: String,
    /// Whether the record is active but `enabledUser` is false.
    pub(crate) disabled: bool,
    /// The student the parent should see, when this is the cause diagnosed (else context).
    pub(crate) student: Option<String>,
}

impl ParentInactiveInSource {
    /// The finding for an SIS family user who is not live; `student` when it is the cause.
    pub(crate) fn of(u: &User, student: Option<String>) -> Self {
        Self {
            name: u.full_name(),
            sid: u.sourced_id.clone(),
            disabled: u.status.is_active(),
            student,
        }
    }
}

impl Violation for ParentInactiveInSource {
    const CODE: &'static str = "parent-inactive-in-source";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Sis;
    const SUMMARY: &'static str = "The SIS has the parent tobedeleted or disabled, so Bookmarked drops them. Info in `parent-conflicts`, where such a record is not counted as a live parent.";

    fn message(&self) -> String {
        format!(
            "The SIS has parent {} ({}) {}, so Bookmarked drops them.",
            self.name,
            self.sid,
            not_live_reason(self.disabled)
        )
    }

    fn records(&self) -> Vec<String> {
        vec![self.sid.clone()]
    }

    fn severity(&self) -> Severity {
        if self.student.is_some() {
            Self::SEVERITY
        } else {
            Severity::Info
        }
    }

    fn remediation(&self) -> Vec<Remediation> {
        let Some(student) = &self.student else {
            return Vec::new();
        };
        vec![
            Remediation::new(
                System::Sis,
                format!(
                    "If {} should still see {student}, make their SIS record active (status active, enabledUser true).",
                    self.name
                ),
            )
            .records([self.sid.clone()])
            .field(not_live_field(self.disabled)),
        ]
    }
}

/// The SIS does not link the parents with the email to the student.
pub(crate) struct ParentStudentLinkMissingInSource {
    /// The live parents, as `Name (sourcedId)`, and their ids.
    pub(crate) parents: Vec<String>,
    pub(crate) parent_ids: Vec<String>,
    pub(crate) student_name: String,
    pub(crate) student_sid: String,
    /// The student's family in the SIS, as `Name (sourcedId, state)`.
    pub(crate) family: Vec<String>,
}

impl Violation for ParentStudentLinkMissingInSource {
    const CODE: &'static str = "parent-student-link-missing-in-source";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Sis;
    const SUMMARY: &'static str = "Neither the parent nor the student lists the other in agentSourcedIds in the SIS, so Bookmarked never links them. Add the link in the SIS.";

    fn message(&self) -> String {
        let others = if self.family.is_empty() {
            "the student has no family linked at all".to_owned()
        } else {
            format!("the student's family there is {}", and_list(&self.family))
        };
        format!(
            "The SIS does not link {} to {} ({}): neither lists the other in agentSourcedIds, and {others}.",
            and_list(&self.parents),
            self.student_name,
            self.student_sid
        )
    }

    fn records(&self) -> Vec<String> {
        self.parent_ids
            .iter()
            .cloned()
            .chain([self.student_sid.clone()])
            .collect()
    }

    fn remediation(&self) -> Vec<Remediation> {
        let sid = &self.student_sid;
        vec![
            Remediation::new(
                System::Sis,
                format!(
                    "Add the parent's sourcedId to student {sid}'s agentSourcedIds (and {sid} to the parent's) in the SIS, if the parent is a guardian of {}.",
                    self.student_name
                ),
            )
            .records([sid.clone()].into_iter().chain(self.parent_ids.iter().cloned()))
            .field("agentSourcedIds"),
        ]
    }
}

/// The SIS has the parent live, Bookmarked has no active parent with their `sourcedId`.
pub(crate) struct ParentMissingInBookmarked {
    pub(crate) name: String,
    pub(crate) sid: String,
    /// The platform parent, as `Name (id, sourced_id …)`, when Bookmarked has it deleted.
    pub(crate) deleted: Option<String>,
    /// Platform parents with the email under other `sourced_id`s.
    pub(crate) strays: Vec<String>,
    /// Whether the SIS is wrong too, so this is context, not a cause.
    pub(crate) context_only: bool,
}

impl Violation for ParentMissingInBookmarked {
    const CODE: &'static str = "parent-missing-in-bookmarked";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Bookmarked;
    const SUMMARY: &'static str = "The SIS has the parent live but Bookmarked has no active parent with their sourcedId. Fix any import error, then re-run the district's import. A warning when the SIS must be fixed first.";

    fn message(&self) -> String {
        match &self.deleted {
            Some(bm) => format!(
                "Bookmarked has parent {bm} deleted although the SIS has {} ({}) active.",
                self.name, self.sid
            ),
            None if self.strays.is_empty() => {
                format!("Bookmarked has no parent with sourced_id {} ({}).", self.sid, self.name)
            }
            None => format!(
                "Bookmarked has no parent with sourced_id {} ({}). It has the email on {} instead.",
                self.sid,
                self.name,
                and_list(&self.strays)
            ),
        }
    }

    fn records(&self) -> Vec<String> {
        vec![self.sid.clone()]
    }

    fn severity(&self) -> Severity {
        if self.context_only {
            Severity::Warning
        } else {
            Self::SEVERITY
        }
    }

    fn remediation(&self) -> Vec<Remediation> {
        if self.context_only {
            return Vec::new();
        }
        vec![
            Remediation::new(
                System::Bookmarked,
                format!(
                    "Re-run the district's import so Bookmarked has parent {} ({}) active; fix any import error first.",
                    self.name, self.sid
                ),
            )
            .records([self.sid.clone()])
            .field("status"),
        ]
    }
}

/// Bookmarked has the parent deleted although the SIS has them live.
pub(crate) struct ParentDeletedInBookmarked {
    pub(crate) name: String,
    /// The platform id.
    pub(crate) id: String,
    pub(crate) sid: String,
}

impl Violation for ParentDeletedInBookmarked {
    const CODE: &'static str = "parent-deleted-in-bookmarked";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Bookmarked;
    const SUMMARY: &'static str =
        "The SIS has the parent live but Bookmarked has them deleted. Restore the parent, or re-run the import.";

    fn message(&self) -> String {
        format!(
            "Bookmarked has parent {} ({}) deleted although the SIS has them active.",
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
                format!("Restore parent {} (sourced_id {}) to active.", self.id, self.sid),
            )
            .records([self.id.clone()])
            .field("status"),
        ]
    }
}

/// Bookmarked has another email for the parent than the SIS.
pub(crate) struct ParentEmailDiffersInBookmarked {
    pub(crate) name: String,
    /// The platform id.
    pub(crate) id: String,
    pub(crate) sid: String,
    pub(crate) bm_email: Option<String>,
    pub(crate) sis_email: Option<String>,
}

impl ParentEmailDiffersInBookmarked {
    /// The finding for an SIS parent and the platform parent with its `sourcedId`.
    pub(crate) fn of(u: &User, b: &Parent) -> Self {
        Self {
            name: b.full_name(),
            id: b.id.clone(),
            sid: u.sourced_id.clone(),
            bm_email: b.email.clone(),
            sis_email: u.email.clone(),
        }
    }
}

impl Violation for ParentEmailDiffersInBookmarked {
    const CODE: &'static str = "parent-email-differs-in-bookmarked";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Bookmarked;
    const SUMMARY: &'static str = "Bookmarked has another email for the parent than the SIS. Set the SIS's email on the platform, or re-run the import.";

    fn message(&self) -> String {
        format!(
            "Bookmarked has parent {} ({}) with the email `{}`, the SIS with `{}`.",
            self.name,
            self.id,
            self.bm_email.as_deref().unwrap_or("(none)"),
            self.sis_email.as_deref().unwrap_or("(none)")
        )
    }

    fn records(&self) -> Vec<String> {
        vec![self.id.clone(), self.sid.clone()]
    }

    fn remediation(&self) -> Vec<Remediation> {
        let email = self.sis_email.as_deref().unwrap_or("(none)").trim().to_lowercase();
        vec![
            Remediation::new(
                System::Bookmarked,
                format!(
                    "Set parent {}'s email to `{email}` as in the SIS, or re-run the district's import.",
                    self.id
                ),
            )
            .records([self.id.clone()])
            .field("email")
            .values(self.sis_email.as_deref(), self.bm_email.as_deref(), Some(&email)),
        ]
    }
}

/// Bookmarked has another name for the parent than the SIS: one finding a field.
pub(crate) struct ParentNameDiffersInBookmarked {
    /// The platform id and name.
    pub(crate) id: String,
    pub(crate) bm_name: String,
    pub(crate) sis_name: String,
    pub(crate) sid: String,
    /// The field (`first_name` or `last_name`) and both values.
    pub(crate) diff: FieldDiff,
}

impl Violation for ParentNameDiffersInBookmarked {
    const CODE: &'static str = "parent-name-differs-in-bookmarked";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Bookmarked;
    const SUMMARY: &'static str = "Bookmarked has another first or last name for the parent (matched by sourcedId) than the SIS (often the email was reassigned, or the platform copy is stale). One finding a field, with both values. Rename the parent, or re-run the import.";

    fn message(&self) -> String {
        format!(
            "Bookmarked names parent {} `{}`, the SIS `{}` ({}): {} `{}` where the SIS has {} `{}`.",
            self.id,
            self.bm_name,
            self.sis_name,
            self.sid,
            self.diff.field,
            self.diff.bm,
            self.diff.sis_field,
            self.diff.sis
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
                    "Set parent {}'s {} to `{}` as in the SIS, or re-run the district's import.",
                    self.id, self.diff.field, self.diff.sis
                ),
            )
            .records([self.id.clone()])
            .field(self.diff.field),
        ]
    }
}

/// Bookmarked has several active parents with the email.
pub(crate) struct SeveralParentsWithEmailInBookmarked {
    pub(crate) email: String,
    /// The parents as `Name (id, sourced_id …)`, and their ids.
    pub(crate) labels: Vec<String>,
    pub(crate) ids: Vec<String>,
    /// Whether the SIS must give each person their own email first.
    pub(crate) sis_first: bool,
}

impl Violation for SeveralParentsWithEmailInBookmarked {
    const CODE: &'static str = "several-parents-with-email-in-bookmarked";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Bookmarked;
    const SUMMARY: &'static str = "Bookmarked has several active parents with the email. Keep the one the SIS sends (after the SIS is fixed, if it shares the email too).";

    fn message(&self) -> String {
        format!(
            "Bookmarked has {} active parents with `{}`: {}.",
            self.labels.len(),
            self.email,
            and_list(&self.labels)
        )
    }

    fn records(&self) -> Vec<String> {
        self.ids.clone()
    }

    fn remediation(&self) -> Vec<Remediation> {
        let email = &self.email;
        let action = if self.sis_first {
            format!(
                "Once the SIS gives each person their own email, re-run the district's import so only one active parent keeps `{email}`."
            )
        } else {
            format!(
                "Keep one active parent with `{email}` (the one the SIS sends); re-run the district's import or delete the others."
            )
        };
        vec![
            Remediation::new(System::Bookmarked, action)
                .records(self.ids.iter().cloned())
                .field("email"),
        ]
    }
}

/// What the SIS has for a platform parent that still carries the email.
pub(crate) enum SisParent {
    /// The SIS has them `tobedeleted` or disabled (the state).
    Inactive(&'static str),
    /// The SIS has them live with another email (or none).
    OtherEmail(Option<String>),
    /// The SIS does not send them under this email.
    Absent,
}

/// Bookmarked gives the email to a parent the SIS no longer gives it to.
pub(crate) struct StaleParentEmailInBookmarked {
    pub(crate) email: String,
    /// The platform parent as `Name (id, sourced_id …)`, its id and `sourced_id`.
    pub(crate) label: String,
    pub(crate) id: String,
    pub(crate) sid: String,
    pub(crate) sis: SisParent,
}

impl Violation for StaleParentEmailInBookmarked {
    const CODE: &'static str = "stale-parent-email-in-bookmarked";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Bookmarked;
    const SUMMARY: &'static str = "Bookmarked still gives the email to a parent the SIS deleted, gave another email, or no longer sends. Update or delete the platform parent, or re-run the import.";

    fn message(&self) -> String {
        let sid = &self.sid;
        let why = match &self.sis {
            SisParent::Inactive(state) => format!("the SIS has {sid} {state}"),
            SisParent::OtherEmail(e) => {
                format!("the SIS now has `{}` for {sid}", e.as_deref().unwrap_or("no email"))
            }
            SisParent::Absent => format!(
                "the SIS sends no parent with sourcedId {sid} under this email (it gave them another email or stopped sending them)"
            ),
        };
        format!(
            "Bookmarked still gives `{}` to {}, but {why}: the email is stale or was reassigned.",
            self.email, self.label
        )
    }

    fn records(&self) -> Vec<String> {
        vec![self.id.clone(), self.sid.clone()]
    }

    fn remediation(&self) -> Vec<Remediation> {
        let (id, sid) = (&self.id, &self.sid);
        let fix = match &self.sis {
            SisParent::OtherEmail(e) => Remediation::new(
                System::Bookmarked,
                format!(
                    "Set parent {id}'s email to `{}` as in the SIS, or re-run the district's import.",
                    e.as_deref().unwrap_or_default().trim().to_lowercase()
                ),
            )
            .field("email"),
            SisParent::Inactive(_) => Remediation::new(
                System::Bookmarked,
                format!(
                    "Set parent {id} (sourced_id {sid}) to deleted, since the SIS deleted them; or re-run the district's import."
                ),
            )
            .field("status"),
            SisParent::Absent => Remediation::new(
                System::Bookmarked,
                format!(
                    "Re-run the district's import so parent {id} (sourced_id {sid}) takes the email the SIS now has for them, or is deleted if the SIS no longer sends them; `{}` must not stay on this record.",
                    self.email
                ),
            )
            .field("email"),
        };
        vec![fix.records([id.clone()])]
    }
}

/// A parent has different students on each side.
pub(crate) struct ParentStudentsDiffer {
    /// The SIS parent as `Name (sourcedId)` and the platform id.
    pub(crate) label: String,
    pub(crate) id: String,
    /// Students linked only in the SIS, and only on the platform, as `Name (sourcedId)`.
    pub(crate) missing: Vec<String>,
    pub(crate) extra: Vec<String>,
    /// The parent's ids and the differing students' `sourcedId`s.
    pub(crate) ids: Vec<String>,
}

impl Violation for ParentStudentsDiffer {
    const CODE: &'static str = "parent-students-differ";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Bookmarked;
    const SUMMARY: &'static str = "The parent's parent_students rows on the platform do not match the students the SIS links. Make them match, or re-run the import.";

    fn message(&self) -> String {
        let mut parts = Vec::new();
        if !self.missing.is_empty() {
            parts.push(format!(
                "the SIS links {} but Bookmarked does not",
                and_list(&self.missing)
            ));
        }
        if !self.extra.is_empty() {
            parts.push(format!(
                "Bookmarked links {} but the SIS does not",
                and_list(&self.extra)
            ));
        }
        format!(
            "Parent {} has different students on each side: {}.",
            self.label,
            parts.join("; ")
        )
    }

    fn records(&self) -> Vec<String> {
        self.ids.clone()
    }

    fn remediation(&self) -> Vec<Remediation> {
        vec![
            Remediation::new(
                System::Bookmarked,
                format!(
                    "Make parent {}'s parent_students rows match the SIS (add the missing students, remove the others), or re-run the district's import.",
                    self.id
                ),
            )
            .records(self.ids.iter().cloned())
            .field("parent_students"),
        ]
    }
}

/// The SIS links parent and student, Bookmarked has no `parent_students` row.
pub(crate) struct ParentStudentLinkMissingInBookmarked {
    pub(crate) parent_name: String,
    pub(crate) parent_id: String,
    pub(crate) student_name: String,
    pub(crate) student_id: String,
}

impl Violation for ParentStudentLinkMissingInBookmarked {
    const CODE: &'static str = "parent-student-link-missing-in-bookmarked";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Bookmarked;
    const SUMMARY: &'static str = "The SIS links the parent and the student, Bookmarked has no parent_students row for them. Add the row, or re-run the import.";

    fn message(&self) -> String {
        format!(
            "Bookmarked has no parent_students row linking parent {} ({}) to student {} ({}).",
            self.parent_name, self.parent_id, self.student_name, self.student_id
        )
    }

    fn records(&self) -> Vec<String> {
        vec![self.parent_id.clone(), self.student_id.clone()]
    }

    fn remediation(&self) -> Vec<Remediation> {
        vec![
            Remediation::new(
                System::Bookmarked,
                format!(
                    "Add the parent_students row (parent_id {}, student_id {}) or re-run the district's import.",
                    self.parent_id, self.student_id
                ),
            )
            .records([self.parent_id.clone(), self.student_id.clone()])
            .field("parent_students"),
        ]
    }
}
