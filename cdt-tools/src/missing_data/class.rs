//! `missing-data` for a class: the class and the students it currently enrolls, on both sides.

use std::collections::BTreeSet;

use cdt_core::matching::same_text;
use cdt_core::platform;
use cdt_core::roster::{self, Enrollment, User};
use cdt_core::{Case, Status, Verdict};
use serde_json::{Value, json};

use super::at_school;
use super::enrollments::{ClassOnBookmarked, bm_class, check_enrollment, extra_enrollment};
use crate::common::{
    OnBookmarked, Report, School, and_list, bm_class_by_sid, bm_class_json, bm_enrollment_json, bm_org_name,
    bm_student, bm_student_by_sid, check_class_fields, is_current, sis_class_json, sis_enrollment_json, sis_org_name,
    sis_state, source_verdict,
};
use crate::findings::{ClassAmbiguous, ClassDeletedInSource, ClassNotFound, ClassNotInSource, RecordsAgree};

/// A class as both sides know it, paired by `sourcedId`.
#[derive(Clone, Copy)]
struct ClassRecord<'a> {
    sis: Option<&'a roster::Class>,
    bm: Option<&'a platform::Class>,
}

impl ClassRecord<'_> {
    fn sourced_id(&self) -> &str {
        self.sis
            .map(|c| c.sourced_id.as_str())
            .or(self.bm.map(|c| c.sourced_id.as_str()))
            .unwrap_or_default()
    }

    fn title(&self) -> &str {
        self.sis
            .map(|c| c.title.as_str())
            .or(self.bm.map(|c| c.title.as_str()))
            .unwrap_or_default()
    }

    fn school(&self, case: &Case) -> String {
        match (self.sis, self.bm) {
            (Some(c), _) => sis_org_name(&case.source, &c.school_sourced_id).to_owned(),
            (None, Some(c)) => bm_org_name(&case.platform, &c.organization_id).to_owned(),
            (None, None) => String::new(),
        }
    }

    fn is_at(&self, school: &School<'_>) -> bool {
        self.sis.is_some_and(|c| school.is_sis(&c.school_sourced_id))
            || self.bm.is_some_and(|c| school.is_bm(&c.organization_id))
    }

    fn label(&self, case: &Case) -> String {
        format!("{} ({}, {})", self.title(), self.sourced_id(), self.school(case))
    }

    fn candidate_json(&self, case: &Case) -> Value {
        json!({
            "sourcedId": self.sourced_id(),
            "title": self.title(),
            "school": self.school(case),
            "terms": self.sis.map(|c| c.term_sourced_ids.clone()),
            "sis_status": self.sis.map_or("absent", |c| if c.status.is_active() { "active" } else { "tobedeleted" }),
            "bookmarked_id": self.bm.map(|c| c.id.as_str()),
            "bookmarked_status": self.bm.map_or("absent", |c| c.status.as_str()),
        })
    }
}

fn class_matches(query: &str, title: &str, ids: &[&str]) -> bool {
    let q = query.trim();
    same_text(q, title) || ids.iter().any(|id| !id.is_empty() && id.eq_ignore_ascii_case(q))
}

fn find_classes<'a>(case: &'a Case, query: &str) -> Vec<ClassRecord<'a>> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for c in &case.source.classes {
        let code = c.class_code.as_deref().unwrap_or_default();
        if class_matches(query, &c.title, &[&c.sourced_id, code]) && seen.insert(c.sourced_id.as_str()) {
            out.push(ClassRecord {
                sis: Some(c),
                bm: bm_class_by_sid(&case.platform, &c.sourced_id),
            });
        }
    }
    for c in &case.platform.classes {
        if class_matches(query, &c.title, &[&c.id, &c.sourced_id]) && seen.insert(c.sourced_id.as_str()) {
            out.push(ClassRecord {
                sis: case.source.class(&c.sourced_id),
                bm: bm_class_by_sid(&case.platform, &c.sourced_id).or(Some(c)),
            });
        }
    }
    out
}

pub(super) fn diagnose_class(case: &Case, query: &str, school: Option<&School<'_>>) -> Verdict {
    let src = &case.source;
    let pf = &case.platform;
    let mut found = find_classes(case, query);
    if let Some(s) = school {
        found.retain(|c| c.is_at(s));
    }
    let mut r = Report::default();
    let where_ = at_school(school);
    let school_json = school.map(School::json);

    let class = match found.as_slice() {
        [] => {
            r.report(&ClassNotFound {
                query: query.to_owned(),
                where_: where_.clone(),
            });
            return r.verdict(
                Status::NotFound,
                format!("No class titled `{query}`{where_} on either side."),
                json!({ "class_name": query, "school": school_json, "classes": [] }),
                json!({ "classes": [] }),
                json!({ "class_found": false }),
            );
        }
        [one] => *one,
        many => {
            let labels: Vec<String> = many.iter().map(|c| c.label(case)).collect();
            r.report(&ClassAmbiguous {
                query: query.to_owned(),
                where_: where_.clone(),
                labels: labels.clone(),
                ids: many.iter().map(|c| c.sourced_id().to_owned()).collect(),
            });
            return r.verdict(
                Status::Ambiguous,
                format!(
                    "`{query}`{where_} matches {} classes; re-run with a school or the class's sourcedId: {}.",
                    many.len(),
                    and_list(&labels)
                ),
                json!({ "class_name": query, "school": school_json, "candidates": many.iter().map(|c| c.candidate_json(case)).collect::<Vec<_>>() }),
                json!({}),
                json!({ "candidates": many.len() }),
            );
        }
    };

    let csid = class.sourced_id().to_owned();
    let label = class.label(case);
    let sis_rows: Vec<&Enrollment> = src
        .enrollments
        .iter()
        .filter(|e| e.class_sourced_id == csid && e.role == roster::Role::Student)
        .collect();
    let expected: Vec<&Enrollment> = sis_rows
        .iter()
        .copied()
        .filter(|e| is_current(src, e, case.today) && src.user(&e.user_sourced_id).is_some_and(User::is_live))
        .collect();
    let bm_rows: Vec<&platform::Enrollment> = class
        .bm
        .map(|c| pf.enrollments.iter().filter(|e| e.class_id == c.id).collect())
        .unwrap_or_default();

    let source_data = json!({
        "class_name": query,
        "school": school_json,
        "class": class.sis.map(|c| sis_class_json(src, c)),
        "enrollments": sis_rows.iter().map(|e| {
            let mut v = sis_enrollment_json(src, e, case.today);
            if let (Some(obj), Some(u)) = (v.as_object_mut(), src.user(&e.user_sourced_id)) {
                obj.insert("student".into(), json!(u.full_name()));
                obj.insert("student_status".into(), json!(sis_state(u)));
            }
            v
        }).collect::<Vec<_>>(),
    });
    let comparison = compare_class(case, &class, &expected, &bm_rows);

    let source_first = match class.sis {
        None => Some(r.report(&ClassNotInSource {
            label: label.clone(),
            sid: csid.clone(),
            bm_state: class.bm.map_or("absent", |c| c.status.as_str()).to_owned(),
        })),
        Some(c) if !c.status.is_active() => Some(r.report(&ClassDeletedInSource {
            label: label.clone(),
            sid: csid.clone(),
        })),
        Some(_) => None,
    };
    if let Some(first) = source_first {
        let bookmarked_data = class_bookmarked_data(case, &r, &class, &bm_rows);
        return source_verdict(r, &first, source_data, bookmarked_data, comparison);
    }

    let mut missing: Vec<String> = Vec::new();
    let mut error_ids: BTreeSet<String> = BTreeSet::new();
    match bm_class(class.title(), &class.school(case), &csid, class.bm, None) {
        ClassOnBookmarked::Missing(v) => {
            r.report(&v);
            missing.push(format!("class {} missing", class.title()));
            error_ids.insert(csid.clone());
            if let Some(c) = class.sis {
                error_ids.insert(c.course_sourced_id.clone());
            }
            error_ids.extend(expected.iter().map(|e| e.sourced_id.clone()));
        }
        ClassOnBookmarked::Deleted(v) => {
            r.report(&v);
            missing.push(format!("class {} deleted", class.title()));
            error_ids.insert(csid.clone());
        }
        ClassOnBookmarked::Live(b) => {
            if let Some(c) = class.sis {
                for msg in check_class_fields(&mut r, src, pf, c, b) {
                    missing.push(msg.trim_end_matches('.').to_owned());
                }
            }
            let mut expected_students: BTreeSet<&str> = BTreeSet::new();
            for e in &expected {
                expected_students.insert(e.user_sourced_id.as_str());
                let name = src
                    .user(&e.user_sourced_id)
                    .map_or_else(|| e.user_sourced_id.clone(), User::full_name);
                let bm = bm_student_by_sid(pf, &e.user_sourced_id);
                match bm_student(&name, &e.user_sourced_id, bm, Some(&e.sourced_id)) {
                    OnBookmarked::Missing(v) => {
                        r.report(&v);
                        missing.push(format!("student {name} missing"));
                        error_ids.insert(e.user_sourced_id.clone());
                        error_ids.insert(e.sourced_id.clone());
                    }
                    OnBookmarked::Deleted(v) => {
                        r.report(&v);
                        missing.push(format!("student {name} deleted"));
                        error_ids.insert(e.user_sourced_id.clone());
                    }
                    OnBookmarked::Live(s) => {
                        check_enrollment(&mut r, case, e, s, &name, &mut missing, &mut error_ids);
                    }
                }
            }
            for b in bm_rows.iter().filter(|b| b.status.is_active()) {
                let student = pf.student(&b.user_id);
                let known = student.is_some_and(|s| expected_students.contains(s.sourced_id.as_str()))
                    || expected.iter().any(|e| e.sourced_id == b.sourced_id);
                if !known && b.role.eq_ignore_ascii_case("student") {
                    let name = student.map_or_else(|| b.user_id.clone(), platform::Student::full_name);
                    extra_enrollment(&mut r, case, b, &name);
                    missing.push(format!("extra enrollment of {name}"));
                }
            }
        }
    }
    r.import_errors(pf, error_ids.iter().map(String::as_str));
    let bookmarked_data = class_bookmarked_data(case, &r, &class, &bm_rows);
    if missing.is_empty() {
        r.report(&RecordsAgree {
            subject: format!("Class {label}"),
            sid: csid.clone(),
            count: expected.len(),
            class: true,
        });
        return r.verdict(
            Status::NoIssue,
            format!(
                "Class {label} is live on both sides and its {} current student(s) match.",
                expected.len()
            ),
            source_data,
            bookmarked_data,
            comparison,
        );
    }
    r.verdict(
        Status::IssueInBookmarked,
        format!(
            "The SIS has class {label} right, but Bookmarked differs: {}.",
            and_list(&missing)
        ),
        source_data,
        bookmarked_data,
        comparison,
    )
}

fn class_bookmarked_data(case: &Case, r: &Report, class: &ClassRecord<'_>, rows: &[&platform::Enrollment]) -> Value {
    let pf = &case.platform;
    json!({
        "district_id": case.bookmarked_org_id,
        "class": class.bm.map(|c| bm_class_json(pf, c)),
        "enrollments": rows.iter().map(|e| {
            let mut v = bm_enrollment_json(pf, e);
            if let (Some(obj), Some(s)) = (v.as_object_mut(), pf.student(&e.user_id)) {
                obj.insert("student".into(), json!(s.full_name()));
                obj.insert("student_sourced_id".into(), json!(s.sourced_id));
                obj.insert("student_status".into(), json!(s.status.as_str()));
            }
            v
        }).collect::<Vec<_>>(),
        "import_errors": r.import_error_rows(),
    })
}

fn compare_class(
    case: &Case,
    class: &ClassRecord<'_>,
    expected: &[&Enrollment],
    bm_rows: &[&platform::Enrollment],
) -> Value {
    let src = &case.source;
    let pf = &case.platform;
    let mut rows: Vec<Value> = Vec::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for e in expected {
        let bm_student = bm_student_by_sid(pf, &e.user_sourced_id);
        let bm_row = bm_student.and_then(|s| {
            bm_rows
                .iter()
                .filter(|b| b.user_id == s.id)
                .max_by_key(|b| b.status.is_active())
        });
        if let Some(b) = bm_row {
            seen.insert(b.id.as_str());
        }
        rows.push(json!({
            "student": src.user(&e.user_sourced_id).map(cdt_core::roster::User::full_name),
            "sourcedId": e.user_sourced_id,
            "sis_enrollment": e.sourced_id,
            "sis": "current",
            "bookmarked_student": bm_student.map_or("absent", |s| s.status.as_str()),
            "bookmarked_enrollment": bm_row.map(|b| b.id.as_str()),
            "bookmarked": bm_row.map_or("absent", |b| b.status.as_str()),
        }));
    }
    for b in bm_rows {
        if seen.contains(b.id.as_str()) {
            continue;
        }
        let s = pf.student(&b.user_id);
        rows.push(json!({
            "student": s.map(cdt_core::platform::Student::full_name),
            "sourcedId": s.map(|s| s.sourced_id.as_str()),
            "sis_enrollment": null,
            "sis": "not current",
            "bookmarked_student": s.map_or("absent", |s| s.status.as_str()),
            "bookmarked_enrollment": b.id,
            "bookmarked": b.status.as_str(),
        }));
    }
    json!({
        "class": {
            "sourcedId": class.sourced_id(),
            "title": class.title(),
            "school": class.school(case),
            "sis_status": class.sis.map_or("absent", |c| if c.status.is_active() { "active" } else { "tobedeleted" }),
            "bookmarked_status": class.bm.map_or("absent", |c| c.status.as_str()),
        },
        "students": rows,
    })
}
