//! What people see, compared field by field once a record is matched by `sourcedId`, and
//! the platform's namesakes of a student the SIS names uniquely.

use cdt_core::{Remediation, Severity, System};

use super::{Violation, and_list};

/// One field a platform copy holds differently from the SIS (the source of truth).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FieldDiff {
    /// The platform column, e.g. `first_name`.
    pub(crate) field: &'static str,
    /// The `OneRoster` field it is imported from, e.g. `givenName`.
    pub(crate) sis_field: &'static str,
    /// The SIS's value, as people read it.
    pub(crate) sis: String,
    /// The platform's value, as people read it.
    pub(crate) bm: String,
}

impl FieldDiff {
    /// The difference as a phrase: the platform field and value, then the SIS's.
    fn phrase(&self) -> String {
        format!(
            "{} `{}` where the SIS has {} `{}`",
            self.field, self.bm, self.sis_field, self.sis
        )
    }

    /// The step that fixes it: resync, or first fix what the import rejected.
    fn fix(&self, what: &str, id: &str, sid: &str, rejected: Option<&str>) -> Remediation {
        let action = match rejected {
            Some(msg) => format!(
                "Fix what the import rejected for `{sid}` ({msg}), then re-run the district's import so {what} {id} gets {} `{}` from the SIS.",
                self.field, self.sis
            ),
            None => format!(
                "Resync {what} {id} from the SIS (re-run the district's import), or set its {} to `{}` as in the SIS.",
                self.field, self.sis
            ),
        };
        Remediation::new(System::Bookmarked, action)
            .records([id.to_owned()])
            .field(self.field)
            .values(Some(&self.sis), Some(&self.bm), Some(&self.sis))
    }
}

/// ` The import rejected the SIS's record: …` when it did.
fn rejected_note(rejected: Option<&str>) -> String {
    rejected.map_or_else(String::new, |m| format!(" The import rejected the SIS's record: {m}."))
}

/// A student matched by `sourcedId` whose platform copy shows another value.
pub(crate) struct StudentFieldDiffersInBookmarked {
    pub(crate) name: String,
    /// The platform id and the SIS `sourcedId`.
    pub(crate) id: String,
    pub(crate) sid: String,
    pub(crate) diff: FieldDiff,
    /// The latest import error about the student, if the import rejected them.
    pub(crate) rejected: Option<String>,
}

impl Violation for StudentFieldDiffersInBookmarked {
    const CODE: &'static str = "student-field-differs-in-bookmarked";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Bookmarked;
    const SUMMARY: &'static str = "Bookmarked shows the student (matched by sourcedId) with another given, preferred or family name, email, school or grade than the SIS, the source of truth: the platform copy is stale. Resync it (re-run the import); when the import rejected the record, fix what it rejected first. Case, accents and spacing are not differences.";

    fn message(&self) -> String {
        format!(
            "Bookmarked shows student {} ({}) with {} ({}).{}",
            self.name,
            self.id,
            self.diff.phrase(),
            self.sid,
            rejected_note(self.rejected.as_deref())
        )
    }

    fn records(&self) -> Vec<String> {
        vec![self.id.clone(), self.sid.clone()]
    }

    fn remediation(&self) -> Vec<Remediation> {
        vec![self.diff.fix("student", &self.id, &self.sid, self.rejected.as_deref())]
    }
}

/// A class matched by `sourcedId` whose platform copy shows another value.
pub(crate) struct ClassFieldDiffersInBookmarked {
    pub(crate) title: String,
    /// The platform id and the SIS `sourcedId`.
    pub(crate) id: String,
    pub(crate) sid: String,
    pub(crate) diff: FieldDiff,
    /// The latest import error about the class, if the import rejected it.
    pub(crate) rejected: Option<String>,
}

impl Violation for ClassFieldDiffersInBookmarked {
    const CODE: &'static str = "class-field-differs-in-bookmarked";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Bookmarked;
    const SUMMARY: &'static str = "Bookmarked shows the class (matched by sourcedId) with another title, school or period (term) than the SIS, the source of truth: the platform copy is stale. Resync it (re-run the import); when the import rejected the class, fix what it rejected first.";

    fn message(&self) -> String {
        format!(
            "Bookmarked shows class {} ({}) with {} ({}).{}",
            self.title,
            self.id,
            self.diff.phrase(),
            self.sid,
            rejected_note(self.rejected.as_deref())
        )
    }

    fn records(&self) -> Vec<String> {
        vec![self.id.clone(), self.sid.clone()]
    }

    fn remediation(&self) -> Vec<Remediation> {
        vec![self.diff.fix("class", &self.id, &self.sid, self.rejected.as_deref())]
    }
}

/// The SIS names one student, and Bookmarked also has active students of that name the SIS
/// does not send.
pub(crate) struct StudentNamesakeInBookmarked {
    /// The student the SIS names, as `Name (sourcedId, school)`.
    pub(crate) chosen: String,
    /// The platform namesakes, as `Name (id, sourced_id …, school)`.
    pub(crate) labels: Vec<String>,
    /// Their platform ids and `sourced_id`s.
    pub(crate) ids: Vec<String>,
}

impl Violation for StudentNamesakeInBookmarked {
    const CODE: &'static str = "student-namesake-in-bookmarked";
    const SEVERITY: Severity = Severity::Error;
    const SYSTEM: System = System::Bookmarked;
    const SUMMARY: &'static str = "The SIS has one student of that name, but Bookmarked also has an active student of the name that the SIS does not send: a duplicate or a leftover record. The SIS's student is diagnosed; delete (or merge) the platform-only record.";

    fn message(&self) -> String {
        format!(
            "The SIS has one student of that name, {}, but Bookmarked also has {}, which the SIS does not send: a duplicate or a leftover record.",
            self.chosen,
            and_list(&self.labels)
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
                    "Check whether {} is {} under an old sourced_id (then merge it into the SIS's record) or a leftover; either way delete the platform-only record, or re-run the district's import.",
                    and_list(&self.labels),
                    self.chosen
                ),
            )
            .records(self.ids.iter().cloned())
            .field("status"),
        ]
    }
}
