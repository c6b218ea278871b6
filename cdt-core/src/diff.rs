//! What changed between two rosters (two nightly drops of a district): records added,
//! removed and changed per entity, by `sourcedId`, with the fields that changed. The
//! rostering services hold a sync that would change too much of a district at once;
//! [`RosterDiff::largest_change`] is what `cdt diff --max-change` checks.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use serde::Serialize;

use crate::roster::Roster;
use crate::text::one_line;

/// How many example records each list keeps.
const EXAMPLES: usize = 10;

/// One field's change on one record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// The record's `sourcedId`.
    pub sourced_id: String,
    /// The field.
    pub field: String,
    /// Its value in the old roster (JSON).
    pub old: String,
    /// Its value in the new roster (JSON).
    pub new: String,
}

/// The changes of one entity (`users`, `enrollments`, …).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EntityDiff {
    /// The entity, as its OneRoster file is named.
    pub entity: String,
    /// Records in the old roster.
    pub old: usize,
    /// Records in the new roster.
    pub new: usize,
    /// Records only in the new one.
    pub added: usize,
    /// Records only in the old one.
    pub removed: usize,
    /// Records in both whose fields differ.
    pub changed: usize,
    /// How many records changed each field.
    pub fields: BTreeMap<String, usize>,
    /// Some added `sourcedId`s.
    pub added_examples: Vec<String>,
    /// Some removed `sourcedId`s.
    pub removed_examples: Vec<String>,
    /// Some field changes.
    pub changed_examples: Vec<FieldChange>,
}

impl EntityDiff {
    /// Added, removed and changed records as a percentage of the old roster's (100 when
    /// the old roster had none and the new one has some).
    #[must_use]
    pub fn change_pct(&self) -> f64 {
        let moved = self.added + self.removed + self.changed;
        if self.old == 0 {
            return if moved == 0 { 0.0 } else { 100.0 };
        }
        pct(moved, self.old)
    }

    /// Removed records as a percentage of the old roster's.
    #[must_use]
    pub fn removed_pct(&self) -> f64 {
        if self.old == 0 {
            0.0
        } else {
            pct(self.removed, self.old)
        }
    }
}

fn pct(part: usize, whole: usize) -> f64 {
    // Counts of records fit f64's integers exactly.
    let as_f64 = |n: usize| f64::from(u32::try_from(n).unwrap_or(u32::MAX));
    100.0 * as_f64(part) / as_f64(whole)
}

/// What changed between two rosters.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RosterDiff {
    /// Per entity, in OneRoster's file order.
    pub entities: Vec<EntityDiff>,
}

impl RosterDiff {
    /// The entity that changed the most, and by how much (percent of its old records).
    #[must_use]
    pub fn largest_change(&self) -> Option<(&str, f64)> {
        self.entities
            .iter()
            .map(|e| (e.entity.as_str(), e.change_pct()))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// A report for a terminal.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(
            t,
            "{:<18} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8}",
            "entity", "old", "new", "added", "removed", "changed", "change"
        );
        for e in &self.entities {
            let _ = writeln!(
                t,
                "{:<18} {:>9} {:>9} {:>8} {:>8} {:>8} {:>7.2}%",
                e.entity,
                e.old,
                e.new,
                e.added,
                e.removed,
                e.changed,
                e.change_pct()
            );
            if !e.fields.is_empty() {
                let fields: Vec<String> = e.fields.iter().map(|(f, n)| format!("{f} {n}")).collect();
                let _ = writeln!(t, "  fields changed: {}", one_line(&fields.join(", ")));
            }
            for c in &e.changed_examples {
                let _ = writeln!(
                    t,
                    "  {} {}: {} -> {}",
                    one_line(&c.sourced_id),
                    one_line(&c.field),
                    one_line(&c.old),
                    one_line(&c.new)
                );
            }
            if !e.removed_examples.is_empty() {
                let _ = writeln!(t, "  removed, e.g.: {}", one_line(&e.removed_examples.join(", ")));
            }
            if !e.added_examples.is_empty() {
                let _ = writeln!(t, "  added, e.g.: {}", one_line(&e.added_examples.join(", ")));
            }
        }
        t
    }
}

/// Compares two rosters by `sourcedId`, entity by entity.
#[must_use]
pub fn diff_rosters(old: &Roster, new: &Roster) -> RosterDiff {
    RosterDiff {
        entities: vec![
            diff_entity("orgs", &old.orgs, &new.orgs, |r| &r.sourced_id),
            diff_entity(
                "academicSessions",
                &old.academic_sessions,
                &new.academic_sessions,
                |r| &r.sourced_id,
            ),
            diff_entity("courses", &old.courses, &new.courses, |r| &r.sourced_id),
            diff_entity("classes", &old.classes, &new.classes, |r| &r.sourced_id),
            diff_entity("users", &old.users, &new.users, |r| &r.sourced_id),
            diff_entity("enrollments", &old.enrollments, &new.enrollments, |r| &r.sourced_id),
        ],
    }
}

fn diff_entity<T: PartialEq + Serialize>(entity: &str, old: &[T], new: &[T], id: impl Fn(&T) -> &String) -> EntityDiff {
    let mut d = EntityDiff {
        entity: entity.to_owned(),
        old: old.len(),
        new: new.len(),
        ..EntityDiff::default()
    };
    let old_by_id: HashMap<&str, &T> = old.iter().map(|r| (id(r).as_str(), r)).collect();
    let new_ids: std::collections::HashSet<&str> = new.iter().map(|r| id(r).as_str()).collect();
    for r in new {
        let key = id(r).as_str();
        match old_by_id.get(key) {
            None => {
                d.added += 1;
                if d.added_examples.len() < EXAMPLES {
                    d.added_examples.push(key.to_owned());
                }
            }
            Some(before) if *before != r => {
                d.changed += 1;
                for (field, was, now) in changed_fields(*before, r) {
                    *d.fields.entry(field.clone()).or_default() += 1;
                    if d.changed_examples.len() < EXAMPLES {
                        d.changed_examples.push(FieldChange {
                            sourced_id: key.to_owned(),
                            field,
                            old: was,
                            new: now,
                        });
                    }
                }
            }
            Some(_) => {}
        }
    }
    for r in old {
        let key = id(r).as_str();
        if !new_ids.contains(key) {
            d.removed += 1;
            if d.removed_examples.len() < EXAMPLES {
                d.removed_examples.push(key.to_owned());
            }
        }
    }
    d
}

/// The top-level fields that differ between two records, with their values as JSON.
fn changed_fields<T: Serialize>(old: &T, new: &T) -> Vec<(String, String, String)> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return vec![("record".into(), String::new(), String::new())];
    };
    let null = serde_json::Value::Null;
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (x, y) = (a.get(k).unwrap_or(&null), b.get(k).unwrap_or(&null));
            (x != y).then(|| (camel(k), x.to_string(), y.to_string()))
        })
        .collect()
}

/// A field's name as OneRoster writes its column: `given_name` is `givenName`.
fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roster::{RecordStatus, User};

    fn user(id: &str, given: &str, email: &str) -> User {
        User {
            sourced_id: id.into(),
            status: RecordStatus::Active,
            enabled: true,
            roles: Vec::new(),
            username: id.into(),
            given_name: given.into(),
            family_name: "F".into(),
            middle_name: None,
            preferred_given_name: None,
            identifier: None,
            email: Some(email.into()),
            phone: None,
            agent_sourced_ids: Vec::new(),
            grades: Vec::new(),
        }
    }

    #[test]
    fn records_are_added_removed_and_changed_by_sourced_id_with_their_fields() {
        let old = Roster {
            users: vec![
                user("a", "Ann", "a@x"),
                user("b", "Bo", "b@x"),
                user("c", "Cy", "c@x"),
                user("d", "Di", "d@x"),
            ],
            ..Roster::default()
        };
        let new = Roster {
            users: vec![
                user("a", "Ann", "a@x"),
                user("b", "Bob", "B@x"),
                user("e", "Ed", "e@x"),
                user("d", "Di", "d@x"),
            ],
            ..Roster::default()
        };
        let d = diff_rosters(&old, &new);
        let users = d.entities.iter().find(|e| e.entity == "users").unwrap();
        assert_eq!(
            (users.old, users.new, users.added, users.removed, users.changed),
            (4, 4, 1, 1, 1)
        );
        assert_eq!(users.fields.get("givenName"), Some(&1));
        assert_eq!(users.fields.get("email"), Some(&1));
        assert_eq!(users.added_examples, ["e"]);
        assert_eq!(users.removed_examples, ["c"]);
        assert!((users.change_pct() - 75.0).abs() < 1e-9);
        assert!((users.removed_pct() - 25.0).abs() < 1e-9);
        assert_eq!(d.largest_change().map(|(e, _)| e), Some("users"));
        let text = d.to_text();
        assert!(text.contains("b givenName: \"Bo\" -> \"Bob\""), "{text}");
        let same = diff_rosters(&old, &old);
        assert!(same.largest_change().is_some_and(|(_, p)| p == 0.0));
    }
}
