//! Records as JSON, for `source_data`, `bookmarked_data` and `comparison`.

use cdt_core::platform::{self, ImportError, Parent, PlatformData};
use cdt_core::roster::{self, Enrollment, Roster, User};
use chrono::NaiveDate;
use serde_json::{Value, json};

use super::names::{is_current, sis_enrollment_school, sis_state};
use super::school::{bm_org_name, sis_org_name};

/// An SIS user as JSON (`OneRoster` field names).
pub(crate) fn sis_user_json(roster: &Roster, u: &User) -> Value {
    let orgs: Vec<Value> = u
        .org_sourced_ids()
        .map(|o| json!({ "sourcedId": o, "name": sis_org_name(roster, o) }))
        .collect();
    json!({
        "sourcedId": u.sourced_id,
        "name": u.full_name(),
        "givenName": u.given_name,
        "familyName": u.family_name,
        "email": u.email,
        "role": u.primary_role().map(roster::Role::as_str),
        "status": sis_state(u),
        "enabledUser": u.enabled,
        "orgs": orgs,
        "grades": u.grades,
        "agentSourcedIds": u.agent_sourced_ids,
    })
}

/// An SIS enrollment as JSON, with its class and school names and whether it is current.
pub(crate) fn sis_enrollment_json(roster: &Roster, e: &Enrollment, today: NaiveDate) -> Value {
    let school = sis_enrollment_school(roster, e);
    json!({
        "sourcedId": e.sourced_id,
        "classSourcedId": e.class_sourced_id,
        "class": roster.class(&e.class_sourced_id).map(|c| c.title.as_str()),
        "schoolSourcedId": school,
        "school": sis_org_name(roster, school),
        "userSourcedId": e.user_sourced_id,
        "role": e.role.as_str(),
        "status": if e.status.is_active() { "active" } else { "tobedeleted" },
        "beginDate": e.begin_date,
        "endDate": e.end_date,
        "current": is_current(roster, e, today),
    })
}

/// An SIS class as JSON.
pub(crate) fn sis_class_json(roster: &Roster, c: &roster::Class) -> Value {
    json!({
        "sourcedId": c.sourced_id,
        "title": c.title,
        "classCode": c.class_code,
        "courseSourcedId": c.course_sourced_id,
        "schoolSourcedId": c.school_sourced_id,
        "school": sis_org_name(roster, &c.school_sourced_id),
        "termSourcedIds": c.term_sourced_ids,
        "status": if c.status.is_active() { "active" } else { "tobedeleted" },
    })
}

/// A platform student as JSON (platform column names).
pub(crate) fn bm_student_json(pf: &PlatformData, s: &platform::Student) -> Value {
    json!({
        "id": s.id,
        "sourced_id": s.sourced_id,
        "name": s.full_name(),
        "email": s.email,
        "organization_id": s.organization_id,
        "school": bm_org_name(pf, &s.organization_id),
        "grade": s.grade,
        "status": s.status.as_str(),
    })
}

/// A platform parent as JSON, with the students linked to it.
pub(crate) fn bm_parent_json(pf: &PlatformData, p: &Parent) -> Value {
    let students: Vec<Value> = pf
        .students_of(&p.id)
        .map(|s| json!({ "id": s.id, "sourced_id": s.sourced_id, "name": s.full_name(), "status": s.status.as_str() }))
        .collect();
    json!({
        "id": p.id,
        "sourced_id": p.sourced_id,
        "name": p.full_name(),
        "email": p.email,
        "status": p.status.as_str(),
        "students": students,
    })
}

/// A platform class as JSON.
pub(crate) fn bm_class_json(pf: &PlatformData, c: &platform::Class) -> Value {
    json!({
        "id": c.id,
        "sourced_id": c.sourced_id,
        "title": c.title,
        "organization_id": c.organization_id,
        "school": bm_org_name(pf, &c.organization_id),
        "status": c.status.as_str(),
    })
}

/// A platform enrollment as JSON, with its class and school.
pub(crate) fn bm_enrollment_json(pf: &PlatformData, e: &platform::Enrollment) -> Value {
    let class = pf.class(&e.class_id);
    json!({
        "id": e.id,
        "sourced_id": e.sourced_id,
        "class_id": e.class_id,
        "class": class.map(|c| c.title.as_str()),
        "class_sourced_id": class.map(|c| c.sourced_id.as_str()),
        "school": class.map(|c| bm_org_name(pf, &c.organization_id)),
        "user_id": e.user_id,
        "role": e.role,
        "status": e.status.as_str(),
    })
}

/// An import error as JSON, with when its run started.
pub(crate) fn import_error_json(pf: &PlatformData, e: &ImportError) -> Value {
    let started = pf
        .import_runs
        .iter()
        .find(|r| r.id == e.import_run_id)
        .map(|r| r.started_at.as_str());
    json!({
        "id": e.id,
        "import_run_id": e.import_run_id,
        "run_started_at": started,
        "entity_type": e.entity_type,
        "sourced_id": e.sourced_id,
        "message": e.message,
    })
}
