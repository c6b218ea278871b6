//! The slicing rule on the SIS side.

use std::collections::{BTreeMap, BTreeSet};

use super::{ClassSeek, PersonSeek, RosterQuery};
use crate::lookup::Lookup;
use crate::matching::PersonName;
use crate::roster::{Roster, User};

fn list(ids: &BTreeSet<String>) -> Vec<String> {
    ids.iter().cloned().collect()
}

/// The name parts of an SIS user.
fn name(u: &User) -> PersonName<'_> {
    PersonName {
        given: &u.given_name,
        middle: u.middle_name.as_deref(),
        family: &u.family_name,
        preferred: u.preferred_given_name.as_deref(),
    }
}

/// The SIS slice of a lookup, through a backend's queries (see the
/// [module docs](super)).
pub async fn slice_roster<Q: RosterQuery + ?Sized>(q: &Q, lookup: &Lookup) -> Result<Roster, Q::Error> {
    let seek = PersonSeek::of(lookup);

    // 1. Seeds: users by email, sourcedId or name; classes by title, code or sourcedId.
    let mut users: BTreeSet<String> = BTreeSet::new();
    let mut agents: BTreeSet<String> = BTreeSet::new();
    if !seek.is_empty() {
        for u in q.seek_users(&seek).await? {
            if lookup.matches_id(&u.sourced_id)
                || lookup.matches_email(u.email.as_deref())
                || seek.matches_name(name(&u))
            {
                agents.extend(u.agent_sourced_ids);
                users.insert(u.sourced_id);
            }
        }
    }
    let class_seek = ClassSeek::of(lookup);
    let mut seed_classes: BTreeSet<String> = BTreeSet::new();
    if !class_seek.is_empty() {
        for c in q.seek_classes(&class_seek).await? {
            let code = c.class_code.as_deref().unwrap_or_default();
            if lookup.matches_id(&c.sourced_id) || lookup.matches_class(&[&c.sourced_id, code], &c.title) {
                seed_classes.insert(c.sourced_id);
            }
        }
    }

    // 2. The users linked to the seeds as agents, in both directions.
    if !users.is_empty() {
        users.extend(q.agents_of(&list(&users)).await?.into_iter().map(|u| u.sourced_id));
        users.extend(agents);
    }

    // 3. Their enrollments and those of the seed classes, with the enrolled users.
    let enrollments = if users.is_empty() && seed_classes.is_empty() {
        Vec::new()
    } else {
        q.enrollments(&list(&users), &list(&seed_classes)).await?
    };
    users.extend(enrollments.iter().map(|e| e.user_sourced_id.clone()));
    let mut class_ids = seed_classes;
    class_ids.extend(enrollments.iter().map(|e| e.class_sourced_id.clone()));

    // 4. The rows themselves, with the classes' courses and terms.
    let users = if users.is_empty() {
        Vec::new()
    } else {
        q.users(&list(&users)).await?
    };
    let classes = if class_ids.is_empty() {
        Vec::new()
    } else {
        q.classes(&list(&class_ids)).await?
    };
    let course_ids: BTreeSet<String> = classes.iter().map(|c| c.course_sourced_id.clone()).collect();
    let term_ids: BTreeSet<String> = classes
        .iter()
        .flat_map(|c| c.term_sourced_ids.iter().cloned())
        .collect();
    let courses = if course_ids.is_empty() {
        Vec::new()
    } else {
        q.courses(&list(&course_ids)).await?
    };
    let academic_sessions = if term_ids.is_empty() {
        Vec::new()
    } else {
        q.academic_sessions(&list(&term_ids)).await?
    };

    // 5. Orgs, where it all came from, and which of the records failed validation.
    let orgs = q.orgs().await?;
    let (provenance, warnings) = q.provenance().await?;
    let ids: Vec<String> = orgs
        .iter()
        .map(|o| &o.sourced_id)
        .chain(users.iter().map(|u| &u.sourced_id))
        .chain(classes.iter().map(|c| &c.sourced_id))
        .chain(courses.iter().map(|c| &c.sourced_id))
        .chain(academic_sessions.iter().map(|s| &s.sourced_id))
        .chain(enrollments.iter().map(|e| &e.sourced_id))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let invalid_records: BTreeMap<String, String> = q.invalid_records(&ids).await?.into_iter().collect();
    let record_findings: BTreeMap<String, Vec<String>> = q.record_findings(&ids).await?.into_iter().collect();
    Ok(Roster {
        orgs,
        users,
        classes,
        courses,
        academic_sessions,
        enrollments,
        provenance,
        warnings,
        invalid_records,
        record_findings,
    })
}
