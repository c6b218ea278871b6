//! The conformance check every platform backend passes (in the manner of vector's
//! component compliance harness): whatever it stores and however it queries, a
//! backend's `load` is the district and its `fetch` is exactly the reference slice of
//! [`cdt_core::slice`], for the demo cases' lookups, for edge cases, and for lookups
//! drawn from the data itself (every few students, parents and classes).
//!
//! Rows may come in the backend's own order (PostgreSQL by key, files in file order),
//! so tables are compared in key order.

use cdt_core::{Lookup, PlatformConnector, PlatformData};

/// Equal platform data once each table is in key order, with a message naming the
/// first table that differs.
///
/// # Panics
/// When they differ.
pub fn same(got: &PlatformData, want: &PlatformData, what: &str) {
    let (got, want) = (&crate::by_key(got.clone()), &crate::by_key(want.clone()));
    macro_rules! table {
        ($t:ident) => {
            if got.$t != want.$t {
                let first = got.$t.iter().zip(&want.$t).position(|(a, b)| a != b);
                panic!(
                    "{what}: `{}` differs: {} rows vs {} expected; first difference at {first:?}: {:?} vs {:?}",
                    stringify!($t),
                    got.$t.len(),
                    want.$t.len(),
                    first.map(|i| &got.$t[i]),
                    first.map(|i| &want.$t[i]),
                );
            }
        };
    }
    table!(organizations);
    table!(students);
    table!(parents);
    table!(parent_students);
    table!(classes);
    table!(enrollments);
    table!(import_runs);
    table!(import_errors);
}

/// Lookups drawn from `data`: about `per_table` students by name (as typed on a ticket:
/// upper-cased, padded, family name first), by sourcedId and by bare given name; as
/// many parents by email (mixed case) and by name; as many classes by title and by id;
/// plus edge cases (empty, no ASCII letters, unknown people and classes).
#[must_use]
pub fn lookups_from(data: &PlatformData, per_table: usize) -> Vec<(String, Lookup)> {
    let step = |n: usize| n.div_ceil(per_table.max(1)).max(1);
    let mut out: Vec<(String, Lookup)> = vec![
        ("an empty lookup".into(), Lookup::default()),
        (
            "a name with no ASCII letters".into(),
            Lookup::default().person("李 小龍"),
        ),
        (
            "nobody".into(),
            Lookup::default().email("nobody@nowhere.example").person("Nobody Atall"),
        ),
        (
            "a class that does not exist".into(),
            Lookup::default().class("Underwater Basket Weaving 9"),
        ),
    ];
    for s in data.students.iter().step_by(step(data.students.len())) {
        out.push((
            format!("student {} by name", s.id),
            Lookup::default().person(&format!("  {}, {} ", s.last_name.to_uppercase(), s.first_name)),
        ));
        out.push((
            format!("student {} by sourcedId", s.id),
            Lookup::default().sourced_id(&s.sourced_id),
        ));
        out.push((
            format!("student {} by given name", s.id),
            Lookup::default().person(&s.first_name),
        ));
    }
    for p in data.parents.iter().step_by(step(data.parents.len())) {
        if let Some(email) = &p.email {
            let mixed: String = email
                .chars()
                .enumerate()
                .map(|(i, c)| if i % 2 == 0 { c.to_ascii_uppercase() } else { c })
                .collect();
            out.push((
                format!("parent {} by email", p.id),
                Lookup::default().email(&format!(" {mixed} ")),
            ));
        }
        out.push((
            format!("parent {} by name", p.id),
            Lookup::default().person(&format!("{} {}", p.first_name, p.last_name)),
        ));
    }
    for c in data.classes.iter().step_by(step(data.classes.len())) {
        out.push((
            format!("class {} by title", c.id),
            Lookup::default().class(&c.title.to_lowercase()),
        ));
        out.push((
            format!("class {} by id", c.id),
            Lookup::default().class(&format!(" {} ", c.id)),
        ));
    }
    out
}

/// Checks a platform backend against the reference: `load()` is `data` (the district,
/// already scoped), and `fetch(lookup)` is `data.slice(lookup)` for every lookup of
/// `extra` (e.g. the demo cases' platform lookups) and of
/// [`lookups_from`]`(data, per_table)`.
/// Returns how many lookups were checked.
///
/// # Panics
/// On the first difference, naming the backend, the lookup and the table.
pub async fn check_platform(
    backend: &dyn PlatformConnector,
    data: &PlatformData,
    extra: &[(String, Lookup)],
    per_table: usize,
) -> usize {
    let name = backend.describe();
    let loaded = backend
        .load()
        .await
        .unwrap_or_else(|e| panic!("{name}: load failed: {e}"));
    same(&loaded, data, &format!("{name}: load() is the whole district"));
    let drawn = lookups_from(data, per_table);
    for (story, lookup) in extra.iter().chain(&drawn) {
        let fetched = backend
            .fetch(lookup)
            .await
            .unwrap_or_else(|e| panic!("{name}: fetch of {story} failed: {e}"));
        same(&fetched, &data.slice(lookup), &format!("{name}: {story} ({lookup:?})"));
    }
    extra.len() + drawn.len()
}

/// A roster with each table in key order, and without what only a bundle has
/// (provenance, reading warnings, invalid records, validation findings).
#[must_use]
pub fn roster_tables(r: &cdt_core::Roster) -> cdt_core::Roster {
    let mut r = r.clone();
    r.orgs.sort_by(|a, b| a.sourced_id.cmp(&b.sourced_id));
    r.users.sort_by(|a, b| a.sourced_id.cmp(&b.sourced_id));
    r.classes.sort_by(|a, b| a.sourced_id.cmp(&b.sourced_id));
    r.courses.sort_by(|a, b| a.sourced_id.cmp(&b.sourced_id));
    r.academic_sessions.sort_by(|a, b| a.sourced_id.cmp(&b.sourced_id));
    r.enrollments.sort_by(|a, b| a.sourced_id.cmp(&b.sourced_id));
    r.provenance = cdt_core::roster::Provenance::default();
    r.warnings.clear();
    r.invalid_records.clear();
    r.record_findings.clear();
    r
}

/// Equal rosters once in key order ([`roster_tables`]), naming the first table that
/// differs.
///
/// # Panics
/// When they differ.
pub fn same_roster(got: &cdt_core::Roster, want: &cdt_core::Roster, what: &str) {
    let (got, want) = (&roster_tables(got), &roster_tables(want));
    macro_rules! table {
        ($t:ident) => {
            if got.$t != want.$t {
                let first = got.$t.iter().zip(&want.$t).position(|(a, b)| a != b);
                panic!(
                    "{what}: `{}` differs: {} rows vs {} expected; first difference at {first:?}: {:?} vs {:?}",
                    stringify!($t),
                    got.$t.len(),
                    want.$t.len(),
                    first.map(|i| &got.$t[i]),
                    first.map(|i| &want.$t[i]),
                );
            }
        };
    }
    table!(orgs);
    table!(users);
    table!(classes);
    table!(courses);
    table!(academic_sessions);
    table!(enrollments);
}

/// Lookups drawn from a roster: about `per_table` users by name (upper-cased, padded,
/// family name first), by sourcedId and by bare given name; as many family members by
/// email (mixed case); as many classes by title and by code; plus the edge cases.
#[must_use]
pub fn roster_lookups_from(r: &cdt_core::Roster, per_table: usize) -> Vec<(String, Lookup)> {
    let step = |n: usize| n.div_ceil(per_table.max(1)).max(1);
    let mut out: Vec<(String, Lookup)> = vec![
        ("an empty lookup".into(), Lookup::default()),
        (
            "a name with no ASCII letters".into(),
            Lookup::default().person("李 小龍"),
        ),
        (
            "nobody".into(),
            Lookup::default().email("nobody@nowhere.example").person("Nobody Atall"),
        ),
        (
            "a class that does not exist".into(),
            Lookup::default().class("Underwater Basket Weaving 9"),
        ),
    ];
    for u in r.users.iter().step_by(step(r.users.len())) {
        out.push((
            format!("user {} by name", u.sourced_id),
            Lookup::default().person(&format!("  {}, {} ", u.family_name.to_uppercase(), u.given_name)),
        ));
        out.push((
            format!("user {} by sourcedId", u.sourced_id),
            Lookup::default().sourced_id(&u.sourced_id),
        ));
        out.push((
            format!("user {} by given name", u.sourced_id),
            Lookup::default().person(&u.given_name),
        ));
        if let Some(email) = &u.email {
            let mixed: String = email
                .chars()
                .enumerate()
                .map(|(i, c)| if i % 2 == 0 { c.to_ascii_uppercase() } else { c })
                .collect();
            out.push((
                format!("user {} by email", u.sourced_id),
                Lookup::default().email(&format!(" {mixed} ")),
            ));
        }
    }
    for c in r.classes.iter().step_by(step(r.classes.len())) {
        out.push((
            format!("class {} by title", c.sourced_id),
            Lookup::default().class(&c.title.to_lowercase()),
        ));
        if let Some(code) = &c.class_code {
            out.push((format!("class {} by code", c.sourced_id), Lookup::default().class(code)));
        }
    }
    out
}

/// Checks a SIS backend against the reference: `load()` is `roster`, and
/// `fetch(lookup)` is `roster.slice(lookup)` (tables in key order) for every lookup of
/// `extra` and of [`roster_lookups_from`]`(roster, per_table)`. Returns how many
/// lookups were checked.
///
/// # Panics
/// On the first difference, naming the backend, the lookup and the table.
pub async fn check_source(
    backend: &dyn cdt_core::SourceConnector,
    roster: &cdt_core::Roster,
    extra: &[(String, Lookup)],
    per_table: usize,
) -> usize {
    let name = backend.describe();
    let loaded = backend
        .load()
        .await
        .unwrap_or_else(|e| panic!("{name}: load failed: {e}"));
    same_roster(&loaded, roster, &format!("{name}: load() is the whole district"));
    let drawn = roster_lookups_from(roster, per_table);
    for (story, lookup) in extra.iter().chain(&drawn) {
        let fetched = backend
            .fetch(lookup)
            .await
            .unwrap_or_else(|e| panic!("{name}: fetch of {story} failed: {e}"));
        same_roster(
            &fetched,
            &roster.slice(lookup),
            &format!("{name}: {story} ({lookup:?})"),
        );
    }
    extra.len() + drawn.len()
}
