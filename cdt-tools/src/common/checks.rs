//! The checks several tools share, written once: a student on the SIS side and on the
//! Bookmarked side.

use cdt_core::platform::{self, PlatformData};

use super::report::Report;
use super::resolve::StudentRecord;
use crate::findings::{
    StudentDeletedInBookmarked, StudentInactiveInSource, StudentMissingInBookmarked, StudentNotInSource,
    StudentSourcedIdDiffersInBookmarked,
};

/// The SIS side of a student: the SIS must send them, live. Reports the problem and
/// returns its message; when there is one, the SIS is wrong about the student itself and
/// Bookmarked is not judged.
pub(crate) fn check_sis_student(r: &mut Report, student: &StudentRecord<'_>) -> Option<String> {
    let (name, sid) = (student.name(), student.sourced_id().to_owned());
    match student.sis {
        None => Some(r.report(&StudentNotInSource {
            name,
            sid,
            bm_state: student.bm.map_or("absent", |s| s.status.as_str()).to_owned(),
        })),
        Some(u) if !u.is_live() => Some(r.report(&StudentInactiveInSource::of(name, u))),
        Some(_) => None,
    }
}

/// A student the SIS has live, as Bookmarked has them.
pub(crate) enum OnBookmarked<'a> {
    /// Active on the platform.
    Live(&'a platform::Student),
    /// No platform student with the `sourcedId`.
    Missing(StudentMissingInBookmarked),
    /// The platform has them deleted.
    Deleted(StudentDeletedInBookmarked),
}

/// The Bookmarked side of a student the SIS has live (`enrollment`: the SIS enrollment
/// that brought them into question, if one). The caller reports what is wrong.
pub(crate) fn bm_student<'a>(
    name: &str,
    sid: &str,
    bm: Option<&'a platform::Student>,
    enrollment: Option<&str>,
) -> OnBookmarked<'a> {
    match bm {
        None => OnBookmarked::Missing(StudentMissingInBookmarked {
            name: name.to_owned(),
            sid: sid.to_owned(),
            enrollment: enrollment.map(str::to_owned),
        }),
        Some(s) if !s.status.is_active() => OnBookmarked::Deleted(StudentDeletedInBookmarked {
            name: name.to_owned(),
            id: s.id.clone(),
            sid: sid.to_owned(),
        }),
        Some(s) => OnBookmarked::Live(s),
    }
}

/// Reports a platform student paired by name only (another `sourced_id`), with the import
/// errors about the SIS's `sourcedId`; returns the message when it is the case.
pub(crate) fn check_rekeyed(r: &mut Report, pf: &PlatformData, student: &StudentRecord<'_>) -> Option<String> {
    let (true, Some(u), Some(s)) = (student.by_name, student.sis, student.bm) else {
        return None;
    };
    let msg = r.report(&StudentSourcedIdDiffersInBookmarked {
        sid: u.sourced_id.clone(),
        bm_name: s.full_name(),
        bm_id: s.id.clone(),
        bm_sid: s.sourced_id.clone(),
    });
    r.import_errors(pf, [u.sourced_id.as_str()]);
    Some(msg)
}
