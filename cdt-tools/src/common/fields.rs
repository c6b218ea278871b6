//! What people see, compared field by field between an SIS record and the platform row
//! matched to it by `sourcedId`. The SIS is the source of truth: every difference is the
//! platform's copy being stale (or the import having rejected the record).
//!
//! Values are compared as today's matching does: names, titles and grades without case,
//! accents, punctuation or extra spaces ([`same_text`]); emails without case or
//! surrounding spaces. A real difference in letters (or in where a word breaks) is a
//! difference. Statuses are not compared here: the `*-deleted-in-*` and `*-inactive-*`
//! findings own them.

use cdt_core::matching::same_text;
use cdt_core::platform::{self, Parent, PlatformData};
use cdt_core::roster::{self, Roster, User};

use super::names::emails_agree;
use super::report::Report;
use super::school::{bm_org_name, sis_org_name};
use crate::findings::{
    ClassFieldDiffersInBookmarked, FieldDiff, ParentNameDiffersInBookmarked, StudentFieldDiffersInBookmarked,
};

fn diff(field: &'static str, sis_field: &'static str, sis: &str, bm: &str) -> FieldDiff {
    FieldDiff {
        field,
        sis_field,
        sis: sis.to_owned(),
        bm: bm.to_owned(),
    }
}

fn or_none(v: Option<&str>) -> &str {
    v.filter(|v| !v.trim().is_empty()).unwrap_or("(none)")
}

/// The first and last name of a person, against the SIS's given (or preferred) and family
/// names. A platform name that reads the same as the SIS's whole name is not a difference,
/// however the words are split between the two fields.
fn name_diffs(u: &User, first: &str, last: &str) -> Vec<FieldDiff> {
    if same_text(&format!("{first} {last}"), &u.full_name()) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let given_ok = same_text(first, &u.given_name)
        || u.preferred_given_name.as_deref().is_some_and(|p| same_text(first, p))
        || u.middle_name
            .as_deref()
            .is_some_and(|m| same_text(first, &format!("{} {m}", u.given_name)));
    if !given_ok {
        let sis = match u.preferred_given_name.as_deref().filter(|p| !p.trim().is_empty()) {
            Some(p) => format!("{} (preferred: {p})", u.given_name),
            None => u.given_name.clone(),
        };
        out.push(diff("first_name", "givenName", &sis, first));
    }
    if !same_text(last, &u.family_name) {
        out.push(diff("last_name", "familyName", &u.family_name, last));
    }
    out
}

/// The fields a student's platform copy shows differently from the SIS: names, email,
/// school (unless `school` is false: the caller judges it) and grade.
pub(crate) fn student_diffs(
    src: &Roster,
    pf: &PlatformData,
    u: &User,
    s: &platform::Student,
    school: bool,
) -> Vec<FieldDiff> {
    let mut out = name_diffs(u, &s.first_name, &s.last_name);
    if !emails_agree(nonblank(u.email.as_deref()), nonblank(s.email.as_deref())) {
        out.push(diff(
            "email",
            "email",
            or_none(u.email.as_deref()),
            or_none(s.email.as_deref()),
        ));
    }
    if school {
        let bm_school = pf.organization(&s.organization_id).map(|o| o.sourced_id.as_str());
        let schools: Vec<&str> = u.org_sourced_ids().collect();
        if !schools.is_empty() && !bm_school.is_some_and(|b| schools.contains(&b)) {
            out.push(diff(
                "organization_id",
                "orgSourcedIds",
                sis_org_name(src, schools[0]),
                bm_org_name(pf, &s.organization_id),
            ));
        }
    }
    let bm_grade = nonblank(s.grade.as_deref());
    let grade_ok = match (u.grades.is_empty(), bm_grade) {
        (true, None) => true,
        (false, Some(g)) => u.grades.iter().any(|x| same_text(x, g)),
        _ => false,
    };
    if !grade_ok {
        out.push(diff(
            "grade",
            "grades",
            u.grades.first().map_or("(none)", String::as_str),
            or_none(bm_grade),
        ));
    }
    out
}

/// The name fields a parent's platform copy shows differently from the SIS (the email is
/// judged by `parent-email-differs-in-bookmarked`).
pub(crate) fn parent_name_diffs(u: &User, p: &Parent) -> Vec<FieldDiff> {
    name_diffs(u, &p.first_name, &p.last_name)
}

/// The fields a class's platform copy shows differently from the SIS: title, school and
/// period (the term it runs in).
pub(crate) fn class_diffs(src: &Roster, pf: &PlatformData, c: &roster::Class, b: &platform::Class) -> Vec<FieldDiff> {
    let mut out = Vec::new();
    if !same_text(&c.title, &b.title) {
        out.push(diff("title", "title", &c.title, &b.title));
    }
    let bm_school = pf.organization(&b.organization_id).map(|o| o.sourced_id.as_str());
    if bm_school != Some(c.school_sourced_id.as_str()) {
        out.push(diff(
            "organization_id",
            "schoolSourcedId",
            sis_org_name(src, &c.school_sourced_id),
            bm_org_name(pf, &b.organization_id),
        ));
    }
    let term_ok = match nonblank(b.term_sourced_id.as_deref()) {
        Some(t) => c.term_sourced_ids.iter().any(|x| x == t),
        None => c.term_sourced_ids.is_empty(),
    };
    if !term_ok {
        let terms: Vec<String> = c.term_sourced_ids.iter().map(|t| session_title(src, t)).collect();
        let sis = if terms.is_empty() {
            "(none)".to_owned()
        } else {
            terms.join(", ")
        };
        let bm = nonblank(b.term_sourced_id.as_deref()).map_or_else(|| "(none)".to_owned(), |t| session_title(src, t));
        out.push(diff("term_sourced_id", "termSourcedIds", &sis, &bm));
    }
    out
}

/// `Fall 2026 (sourcedId)`, or the `sourcedId` alone when the session is unknown.
fn session_title(src: &Roster, sid: &str) -> String {
    src.academic_sessions
        .iter()
        .find(|s| s.sourced_id == sid)
        .map_or_else(|| sid.to_owned(), |s| format!("{} ({sid})", s.title))
}

fn nonblank(v: Option<&str>) -> Option<&str> {
    v.filter(|v| !v.trim().is_empty())
}

/// The latest import error about a record, if the import rejected it.
fn rejected(pf: &PlatformData, sid: &str) -> Option<String> {
    pf.import_errors_for(sid).first().map(|e| e.message.clone())
}

/// Reports every field a live platform student shows differently from the SIS, with the
/// import errors about the student when there are any. Returns the messages.
pub(crate) fn check_student_fields(
    r: &mut Report,
    src: &Roster,
    pf: &PlatformData,
    u: &User,
    s: &platform::Student,
    school: bool,
) -> Vec<String> {
    let diffs = student_diffs(src, pf, u, s, school);
    let rejected = rejected(pf, &u.sourced_id);
    let msgs: Vec<String> = diffs
        .into_iter()
        .map(|diff| {
            r.report(&StudentFieldDiffersInBookmarked {
                name: u.full_name(),
                id: s.id.clone(),
                sid: u.sourced_id.clone(),
                diff,
                rejected: rejected.clone(),
            })
        })
        .collect();
    if !msgs.is_empty() {
        r.import_errors(pf, [u.sourced_id.as_str()]);
    }
    msgs
}

/// Reports every name field a live platform parent shows differently from the SIS.
/// Returns the messages.
pub(crate) fn check_parent_names(r: &mut Report, pf: &PlatformData, u: &User, p: &Parent) -> Vec<String> {
    let msgs: Vec<String> = parent_name_diffs(u, p)
        .into_iter()
        .map(|diff| {
            r.report(&ParentNameDiffersInBookmarked {
                id: p.id.clone(),
                bm_name: p.full_name(),
                sis_name: u.full_name(),
                sid: u.sourced_id.clone(),
                diff,
            })
        })
        .collect();
    if !msgs.is_empty() {
        r.import_errors(pf, [u.sourced_id.as_str()]);
    }
    msgs
}

/// Reports every field a live platform class shows differently from the SIS, with the
/// import errors about the class when there are any. Returns the messages.
pub(crate) fn check_class_fields(
    r: &mut Report,
    src: &Roster,
    pf: &PlatformData,
    c: &roster::Class,
    b: &platform::Class,
) -> Vec<String> {
    let rejected = rejected(pf, &c.sourced_id);
    let msgs: Vec<String> = class_diffs(src, pf, c, b)
        .into_iter()
        .map(|diff| {
            r.report(&ClassFieldDiffersInBookmarked {
                title: c.title.clone(),
                id: b.id.clone(),
                sid: c.sourced_id.clone(),
                diff,
                rejected: rejected.clone(),
            })
        })
        .collect();
    if !msgs.is_empty() {
        r.import_errors(pf, [c.sourced_id.as_str()]);
    }
    msgs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::World;

    #[test]
    fn noise_is_not_a_difference_but_letters_are() {
        let mut w = World::new();
        w.student("stu-1", "José", "García-López", "sch-lincoln");
        w.sis("stu-1").grades = vec!["05".into()];
        w.sis("stu-1").email = Some("Jose.Garcia@Example.org".into());
        w.mirror();
        let u = w.roster.user("stu-1").cloned().expect("the student");
        let mut s = w.bm_student("stu-1").clone();
        s.first_name = "  JOSE ".into();
        s.last_name = "garcia lopez".into();
        assert_eq!(student_diffs(&w.roster, &w.platform, &u, &s, true), []);
        s.last_name = "Garcia-Lpoez".into();
        s.grade = Some("06".into());
        let fields: Vec<&str> = student_diffs(&w.roster, &w.platform, &u, &s, true)
            .iter()
            .map(|d| d.field)
            .collect();
        assert_eq!(fields, ["last_name", "grade"]);
        s.last_name = "Garci-aLopez".into();
        s.grade = Some("05".into());
        s.organization_id = "bm-sch-juarez".into();
        let d = student_diffs(&w.roster, &w.platform, &u, &s, true);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d[1].sis, "Lincoln Elementary");
        assert_eq!(d[1].bm, "Escuela Juárez");
        assert_eq!(student_diffs(&w.roster, &w.platform, &u, &s, false).len(), 1);
    }
}
