//! `missing-data` for a student: the student and their current enrollments on both sides.

use std::collections::BTreeSet;

use cdt_core::platform;
use cdt_core::roster::Enrollment;
use cdt_core::{Case, Status, Verdict};
use serde_json::{Value, json};

use super::at_school;
use super::enrollments::{check_enrollment, extra_enrollment};
use crate::common::{
    OnBookmarked, Report, Resolved, School, StudentQuery, StudentRecord, and_list, bm_class_by_sid, bm_enrollment_json,
    bm_student, bm_student_json, check_rekeyed, check_sis_student, check_student_fields, is_current, resolve_student,
    sis_enrollment_json, sis_state, sis_user_json, source_verdict, unresolved_student,
};
use crate::findings::{NoCurrentEnrollmentsInSource, RecordsAgree};

pub(super) fn diagnose_student(case: &Case, query: &str, school: Option<&School<'_>>) -> Verdict {
    let src = &case.source;
    let pf = &case.platform;
    let r = Report::default();
    let where_ = at_school(school);
    let school_json = school.map(School::json);

    let resolution = resolve_student(case, query, school, |_| false);
    let student = match &resolution.resolved {
        Resolved::One(one) | Resolved::Preferred { chosen: one, .. } => *one,
        Resolved::NotFound => {
            let source = json!({ "student_name": query, "school": school_json });
            return unresolved_student(
                r,
                case,
                &StudentQuery {
                    query,
                    where_: &where_,
                    school_input: true,
                },
                None,
                source,
                json!({}),
            );
        }
        Resolved::Ambiguous(shown) => {
            let source = json!({ "student_name": query, "school": school_json });
            return unresolved_student(
                r,
                case,
                &StudentQuery {
                    query,
                    where_: &where_,
                    school_input: true,
                },
                Some(shown),
                source,
                json!({}),
            );
        }
    };
    let mut r = r;

    let sid = student.sourced_id().to_owned();
    let name = student.name();
    let sis_enrollments: Vec<&Enrollment> = student
        .sis
        .map(|u| src.enrollments_of(&u.sourced_id).collect())
        .unwrap_or_default();
    let current: Vec<&Enrollment> = sis_enrollments
        .iter()
        .copied()
        .filter(|e| is_current(src, e, case.today))
        .collect();
    let bm_enrollments: Vec<&platform::Enrollment> = student
        .bm
        .map(|s| pf.enrollments_of(&s.id).collect())
        .unwrap_or_default();

    let source_data = json!({
        "student_name": query,
        "school": school_json,
        "student": student.sis.map(|u| sis_user_json(src, u)),
        "enrollments": sis_enrollments.iter().map(|e| sis_enrollment_json(src, e, case.today)).collect::<Vec<_>>(),
    });
    let comparison = compare_student(case, &student, &current, &bm_enrollments);

    // The SIS side.
    let source_first = check_sis_student(&mut r, &student).or_else(|| {
        current
            .is_empty()
            .then(|| r.report(&no_current_enrollments(case, &name, &sid, &sis_enrollments)))
    });
    if let Some(first) = source_first {
        let bookmarked_data = student_bookmarked_data(case, &r, &student, &bm_enrollments);
        return source_verdict(r, &first, source_data, bookmarked_data, comparison);
    }

    // The platform side.
    let mut missing: Vec<String> = Vec::new();
    let mut error_ids: BTreeSet<String> = BTreeSet::new();
    let current_classes: BTreeSet<&str> = current.iter().map(|e| e.class_sourced_id.as_str()).collect();
    if check_rekeyed(&mut r, pf, &student).is_some() {
        missing.push(format!("student {name} under another sourced_id"));
    }
    match bm_student(&name, &sid, student.bm, None) {
        OnBookmarked::Missing(v) => {
            r.report(&v);
            missing.push(format!("student {name} missing"));
            error_ids.insert(sid.clone());
            error_ids.extend(current.iter().map(|e| e.sourced_id.clone()));
        }
        OnBookmarked::Deleted(v) => {
            r.report(&v);
            missing.push(format!("student {name} deleted"));
            error_ids.insert(sid.clone());
        }
        OnBookmarked::Live(s) => {
            if let Some(u) = student.sis.filter(|_| !student.by_name) {
                for msg in check_student_fields(&mut r, src, pf, u, s, true) {
                    missing.push(msg.trim_end_matches('.').to_owned());
                }
            }
            for e in &current {
                check_enrollment(&mut r, case, e, s, &name, &mut missing, &mut error_ids);
            }
            for e in bm_enrollments.iter().filter(|e| e.status.is_active()) {
                let class = pf.class(&e.class_id);
                let known = class.is_some_and(|c| current_classes.contains(c.sourced_id.as_str()))
                    || current.iter().any(|c| c.sourced_id == e.sourced_id);
                if !known {
                    extra_enrollment(&mut r, case, e, &name);
                    missing.push(format!(
                        "extra enrollment in {}",
                        class.map_or(e.class_id.as_str(), |c| c.title.as_str())
                    ));
                }
            }
        }
    }
    if let Some(msg) = resolution.report_namesakes(&mut r, case, &student) {
        missing.push(msg.trim_end_matches('.').to_owned());
    }
    r.import_errors(pf, error_ids.iter().map(String::as_str));
    let bookmarked_data = student_bookmarked_data(case, &r, &student, &bm_enrollments);
    if missing.is_empty() {
        let classes: Vec<String> = current
            .iter()
            .map(|e| {
                src.class(&e.class_sourced_id)
                    .map_or_else(|| e.class_sourced_id.clone(), |c| c.title.clone())
            })
            .collect();
        r.report(&RecordsAgree {
            subject: format!("Student {name} ({sid})"),
            sid: sid.clone(),
            count: current.len(),
            class: false,
        });
        return r.verdict(
            Status::NoIssue,
            format!(
                "Student {name} ({sid}) is live on both sides and their {} current enrollment(s) match: {}.",
                current.len(),
                and_list(&classes)
            ),
            source_data,
            bookmarked_data,
            comparison,
        );
    }
    r.verdict(
        Status::IssueInBookmarked,
        format!(
            "The SIS has {name} ({sid}) right, but Bookmarked differs: {}.",
            and_list(&missing)
        ),
        source_data,
        bookmarked_data,
        comparison,
    )
}

/// A live student with no current SIS enrollment: why, and the field most likely to fix it.
fn no_current_enrollments(
    case: &Case,
    name: &str,
    sid: &str,
    enrollments: &[&Enrollment],
) -> NoCurrentEnrollmentsInSource {
    let detail = if enrollments.is_empty() {
        "no enrollment at all".to_owned()
    } else {
        format!(
            "{} enrollment(s), none current on {} (ended, not begun, tobedeleted or in a deleted class)",
            enrollments.len(),
            case.today
        )
    };
    let field = if enrollments.iter().any(|e| e.end_date.is_some_and(|d| d < case.today)) {
        "endDate"
    } else if enrollments.iter().any(|e| !e.status.is_active()) {
        "status"
    } else {
        "classSourcedId"
    };
    NoCurrentEnrollmentsInSource {
        name: name.to_owned(),
        sid: sid.to_owned(),
        detail,
        enrollments: enrollments.iter().map(|e| e.sourced_id.clone()).collect(),
        field,
    }
}

fn student_bookmarked_data(
    case: &Case,
    r: &Report,
    student: &StudentRecord<'_>,
    enrollments: &[&platform::Enrollment],
) -> Value {
    let pf = &case.platform;
    json!({
        "district_id": case.bookmarked_org_id,
        "student": student.bm.map(|s| bm_student_json(pf, s)),
        "enrollments": enrollments.iter().map(|e| bm_enrollment_json(pf, e)).collect::<Vec<_>>(),
        "import_errors": r.import_error_rows(),
    })
}

fn compare_student(
    case: &Case,
    student: &StudentRecord<'_>,
    current: &[&Enrollment],
    bm_enrollments: &[&platform::Enrollment],
) -> Value {
    let src = &case.source;
    let pf = &case.platform;
    let mut rows: Vec<Value> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for e in current {
        let bm_class = bm_class_by_sid(pf, &e.class_sourced_id);
        let bm_row = bm_class.and_then(|c| {
            bm_enrollments
                .iter()
                .filter(|b| b.class_id == c.id)
                .max_by_key(|b| b.status.is_active())
        });
        if let Some(c) = bm_class {
            seen.insert(c.id.clone());
        }
        rows.push(json!({
            "class": src.class(&e.class_sourced_id).map(|c| c.title.as_str()),
            "classSourcedId": e.class_sourced_id,
            "sis_enrollment": e.sourced_id,
            "sis": "current",
            "bookmarked_class": bm_class.map_or("absent", |c| c.status.as_str()),
            "bookmarked_enrollment": bm_row.map(|b| b.id.as_str()),
            "bookmarked": bm_row.map_or("absent", |b| b.status.as_str()),
        }));
    }
    for b in bm_enrollments {
        if seen.contains(&b.class_id) {
            continue;
        }
        let class = pf.class(&b.class_id);
        rows.push(json!({
            "class": class.map(|c| c.title.as_str()),
            "classSourcedId": class.map(|c| c.sourced_id.as_str()),
            "sis_enrollment": null,
            "sis": "not current",
            "bookmarked_class": class.map_or("absent", |c| c.status.as_str()),
            "bookmarked_enrollment": b.id,
            "bookmarked": b.status.as_str(),
        }));
    }
    json!({
        "student": {
            "sourcedId": student.sourced_id(),
            "name": student.name(),
            "sis_status": student.sis.map_or("absent", sis_state),
            "bookmarked_status": student.bm.map_or("absent", |s| s.status.as_str()),
        },
        "enrollments": rows,
    })
}
