//! Helpers shared by the built-in tools: resolving people and schools on both sides,
//! describing records as JSON, and gathering findings and remediation into a verdict.

use std::collections::BTreeSet;

use cdt_core::matching::{NameMatch, PersonName, match_person, normalize_text, same_email, same_text};
use cdt_core::platform::{self, ImportError, Organization, Parent, PlatformData};
use cdt_core::roster::{self, Enrollment, Org, Roster, User};
use cdt_core::{Case, Error, Finding, Remediation, Result, Severity, Status, System, Verdict};
use chrono::NaiveDate;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------
// Names and states.

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

/// Why an SIS user is not live, as a phrase: `marked tobedeleted` or `disabled (enabledUser = false)`.
pub(crate) fn sis_not_live_reason(u: &User) -> &'static str {
    if u.status.is_active() {
        "disabled (enabledUser = false)"
    } else {
        "marked tobedeleted"
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

// ---------------------------------------------------------------------------------------
// Schools.

/// A school as both sides know it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct School<'a> {
    /// The SIS org, if the SIS has it.
    pub(crate) sis: Option<&'a Org>,
    /// The platform organization, if the platform has it.
    pub(crate) bm: Option<&'a Organization>,
}

impl School<'_> {
    /// The school's name, from the SIS if it has it.
    pub(crate) fn name(&self) -> &str {
        self.sis
            .map(|o| o.name.as_str())
            .or(self.bm.map(|o| o.name.as_str()))
            .unwrap_or("?")
    }

    /// The SIS `sourcedId` (the platform's `sourced_id` when only it has the school).
    pub(crate) fn sourced_id(&self) -> Option<&str> {
        self.sis
            .map(|o| o.sourced_id.as_str())
            .or(self.bm.map(|o| o.sourced_id.as_str()))
    }

    /// The platform organization id.
    pub(crate) fn bm_id(&self) -> Option<&str> {
        self.bm.map(|o| o.id.as_str())
    }

    /// Whether an SIS org `sourcedId` is this school.
    pub(crate) fn is_sis(&self, sid: &str) -> bool {
        self.sourced_id().is_some_and(|s| s == sid)
    }

    /// Whether a platform organization id is this school.
    pub(crate) fn is_bm(&self, id: &str) -> bool {
        self.bm_id().is_some_and(|b| b == id)
    }

    /// The school as JSON.
    pub(crate) fn json(&self) -> Value {
        json!({
            "name": self.name(),
            "sourcedId": self.sourced_id(),
            "identifier": self.sis.and_then(|o| o.identifier.as_deref()),
            "bookmarked_id": self.bm_id(),
        })
    }
}

/// Finds a school by name (normalized), `sourcedId` or identifier among the SIS orgs, and
/// on the platform by `sourced_id`, then by name. An unknown or ambiguous school is an
/// input error naming the district's schools.
pub(crate) fn find_school<'a>(case: &'a Case, input: &str, query: &str) -> Result<School<'a>> {
    let q = query.trim();
    let orgs: Vec<&Org> = case
        .source
        .orgs
        .iter()
        .filter(|o| {
            same_text(&o.name, q)
                || o.sourced_id == q
                || o.identifier
                    .as_deref()
                    .is_some_and(|i| i.trim().eq_ignore_ascii_case(q))
        })
        .collect();
    let schools: Vec<&Org> = orgs.iter().copied().filter(|o| o.is_school()).collect();
    let orgs = if schools.is_empty() { orgs } else { schools };
    if orgs.len() > 1 {
        let names: Vec<String> = orgs.iter().map(|o| format!("{} ({})", o.name, o.sourced_id)).collect();
        return Err(Error::input(
            input,
            format!(
                "`{q}` matches several schools: {}; give the sourcedId",
                names.join(", ")
            ),
        ));
    }
    let sis = orgs.first().copied();
    let bm = match sis {
        Some(o) => case
            .platform
            .organizations
            .iter()
            .find(|b| b.sourced_id == o.sourced_id)
            .or_else(|| case.platform.organizations.iter().find(|b| same_text(&b.name, &o.name))),
        None => case
            .platform
            .organizations
            .iter()
            .find(|b| b.sourced_id == q || b.id == q || same_text(&b.name, q)),
    };
    if sis.is_none() && bm.is_none() {
        return Err(Error::input(
            input,
            format!(
                "no school named `{q}`; the district's schools are: {}",
                school_list(case)
            ),
        ));
    }
    Ok(School { sis, bm })
}

/// The district's schools, for error messages.
fn school_list(case: &Case) -> String {
    let mut names: Vec<String> = case
        .source
        .orgs
        .iter()
        .filter(|o| o.is_school())
        .map(|o| format!("{} ({})", o.name, o.sourced_id))
        .collect();
    if names.is_empty() {
        names = case
            .platform
            .organizations
            .iter()
            .filter(|o| o.org_type.eq_ignore_ascii_case("school"))
            .map(|o| format!("{} ({})", o.name, o.sourced_id))
            .collect();
    }
    if names.is_empty() {
        "(none known)".to_owned()
    } else {
        names.join(", ")
    }
}

/// The name of an SIS org, or its id when unknown.
pub(crate) fn sis_org_name<'a>(roster: &'a Roster, sid: &'a str) -> &'a str {
    roster.org(sid).map_or(sid, |o| o.name.as_str())
}

/// The name of a platform organization, or its id when unknown.
pub(crate) fn bm_org_name<'a>(pf: &'a PlatformData, id: &'a str) -> &'a str {
    pf.organization(id).map_or(id, |o| o.name.as_str())
}

// ---------------------------------------------------------------------------------------
// Students on both sides.

/// A student as both sides know them, paired by `sourcedId`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StudentRecord<'a> {
    /// The SIS user, if the SIS has them.
    pub(crate) sis: Option<&'a User>,
    /// The platform student, if the platform has them.
    pub(crate) bm: Option<&'a platform::Student>,
    /// How well the name typed matches (the better side).
    pub(crate) quality: NameMatch,
    /// Whether the platform row was paired by name, not `sourcedId`: the platform has the
    /// student under another `sourced_id`.
    pub(crate) by_name: bool,
}

impl StudentRecord<'_> {
    /// The SIS `sourcedId` (the platform's `sourced_id` when only it has the student).
    pub(crate) fn sourced_id(&self) -> &str {
        self.sis
            .map(|u| u.sourced_id.as_str())
            .or(self.bm.map(|s| s.sourced_id.as_str()))
            .unwrap_or_default()
    }

    /// `Given Family`, from the SIS if it has the student.
    pub(crate) fn name(&self) -> String {
        self.sis
            .map(User::full_name)
            .or(self.bm.map(platform::Student::full_name))
            .unwrap_or_default()
    }

    /// Whether the student is at a school on either side: an SIS role or enrollment there,
    /// or a platform school or enrollment there.
    pub(crate) fn is_at(&self, case: &Case, school: &School<'_>) -> bool {
        let sis = self.sis.is_some_and(|u| {
            u.org_sourced_ids().any(|o| school.is_sis(o))
                || case
                    .source
                    .enrollments_of(&u.sourced_id)
                    .any(|e| school.is_sis(sis_enrollment_school(&case.source, e)))
        });
        let bm = self.bm.is_some_and(|s| {
            school.is_bm(&s.organization_id)
                || case
                    .platform
                    .enrollments_of(&s.id)
                    .filter_map(|e| case.platform.class(&e.class_id))
                    .any(|c| school.is_bm(&c.organization_id))
        });
        sis || bm
    }

    /// The candidate as listed for an ambiguous name: ids, name, school, grade, states.
    pub(crate) fn candidate_json(&self, case: &Case) -> Value {
        let school = match (self.sis, self.bm) {
            (Some(u), _) => u
                .org_sourced_ids()
                .next()
                .map(|o| sis_org_name(&case.source, o).to_owned()),
            (None, Some(s)) => Some(bm_org_name(&case.platform, &s.organization_id).to_owned()),
            (None, None) => None,
        };
        let grade = self
            .sis
            .and_then(|u| u.grades.first().cloned())
            .or_else(|| self.bm.and_then(|s| s.grade.clone()));
        json!({
            "sourcedId": self.sourced_id(),
            "name": self.name(),
            "school": school,
            "grade": grade,
            "sis_status": self.sis.map_or("absent", sis_state),
            "bookmarked_id": self.bm.map(|s| s.id.as_str()),
            "bookmarked_sourced_id": self.bm.map(|s| s.sourced_id.as_str()),
            "bookmarked_status": self.bm.map_or("absent", |s| s.status.as_str()),
        })
    }

    /// One line for a summary: `Mateo Ríos (stu-1, Lincoln Elementary)`.
    pub(crate) fn label(&self, case: &Case) -> String {
        let c = self.candidate_json(case);
        match c.get("school").and_then(Value::as_str) {
            Some(school) => format!("{} ({}, {school})", self.name(), self.sourced_id()),
            None => format!("{} ({})", self.name(), self.sourced_id()),
        }
    }
}

/// Every student whose name matches the query on either side, paired by `sourcedId`,
/// with the match quality of the better side. Order: SIS order, then platform-only ones.
/// A query that is a student's `sourcedId` (or platform id) is an exact match, so people
/// with the same name can be told apart.
pub(crate) fn find_students<'a>(case: &'a Case, query: &str) -> Vec<StudentRecord<'a>> {
    let id = query.trim();
    let mut out: Vec<StudentRecord<'a>> = Vec::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for u in case.source.students() {
        let q_sis = if u.sourced_id == id {
            NameMatch::Exact
        } else {
            match_person(query, sis_name(u))
        };
        let bm = bm_student_by_sid(&case.platform, &u.sourced_id);
        let q_bm = bm.map_or(NameMatch::None, |s| {
            match_person(query, bm_name(&s.first_name, &s.last_name))
        });
        let quality = q_sis.max(q_bm);
        if quality != NameMatch::None && seen.insert(u.sourced_id.as_str()) {
            out.push(StudentRecord {
                sis: Some(u),
                bm,
                quality,
                by_name: false,
            });
        }
    }
    for s in &case.platform.students {
        let quality = if s.sourced_id == id || s.id == id {
            NameMatch::Exact
        } else {
            match_person(query, bm_name(&s.first_name, &s.last_name))
        };
        if quality == NameMatch::None || seen.contains(s.sourced_id.as_str()) {
            continue;
        }
        seen.insert(s.sourced_id.as_str());
        let sis = case.source.students().find(|u| u.sourced_id == s.sourced_id);
        let bm = bm_student_by_sid(&case.platform, &s.sourced_id).or(Some(s));
        out.push(StudentRecord {
            sis,
            bm,
            quality,
            by_name: false,
        });
    }
    pair_by_name(out)
}

/// Falls back to the name: an SIS student the platform lacks by `sourcedId` is paired with
/// the one platform-only student of the same name, when each is the other's only match.
fn pair_by_name(mut out: Vec<StudentRecord<'_>>) -> Vec<StudentRecord<'_>> {
    let same = |a: &StudentRecord<'_>, b: &StudentRecord<'_>| match (a.sis, b.bm) {
        (Some(u), Some(s)) => same_person_name(u, &s.first_name, &s.last_name),
        _ => false,
    };
    let sis_only: Vec<usize> = (0..out.len())
        .filter(|&i| out[i].sis.is_some() && out[i].bm.is_none())
        .collect();
    let bm_only: Vec<usize> = (0..out.len())
        .filter(|&j| out[j].sis.is_none() && out[j].bm.is_some())
        .collect();
    let mut merged: Vec<usize> = Vec::new();
    for &i in &sis_only {
        let matches: Vec<usize> = bm_only.iter().copied().filter(|&j| same(&out[i], &out[j])).collect();
        let [j] = matches.as_slice() else { continue };
        let rivals = sis_only.iter().filter(|&&k| same(&out[k], &out[*j])).count();
        if rivals != 1 {
            continue;
        }
        let (bm, quality) = (out[*j].bm, out[*j].quality);
        let rec = &mut out[i];
        rec.bm = bm;
        rec.quality = rec.quality.max(quality);
        rec.by_name = true;
        merged.push(*j);
    }
    let mut k = 0;
    out.retain(|_| {
        let keep = !merged.contains(&k);
        k += 1;
        keep
    });
    out
}

/// Reports a platform student paired by name only (another `sourced_id`); returns the
/// message when it is the case.
pub(crate) fn check_rekeyed(r: &mut Report, pf: &PlatformData, student: &StudentRecord<'_>) -> Option<String> {
    let (true, Some(u), Some(s)) = (student.by_name, student.sis, student.bm) else {
        return None;
    };
    let msg = format!(
        "Bookmarked has no student with sourced_id {}, but has {} ({}) under sourced_id {}: the SIS re-keyed the student, or that is another child of the same name.",
        u.sourced_id,
        s.full_name(),
        s.id,
        s.sourced_id
    );
    r.add(
        Finding::new(
            "student-sourced-id-differs-in-bookmarked",
            Severity::Error,
            System::Bookmarked,
            msg.clone(),
        )
        .records([s.id.clone(), s.sourced_id.clone(), u.sourced_id.clone()]),
    );
    r.fix(
        Remediation::new(
            System::Bookmarked,
            format!(
                "If {} is the same child, set its sourced_id to {} (the SIS's) and re-run the district's import; otherwise re-run the import so Bookmarked creates {}.",
                s.id,
                u.sourced_id,
                u.sourced_id
            ),
        )
        .records([s.id.clone(), u.sourced_id.clone()])
        .field("sourced_id"),
    );
    r.import_errors(pf, [u.sourced_id.as_str()]);
    Some(msg)
}

/// Keeps the best matches: all exact ones if any, else all partial ones.
pub(crate) fn keep_best(mut records: Vec<StudentRecord<'_>>) -> Vec<StudentRecord<'_>> {
    let best = records.iter().map(|r| r.quality).max().unwrap_or(NameMatch::None);
    records.retain(|r| r.quality == best);
    records
}

// ---------------------------------------------------------------------------------------
// Records as JSON.

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
fn import_error_json(pf: &PlatformData, e: &ImportError) -> Value {
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

// ---------------------------------------------------------------------------------------
// Findings and remediation.

/// Findings and remediation gathered while a tool runs.
#[derive(Debug, Default)]
pub(crate) struct Report {
    findings: Vec<Finding>,
    remediation: Vec<Remediation>,
    import_errors: Vec<Value>,
    import_error_ids: BTreeSet<String>,
}

impl Report {
    /// Adds a finding.
    pub(crate) fn add(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Adds a remediation step, unless the same step is already there.
    pub(crate) fn fix(&mut self, step: Remediation) {
        if !self.remediation.contains(&step) {
            self.remediation.push(step);
        }
    }

    /// Records the platform's import errors about these SIS records: one finding each, a
    /// remediation step to fix them, and the rows for `bookmarked_data`. Returns how many
    /// were found.
    pub(crate) fn import_errors<'s, I>(&mut self, pf: &PlatformData, sourced_ids: I) -> usize
    where
        I: IntoIterator<Item = &'s str>,
    {
        let mut count = 0;
        for sid in sourced_ids {
            let errors = pf.import_errors_for(sid);
            for e in &errors {
                if !self.import_error_ids.insert(e.id.clone()) {
                    continue;
                }
                count += 1;
                self.import_errors.push(import_error_json(pf, e));
                self.add(
                    Finding::new(
                        "import-error",
                        Severity::Warning,
                        System::Bookmarked,
                        format!(
                            "The import rejected {} `{}`: {}",
                            e.entity_type, e.sourced_id, e.message
                        ),
                    )
                    .records([e.sourced_id.clone()]),
                );
            }
            if let Some(latest) = errors.first() {
                self.fix(
                    Remediation::new(
                        System::Bookmarked,
                        format!(
                            "Fix what the import rejected ({}) for `{sid}`, then re-run the district's import.",
                            latest.message
                        ),
                    )
                    .records([sid.to_owned()]),
                );
            }
        }
        count
    }

    /// The import error rows gathered, for `bookmarked_data`.
    pub(crate) fn import_error_rows(&self) -> Value {
        Value::Array(self.import_errors.clone())
    }

    /// The verdict, findings most serious first.
    pub(crate) fn verdict(
        mut self,
        status: Status,
        summary: String,
        source_data: Value,
        bookmarked_data: Value,
        comparison: Value,
    ) -> Verdict {
        self.findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        Verdict {
            status,
            summary,
            findings: self.findings,
            source_data,
            bookmarked_data,
            comparison,
            remediation: self.remediation,
        }
    }
}

/// The remediation for a record found on neither side.
pub(crate) fn fix_not_found(report: &mut Report, what: &str, query: &str) {
    report.fix(Remediation::new(
        System::Support,
        format!("Check the spelling of the {what} `{query}` with the requester and re-run with the exact value."),
    ));
    report.fix(Remediation::new(
        System::Sis,
        format!(
            "If the {what} is right, ask the district to add it to the SIS; the next sync brings it to Bookmarked."
        ),
    ));
}

/// The remediation for a name that matches several records; `how` says how to re-run
/// (e.g. "the right student's sourcedId as `student_name`").
pub(crate) fn fix_ambiguous<I, S>(report: &mut Report, how: &str, ids: I)
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    report.fix(
        Remediation::new(
            System::Support,
            format!(
                "Ask the requester which one is meant (school, grade), then re-run with {how}; the candidates are listed in source_data."
            ),
        )
        .records(ids),
    );
}

/// Joins labels for a sentence: `a`, `a and b`, `a, b and c`.
pub(crate) fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A summary: the lead sentence, then the first problem on each side (each message names
/// its side), with how many more there are.
pub(crate) fn sides_summary(lead: &str, source: &[String], platform: &[String]) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !lead.is_empty() {
        parts.push(lead.to_owned());
    }
    let mut side = |msgs: &[String], what: &str| {
        if let Some(first) = msgs.first() {
            let first = first.trim_end_matches('.');
            if msgs.len() > 1 {
                parts.push(format!("{first} (and {} more {what} finding(s)).", msgs.len() - 1));
            } else {
                parts.push(format!("{first}."));
            }
        }
    };
    side(source, "SIS");
    side(platform, "platform");
    parts.join(" ")
}

/// The normalized form of a person's full name, to group records by name.
pub(crate) fn name_key(given: &str, family: &str) -> String {
    normalize_text(&format!("{given} {family}"))
}
