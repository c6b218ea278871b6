//! A result's records matched across the two sides, the way a support engineer reads
//! them: one row per record (a student, a parent, an enrollment, a class), its SIS and
//! Bookmarked values side by side, and the fields that differ marked.
//!
//! The rows are read from a result's `source_data` and `bookmarked_data`, whatever tool
//! (built-in or plugin) wrote them: an object holding `sourcedId` is an SIS record, one
//! holding `sourced_id` a Bookmarked record, and the two are matched by that id. Objects
//! nested inside a record (a Bookmarked parent's `students`, an SIS user's `orgs`) are
//! references: they lend their names and links, and become rows only when the data
//! also holds them as records of their own.
//!
//! Values are compared as the tools compare them: names and titles without case,
//! accents or punctuation ([`same_text`]), emails without case or surrounding spaces,
//! the SIS's `tobedeleted` as Bookmarked's `deleted`, a student's grades as a set. A
//! field is compared only when both sides show it.
//!
//! The notebook display (Python) and the service's page both render these rows
//! ([`crate::html`]); nothing else decides what differs.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::matching::same_text;
use crate::result::DiagnosticResult;

/// One record of a result, on both sides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordRow {
    /// `student`, `parent`, `guardian`, `enrollment`, `class`, …
    pub kind: String,
    /// The record's name (or class title), from either side.
    pub name: String,
    /// The SIS `sourcedId` the two sides share.
    pub sourced_id: String,
    /// Whether the SIS data holds the record.
    pub in_sis: bool,
    /// Whether the Bookmarked data holds the record.
    pub in_bookmarked: bool,
    /// The fields, in a fixed order.
    pub fields: Vec<FieldRow>,
}

impl RecordRow {
    /// Whether any field differs, or the record is on one side only.
    #[must_use]
    pub fn differs(&self) -> bool {
        !(self.in_sis && self.in_bookmarked) || self.fields.iter().any(|f| f.differs)
    }
}

/// One field of a record on both sides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldRow {
    /// What the field is, e.g. `name`, `email`, `children`.
    pub field: &'static str,
    /// The SIS's value, when the SIS data shows it.
    pub sis: Option<String>,
    /// Bookmarked's value, when the Bookmarked data shows it.
    pub bookmarked: Option<String>,
    /// Whether both sides show it and the values differ.
    pub differs: bool,
}

/// The records of a result, matched by `sourcedId`: students first, then parents and
/// other people, then classes and enrollments, each by name.
#[must_use]
pub fn matched_records(result: &DiagnosticResult) -> Vec<RecordRow> {
    let sis = Side::collect(&result.source_data, "sourcedId");
    let bm = Side::collect(&result.bookmarked_data, "sourced_id");
    let names = |id: &str| -> String {
        sis.names
            .get(id)
            .or_else(|| bm.names.get(id))
            .map_or_else(|| id.to_owned(), |n| format!("{n} ({id})"))
    };
    let ids: BTreeSet<&String> = sis.top.iter().chain(bm.top.iter()).collect();
    let mut rows: Vec<RecordRow> = ids
        .into_iter()
        .map(|id| {
            let s = sis.records.get(id.as_str());
            let b = bm.records.get(id.as_str());
            let kind = s
                .map(sis_kind)
                .or_else(|| b.map(|r| r.kind.clone()))
                .unwrap_or_else(|| "record".into());
            let name = s
                .and_then(|r| text(&r.fields, &["name", "title"]))
                .or_else(|| b.and_then(|r| text(&r.fields, &["name", "title"])))
                .unwrap_or_default();
            let mut fields = Vec::new();
            for spec in FIELDS {
                let sv = s.and_then(|r| (spec.sis)(r, &sis));
                let bv = b.and_then(|r| (spec.bookmarked)(r, &bm));
                if sv.is_none() && bv.is_none() {
                    continue;
                }
                let differs = match (&sv, &bv) {
                    (Some(a), Some(b)) => !(spec.same)(a, b),
                    _ => false,
                };
                let show = |v: Option<Vec<String>>| {
                    v.map(|v| {
                        if v.is_empty() {
                            "(none)".to_owned()
                        } else if spec.field == "children" {
                            v.iter().map(|id| names(id)).collect::<Vec<_>>().join(", ")
                        } else {
                            v.join(", ")
                        }
                    })
                };
                fields.push(FieldRow {
                    field: spec.field,
                    sis: show(sv),
                    bookmarked: show(bv),
                    differs,
                });
            }
            RecordRow {
                kind,
                name,
                sourced_id: id.clone(),
                in_sis: s.is_some(),
                in_bookmarked: b.is_some(),
                fields,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        (kind_rank(&a.kind), a.name.to_lowercase(), &a.sourced_id).cmp(&(
            kind_rank(&b.kind),
            b.name.to_lowercase(),
            &b.sourced_id,
        ))
    });
    rows
}

fn kind_rank(kind: &str) -> u8 {
    match kind {
        "student" => 0,
        "parent" | "guardian" | "relative" => 1,
        "teacher" | "aide" | "administrator" | "proctor" => 2,
        "class" => 3,
        "enrollment" => 4,
        _ => 5,
    }
}

/// A record as found on one side: its fields merged over every place it appears.
#[derive(Debug, Default)]
struct Found {
    kind: String,
    fields: Map<String, Value>,
}

/// One side's records.
#[derive(Debug, Default)]
struct Side {
    records: BTreeMap<String, Found>,
    /// The ids of records found outside any other record (rows).
    top: BTreeSet<String>,
    /// Every name seen by id, references included.
    names: BTreeMap<String, String>,
    /// For each parent, the children the other records of this side link to it (an
    /// SIS student's `agentSourcedIds`).
    linked_from: BTreeMap<String, BTreeSet<String>>,
}

impl Side {
    fn collect(data: &Value, id_key: &str) -> Self {
        let mut side = Self::default();
        side.walk(data, id_key, "", false);
        if id_key == "sourcedId" {
            for (id, r) in &side.records {
                if sis_kind(r) == "student" {
                    for agent in strings(r.fields.get("agentSourcedIds")) {
                        side.linked_from.entry(agent).or_default().insert(id.clone());
                    }
                }
            }
        }
        side
    }

    fn walk(&mut self, v: &Value, id_key: &str, key: &str, nested: bool) {
        match v {
            Value::Array(items) => {
                for i in items {
                    self.walk(i, id_key, key, nested);
                }
            }
            Value::Object(o) => {
                let id = o.get(id_key).and_then(Value::as_str).filter(|s| !s.is_empty());
                let is_record = id.is_some() && key != "orgs" && !key.ends_with("schools") && !key.ends_with("campus");
                if let (Some(id), true) = (id, is_record) {
                    if let Some(n) = o.get("name").or_else(|| o.get("title")).and_then(Value::as_str) {
                        self.names.entry(id.to_owned()).or_insert_with(|| n.to_owned());
                    }
                    let found = self.records.entry(id.to_owned()).or_default();
                    if found.kind.is_empty() {
                        found.kind = kind_of_key(key);
                    }
                    for (k, val) in o {
                        found.fields.entry(k.clone()).or_insert_with(|| val.clone());
                    }
                    if !nested {
                        self.top.insert(id.to_owned());
                    }
                    for (k, val) in o {
                        self.walk(val, id_key, k, true);
                    }
                } else {
                    for (k, val) in o {
                        self.walk(val, id_key, k, nested);
                    }
                }
            }
            _ => {}
        }
    }
}

/// A Bookmarked record's kind from the key it was found under.
fn kind_of_key(key: &str) -> String {
    match key {
        "student" | "students" => "student",
        "parent" | "parents" | "student_parents" | "family" => "parent",
        "enrollment" | "enrollments" => "enrollment",
        "class" | "classes" => "class",
        "teacher" | "teachers" => "teacher",
        _ => "record",
    }
    .to_owned()
}

/// An SIS record's kind: its role, else what its fields say it is.
fn sis_kind(r: &Found) -> String {
    let f = &r.fields;
    if f.contains_key("classSourcedId") && f.contains_key("userSourcedId") {
        return "enrollment".into();
    }
    if let Some(role) = f
        .get("role")
        .and_then(Value::as_str)
        .filter(|_| f.contains_key("givenName") || f.contains_key("agentSourcedIds"))
    {
        return role.to_owned();
    }
    if f.contains_key("classCode") || f.contains_key("courseSourcedId") {
        return "class".into();
    }
    r.kind.clone()
}

fn text(fields: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| fields.get(*k).and_then(Value::as_str))
        .map(str::to_owned)
}

/// A value as display strings: a string, a number or a list of them.
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Number(n)) => vec![n.to_string()],
        Some(Value::Bool(b)) => vec![if *b { "yes" } else { "no" }.to_owned()],
        Some(Value::Array(items)) => items.iter().flat_map(|i| strings(Some(i))).collect(),
        _ => Vec::new(),
    }
}

/// A field read on both sides, and how its values are compared.
struct FieldSpec {
    field: &'static str,
    sis: fn(&Found, &Side) -> Option<Vec<String>>,
    bookmarked: fn(&Found, &Side) -> Option<Vec<String>>,
    same: fn(&[String], &[String]) -> bool,
}

fn key(r: &Found, k: &str) -> Option<Vec<String>> {
    match r.fields.get(k) {
        None => None,
        Some(Value::Null) => Some(Vec::new()),
        v => Some(strings(v)),
    }
}

fn same_texts(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_text(x, y))
}

/// Values trimmed and lower-cased, the empty ones dropped.
fn lowered(v: &[String]) -> impl Iterator<Item = String> + '_ {
    v.iter().map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty())
}

fn same_emails(a: &[String], b: &[String]) -> bool {
    lowered(a).eq(lowered(b))
}

fn same_status(a: &[String], b: &[String]) -> bool {
    let norm = |s: String| if s == "tobedeleted" { "deleted".to_owned() } else { s };
    lowered(a).map(norm).eq(lowered(b).map(norm))
}

/// Bookmarked's grades are among the SIS's (or both have none).
fn same_grades(sis: &[String], bm: &[String]) -> bool {
    if sis.is_empty() || bm.is_empty() {
        return sis.is_empty() == bm.is_empty();
    }
    bm.iter().all(|g| sis.iter().any(|s| same_text(s, g)))
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.iter().collect::<BTreeSet<_>>() == b.iter().collect::<BTreeSet<_>>()
}

fn is_parent(kind: &str) -> bool {
    matches!(kind, "parent" | "guardian" | "relative")
}

/// The fields of a row, in order.
const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        field: "name",
        sis: |r, _| key(r, "name").or_else(|| key(r, "title")),
        bookmarked: |r, _| key(r, "name").or_else(|| key(r, "title")),
        same: same_texts,
    },
    FieldSpec {
        field: "email",
        sis: |r, _| key(r, "email"),
        bookmarked: |r, _| key(r, "email"),
        same: same_emails,
    },
    FieldSpec {
        field: "status",
        sis: |r, _| key(r, "status"),
        bookmarked: |r, _| key(r, "status"),
        same: same_status,
    },
    FieldSpec {
        field: "school",
        sis: |r, _| {
            key(r, "school").or_else(|| {
                let orgs = r.fields.get("orgs")?.as_array()?;
                Some(
                    orgs.iter()
                        .filter_map(|o| o.get("name").and_then(Value::as_str).map(str::to_owned))
                        .collect(),
                )
            })
        },
        bookmarked: |r, _| key(r, "school"),
        same: same_texts,
    },
    FieldSpec {
        field: "grade",
        sis: |r, _| key(r, "grades"),
        bookmarked: |r, _| key(r, "grade"),
        same: same_grades,
    },
    FieldSpec {
        field: "class",
        sis: |r, _| key(r, "class"),
        bookmarked: |r, _| key(r, "class"),
        same: same_texts,
    },
    FieldSpec {
        field: "dates",
        sis: |r, _| {
            let begin = r.fields.get("beginDate").and_then(Value::as_str);
            let end = r.fields.get("endDate").and_then(Value::as_str);
            match (begin, end) {
                (None, None) => None,
                (b, e) => Some(vec![format!("{} → {}", b.unwrap_or("…"), e.unwrap_or("…"))]),
            }
        },
        bookmarked: |_, _| None,
        same: same_set,
    },
    FieldSpec {
        field: "current",
        sis: |r, _| key(r, "current"),
        bookmarked: |_, _| None,
        same: same_set,
    },
    FieldSpec {
        field: "children",
        sis: |r, side| {
            if !is_parent(&sis_kind(r)) {
                return None;
            }
            let mut ids: BTreeSet<String> = strings(r.fields.get("agentSourcedIds")).into_iter().collect();
            if let Some(id) = r.fields.get("sourcedId").and_then(Value::as_str) {
                ids.extend(side.linked_from.get(id).into_iter().flatten().cloned());
            }
            Some(ids.into_iter().collect())
        },
        bookmarked: |r, _| {
            let students = r.fields.get("students")?.as_array()?;
            let ids: BTreeSet<String> = students
                .iter()
                .filter_map(|s| s.get("sourced_id").and_then(Value::as_str).map(str::to_owned))
                .collect();
            Some(ids.into_iter().collect())
        },
        same: same_set,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn result(sis: Value, bm: Value) -> DiagnosticResult {
        DiagnosticResult {
            tool_id: "t".into(),
            tool_name: "T".into(),
            customer_id: None,
            timestamp: chrono::DateTime::UNIX_EPOCH,
            inputs: BTreeMap::new(),
            status: crate::Status::NoIssue,
            summary: String::new(),
            findings: Vec::new(),
            source_data: sis,
            bookmarked_data: bm,
            comparison: Value::Null,
            remediation: Vec::new(),
            warnings: Vec::new(),
            hubspot_ticket_id: None,
        }
    }

    #[test]
    fn records_pair_by_sourced_id_and_only_real_differences_are_marked() {
        let r = result(
            json!({
                "student": {"sourcedId": "s1", "name": "Sören Lindqvist-Amadi", "givenName": "Sören",
                            "role": "student", "status": "active", "grades": ["05"],
                            "email": "Kid@Example.org", "agentSourcedIds": ["p1"],
                            "orgs": [{"sourcedId": "o1", "name": "West Springs"}]},
                "parents": [{"sourcedId": "p1", "name": "Marguerite", "givenName": "M", "role": "parent",
                             "status": "tobedeleted", "agentSourcedIds": []}],
            }),
            json!({
                "student": {"sourced_id": "s1", "name": "soren lindqvist amaid", "status": "active",
                            "grade": "05", "email": " kid@example.org", "school": "West Springs"},
                "parents": [{"sourced_id": "p1", "name": "Marguerite", "status": "deleted",
                             "students": [{"sourced_id": "s1", "name": "x"}, {"sourced_id": "s9", "name": "Other"}]}],
                "enrollments": [{"sourced_id": "e1", "class": "Art", "status": "active"}],
            }),
        );
        let rows = matched_records(&r);
        let kinds: Vec<(&str, &str)> = rows.iter().map(|r| (r.kind.as_str(), r.sourced_id.as_str())).collect();
        // The nested Bookmarked students and the SIS orgs are references, not rows.
        assert_eq!(kinds, [("student", "s1"), ("parent", "p1"), ("enrollment", "e1")]);
        let diffs =
            |row: &RecordRow| -> Vec<&str> { row.fields.iter().filter(|f| f.differs).map(|f| f.field).collect() };
        assert_eq!(diffs(&rows[0]), ["name"], "{:?}", rows[0]);
        // tobedeleted is deleted; the children differ (the SIS links s1 from the student's side only).
        assert_eq!(diffs(&rows[1]), ["children"]);
        let children = rows[1].fields.iter().find(|f| f.field == "children").expect("children");
        assert_eq!(children.sis.as_deref(), Some("Sören Lindqvist-Amadi (s1)"));
        assert_eq!(
            children.bookmarked.as_deref(),
            Some("Sören Lindqvist-Amadi (s1), Other (s9)")
        );
        assert!(!rows[2].in_sis && rows[2].in_bookmarked && rows[2].differs());
        assert!(rows[0].differs() && !rows[0].fields.iter().any(|f| f.field == "school" && f.differs));
    }

    #[test]
    fn anything_else_is_no_rows_not_a_panic() {
        for v in [
            json!(null),
            json!(3),
            json!([1, "a", {"sourcedId": 4}]),
            json!({"sourcedId": ""}),
        ] {
            assert!(matched_records(&result(v.clone(), v)).is_empty());
        }
    }
}
