//! The reference backends: the query contract over tables held in memory.
//!
//! [`PlatformData::slice`] and [`Roster::slice`] are the slicing rule run over these;
//! every other backend must return the same slice, and the tests hold them to it.

use std::collections::HashSet;
use std::convert::Infallible;

use super::{ClassSeek, PersonSeek, PlatformQuery, RosterQuery, ready, slice_platform, slice_roster};
use crate::lookup::Lookup;
use crate::matching::{PersonName, normalize_email, same_text};
use crate::platform::{
    Class, Enrollment, ImportError, ImportRun, Organization, Parent, ParentStudent, PlatformData, Student,
};
use crate::roster::{self, Roster};

type Found<T> = Result<Vec<T>, Infallible>;

fn set(ids: &[String]) -> HashSet<&str> {
    ids.iter().map(String::as_str).collect()
}

/// The rows whose key is in `ids`, in table order.
fn by_key<T: Clone>(rows: &[T], ids: &[String], key: impl Fn(&T) -> &str) -> Vec<T> {
    let ids = set(ids);
    rows.iter().filter(|r| ids.contains(key(r))).cloned().collect()
}

/// The people sought, as sets (matched exactly: these tables can afford it).
struct Sought<'a> {
    seek: &'a PersonSeek,
    ids: HashSet<&'a str>,
    emails: HashSet<&'a str>,
}

impl<'a> Sought<'a> {
    fn new(seek: &'a PersonSeek) -> Self {
        Self {
            seek,
            ids: set(&seek.sourced_ids),
            emails: set(&seek.emails),
        }
    }

    fn person(&self, sourced_id: &str, email: Option<&str>, name: PersonName<'_>) -> bool {
        self.ids.contains(sourced_id)
            || email.is_some_and(|e| !self.emails.is_empty() && self.emails.contains(normalize_email(e).as_str()))
            || self.seek.matches_name(name)
    }
}

fn platform_name<'a>(first: &'a str, last: &'a str) -> PersonName<'a> {
    PersonName {
        given: first,
        family: last,
        ..PersonName::default()
    }
}

/// Whether a class (its ids and title) is sought by `seek`.
fn class_sought(seek: &ClassSeek, sourced_id: &str, ids: &[&str], title: &str) -> bool {
    seek.sourced_ids.iter().chain(&seek.titles).any(|s| s == sourced_id)
        || ids.iter().any(|id| seek.titles.iter().any(|t| t == id))
        || seek.titles.iter().any(|t| same_text(t, title))
}

impl PlatformQuery for PlatformData {
    type Error = Infallible;

    async fn seek_students(&self, seek: &PersonSeek) -> Found<Student> {
        let sought = Sought::new(seek);
        Ok(self
            .students
            .iter()
            .filter(|s| {
                sought.person(
                    &s.sourced_id,
                    s.email.as_deref(),
                    platform_name(&s.first_name, &s.last_name),
                )
            })
            .cloned()
            .collect())
    }

    async fn seek_parents(&self, seek: &PersonSeek) -> Found<Parent> {
        let sought = Sought::new(seek);
        Ok(self
            .parents
            .iter()
            .filter(|p| {
                sought.person(
                    &p.sourced_id,
                    p.email.as_deref(),
                    platform_name(&p.first_name, &p.last_name),
                )
            })
            .cloned()
            .collect())
    }

    async fn seek_classes(&self, seek: &ClassSeek) -> Found<Class> {
        Ok(self
            .classes
            .iter()
            .filter(|c| class_sought(seek, &c.sourced_id, &[&c.id], &c.title))
            .cloned()
            .collect())
    }

    async fn links(&self, student_ids: &[String], parent_ids: &[String]) -> Found<ParentStudent> {
        let (s, p) = (set(student_ids), set(parent_ids));
        Ok(self
            .parent_students
            .iter()
            .filter(|l| s.contains(l.student_id.as_str()) || p.contains(l.parent_id.as_str()))
            .cloned()
            .collect())
    }

    async fn enrollments(&self, student_ids: &[String], class_ids: &[String]) -> Found<Enrollment> {
        let (s, c) = (set(student_ids), set(class_ids));
        Ok(self
            .enrollments
            .iter()
            .filter(|e| s.contains(e.user_id.as_str()) || c.contains(e.class_id.as_str()))
            .cloned()
            .collect())
    }

    async fn students(&self, ids: &[String]) -> Found<Student> {
        Ok(by_key(&self.students, ids, |s| &s.id))
    }

    async fn parents(&self, ids: &[String]) -> Found<Parent> {
        Ok(by_key(&self.parents, ids, |p| &p.id))
    }

    async fn classes(&self, ids: &[String]) -> Found<Class> {
        Ok(by_key(&self.classes, ids, |c| &c.id))
    }

    async fn organizations(&self) -> Found<Organization> {
        Ok(self.organizations.clone())
    }

    async fn import_runs(&self) -> Found<ImportRun> {
        Ok(self.import_runs.clone())
    }

    async fn import_errors(&self, sourced_ids: &[String]) -> Found<ImportError> {
        Ok(by_key(&self.import_errors, sourced_ids, |e| &e.sourced_id))
    }
}

fn sis_name(u: &roster::User) -> PersonName<'_> {
    PersonName {
        given: &u.given_name,
        middle: u.middle_name.as_deref(),
        family: &u.family_name,
        preferred: u.preferred_given_name.as_deref(),
    }
}

impl RosterQuery for Roster {
    type Error = Infallible;

    async fn seek_users(&self, seek: &PersonSeek) -> Found<roster::User> {
        let sought = Sought::new(seek);
        Ok(self
            .users
            .iter()
            .filter(|u| sought.person(&u.sourced_id, u.email.as_deref(), sis_name(u)))
            .cloned()
            .collect())
    }

    async fn seek_classes(&self, seek: &ClassSeek) -> Found<roster::Class> {
        Ok(self
            .classes
            .iter()
            .filter(|c| {
                let code = c.class_code.as_deref().unwrap_or_default();
                class_sought(seek, &c.sourced_id, &[code], &c.title)
            })
            .cloned()
            .collect())
    }

    async fn users(&self, ids: &[String]) -> Found<roster::User> {
        Ok(by_key(&self.users, ids, |u| &u.sourced_id))
    }

    async fn agents_of(&self, ids: &[String]) -> Found<roster::User> {
        let ids = set(ids);
        Ok(self
            .users
            .iter()
            .filter(|u| u.agent_sourced_ids.iter().any(|a| ids.contains(a.as_str())))
            .cloned()
            .collect())
    }

    async fn enrollments(&self, user_ids: &[String], class_ids: &[String]) -> Found<roster::Enrollment> {
        let (u, c) = (set(user_ids), set(class_ids));
        Ok(self
            .enrollments
            .iter()
            .filter(|e| u.contains(e.user_sourced_id.as_str()) || c.contains(e.class_sourced_id.as_str()))
            .cloned()
            .collect())
    }

    async fn classes(&self, ids: &[String]) -> Found<roster::Class> {
        Ok(by_key(&self.classes, ids, |c| &c.sourced_id))
    }

    async fn courses(&self, ids: &[String]) -> Found<roster::Course> {
        Ok(by_key(&self.courses, ids, |c| &c.sourced_id))
    }

    async fn academic_sessions(&self, ids: &[String]) -> Found<roster::AcademicSession> {
        Ok(by_key(&self.academic_sessions, ids, |s| &s.sourced_id))
    }

    async fn orgs(&self) -> Found<roster::Org> {
        Ok(self.orgs.clone())
    }

    async fn provenance(&self) -> Result<(roster::Provenance, Vec<String>), Infallible> {
        Ok((self.provenance.clone(), self.warnings.clone()))
    }

    async fn invalid_records(&self, ids: &[String]) -> Result<Vec<(String, String)>, Infallible> {
        if self.invalid_records.is_empty() {
            return Ok(Vec::new());
        }
        Ok(ids
            .iter()
            .filter_map(|id| self.invalid_records.get(id).map(|why| (id.clone(), why.clone())))
            .collect())
    }

    async fn record_findings(&self, ids: &[String]) -> Result<Vec<(String, Vec<String>)>, Infallible> {
        if self.record_findings.is_empty() {
            return Ok(Vec::new());
        }
        Ok(ids
            .iter()
            .filter_map(|id| self.record_findings.get(id).map(|f| (id.clone(), f.clone())))
            .collect())
    }
}

impl PlatformData {
    /// The part of this platform data a lookup needs: the slicing rule of
    /// [`crate::slice`] over these tables.
    #[must_use]
    pub fn slice(&self, lookup: &Lookup) -> PlatformData {
        let Ok(data) = ready(slice_platform(self, lookup));
        data
    }
}

impl Roster {
    /// The part of this roster a lookup needs: the slicing rule of [`crate::slice`]
    /// over these tables.
    #[must_use]
    pub fn slice(&self, lookup: &Lookup) -> Roster {
        let Ok(roster) = ready(slice_roster(self, lookup));
        roster
    }
}
