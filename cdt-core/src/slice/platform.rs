//! The slicing rule on the platform side.

use std::collections::{BTreeSet, HashSet};

use super::{ClassSeek, PersonSeek, PlatformQuery};
use crate::lookup::{Lookup, import_error_ids};
use crate::matching::PersonName;
use crate::platform::PlatformData;

fn person<'a>(first: &'a str, last: &'a str) -> PersonName<'a> {
    PersonName {
        given: first,
        family: last,
        ..PersonName::default()
    }
}

fn list(ids: &BTreeSet<String>) -> Vec<String> {
    ids.iter().cloned().collect()
}

/// The platform slice of a lookup, through a backend's queries (see the
/// [module docs](super)).
pub async fn slice_platform<Q: PlatformQuery + ?Sized>(q: &Q, lookup: &Lookup) -> Result<PlatformData, Q::Error> {
    let seek = PersonSeek::of(lookup);
    let is_seed = |sourced_id: &str, email: Option<&str>, first: &str, last: &str| {
        lookup.matches_any_id(sourced_id) || lookup.matches_email(email) || seek.matches_name(person(first, last))
    };

    // 1. Seeds: people by email, sourcedId or name; classes by title, code, id or sourcedId.
    let mut students: BTreeSet<String> = BTreeSet::new();
    let mut parents: BTreeSet<String> = BTreeSet::new();
    if !seek.is_empty() {
        for s in q.seek_students(&seek).await? {
            if is_seed(&s.sourced_id, s.email.as_deref(), &s.first_name, &s.last_name) {
                students.insert(s.id);
            }
        }
        for p in q.seek_parents(&seek).await? {
            if is_seed(&p.sourced_id, p.email.as_deref(), &p.first_name, &p.last_name) {
                parents.insert(p.id);
            }
        }
    }
    let class_seek = ClassSeek::of(lookup);
    let mut seed_classes: BTreeSet<String> = BTreeSet::new();
    // The source slice's classes: kept, without their other enrollments.
    let mut slice_classes: BTreeSet<String> = BTreeSet::new();
    if !class_seek.is_empty() {
        for c in q.seek_classes(&class_seek).await? {
            if lookup.matches_id(&c.sourced_id) || lookup.matches_class(&[&c.id, &c.sourced_id], &c.title) {
                seed_classes.insert(c.id);
            } else if lookup.slice_ids.contains(&c.sourced_id) {
                slice_classes.insert(c.id);
            }
        }
    }

    // 2. The people linked to the seed people.
    if !students.is_empty() || !parents.is_empty() {
        for l in q.links(&list(&students), &list(&parents)).await? {
            parents.insert(l.parent_id);
            students.insert(l.student_id);
        }
    }

    // 3. Their enrollments and those of the seed classes, with the enrolled students.
    let enrollments = if students.is_empty() && seed_classes.is_empty() {
        Vec::new()
    } else {
        q.enrollments(&list(&students), &list(&seed_classes)).await?
    };
    students.extend(enrollments.iter().map(|e| e.user_id.clone()));
    let mut class_ids = seed_classes;
    class_ids.extend(slice_classes);
    class_ids.extend(enrollments.iter().map(|e| e.class_id.clone()));

    // 4. The rows themselves, and the links between the kept people.
    let students = if students.is_empty() {
        Vec::new()
    } else {
        q.students(&list(&students)).await?
    };
    let parents = if parents.is_empty() {
        Vec::new()
    } else {
        q.parents(&list(&parents)).await?
    };
    let classes = if class_ids.is_empty() {
        Vec::new()
    } else {
        q.classes(&list(&class_ids)).await?
    };
    let kept_students: HashSet<&str> = students.iter().map(|s| s.id.as_str()).collect();
    let kept_parents: HashSet<&str> = parents.iter().map(|p| p.id.as_str()).collect();
    let parent_students = if students.is_empty() {
        Vec::new()
    } else {
        let ids: Vec<String> = students.iter().map(|s| s.id.clone()).collect();
        q.links(&ids, &[])
            .await?
            .into_iter()
            .filter(|l| kept_students.contains(l.student_id.as_str()) && kept_parents.contains(l.parent_id.as_str()))
            .collect()
    };

    // 5. Orgs, import runs, and the import errors about the slice.
    let organizations = q.organizations().await?;
    let import_runs = q.import_runs().await?;
    let wanted: Vec<String> = import_error_ids(lookup, &students, &parents, &classes, &enrollments)
        .into_iter()
        .map(str::to_owned)
        .collect();
    let import_errors = if wanted.is_empty() {
        Vec::new()
    } else {
        q.import_errors(&wanted).await?
    };
    Ok(PlatformData {
        organizations,
        students,
        parents,
        parent_students,
        classes,
        enrollments,
        import_runs,
        import_errors,
    })
}
