//! The slicing rule keeps exactly the rows that match, whatever a backend's seek
//! returns beyond them: a backend whose seeks answer with every row (the coarsest
//! pre-filter a server could have) gives the reference slice, on both sides, for the
//! demo cases' lookups and for lookups drawn from the data.

use std::convert::Infallible;

use cdt_core::platform::{Class, Enrollment, ImportError, ImportRun, Organization, Parent, ParentStudent, Student};
use cdt_core::roster::{self, Roster};
use cdt_core::slice::{ClassSeek, PersonSeek, PlatformQuery, RosterQuery, slice_platform, slice_roster};
use cdt_core::{Lookup, PlatformData, SourceConnector as _};
use cdt_tests::conformance::{lookups_from, same};
use cdt_tests::{demo_lookups, demo_platform, root};

/// In-memory tables whose seeks return every row.
struct Coarse<'a, T>(&'a T);

type Found<T> = Result<Vec<T>, Infallible>;

impl PlatformQuery for Coarse<'_, PlatformData> {
    type Error = Infallible;
    async fn seek_students(&self, _: &PersonSeek) -> Found<Student> {
        Ok(self.0.students.clone())
    }
    async fn seek_parents(&self, _: &PersonSeek) -> Found<Parent> {
        Ok(self.0.parents.clone())
    }
    async fn seek_classes(&self, _: &ClassSeek) -> Found<Class> {
        Ok(self.0.classes.clone())
    }
    async fn links(&self, s: &[String], p: &[String]) -> Found<ParentStudent> {
        self.0.links(s, p).await
    }
    async fn enrollments(&self, s: &[String], c: &[String]) -> Found<Enrollment> {
        PlatformQuery::enrollments(self.0, s, c).await
    }
    async fn students(&self, ids: &[String]) -> Found<Student> {
        self.0.students(ids).await
    }
    async fn parents(&self, ids: &[String]) -> Found<Parent> {
        self.0.parents(ids).await
    }
    async fn classes(&self, ids: &[String]) -> Found<Class> {
        PlatformQuery::classes(self.0, ids).await
    }
    async fn organizations(&self) -> Found<Organization> {
        self.0.organizations().await
    }
    async fn import_runs(&self) -> Found<ImportRun> {
        self.0.import_runs().await
    }
    async fn import_errors(&self, ids: &[String]) -> Found<ImportError> {
        self.0.import_errors(ids).await
    }
}

impl RosterQuery for Coarse<'_, Roster> {
    type Error = Infallible;
    async fn seek_users(&self, _: &PersonSeek) -> Found<roster::User> {
        Ok(self.0.users.clone())
    }
    async fn seek_classes(&self, _: &ClassSeek) -> Found<roster::Class> {
        Ok(self.0.classes.clone())
    }
    async fn users(&self, ids: &[String]) -> Found<roster::User> {
        self.0.users(ids).await
    }
    async fn agents_of(&self, ids: &[String]) -> Found<roster::User> {
        self.0.agents_of(ids).await
    }
    async fn enrollments(&self, u: &[String], c: &[String]) -> Found<roster::Enrollment> {
        RosterQuery::enrollments(self.0, u, c).await
    }
    async fn classes(&self, ids: &[String]) -> Found<roster::Class> {
        RosterQuery::classes(self.0, ids).await
    }
    async fn courses(&self, ids: &[String]) -> Found<roster::Course> {
        self.0.courses(ids).await
    }
    async fn academic_sessions(&self, ids: &[String]) -> Found<roster::AcademicSession> {
        self.0.academic_sessions(ids).await
    }
    async fn orgs(&self) -> Found<roster::Org> {
        self.0.orgs().await
    }
    async fn provenance(&self) -> Result<(roster::Provenance, Vec<String>), Infallible> {
        self.0.provenance().await
    }
    async fn invalid_records(&self, ids: &[String]) -> Result<Vec<(String, String)>, Infallible> {
        self.0.invalid_records(ids).await
    }
    async fn record_findings(&self, ids: &[String]) -> Result<Vec<(String, Vec<String>)>, Infallible> {
        self.0.record_findings(ids).await
    }
}

#[tokio::test]
async fn a_coarse_platform_backend_gives_the_reference_slice() {
    let data = demo_platform().await;
    let lookups: Vec<(String, Lookup)> = demo_lookups()
        .await
        .into_iter()
        .chain(lookups_from(&data, 30))
        .collect();
    assert!(lookups.len() > 150, "{} lookups", lookups.len());
    for (story, lookup) in &lookups {
        let Ok(got) = slice_platform(&Coarse(&data), lookup).await;
        same(&got, &data.slice(lookup), story);
    }
}

#[tokio::test]
async fn a_coarse_roster_backend_gives_the_reference_slice() {
    let roster = cdt_connectors::OneRosterCsv::new(root().join("demo/oneroster"))
        .load()
        .await
        .unwrap();
    let mut lookups: Vec<Lookup> = demo_lookups().await.into_iter().map(|(_, l)| l).collect();
    for u in roster.users.iter().step_by(17) {
        lookups.push(Lookup::default().person(&format!("{} {}", u.family_name, u.given_name)));
        if let Some(email) = &u.email {
            lookups.push(Lookup::default().email(&email.to_uppercase()));
        }
    }
    for c in roster.classes.iter().step_by(9) {
        lookups.push(Lookup::default().class(&c.title));
        if let Some(code) = &c.class_code {
            lookups.push(Lookup::default().class(code));
        }
    }
    let mut nonempty = 0;
    for lookup in &lookups {
        let Ok(got) = slice_roster(&Coarse(&roster), lookup).await;
        let want = roster.slice(lookup);
        assert_eq!(got, want, "{lookup:?}");
        nonempty += usize::from(!want.users.is_empty());
    }
    assert!(nonempty > 60, "the lookups find people: {nonempty}");
}
