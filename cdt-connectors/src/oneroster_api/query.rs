//! The SIS side of the core's query contract over filtered requests: what one case
//! needs, never the district.
//!
//! | contract method | requests (two predicates each) |
//! | --- | --- |
//! | `seek_users` | `email='…'`; `sourcedId='…'`; a one-word name: `familyName~'w' OR givenName~'w'` (1.2: and `preferredFirstName~'w'`); a longer one: `familyName~'w'` for each word |
//! | `seek_classes` | `sourcedId='…'`; each title: `sourcedId='t' OR classCode='t'`, and `title~'word'` |
//! | `agents_of` | `/users?filter=agents.sourcedId='…'` |
//! | `enrollments` | `/enrollments?filter=user.sourcedId='…'` and `class.sourcedId='…'` |
//! | `users`, `classes`, `courses`, `academic_sessions` | `sourcedId='…'` (or `/{collection}/{id}` for a lone id), minus the records already read in this fetch |
//! | `orgs` | `/orgs`, whole (a district has few) |
//!
//! A matching name has every query word among its name words and a family-name word
//! among them (or, for one word, the given or preferred name): so the name filters
//! return a superset of the matches on a server whose `~` ignores case (and accents,
//! for a query typed without them), and the core keeps exact matches only.
//! Filter values are made safe in [`super::filter`].

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use cdt_core::customer::OneRosterVersion;
use cdt_core::roster::{self, AcademicSession, Class, Course, Enrollment, Org, User};
use cdt_core::slice::{ClassSeek, PersonSeek, RosterQuery};
use serde_json::Value;
use tracing::warn;

use super::filter::{self, Filter, Pred};
use super::{OneRosterApi, model};
use crate::error::{Error, RestErrorKind, Result};

/// One fetch's view of the API: the records already read, by id, so that a record
/// seen in a seek is not asked for again, each with the order it was first seen in
/// (the server's order within an answer: rows come back in the order the server
/// keeps them, as the contract asks, as far as the requests can tell).
pub(crate) struct Session<'a> {
    api: &'a OneRosterApi,
    users: Mutex<BTreeMap<String, (usize, User)>>,
    classes: Mutex<BTreeMap<String, (usize, Class)>>,
    /// Collections read whole in this fetch (the server refused or ignored filters).
    wholes: tokio::sync::Mutex<BTreeMap<String, Arc<Vec<Value>>>>,
    /// The fetch's warnings, for the result.
    warnings: Mutex<Vec<String>>,
}

type Memo<T> = Mutex<BTreeMap<String, (usize, T)>>;

fn remember<T: Clone>(memo: &Memo<T>, rows: &[T], id: impl Fn(&T) -> &str) {
    if let Ok(mut m) = memo.lock() {
        for r in rows {
            let next = m.len();
            m.entry(id(r).to_owned()).or_insert_with(|| (next, r.clone()));
        }
    }
}

impl<'a> Session<'a> {
    pub(crate) fn new(api: &'a OneRosterApi) -> Self {
        Self {
            api,
            users: Mutex::new(BTreeMap::new()),
            classes: Mutex::new(BTreeMap::new()),
            wholes: tokio::sync::Mutex::new(BTreeMap::new()),
            warnings: Mutex::new(Vec::new()),
        }
    }

    /// The records of `collection` matching any of `filters`: by filtered requests,
    /// or, when the server refuses filters on it (400, 422) or ignores them (it
    /// answers records a filter excludes), from the collection read whole, once a
    /// fetch, and filtered here as loosely as a server would (the core keeps the
    /// exact matches). The client reads that collection whole from then on, and each
    /// such fetch carries a warning.
    async fn list_any(&self, collection: &str, filters: &[Filter]) -> Result<Vec<Value>> {
        if filters.is_empty() {
            return Ok(Vec::new());
        }
        let what = match self.api.unfiltered(collection) {
            Some(what) => what,
            None => match self.api.list_any(collection, filters).await {
                Err(Error::OneRoster {
                    kind: RestErrorKind::BadRequest,
                    status,
                    message,
                    ..
                }) => {
                    let what = if message.starts_with(super::IGNORED_FILTER) {
                        "ignores".to_owned()
                    } else {
                        format!("refuses (HTTP {})", status.unwrap_or_default())
                    };
                    // Whether the filter was the trouble shows when the collection
                    // reads whole: if that fails too, its error is the one to report.
                    self.whole(collection, &what).await?;
                    warn!(
                        collection,
                        server = %self.api.root(),
                        what = %what,
                        "the OneRoster server does not filter this collection; reading it whole from now on"
                    );
                    self.api.set_unfiltered(collection, &what);
                    what
                }
                other => return other,
            },
        };
        let all = self.whole(collection, &what).await?;
        Ok(all
            .iter()
            .filter(|v| filters.iter().any(|f| f.may_match(v)))
            .cloned()
            .collect())
    }

    /// `collection` read whole, once a fetch, with the fetch's warning saying so.
    async fn whole(&self, collection: &str, what: &str) -> Result<Arc<Vec<Value>>> {
        let mut wholes = self.wholes.lock().await;
        if let Some(all) = wholes.get(collection) {
            return Ok(all.clone());
        }
        let all = Arc::new(self.api.list(collection, None).await?);
        if let Ok(mut w) = self.warnings.lock() {
            w.push(format!(
                "The SIS's OneRoster server {} {what} `filter=` on /{collection}: this diagnostic read the whole \
                 collection ({} records) instead of the case's (slower; ask the SIS vendor to support OneRoster \
                 filters).",
                self.api.root(),
                all.len()
            ));
        }
        wholes.insert(collection.to_owned(), all.clone());
        Ok(all)
    }

    fn v1_2(&self) -> bool {
        self.api.inner.opts.version == OneRosterVersion::V1_2
    }

    async fn users_where(&self, filters: &[Filter]) -> Result<Vec<User>> {
        let rows: Vec<User> = self.list_any("users", filters).await?.iter().map(model::user).collect();
        remember(&self.users, &rows, |u| &u.sourced_id);
        Ok(rows)
    }

    /// The records with these ids: a lone id by `/{collection}/{id}`, more by
    /// `sourcedId` filters, in the order of `ids`.
    async fn by_ids<T>(
        &self,
        collection: &str,
        singular: &str,
        ids: &[String],
        read: fn(&Value) -> T,
        id_of: fn(&T) -> &str,
    ) -> Result<Vec<T>> {
        let values = match ids {
            [] => Vec::new(),
            [one] => self.api.one(collection, singular, one).await?.into_iter().collect(),
            _ => self.list_any(collection, &filter::ids("sourcedId", ids)).await?,
        };
        // In the server's order, only the ids asked for.
        let wanted: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
        Ok(values.iter().map(read).filter(|r| wanted.contains(id_of(r))).collect())
    }

    /// The records with `ids`, from the memo where possible and else by request, in
    /// the order first seen.
    async fn memoised<T: Clone>(
        &self,
        memo: &Memo<T>,
        collection: &str,
        singular: &str,
        ids: &[String],
        read: fn(&Value) -> T,
        id_of: fn(&T) -> &str,
    ) -> Result<Vec<T>> {
        let missing: Vec<String> = memo.lock().map_or_else(
            |_| ids.to_vec(),
            |m| ids.iter().filter(|id| !m.contains_key(*id)).cloned().collect(),
        );
        let fetched = self.by_ids(collection, singular, &missing, read, id_of).await?;
        remember(memo, &fetched, id_of);
        let mut rows: Vec<(usize, T)> = memo
            .lock()
            .map(|m| ids.iter().filter_map(|id| m.get(id).cloned()).collect())
            .unwrap_or_default();
        rows.sort_by_key(|(seen, _)| *seen);
        Ok(rows.into_iter().map(|(_, r)| r).collect())
    }
}

/// The predicates that find the people a name may be (see the module docs).
fn name_preds(query: &str, v1_2: bool) -> Vec<Vec<Pred>> {
    let words = filter::name_words(query);
    match words.as_slice() {
        [] => Vec::new(),
        [w] => {
            let mut out: Vec<Vec<Pred>> = vec![
                [Pred::contains("familyName", w), Pred::contains("givenName", w)]
                    .into_iter()
                    .flatten()
                    .collect(),
            ];
            if v1_2 {
                out.push(Pred::contains("preferredFirstName", w).into_iter().collect());
            }
            out
        }
        _ => vec![words.iter().filter_map(|w| Pred::contains("familyName", w)).collect()],
    }
}

impl RosterQuery for Session<'_> {
    type Error = Error;

    async fn seek_users(&self, seek: &PersonSeek) -> Result<Vec<User>> {
        let mut filters: Vec<Filter> = Vec::new();
        filters.extend(filter::any_of(
            seek.emails.iter().filter_map(|e| Pred::eq("email", e)).collect(),
        ));
        filters.extend(filter::ids("sourcedId", &seek.sourced_ids));
        for name in &seek.names {
            for preds in name_preds(&name.query, self.v1_2()) {
                filters.extend(filter::any_of(preds));
            }
        }
        self.users_where(&filters).await
    }

    async fn seek_classes(&self, seek: &ClassSeek) -> Result<Vec<Class>> {
        let mut filters = filter::ids("sourcedId", &seek.sourced_ids);
        for title in &seek.titles {
            filters.extend(filter::any_of(
                [Pred::eq("sourcedId", title), Pred::eq("classCode", title)]
                    .into_iter()
                    .flatten()
                    .collect(),
            ));
            // The longest word of the title: a title that is the same text has it.
            if let Some(word) = filter::name_words(title).into_iter().max_by_key(|w| w.chars().count()) {
                filters.extend(filter::any_of(Pred::contains("title", &word).into_iter().collect()));
            }
        }
        let rows: Vec<Class> = self
            .list_any("classes", &filters)
            .await?
            .iter()
            .map(model::class)
            .collect();
        remember(&self.classes, &rows, |c| &c.sourced_id);
        Ok(rows)
    }

    async fn users(&self, ids: &[String]) -> Result<Vec<User>> {
        self.memoised(&self.users, "users", "user", ids, model::user, |u| &u.sourced_id)
            .await
    }

    async fn agents_of(&self, ids: &[String]) -> Result<Vec<User>> {
        self.users_where(&filter::ids("agents.sourcedId", ids)).await
    }

    async fn enrollments(&self, user_ids: &[String], class_ids: &[String]) -> Result<Vec<Enrollment>> {
        let mut filters = filter::ids("user.sourcedId", user_ids);
        filters.extend(filter::ids("class.sourcedId", class_ids));
        Ok(self
            .list_any("enrollments", &filters)
            .await?
            .iter()
            .map(model::enrollment)
            .collect())
    }

    async fn classes(&self, ids: &[String]) -> Result<Vec<Class>> {
        self.memoised(&self.classes, "classes", "class", ids, model::class, |c| &c.sourced_id)
            .await
    }

    async fn courses(&self, ids: &[String]) -> Result<Vec<Course>> {
        self.by_ids("courses", "course", ids, model::course, |c| &c.sourced_id)
            .await
    }

    async fn academic_sessions(&self, ids: &[String]) -> Result<Vec<AcademicSession>> {
        self.by_ids(
            "academicSessions",
            "academicSession",
            ids,
            model::academic_session,
            |s| &s.sourced_id,
        )
        .await
    }

    async fn orgs(&self) -> Result<Vec<Org>> {
        Ok(self.api.list("orgs", None).await?.iter().map(model::org).collect())
    }

    async fn provenance(&self) -> Result<(roster::Provenance, Vec<String>)> {
        let warnings = self.warnings.lock().map(|w| w.clone()).unwrap_or_default();
        Ok((self.api.provenance(), warnings))
    }

    async fn invalid_records(&self, _ids: &[String]) -> Result<Vec<(String, String)>> {
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_searches_cover_every_word_that_can_be_a_family_name() {
        let r = |q: &str, v: bool| -> Vec<String> {
            name_preds(q, v)
                .into_iter()
                .flat_map(filter::any_of)
                .map(|f| f.render())
                .collect()
        };
        assert_eq!(r("Ingrid", false), ["familyName~'Ingrid' OR givenName~'Ingrid'"]);
        assert_eq!(r("Ingrid", true).len(), 2);
        assert_eq!(
            r("Solberg-Mwangi, Ingrid", false),
            ["familyName~'Solberg' OR familyName~'Mwangi'", "familyName~'Ingrid'"]
        );
        assert_eq!(r("O'Brien", false), ["familyName~'Brien' OR givenName~'Brien'"]);
        assert!(r("'' --", false).is_empty());
    }
}
