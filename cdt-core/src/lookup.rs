//! What a diagnostic needs fetched, and how a whole dataset is cut down to it.
//!
//! A tool turns its inputs into a [`Lookup`] (pure); a connector fetches the
//! matching slice of its data. Connectors that hold everything in memory use
//! [`Roster::slice`] and [`PlatformData::slice`]; database connectors can run the
//! same selection as indexed queries, as long as they return the same rows.
//!
//! The slice of a lookup holds:
//! 1. the *seeds*: people whose email is one of `emails` or whose name matches one
//!    of `person_names` (exactly or partly, see [`crate::matching`]), and classes whose
//!    title, code or id matches one of `class_titles`;
//! 2. the people linked to the seed people (a student's parents, a parent's students);
//! 3. the enrollments of all those people, and every enrollment of a seed class with
//!    its people;
//! 4. the classes, courses and sessions those enrollments point to;
//! 5. all orgs (a district has few), all import runs, and the import errors about any
//!    record in the slice or any of `sourced_ids`.
//!
//! Records whose SIS `sourcedId` is in `sourced_ids` are seeds too.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::matching::{NameMatch, PersonName, match_person, normalize_email, same_text};
use crate::platform::{Class, Enrollment, Parent, PlatformData, Student};
use crate::roster::Roster;

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
    ///
    /// The engine adds the ids of the source slice before fetching the platform
    /// slice, so a record renamed on one side is still found on the other.
    pub sourced_ids: BTreeSet<String>,
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

    fn matches_id(&self, id: &str) -> bool {
        self.sourced_ids.contains(id)
    }

    fn matches_email(&self, email: Option<&str>) -> bool {
        let Some(email) = email else { return false };
        let email = normalize_email(email);
        !email.is_empty() && self.emails.iter().any(|e| normalize_email(e) == email)
    }

    fn matches_name(&self, name: PersonName<'_>) -> bool {
        self.person_names
            .iter()
            .any(|q| match_person(q, name) != NameMatch::None)
    }

    fn matches_class(&self, ids: &[&str], title: &str) -> bool {
        self.class_titles
            .iter()
            .any(|q| same_text(q, title) || ids.iter().any(|id| q.trim() == *id))
    }
}

impl Roster {
    /// The part of this roster a lookup needs (see the [module docs](self)).
    #[must_use]
    pub fn slice(&self, lookup: &Lookup) -> Roster {
        let mut users: BTreeSet<usize> = BTreeSet::new();
        for (i, u) in self.users.iter().enumerate() {
            let name = PersonName {
                given: &u.given_name,
                middle: u.middle_name.as_deref(),
                family: &u.family_name,
                preferred: u.preferred_given_name.as_deref(),
            };
            if lookup.matches_id(&u.sourced_id) || lookup.matches_email(u.email.as_deref()) || lookup.matches_name(name)
            {
                users.insert(i);
            }
        }
        let by_id: HashMap<&str, usize> = self
            .users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.sourced_id.as_str(), i))
            .collect();
        // Agents, in both directions.
        let seeds: Vec<usize> = users.iter().copied().collect();
        let seed_ids: HashSet<&str> = seeds.iter().map(|&i| self.users[i].sourced_id.as_str()).collect();
        for &i in &seeds {
            for a in &self.users[i].agent_sourced_ids {
                if let Some(&j) = by_id.get(a.as_str()) {
                    users.insert(j);
                }
            }
        }
        for (j, u) in self.users.iter().enumerate() {
            if u.agent_sourced_ids.iter().any(|a| seed_ids.contains(a.as_str())) {
                users.insert(j);
            }
        }
        let seed_classes: HashSet<&str> = self
            .classes
            .iter()
            .filter(|c| {
                let code = c.class_code.as_deref().unwrap_or_default();
                lookup.matches_id(&c.sourced_id) || lookup.matches_class(&[&c.sourced_id, code], &c.title)
            })
            .map(|c| c.sourced_id.as_str())
            .collect();
        let user_ids: HashSet<&str> = users.iter().map(|&i| self.users[i].sourced_id.as_str()).collect();
        let enrollments: Vec<_> = self
            .enrollments
            .iter()
            .filter(|e| {
                user_ids.contains(e.user_sourced_id.as_str()) || seed_classes.contains(e.class_sourced_id.as_str())
            })
            .cloned()
            .collect();
        for e in &enrollments {
            if let Some(&j) = by_id.get(e.user_sourced_id.as_str()) {
                users.insert(j);
            }
        }
        let class_ids: HashSet<&str> = enrollments
            .iter()
            .map(|e| e.class_sourced_id.as_str())
            .chain(seed_classes.iter().copied())
            .collect();
        let classes: Vec<_> = self
            .classes
            .iter()
            .filter(|c| class_ids.contains(c.sourced_id.as_str()))
            .cloned()
            .collect();
        let course_ids: HashSet<&str> = classes.iter().map(|c| c.course_sourced_id.as_str()).collect();
        let term_ids: HashSet<&str> = classes
            .iter()
            .flat_map(|c| c.term_sourced_ids.iter().map(String::as_str))
            .collect();
        let mut sliced = Roster {
            orgs: self.orgs.clone(),
            users: users.into_iter().map(|i| self.users[i].clone()).collect(),
            courses: self
                .courses
                .iter()
                .filter(|c| course_ids.contains(c.sourced_id.as_str()))
                .cloned()
                .collect(),
            academic_sessions: self
                .academic_sessions
                .iter()
                .filter(|s| term_ids.contains(s.sourced_id.as_str()))
                .cloned()
                .collect(),
            classes,
            enrollments,
            provenance: self.provenance.clone(),
            warnings: self.warnings.clone(),
            invalid_records: std::collections::BTreeMap::new(),
        };
        if !self.invalid_records.is_empty() {
            let ids: HashSet<&str> = sliced
                .orgs
                .iter()
                .map(|o| o.sourced_id.as_str())
                .chain(sliced.users.iter().map(|u| u.sourced_id.as_str()))
                .chain(sliced.classes.iter().map(|c| c.sourced_id.as_str()))
                .chain(sliced.courses.iter().map(|c| c.sourced_id.as_str()))
                .chain(sliced.academic_sessions.iter().map(|s| s.sourced_id.as_str()))
                .chain(sliced.enrollments.iter().map(|e| e.sourced_id.as_str()))
                .collect();
            sliced.invalid_records = self
                .invalid_records
                .iter()
                .filter(|(id, _)| ids.contains(id.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
        }
        sliced
    }
}

/// The SIS sourcedIds whose platform import errors belong to a slice: those of every
/// sliced student, parent, class and enrollment, and the lookup's own sourcedIds.
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
        .chain(lookup.sourced_ids.iter().map(String::as_str))
        .collect()
}

fn person<'a>(first: &'a str, last: &'a str) -> PersonName<'a> {
    PersonName {
        given: first,
        family: last,
        ..PersonName::default()
    }
}

impl PlatformData {
    /// The part of this platform data a lookup needs (see the [module docs](self)).
    #[must_use]
    pub fn slice(&self, lookup: &Lookup) -> PlatformData {
        let mut students: BTreeSet<usize> = BTreeSet::new();
        let mut parents: BTreeSet<usize> = BTreeSet::new();
        for (i, s) in self.students.iter().enumerate() {
            if lookup.matches_id(&s.sourced_id)
                || lookup.matches_email(s.email.as_deref())
                || lookup.matches_name(person(&s.first_name, &s.last_name))
            {
                students.insert(i);
            }
        }
        for (i, p) in self.parents.iter().enumerate() {
            if lookup.matches_id(&p.sourced_id)
                || lookup.matches_email(p.email.as_deref())
                || lookup.matches_name(person(&p.first_name, &p.last_name))
            {
                parents.insert(i);
            }
        }
        let student_idx: HashMap<&str, usize> = self
            .students
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();
        let parent_idx: HashMap<&str, usize> = self
            .parents
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.as_str(), i))
            .collect();
        let seed_students: HashSet<&str> = students.iter().map(|&i| self.students[i].id.as_str()).collect();
        let seed_parents: HashSet<&str> = parents.iter().map(|&i| self.parents[i].id.as_str()).collect();
        for l in &self.parent_students {
            if seed_students.contains(l.student_id.as_str()) || seed_parents.contains(l.parent_id.as_str()) {
                if let Some(&i) = student_idx.get(l.student_id.as_str()) {
                    students.insert(i);
                }
                if let Some(&i) = parent_idx.get(l.parent_id.as_str()) {
                    parents.insert(i);
                }
            }
        }
        let seed_classes: HashSet<&str> = self
            .classes
            .iter()
            .filter(|c| lookup.matches_id(&c.sourced_id) || lookup.matches_class(&[&c.id, &c.sourced_id], &c.title))
            .map(|c| c.id.as_str())
            .collect();
        let wanted_students: HashSet<&str> = students.iter().map(|&i| self.students[i].id.as_str()).collect();
        let enrollments: Vec<_> = self
            .enrollments
            .iter()
            .filter(|e| wanted_students.contains(e.user_id.as_str()) || seed_classes.contains(e.class_id.as_str()))
            .cloned()
            .collect();
        for e in &enrollments {
            if let Some(&i) = student_idx.get(e.user_id.as_str()) {
                students.insert(i);
            }
        }
        let class_ids: HashSet<&str> = enrollments
            .iter()
            .map(|e| e.class_id.as_str())
            .chain(seed_classes.iter().copied())
            .collect();
        let students: Vec<_> = students.into_iter().map(|i| self.students[i].clone()).collect();
        let parents: Vec<_> = parents.into_iter().map(|i| self.parents[i].clone()).collect();
        let classes: Vec<_> = self
            .classes
            .iter()
            .filter(|c| class_ids.contains(c.id.as_str()))
            .cloned()
            .collect();
        let sourced = import_error_ids(lookup, &students, &parents, &classes, &enrollments);
        let import_errors = self
            .import_errors
            .iter()
            .filter(|e| sourced.contains(e.sourced_id.as_str()))
            .cloned()
            .collect();
        let kept_students: HashSet<&str> = students.iter().map(|s| s.id.as_str()).collect();
        let kept_parents: HashSet<&str> = parents.iter().map(|p| p.id.as_str()).collect();
        PlatformData {
            organizations: self.organizations.clone(),
            parent_students: self
                .parent_students
                .iter()
                .filter(|l| {
                    kept_students.contains(l.student_id.as_str()) && kept_parents.contains(l.parent_id.as_str())
                })
                .cloned()
                .collect(),
            students,
            parents,
            classes,
            enrollments,
            import_runs: self.import_runs.clone(),
            import_errors,
        }
    }
}
