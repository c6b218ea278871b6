//! The query contract over in-memory tables, indexed once: for slicing many cases out
//! of one loaded district (a sweep) without scanning the tables for each case.
//!
//! [`IndexedRoster`] and [`IndexedPlatform`] answer the same queries as the reference
//! backends of [`super::memory`] and return rows in table order, so a slice taken
//! through them is the reference slice; only the cost differs. A person seek by name
//! returns the people who have, for each word of the query, a name word with the same
//! [`search_key`] (a superset: the slicing rule keeps the exact matches); a query with
//! no such key falls back to a scan.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;

use super::{ClassSeek, PersonSeek, PlatformQuery, RosterQuery, ready, slice_platform, slice_roster};
use crate::lookup::Lookup;
use crate::matching::{normalize_email, normalize_text, search_key, tokens};
use crate::platform::{
    Class, Enrollment, ImportError, ImportRun, Organization, Parent, ParentStudent, PlatformData, Student,
};
use crate::roster::{self, Roster};

type Found<T> = Result<Vec<T>, Infallible>;

/// Row positions by key, each list in table order.
#[derive(Debug, Default)]
struct Positions(HashMap<String, Vec<usize>>);

impl Positions {
    fn add(&mut self, key: impl Into<String>, row: usize) {
        let rows = self.0.entry(key.into()).or_default();
        if rows.last() != Some(&row) {
            rows.push(row);
        }
    }

    fn extend_from(&self, key: &str, out: &mut Vec<usize>) {
        if let Some(rows) = self.0.get(key) {
            out.extend(rows);
        }
    }
}

/// The positions of the rows under these keys.
fn positions(index: &Positions, ids: &[String]) -> Vec<usize> {
    let mut at = Vec::new();
    for id in ids {
        index.extend_from(id, &mut at);
    }
    at
}

/// The rows at these positions, in table order, once each.
fn rows<T: Clone>(table: &[T], mut at: Vec<usize>) -> Vec<T> {
    at.sort_unstable();
    at.dedup();
    at.into_iter().filter_map(|i| table.get(i).cloned()).collect()
}

/// The name words' search keys of a person, for the name index.
fn name_keys<'a>(parts: impl IntoIterator<Item = &'a str>) -> HashSet<String> {
    parts
        .into_iter()
        .flat_map(tokens)
        .map(|w| search_key(&w))
        .filter(|k| !k.is_empty())
        .collect()
}

/// People indexed by `sourcedId`, email and name word.
#[derive(Debug, Default)]
struct PersonIndex {
    ids: Positions,
    emails: Positions,
    name_keys: Positions,
}

impl PersonIndex {
    fn add<'a>(&mut self, row: usize, sourced_id: &str, email: Option<&str>, names: impl IntoIterator<Item = &'a str>) {
        self.ids.add(sourced_id, row);
        if let Some(e) = email {
            let e = normalize_email(e);
            if !e.is_empty() {
                self.emails.add(e, row);
            }
        }
        for k in name_keys(names) {
            self.name_keys.add(k, row);
        }
    }

    /// The positions of the people that may match `seek` (a superset), or `None` when a
    /// name query has no search key and only a scan can answer.
    fn seek(&self, seek: &PersonSeek) -> Option<Vec<usize>> {
        let mut out = Vec::new();
        for id in &seek.sourced_ids {
            self.ids.extend_from(id, &mut out);
        }
        for e in &seek.emails {
            self.emails.extend_from(e, &mut out);
        }
        for n in &seek.names {
            if n.keys.is_empty() {
                return None;
            }
            // Every word of a matching name's query is one of its name words: the people
            // under every key, from the shortest list.
            let mut lists: Vec<&[usize]> = n
                .keys
                .iter()
                .map(|k| self.name_keys.0.get(k).map_or(&[][..], Vec::as_slice))
                .collect();
            lists.sort_by_key(|l| l.len());
            let (first, rest) = lists.split_first()?;
            out.extend(
                first
                    .iter()
                    .filter(|row| rest.iter().all(|l| l.binary_search(row).is_ok())),
            );
        }
        Some(out)
    }
}

/// Classes indexed by ids and normalised title.
#[derive(Debug, Default)]
struct ClassIndex {
    by_id: Positions,
    by_title: Positions,
}

impl ClassIndex {
    fn add(&mut self, row: usize, ids: &[&str], title: &str) {
        for id in ids {
            if !id.is_empty() {
                self.by_id.add(*id, row);
            }
        }
        self.by_title.add(normalize_text(title), row);
    }

    fn seek(&self, seek: &ClassSeek) -> Vec<usize> {
        let mut out = Vec::new();
        for id in seek.sourced_ids.iter().chain(&seek.titles) {
            self.by_id.extend_from(id, &mut out);
        }
        for t in &seek.titles {
            self.by_title.extend_from(&normalize_text(t), &mut out);
        }
        out
    }
}

/// A roster with the indexes its queries need, built once.
#[derive(Debug)]
pub struct IndexedRoster<'a> {
    roster: &'a Roster,
    people: PersonIndex,
    classes: ClassIndex,
    users_by_id: Positions,
    agents_of: Positions,
    enrollments_by_user: Positions,
    enrollments_by_class: Positions,
    class_by_id: Positions,
    course_by_id: Positions,
    session_by_id: Positions,
}

impl<'a> IndexedRoster<'a> {
    /// Indexes a roster.
    #[must_use]
    pub fn new(roster: &'a Roster) -> Self {
        let mut ix = Self {
            roster,
            people: PersonIndex::default(),
            classes: ClassIndex::default(),
            users_by_id: Positions::default(),
            agents_of: Positions::default(),
            enrollments_by_user: Positions::default(),
            enrollments_by_class: Positions::default(),
            class_by_id: Positions::default(),
            course_by_id: Positions::default(),
            session_by_id: Positions::default(),
        };
        for (i, u) in roster.users.iter().enumerate() {
            let names = [
                Some(u.given_name.as_str()),
                Some(u.family_name.as_str()),
                u.middle_name.as_deref(),
                u.preferred_given_name.as_deref(),
            ];
            ix.people
                .add(i, &u.sourced_id, u.email.as_deref(), names.into_iter().flatten());
            ix.users_by_id.add(u.sourced_id.as_str(), i);
            for a in &u.agent_sourced_ids {
                ix.agents_of.add(a.as_str(), i);
            }
        }
        for (i, c) in roster.classes.iter().enumerate() {
            let code = c.class_code.as_deref().unwrap_or_default();
            ix.classes.add(i, &[&c.sourced_id, code], &c.title);
            ix.class_by_id.add(c.sourced_id.as_str(), i);
        }
        for (i, e) in roster.enrollments.iter().enumerate() {
            ix.enrollments_by_user.add(e.user_sourced_id.as_str(), i);
            ix.enrollments_by_class.add(e.class_sourced_id.as_str(), i);
        }
        for (i, c) in roster.courses.iter().enumerate() {
            ix.course_by_id.add(c.sourced_id.as_str(), i);
        }
        for (i, s) in roster.academic_sessions.iter().enumerate() {
            ix.session_by_id.add(s.sourced_id.as_str(), i);
        }
        ix
    }

    /// The roster indexed.
    #[must_use]
    pub fn roster(&self) -> &'a Roster {
        self.roster
    }

    /// The slice of a lookup: the same as [`Roster::slice`], from the indexes.
    #[must_use]
    pub fn slice(&self, lookup: &Lookup) -> Roster {
        let Ok(roster) = ready(slice_roster(self, lookup));
        roster
    }
}

impl RosterQuery for IndexedRoster<'_> {
    type Error = Infallible;

    async fn seek_users(&self, seek: &PersonSeek) -> Found<roster::User> {
        match self.people.seek(seek) {
            Some(at) => Ok(rows(&self.roster.users, at)),
            None => self.roster.seek_users(seek).await,
        }
    }

    async fn seek_classes(&self, seek: &ClassSeek) -> Found<roster::Class> {
        Ok(rows(&self.roster.classes, self.classes.seek(seek)))
    }

    async fn users(&self, ids: &[String]) -> Found<roster::User> {
        Ok(rows(&self.roster.users, positions(&self.users_by_id, ids)))
    }

    async fn agents_of(&self, ids: &[String]) -> Found<roster::User> {
        Ok(rows(&self.roster.users, positions(&self.agents_of, ids)))
    }

    async fn enrollments(&self, user_ids: &[String], class_ids: &[String]) -> Found<roster::Enrollment> {
        let mut at = positions(&self.enrollments_by_user, user_ids);
        at.extend(positions(&self.enrollments_by_class, class_ids));
        Ok(rows(&self.roster.enrollments, at))
    }

    async fn classes(&self, ids: &[String]) -> Found<roster::Class> {
        Ok(rows(&self.roster.classes, positions(&self.class_by_id, ids)))
    }

    async fn courses(&self, ids: &[String]) -> Found<roster::Course> {
        Ok(rows(&self.roster.courses, positions(&self.course_by_id, ids)))
    }

    async fn academic_sessions(&self, ids: &[String]) -> Found<roster::AcademicSession> {
        Ok(rows(
            &self.roster.academic_sessions,
            positions(&self.session_by_id, ids),
        ))
    }

    async fn orgs(&self) -> Found<roster::Org> {
        self.roster.orgs().await
    }

    async fn provenance(&self) -> Result<(roster::Provenance, Vec<String>), Infallible> {
        self.roster.provenance().await
    }

    async fn invalid_records(&self, ids: &[String]) -> Result<Vec<(String, String)>, Infallible> {
        self.roster.invalid_records(ids).await
    }

    async fn record_findings(&self, ids: &[String]) -> Result<Vec<(String, Vec<String>)>, Infallible> {
        self.roster.record_findings(ids).await
    }
}

/// A platform copy with the indexes its queries need, built once.
#[derive(Debug)]
pub struct IndexedPlatform<'a> {
    data: &'a PlatformData,
    students: PersonIndex,
    parents: PersonIndex,
    classes: ClassIndex,
    student_by_id: Positions,
    parent_by_id: Positions,
    class_by_id: Positions,
    links_by_student: Positions,
    links_by_parent: Positions,
    enrollments_by_student: Positions,
    enrollments_by_class: Positions,
    errors_by_sourced_id: Positions,
}

impl<'a> IndexedPlatform<'a> {
    /// Indexes a platform copy.
    #[must_use]
    pub fn new(data: &'a PlatformData) -> Self {
        let mut ix = Self {
            data,
            students: PersonIndex::default(),
            parents: PersonIndex::default(),
            classes: ClassIndex::default(),
            student_by_id: Positions::default(),
            parent_by_id: Positions::default(),
            class_by_id: Positions::default(),
            links_by_student: Positions::default(),
            links_by_parent: Positions::default(),
            enrollments_by_student: Positions::default(),
            enrollments_by_class: Positions::default(),
            errors_by_sourced_id: Positions::default(),
        };
        for (i, s) in data.students.iter().enumerate() {
            ix.students.add(
                i,
                &s.sourced_id,
                s.email.as_deref(),
                [s.first_name.as_str(), s.last_name.as_str()],
            );
            ix.student_by_id.add(s.id.as_str(), i);
        }
        for (i, p) in data.parents.iter().enumerate() {
            ix.parents.add(
                i,
                &p.sourced_id,
                p.email.as_deref(),
                [p.first_name.as_str(), p.last_name.as_str()],
            );
            ix.parent_by_id.add(p.id.as_str(), i);
        }
        for (i, c) in data.classes.iter().enumerate() {
            ix.classes.add(i, &[&c.sourced_id, &c.id], &c.title);
            ix.class_by_id.add(c.id.as_str(), i);
        }
        for (i, l) in data.parent_students.iter().enumerate() {
            ix.links_by_student.add(l.student_id.as_str(), i);
            ix.links_by_parent.add(l.parent_id.as_str(), i);
        }
        for (i, e) in data.enrollments.iter().enumerate() {
            ix.enrollments_by_student.add(e.user_id.as_str(), i);
            ix.enrollments_by_class.add(e.class_id.as_str(), i);
        }
        for (i, e) in data.import_errors.iter().enumerate() {
            ix.errors_by_sourced_id.add(e.sourced_id.as_str(), i);
        }
        ix
    }

    /// The platform copy indexed.
    #[must_use]
    pub fn data(&self) -> &'a PlatformData {
        self.data
    }

    /// The slice of a lookup: the same as [`PlatformData::slice`], from the indexes.
    #[must_use]
    pub fn slice(&self, lookup: &Lookup) -> PlatformData {
        let Ok(data) = ready(slice_platform(self, lookup));
        data
    }
}

impl PlatformQuery for IndexedPlatform<'_> {
    type Error = Infallible;

    async fn seek_students(&self, seek: &PersonSeek) -> Found<Student> {
        match self.students.seek(seek) {
            Some(at) => Ok(rows(&self.data.students, at)),
            None => self.data.seek_students(seek).await,
        }
    }

    async fn seek_parents(&self, seek: &PersonSeek) -> Found<Parent> {
        match self.parents.seek(seek) {
            Some(at) => Ok(rows(&self.data.parents, at)),
            None => self.data.seek_parents(seek).await,
        }
    }

    async fn seek_classes(&self, seek: &ClassSeek) -> Found<Class> {
        Ok(rows(&self.data.classes, self.classes.seek(seek)))
    }

    async fn links(&self, student_ids: &[String], parent_ids: &[String]) -> Found<ParentStudent> {
        let mut at = positions(&self.links_by_student, student_ids);
        at.extend(positions(&self.links_by_parent, parent_ids));
        Ok(rows(&self.data.parent_students, at))
    }

    async fn enrollments(&self, student_ids: &[String], class_ids: &[String]) -> Found<Enrollment> {
        let mut at = positions(&self.enrollments_by_student, student_ids);
        at.extend(positions(&self.enrollments_by_class, class_ids));
        Ok(rows(&self.data.enrollments, at))
    }

    async fn students(&self, ids: &[String]) -> Found<Student> {
        Ok(rows(&self.data.students, positions(&self.student_by_id, ids)))
    }

    async fn parents(&self, ids: &[String]) -> Found<Parent> {
        Ok(rows(&self.data.parents, positions(&self.parent_by_id, ids)))
    }

    async fn classes(&self, ids: &[String]) -> Found<Class> {
        Ok(rows(&self.data.classes, positions(&self.class_by_id, ids)))
    }

    async fn organizations(&self) -> Found<Organization> {
        self.data.organizations().await
    }

    async fn import_runs(&self) -> Found<ImportRun> {
        self.data.import_runs().await
    }

    async fn import_errors(&self, sourced_ids: &[String]) -> Found<ImportError> {
        Ok(rows(
            &self.data.import_errors,
            positions(&self.errors_by_sourced_id, sourced_ids),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::PlatformStatus;
    use crate::roster::{RecordStatus, Role, User, UserRole};

    fn user(id: &str, given: &str, family: &str, email: &str, role: Role, agents: &[&str]) -> User {
        User {
            sourced_id: id.into(),
            status: RecordStatus::Active,
            enabled: true,
            roles: vec![UserRole {
                role,
                org_sourced_id: "sch".into(),
                primary: true,
            }],
            username: id.into(),
            given_name: given.into(),
            family_name: family.into(),
            middle_name: None,
            preferred_given_name: None,
            identifier: None,
            email: Some(email.into()),
            phone: None,
            agent_sourced_ids: agents.iter().map(|a| (*a).to_owned()).collect(),
            grades: Vec::new(),
        }
    }

    fn student(id: &str, first: &str, last: &str) -> Student {
        Student {
            id: format!("bm-{id}"),
            sourced_id: id.into(),
            organization_id: "bm-sch".into(),
            first_name: first.into(),
            last_name: last.into(),
            email: None,
            grade: None,
            student_number: None,
            status: PlatformStatus::Active,
        }
    }

    /// The indexed slices are the reference slices, for lookups by id, email and name
    /// (with accents, both orders, partial names and a name with no ASCII key).
    #[test]
    fn indexed_slices_are_the_reference_slices() {
        let roster = Roster {
            users: vec![
                user("s1", "María José", "García-López", "mj@x.org", Role::Student, &[]),
                user("s2", "Ana", "García", "ana@x.org", Role::Student, &[]),
                user("p1", "Luz", "López", "LUZ@x.org ", Role::Parent, &["s1"]),
                user("s3", "小龍", "李", "li@x.org", Role::Student, &[]),
            ],
            ..Roster::default()
        };
        let platform = PlatformData {
            students: vec![
                student("s1", "Maria Jose", "Garcia Lopez"),
                student("s2", "Ana", "Garcia"),
                student("s3", "小龍", "李"),
            ],
            parents: vec![Parent {
                id: "bm-p1".into(),
                sourced_id: "p1".into(),
                first_name: "Luz".into(),
                last_name: "López".into(),
                email: Some("luz@x.org".into()),
                phone: None,
                status: PlatformStatus::Active,
            }],
            parent_students: vec![ParentStudent {
                parent_id: "bm-p1".into(),
                student_id: "bm-s1".into(),
            }],
            ..PlatformData::default()
        };
        let (ir, ip) = (IndexedRoster::new(&roster), IndexedPlatform::new(&platform));
        let lookups = [
            Lookup::default().person("garcia lopez, maria jose"),
            Lookup::default().person("Garcia"),
            Lookup::default().email("luz@X.org"),
            Lookup::default().sourced_id("s2").person("s2"),
            Lookup::default().person("李 小龍"),
            Lookup::default().person("Nobody Here").email("none@x.org"),
        ];
        for l in &lookups {
            assert_eq!(ir.slice(l), roster.slice(l), "{l:?}");
            assert_eq!(ip.slice(l), platform.slice(l), "{l:?}");
        }
    }
}
