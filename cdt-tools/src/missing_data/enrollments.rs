//! The enrollment checks `missing-data` runs for a student and for a class.

use std::collections::BTreeSet;

use cdt_core::Case;
use cdt_core::platform::{self, PlatformData};
use cdt_core::roster::Enrollment;

use crate::common::{Report, bm_class_by_sid, sis_enrollment_school, sis_org_name};
use crate::findings::{
    ClassDeletedInBookmarked, ClassMissingInBookmarked, EnrollmentDeletedInBookmarked, EnrollmentMissingInBookmarked,
    ExtraEnrollmentInBookmarked,
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

/// Reports an active platform enrollment the SIS does not have current.
pub(super) fn extra_enrollment(r: &mut Report, pf: &PlatformData, e: &platform::Enrollment, name: &str) {
    let title = pf.class(&e.class_id).map_or(e.class_id.as_str(), |c| c.title.as_str());
    r.report(&ExtraEnrollmentInBookmarked {
        name: name.to_owned(),
        title: title.to_owned(),
        id: e.id.clone(),
        sid: e.sourced_id.clone(),
    });
}
