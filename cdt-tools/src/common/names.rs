//! Names, states and links of people and records on each side.

use cdt_core::matching::{NameMatch, PersonName, match_person, normalize_text, same_email, same_text};
use cdt_core::platform::{self, Parent, PlatformData};
use cdt_core::roster::{Enrollment, Roster, User};
use chrono::NaiveDate;

/// The name parts of an SIS user.
pub(crate) fn sis_name(u: &User) -> PersonName<'_> {
    PersonName {
        given: &u.given_name,
        middle: u.middle_name.as_deref(),
        family: &u.family_name,
        preferred: u.preferred_given_name.as_deref(),
    }
}

/// The name parts of a platform student or parent.
pub(crate) fn bm_name<'a>(first: &'a str, last: &'a str) -> PersonName<'a> {
    PersonName {
        given: first,
        family: last,
        ..PersonName::default()
    }
}

/// `active`, `tobedeleted` or `disabled`: why an SIS user is or is not live.
pub(crate) fn sis_state(u: &User) -> &'static str {
    if !u.status.is_active() {
        "tobedeleted"
    } else if u.enabled {
        "active"
    } else {
        "disabled"
    }
}

/// Whether an SIS email and a platform email are the same address (both missing counts as same).
pub(crate) fn emails_agree(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same_email(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// Whether an email field holds this address.
pub(crate) fn has_email(field: Option<&str>, email: &str) -> bool {
    field.is_some_and(|e| same_email(e, email))
}

/// Whether an SIS user's name and a platform name are the same once normalized.
pub(crate) fn same_person_name(u: &User, first: &str, last: &str) -> bool {
    same_text(&u.full_name(), &format!("{first} {last}"))
        || match_person(&format!("{first} {last}"), sis_name(u)) == NameMatch::Exact
}

/// The platform student with this SIS `sourcedId`, the live one first if duplicated.
pub(crate) fn bm_student_by_sid<'a>(pf: &'a PlatformData, sid: &str) -> Option<&'a platform::Student> {
    let mut rows = pf.students.iter().filter(|s| s.sourced_id == sid);
    let first = rows.next()?;
    if first.status.is_active() {
        return Some(first);
    }
    Some(rows.find(|s| s.status.is_active()).unwrap_or(first))
}

/// The platform parent with this SIS `sourcedId`, the live one first if duplicated.
pub(crate) fn bm_parent_by_sid<'a>(pf: &'a PlatformData, sid: &str) -> Option<&'a Parent> {
    let mut rows = pf.parents.iter().filter(|p| p.sourced_id == sid);
    let first = rows.next()?;
    if first.status.is_active() {
        return Some(first);
    }
    Some(rows.find(|p| p.status.is_active()).unwrap_or(first))
}

/// The platform class with this SIS `sourcedId`, the live one first if duplicated.
pub(crate) fn bm_class_by_sid<'a>(pf: &'a PlatformData, sid: &str) -> Option<&'a platform::Class> {
    let mut rows = pf.classes.iter().filter(|c| c.sourced_id == sid);
    let first = rows.next()?;
    if first.status.is_active() {
        return Some(first);
    }
    Some(rows.find(|c| c.status.is_active()).unwrap_or(first))
}

/// Whether the SIS links a family user and a student, in either direction.
pub(crate) fn sis_linked(parent: &User, student: &User) -> bool {
    parent.agent_sourced_ids.iter().any(|a| a == &student.sourced_id)
        || student.agent_sourced_ids.iter().any(|a| a == &parent.sourced_id)
}

/// Whether the platform has a `parent_students` row for this parent and student.
pub(crate) fn bm_linked(pf: &PlatformData, parent: &Parent, student: &platform::Student) -> bool {
    pf.parent_students
        .iter()
        .any(|l| l.parent_id == parent.id && l.student_id == student.id)
}

/// Whether an SIS enrollment is in force on `today` and its class (when known) is live.
pub(crate) fn is_current(roster: &Roster, e: &Enrollment, today: NaiveDate) -> bool {
    e.is_current(today) && roster.class(&e.class_sourced_id).is_none_or(|c| c.status.is_active())
}

/// The school of an SIS enrollment: the enrollment's own school, else its class's.
pub(crate) fn sis_enrollment_school<'a>(roster: &'a Roster, e: &'a Enrollment) -> &'a str {
    if e.school_sourced_id.is_empty() {
        roster
            .class(&e.class_sourced_id)
            .map_or("", |c| c.school_sourced_id.as_str())
    } else {
        &e.school_sourced_id
    }
}

/// The normalized form of a person's full name, to group records by name.
pub(crate) fn name_key(given: &str, family: &str) -> String {
    normalize_text(&format!("{given} {family}"))
}
