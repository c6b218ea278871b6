//! What a diagnostic needs fetched: the seeds of its slice of data.
//!
//! A tool turns its inputs into a [`Lookup`] (pure); a connector fetches the matching
//! slice of its data by the one slicing rule of [`crate::slice`].

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::matching::{NameMatch, PersonName, match_person, normalize_email, same_text};
use crate::platform::{Class, Enrollment, Parent, Student};

/// What a diagnostic needs: the seeds of its slice of data.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lookup {
    /// People with these emails.
    pub emails: Vec<String>,
    /// People whose name matches these.
    pub person_names: Vec<String>,
    /// Classes whose title, class code or id matches these.
    pub class_titles: Vec<String>,
    /// Records (people, classes, enrollments) with these SIS `sourcedId`s.
    pub sourced_ids: BTreeSet<String>,
    /// The SIS `sourcedId`s of the records in the source slice, which the engine adds
    /// before fetching the platform slice ([`crate::engine::platform_lookup`]), so a
    /// record renamed on one side is still found on the other. People with one of them
    /// are seeds, as with `sourced_ids`; a class with one of them is kept, but it is
    /// not a seed class: its other enrollments (the student's classmates) are not the
    /// case's.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub slice_ids: BTreeSet<String>,
}

impl Lookup {
    /// A lookup by email.
    #[must_use]
    pub fn email(mut self, email: &str) -> Self {
        self.emails.push(email.to_owned());
        self
    }

    /// A lookup by person name.
    #[must_use]
    pub fn person(mut self, name: &str) -> Self {
        self.person_names.push(name.to_owned());
        self
    }

    /// A lookup by class.
    #[must_use]
    pub fn class(mut self, title: &str) -> Self {
        self.class_titles.push(title.to_owned());
        self
    }

    /// A lookup by SIS `sourcedId`.
    #[must_use]
    pub fn sourced_id(mut self, id: &str) -> Self {
        self.sourced_ids.insert(id.to_owned());
        self
    }

    /// Whether a record's SIS `sourcedId` is one of the lookup's.
    #[must_use]
    pub fn matches_id(&self, id: &str) -> bool {
        self.sourced_ids.contains(id)
    }

    /// Whether a `sourcedId` is one of the lookup's own or one of the source slice's
    /// ([`Lookup::slice_ids`]).
    #[must_use]
    pub fn matches_any_id(&self, id: &str) -> bool {
        self.sourced_ids.contains(id) || self.slice_ids.contains(id)
    }

    /// Every `sourcedId` the lookup names, its own and the source slice's, in order.
    pub fn all_ids(&self) -> impl Iterator<Item = &String> {
        self.sourced_ids.union(&self.slice_ids)
    }

    /// Whether an email is one of the lookup's (compared without case or spaces).
    #[must_use]
    pub fn matches_email(&self, email: Option<&str>) -> bool {
        let Some(email) = email else { return false };
        let email = normalize_email(email);
        !email.is_empty() && self.emails.iter().any(|e| normalize_email(e) == email)
    }

    /// Whether a name matches one of the lookup's, exactly or partly.
    #[must_use]
    pub fn matches_name(&self, name: PersonName<'_>) -> bool {
        self.person_names
            .iter()
            .any(|q| match_person(q, name) != NameMatch::None)
    }

    /// Whether a class matches one of the lookup's class titles: by title (as text),
    /// or by one of `ids` (its id, `sourcedId` or class code) typed exactly.
    #[must_use]
    pub fn matches_class(&self, ids: &[&str], title: &str) -> bool {
        self.class_titles
            .iter()
            .any(|q| same_text(q, title) || ids.iter().any(|id| q.trim() == *id))
    }
}

/// The SIS sourcedIds whose platform import errors belong to a slice: those of every
/// sliced student, parent, class and enrollment, and the lookup's own sourcedIds and
/// the source slice's.
///
/// The reference slicing and every querying connector keep import errors by this one rule.
#[must_use]
pub fn import_error_ids<'a>(
    lookup: &'a Lookup,
    students: &'a [Student],
    parents: &'a [Parent],
    classes: &'a [Class],
    enrollments: &'a [Enrollment],
) -> BTreeSet<&'a str> {
    students
        .iter()
        .map(|s| s.sourced_id.as_str())
        .chain(parents.iter().map(|p| p.sourced_id.as_str()))
        .chain(classes.iter().map(|c| c.sourced_id.as_str()))
        .chain(enrollments.iter().map(|e| e.sourced_id.as_str()))
        .chain(lookup.all_ids().map(String::as_str))
        .collect()
}
