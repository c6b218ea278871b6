//! How a case's slice of data is found: the slicing rule, written once.
//!
//! A tool turns its inputs into a [`Lookup`]. The slice of a lookup holds:
//! 1. the *seeds*: people whose email is one of the lookup's emails, whose SIS
//!    `sourcedId` is one of its `sourced_ids`, or whose name matches one of its names
//!    (exactly or partly, see [`crate::matching`]); and classes whose title, code, id or
//!    `sourcedId` matches one of its class titles or `sourced_ids`;
//! 2. the people linked to the seed people (a student's parents, a parent's students);
//! 3. the enrollments of all those people, and every enrollment of a seed class, with
//!    the people of those enrollments;
//! 4. the classes those enrollments point to (and, on the SIS side, their courses and
//!    terms);
//! 5. all orgs (a district has few); on the platform, all import runs and the import
//!    errors about any record in the slice or any of the lookup's `sourced_ids`.
//!
//! On the platform side the lookup also carries the source slice's `sourcedId`s
//! ([`Lookup::slice_ids`]): people with them are seeds, and classes with them are kept
//! (step 4) without being seed classes, so a student's case holds their classes, not
//! every classmate's enrollment.
//!
//! The algorithm lives here once ([`slice_platform`], [`slice_roster`]) and runs over a
//! narrow, batch-shaped query contract ([`PlatformQuery`], [`RosterQuery`]): each method
//! is one query or one request of a backend. Backends (the in-memory tables of
//! [`memory`], SQLite, PostgreSQL, the platform API, a OneRoster REST API) implement
//! only the contract; none of them repeats the steps. A *seek* method may return more
//! rows than match (a server's coarse pre-filter), never fewer: the algorithm keeps
//! only the rows that match the lookup exactly, with the same rule for every backend.
//!
//! Every method answers within the district's scope and returns rows in the backend's
//! storage order, so the slice of one backend is always in the same order.

use std::future::Future;

use crate::lookup::Lookup;
use crate::matching::{NameMatch, NameQuery, PersonName, normalize_email, query_search_keys, search_key};
use crate::platform::{Class, Enrollment, ImportError, ImportRun, Organization, Parent, ParentStudent, Student};
use crate::roster;

pub mod index;
pub mod memory;
mod platform;
mod roster_slice;

pub use platform::slice_platform;
pub use roster_slice::slice_roster;

/// A name to seek: the query as typed, and the search keys a server can pre-filter on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameSeek {
    /// The name as the lookup holds it.
    pub query: String,
    /// [`query_search_keys`] of the query, longest first: a matching name's
    /// [`crate::matching::person_search_key`] contains every one of them.
    pub keys: Vec<String>,
    /// The query, normalised once for every row it is compared with.
    pub normalised: NameQuery,
}

impl NameSeek {
    /// Whether a name matches this query exactly or partly (the rule the slice keeps).
    #[must_use]
    pub fn matches(&self, name: PersonName<'_>) -> bool {
        self.normalised.matches(name) != NameMatch::None
    }
}

/// People to seek (seeds of step 1): by email, by SIS `sourcedId` or by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonSeek {
    /// Normalised emails ([`normalize_email`]), none empty.
    pub emails: Vec<String>,
    /// SIS `sourcedId`s.
    pub sourced_ids: Vec<String>,
    /// Names.
    pub names: Vec<NameSeek>,
}

impl PersonSeek {
    /// The people a lookup seeks.
    #[must_use]
    pub fn of(lookup: &Lookup) -> Self {
        let mut emails: Vec<String> = lookup
            .emails
            .iter()
            .map(|e| normalize_email(e))
            .filter(|e| !e.is_empty())
            .collect();
        emails.sort();
        emails.dedup();
        Self {
            emails,
            sourced_ids: lookup.all_ids().cloned().collect(),
            names: lookup
                .person_names
                .iter()
                .map(|q| NameSeek {
                    query: q.clone(),
                    keys: query_search_keys(q),
                    normalised: NameQuery::new(q),
                })
                .collect(),
        }
    }

    /// Whether there is nothing to seek.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.emails.is_empty() && self.sourced_ids.is_empty() && self.names.is_empty()
    }

    /// Whether a name matches one of the names sought.
    #[must_use]
    pub fn matches_name(&self, name: PersonName<'_>) -> bool {
        self.names.iter().any(|n| n.matches(name))
    }
}

/// Classes to seek (seeds of step 1).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClassSeek {
    /// SIS `sourcedId`s.
    pub sourced_ids: Vec<String>,
    /// Class titles as typed, trimmed: each may also be an id, a `sourcedId` or (SIS) a
    /// class code.
    pub titles: Vec<String>,
    /// [`search_key`] of each title: a matching class's title has one of these keys.
    pub title_keys: Vec<String>,
}

impl ClassSeek {
    /// The classes a lookup seeks.
    #[must_use]
    pub fn of(lookup: &Lookup) -> Self {
        Self {
            sourced_ids: lookup.all_ids().cloned().collect(),
            titles: lookup.class_titles.iter().map(|t| t.trim().to_owned()).collect(),
            title_keys: lookup.class_titles.iter().map(|t| search_key(t)).collect(),
        }
    }

    /// Whether there is nothing to seek.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.sourced_ids.is_empty() && self.titles.is_empty()
    }
}

/// The platform side of the contract: what a Bookmarked backend answers, scoped to one
/// district (see the [module docs](self)).
///
/// Lists of ids are never empty when the algorithm calls a method with them alone.
pub trait PlatformQuery: Sync {
    /// Why a query failed.
    type Error;

    /// Students that may be seeds: email, `sourcedId` or name as in `seek`.
    fn seek_students(&self, seek: &PersonSeek) -> impl Future<Output = Result<Vec<Student>, Self::Error>> + Send;
    /// Parents that may be seeds.
    fn seek_parents(&self, seek: &PersonSeek) -> impl Future<Output = Result<Vec<Parent>, Self::Error>> + Send;
    /// Classes that may be seeds: `sourced_id` in `seek.sourced_ids` or `seek.titles`,
    /// `id` in `seek.titles`, or the title's search key in `seek.title_keys`.
    fn seek_classes(&self, seek: &ClassSeek) -> impl Future<Output = Result<Vec<Class>, Self::Error>> + Send;
    /// The `parent_students` rows of these students or these parents.
    fn links(
        &self,
        student_ids: &[String],
        parent_ids: &[String],
    ) -> impl Future<Output = Result<Vec<ParentStudent>, Self::Error>> + Send;
    /// The enrollments of these students or in these classes.
    fn enrollments(
        &self,
        student_ids: &[String],
        class_ids: &[String],
    ) -> impl Future<Output = Result<Vec<Enrollment>, Self::Error>> + Send;
    /// The students with these Bookmarked ids.
    fn students(&self, ids: &[String]) -> impl Future<Output = Result<Vec<Student>, Self::Error>> + Send;
    /// The parents with these Bookmarked ids.
    fn parents(&self, ids: &[String]) -> impl Future<Output = Result<Vec<Parent>, Self::Error>> + Send;
    /// The classes with these Bookmarked ids.
    fn classes(&self, ids: &[String]) -> impl Future<Output = Result<Vec<Class>, Self::Error>> + Send;
    /// The district and its schools.
    fn organizations(&self) -> impl Future<Output = Result<Vec<Organization>, Self::Error>> + Send;
    /// The district's import runs.
    fn import_runs(&self) -> impl Future<Output = Result<Vec<ImportRun>, Self::Error>> + Send;
    /// The import errors about these SIS `sourcedId`s.
    fn import_errors(
        &self,
        sourced_ids: &[String],
    ) -> impl Future<Output = Result<Vec<ImportError>, Self::Error>> + Send;
}

/// The SIS side of the contract: what a roster backend answers (see the
/// [module docs](self)). Ids are SIS `sourcedId`s.
pub trait RosterQuery: Sync {
    /// Why a query failed.
    type Error;

    /// Users that may be seeds: email, `sourcedId` or name as in `seek`.
    fn seek_users(&self, seek: &PersonSeek) -> impl Future<Output = Result<Vec<roster::User>, Self::Error>> + Send;
    /// Classes that may be seeds: `sourcedId` in `seek.sourced_ids` or `seek.titles`,
    /// class code in `seek.titles`, or the title's search key in `seek.title_keys`.
    fn seek_classes(&self, seek: &ClassSeek) -> impl Future<Output = Result<Vec<roster::Class>, Self::Error>> + Send;
    /// The users with these `sourcedId`s.
    fn users(&self, ids: &[String]) -> impl Future<Output = Result<Vec<roster::User>, Self::Error>> + Send;
    /// The users that name one of these users among their agents.
    fn agents_of(&self, ids: &[String]) -> impl Future<Output = Result<Vec<roster::User>, Self::Error>> + Send;
    /// The enrollments of these users or in these classes.
    fn enrollments(
        &self,
        user_ids: &[String],
        class_ids: &[String],
    ) -> impl Future<Output = Result<Vec<roster::Enrollment>, Self::Error>> + Send;
    /// The classes with these `sourcedId`s.
    fn classes(&self, ids: &[String]) -> impl Future<Output = Result<Vec<roster::Class>, Self::Error>> + Send;
    /// The courses with these `sourcedId`s.
    fn courses(&self, ids: &[String]) -> impl Future<Output = Result<Vec<roster::Course>, Self::Error>> + Send;
    /// The academic sessions with these `sourcedId`s.
    fn academic_sessions(
        &self,
        ids: &[String],
    ) -> impl Future<Output = Result<Vec<roster::AcademicSession>, Self::Error>> + Send;
    /// Every org.
    fn orgs(&self) -> impl Future<Output = Result<Vec<roster::Org>, Self::Error>> + Send;
    /// Where the roster comes from, and the warnings of reading it.
    fn provenance(&self) -> impl Future<Output = Result<(roster::Provenance, Vec<String>), Self::Error>> + Send;
    /// Of these `sourcedId`s, those read from rows that failed validation, with why.
    fn invalid_records(
        &self,
        ids: &[String],
    ) -> impl Future<Output = Result<Vec<(String, String)>, Self::Error>> + Send;
    /// Of these `sourcedId`s, those the source's validation findings are about, with
    /// the findings ([`roster::Roster::record_findings`]). None, for a source that does
    /// not validate.
    fn record_findings(
        &self,
        ids: &[String],
    ) -> impl Future<Output = Result<Vec<(String, Vec<String>)>, Self::Error>> + Send {
        let _ = ids;
        async { Ok(Vec::new()) }
    }
}

/// Runs a future that never waits (the in-memory backends') to completion.
pub(crate) fn ready<T>(fut: impl Future<Output = T>) -> T {
    let mut fut = std::pin::pin!(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => unreachable!("in-memory queries never wait"),
    }
}
