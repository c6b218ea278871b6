//! OneRoster REST JSON (1.1 and 1.2) read into the core's roster model, leniently:
//! booleans as `true` or `"true"`, empty strings as absent (ClassLink sends `""` for
//! every empty field), references as `{"sourcedId": …}` objects or bare strings.
//! 1.1 users carry `role` and `orgs`; 1.2 users carry `roles[]` (`roleType`, `role`,
//! `org`) and `preferredFirstName`. Both become [`UserRole`]s exactly as the CSV
//! reader builds them, so a REST roster equals the bundle of the same data.

use cdt_core::roster::{AcademicSession, Class, Course, Enrollment, Org, RecordStatus, Role, User, UserRole};
use serde_json::Value;

/// A string field: strings as they are, numbers and booleans as written, else "".
fn s(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// An optional string field: absent, null and "" are `None`.
fn opt(v: &Value, key: &str) -> Option<String> {
    Some(s(v, key)).filter(|t| !t.is_empty())
}

fn boolean(v: &Value, key: &str) -> Option<bool> {
    match v.get(key) {
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::String(t)) => match t.trim() {
            t if t.eq_ignore_ascii_case("true") || t == "1" || t.eq_ignore_ascii_case("yes") => Some(true),
            t if t.eq_ignore_ascii_case("false") || t == "0" || t.eq_ignore_ascii_case("no") => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn status(v: &Value) -> RecordStatus {
    let t = s(v, "status");
    if t.eq_ignore_ascii_case("tobedeleted") || t.eq_ignore_ascii_case("inactive") || t.eq_ignore_ascii_case("deleted")
    {
        RecordStatus::ToBeDeleted
    } else {
        RecordStatus::Active
    }
}

/// The `sourcedId` of a reference (`{"sourcedId": …}` or a bare string).
fn ref_id(v: &Value) -> Option<String> {
    match v {
        Value::String(t) if !t.is_empty() => Some(t.clone()),
        Value::Object(_) => opt(v, "sourcedId"),
        _ => None,
    }
}

/// A single reference field's `sourcedId`, or "".
fn ref1(v: &Value, key: &str) -> String {
    v.get(key).and_then(ref_id).unwrap_or_default()
}

/// A list of references' `sourcedId`s.
fn refs(v: &Value, key: &str) -> Vec<String> {
    match v.get(key) {
        Some(Value::Array(items)) => items.iter().filter_map(ref_id).collect(),
        Some(one @ Value::Object(_)) => ref_id(one).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// A list of strings (`grades`), or a comma-separated string.
fn strings(v: &Value, key: &str) -> Vec<String> {
    match v.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| match i {
                Value::String(t) if !t.trim().is_empty() => Some(t.trim().to_owned()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        Some(Value::String(t)) => t
            .split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// A date: `YYYY-MM-DD`, or the date part of a datetime.
fn date(v: &Value, key: &str) -> Option<chrono::NaiveDate> {
    let t = s(v, key);
    let t = t.trim();
    chrono::NaiveDate::parse_from_str(t.get(..10).unwrap_or(t), "%Y-%m-%d").ok()
}

pub(crate) fn org(v: &Value) -> Org {
    Org {
        sourced_id: s(v, "sourcedId"),
        status: status(v),
        name: s(v, "name"),
        org_type: s(v, "type"),
        identifier: opt(v, "identifier"),
        parent_sourced_id: v.get("parent").and_then(ref_id),
    }
}

pub(crate) fn user(v: &Value) -> User {
    let mut roles = Vec::new();
    if let Some(Value::Array(items)) = v.get("roles") {
        // 1.2: one entry per (role, org).
        for r in items {
            roles.push(UserRole {
                role: Role::parse(&s(r, "role")),
                org_sourced_id: ref1(r, "org"),
                primary: s(r, "roleType").eq_ignore_ascii_case("primary"),
            });
        }
    } else if let Some(role) = opt(v, "role") {
        // 1.1: one role at each of the user's orgs, the first primary.
        let role = Role::parse(&role);
        let orgs = refs(v, "orgs");
        if orgs.is_empty() {
            roles.push(UserRole {
                role,
                org_sourced_id: String::new(),
                primary: true,
            });
        } else {
            for (i, org) in orgs.into_iter().enumerate() {
                roles.push(UserRole {
                    role: role.clone(),
                    org_sourced_id: org,
                    primary: i == 0,
                });
            }
        }
    }
    User {
        sourced_id: s(v, "sourcedId"),
        status: status(v),
        enabled: boolean(v, "enabledUser").unwrap_or(true),
        roles,
        username: s(v, "username"),
        given_name: s(v, "givenName"),
        family_name: s(v, "familyName"),
        middle_name: opt(v, "middleName"),
        preferred_given_name: opt(v, "preferredFirstName").or_else(|| opt(v, "preferredGivenName")),
        identifier: opt(v, "identifier"),
        email: opt(v, "email"),
        phone: opt(v, "phone"),
        agent_sourced_ids: refs(v, "agents"),
        grades: strings(v, "grades"),
    }
}

pub(crate) fn course(v: &Value) -> Course {
    Course {
        sourced_id: s(v, "sourcedId"),
        status: status(v),
        title: s(v, "title"),
        course_code: opt(v, "courseCode"),
        org_sourced_id: ref1(v, "org"),
    }
}

pub(crate) fn class(v: &Value) -> Class {
    Class {
        sourced_id: s(v, "sourcedId"),
        status: status(v),
        title: s(v, "title"),
        course_sourced_id: ref1(v, "course"),
        class_code: opt(v, "classCode"),
        class_type: opt(v, "classType"),
        school_sourced_id: ref1(v, "school"),
        term_sourced_ids: refs(v, "terms"),
    }
}

pub(crate) fn academic_session(v: &Value) -> AcademicSession {
    AcademicSession {
        sourced_id: s(v, "sourcedId"),
        status: status(v),
        title: s(v, "title"),
        session_type: s(v, "type"),
        start_date: date(v, "startDate"),
        end_date: date(v, "endDate"),
        parent_sourced_id: v.get("parent").and_then(ref_id),
        school_year: opt(v, "schoolYear"),
    }
}

pub(crate) fn enrollment(v: &Value) -> Enrollment {
    Enrollment {
        sourced_id: s(v, "sourcedId"),
        status: status(v),
        class_sourced_id: ref1(v, "class"),
        school_sourced_id: ref1(v, "school"),
        user_sourced_id: ref1(v, "user"),
        role: Role::parse(&s(v, "role")),
        primary: boolean(v, "primary"),
        begin_date: date(v, "beginDate"),
        end_date: date(v, "endDate"),
    }
}

/// The fields each collection is asked for with `fields=` (what the model reads).
pub(crate) fn fields_of(collection: &str, v1_2: bool) -> &'static str {
    match (collection, v1_2) {
        ("users", false) => {
            "sourcedId,status,enabledUser,role,orgs,username,givenName,familyName,middleName,identifier,email,phone,agents,grades"
        }
        ("users", true) => {
            "sourcedId,status,enabledUser,roles,username,givenName,familyName,middleName,preferredFirstName,identifier,email,phone,agents,grades"
        }
        ("classes", _) => "sourcedId,status,title,course,classCode,classType,school,terms",
        ("courses", _) => "sourcedId,status,title,courseCode,org",
        ("enrollments", _) => "sourcedId,status,class,school,user,role,primary,beginDate,endDate",
        ("academicSessions", _) => "sourcedId,status,title,type,startDate,endDate,parent,schoolYear",
        ("orgs", _) => "sourcedId,status,name,type,identifier,parent",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_classlink_style_user_reads_like_its_csv_row() {
        let u = user(
            &json!({"agents": [], "email": "billy.flores@classlink.k12.nj.us", "enabledUser": "true",
            "familyName": "FLORES", "givenName": "BILLY", "grades": ["11"], "identifier": "17580",
            "middleName": "DASEAN", "orgs": [{"href": "https://x/orgs/2", "sourcedId": "2", "type": "org"}],
            "password": "", "phone": "", "role": "student", "sms": "", "sourcedId": "18125", "status": "active",
            "userIds": [{"identifier": "18125", "type": "FED"}], "username": "billy.flores"}),
        );
        assert_eq!(
            u.roles,
            vec![UserRole {
                role: Role::Student,
                org_sourced_id: "2".into(),
                primary: true
            }]
        );
        assert_eq!(u.phone, None);
        assert_eq!(u.grades, ["11"]);
        assert!(u.enabled);
    }

    #[test]
    fn a_1_2_user_has_roles_and_a_preferred_name() {
        let u = user(
            &json!({"sourcedId": "u1", "status": "tobedeleted", "enabledUser": false,
            "roles": [{"roleType": "secondary", "role": "guardian", "org": {"sourcedId": "s2"}},
                      {"roleType": "primary", "role": "teacher", "org": {"sourcedId": "s1"}}],
            "givenName": "Ana", "familyName": "Lopez", "preferredFirstName": "Annie",
            "agents": [{"sourcedId": "u2", "type": "user"}]}),
        );
        assert_eq!(u.primary_role(), Some(&Role::Teacher));
        assert_eq!(u.preferred_given_name.as_deref(), Some("Annie"));
        assert_eq!(u.agent_sourced_ids, ["u2"]);
        assert!(!u.enabled && !u.status.is_active());
    }

    #[test]
    fn enrollments_and_sessions_read_dates_and_references() {
        let e = enrollment(
            &json!({"sourcedId": "e1", "class": {"sourcedId": "c1"}, "school": {"sourcedId": "s1"},
            "user": {"sourcedId": "u1"}, "role": "student", "primary": "false", "beginDate": "2026-08-20",
            "endDate": "2027-06-01T00:00:00.000Z"}),
        );
        assert_eq!((e.class_sourced_id.as_str(), e.primary), ("c1", Some(false)));
        assert_eq!(e.end_date, chrono::NaiveDate::from_ymd_opt(2027, 6, 1));
        let t = academic_session(&json!({"sourcedId": "t1", "type": "term", "schoolYear": 2027,
            "parent": {"sourcedId": "y1"}}));
        assert_eq!(t.school_year.as_deref(), Some("2027"));
        assert_eq!(t.parent_sourced_id.as_deref(), Some("y1"));
    }
}
