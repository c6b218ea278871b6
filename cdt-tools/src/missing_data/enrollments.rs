//! The enrollment checks `missing-data` runs for a student and for a class.

use std::collections::BTreeSet;

use cdt_core::Case;
use cdt_core::platform;
use cdt_core::roster::{Enrollment, Roster};
use chrono::NaiveDate;

use crate::common::{Report, bm_class_by_sid, sis_enrollment_school, sis_org_name};
use crate::findings::{
    ClassDeletedInBookmarked, ClassMissingInBookmarked, EnrollmentDeletedInBookmarked, EnrollmentMissingInBookmarked,
    ExtraEnrollmentInBookmarked, not_live_reason,
};

/// A class the SIS has live, as Bookmarked has it.
pub(super) enum ClassOnBookmarked<'a> {
    /// Active on the platform.
    Live(&'a platform::Class),
    /// No platform class with the `sourcedId`.
    Missing(ClassMissingInBookmarked),
    /// The platform has it deleted.
    Deleted(ClassDeletedInBookmarked),
}

/// The Bookmarked side of a class the SIS has live (`enrollment`: the SIS enrollment that
/// brought it into question, if one). The caller reports what is wrong.
pub(super) fn bm_class<'a>(
    title: &str,
    school: &str,
    sid: &str,
    bm: Option<&'a platform::Class>,
    enrollment: Option<&str>,
) -> ClassOnBookmarked<'a> {
    match bm {
        None => ClassOnBookmarked::Missing(ClassMissingInBookmarked {
            title: title.to_owned(),
            school: school.to_owned(),
            sid: sid.to_owned(),
            enrollment: enrollment.map(str::to_owned),
        }),
        Some(c) if !c.status.is_active() => ClassOnBookmarked::Deleted(ClassDeletedInBookmarked {
            title: title.to_owned(),
            id: c.id.clone(),
            sid: sid.to_owned(),
        }),
        Some(c) => ClassOnBookmarked::Live(c),
    }
}

/// Checks that a current SIS enrollment has its class and enrollment on the platform.
pub(super) fn check_enrollment(
    r: &mut Report,
    case: &Case,
    e: &Enrollment,
    student: &platform::Student,
    name: &str,
    missing: &mut Vec<String>,
    error_ids: &mut BTreeSet<String>,
) {
    let src = &case.source;
    let pf = &case.platform;
    let title = src
        .class(&e.class_sourced_id)
        .map_or(e.class_sourced_id.as_str(), |c| c.title.as_str());
    let school = sis_org_name(src, sis_enrollment_school(src, e));
    let bm = bm_class_by_sid(pf, &e.class_sourced_id);
    match bm_class(title, school, &e.class_sourced_id, bm, Some(&e.sourced_id)) {
        ClassOnBookmarked::Missing(v) => {
            r.report(&v);
            missing.push(format!("class {title} missing"));
            error_ids.insert(e.class_sourced_id.clone());
            error_ids.insert(e.sourced_id.clone());
        }
        ClassOnBookmarked::Deleted(v) => {
            r.report(&v);
            missing.push(format!("class {title} deleted"));
            error_ids.insert(e.class_sourced_id.clone());
        }
        ClassOnBookmarked::Live(c) => {
            let rows: Vec<&platform::Enrollment> = pf
                .enrollments
                .iter()
                .filter(|b| b.class_id == c.id && b.user_id == student.id)
                .collect();
            let row = rows.iter().find(|b| b.status.is_active()).or(rows.first());
            match row {
                None => {
                    r.report(&EnrollmentMissingInBookmarked {
                        name: name.to_owned(),
                        title: title.to_owned(),
                        school: school.to_owned(),
                        sid: e.sourced_id.clone(),
                        student_id: student.id.clone(),
                        class_id: c.id.clone(),
                    });
                    missing.push(format!("enrollment in {title} missing"));
                    error_ids.insert(e.sourced_id.clone());
                }
                Some(b) if !b.status.is_active() => {
                    r.report(&EnrollmentDeletedInBookmarked {
                        name: name.to_owned(),
                        title: title.to_owned(),
                        id: b.id.clone(),
                        bm_sid: b.sourced_id.clone(),
                        sid: e.sourced_id.clone(),
                    });
                    missing.push(format!("enrollment in {title} deleted"));
                    error_ids.insert(e.sourced_id.clone());
                }
                Some(_) => {}
            }
        }
    }
}

/// Reports an active platform enrollment the SIS does not have current, with why.
pub(super) fn extra_enrollment(r: &mut Report, case: &Case, e: &platform::Enrollment, name: &str) {
    let pf = &case.platform;
    let title = pf.class(&e.class_id).map_or(e.class_id.as_str(), |c| c.title.as_str());
    let student = pf.student(&e.user_id).map(|s| s.sourced_id.as_str());
    r.report(&ExtraEnrollmentInBookmarked {
        name: name.to_owned(),
        title: title.to_owned(),
        id: e.id.clone(),
        sid: e.sourced_id.clone(),
        why: not_current_reason(&case.source, &e.sourced_id, student, case.today),
    });
}

/// Why the SIS does not have an enrollment current, as a clause: the student is not
/// live (tobedeleted, or disabled with `enabledUser` false), the enrollment is
/// tobedeleted, ended or not begun, its class is tobedeleted, or the SIS does not send it.
fn not_current_reason(src: &Roster, enrollment_sid: &str, student_sid: Option<&str>, today: NaiveDate) -> String {
    let enrollment = src.enrollments.iter().find(|e| e.sourced_id == enrollment_sid);
    let student = student_sid
        .or(enrollment.map(|e| e.user_sourced_id.as_str()))
        .and_then(|sid| src.user(sid));
    if let Some(u) = student.filter(|u| !u.is_live()) {
        return format!("the SIS has the student {}", not_live_reason(u.status.is_active()));
    }
    let Some(e) = enrollment else {
        return "the SIS no longer sends the enrollment".into();
    };
    if !e.status.is_active() {
        return "the SIS has the enrollment tobedeleted".into();
    }
    if let Some(end) = e.end_date.filter(|d| *d < today) {
        return format!("the SIS ended it on {end}");
    }
    if let Some(begin) = e.begin_date.filter(|d| *d > today) {
        return format!("the SIS has it begin on {begin}");
    }
    if src.class(&e.class_sourced_id).is_some_and(|c| !c.status.is_active()) {
        return "the SIS has its class tobedeleted".into();
    }
    "the SIS has no current enrollment of the student in the class".into()
}
