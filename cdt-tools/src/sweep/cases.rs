//! The cases of a district: every question a ticket could ask of it, built from its own
//! records, each as a built-in tool and its inputs.
//!
//! - every live SIS student: `missing-data` on the student, and `student-mismatch` with
//!   each family member linked to them on either side that has an email;
//! - every active platform student the SIS does not send: `missing-data`;
//! - every parent email on either side: `parent-conflicts`;
//! - every class on either side: `missing-data` on the class;
//! - every student seen at two schools (SIS roles or enrollments, platform school or
//!   enrollments): `campus-transfer` from each other school to the school of their
//!   latest current SIS enrollment.
//!
//! An SIS student is asked about by `sourcedId`: the case's slice stays the size of one
//! family whatever the district's namesakes. A platform-only student is asked about by
//! name first, as a ticket would (which finds the SIS student they are a namesake or an
//! old copy of), then by `sourcedId` when the name does not single them out
//! (`AMBIGUOUS`, `NOT_FOUND`; see [`Case::attempts`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use cdt_core::platform::PlatformData;
use cdt_core::roster::{Roster, User};
use cdt_core::{Inputs, matching::normalize_email};
use chrono::NaiveDate;

/// The built-in tools a sweep runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SweepTool {
    /// `student-mismatch`
    StudentMismatch,
    /// `missing-data`
    MissingData,
    /// `parent-conflicts`
    ParentConflicts,
    /// `campus-transfer`
    CampusTransfer,
}

impl SweepTool {
    /// The tool's id.
    #[must_use]
    pub fn id(self) -> &'static str {
        match self {
            Self::StudentMismatch => "student-mismatch",
            Self::MissingData => "missing-data",
            Self::ParentConflicts => "parent-conflicts",
            Self::CampusTransfer => "campus-transfer",
        }
    }
}

/// One case of the district: a tool, the inputs to try in order, and the school it is
/// about (for the report's counts).
#[derive(Clone, Debug)]
pub struct Case {
    /// The tool.
    pub tool: SweepTool,
    /// The inputs, in the order tried: the next is tried when a verdict is `AMBIGUOUS`
    /// or `NOT_FOUND`.
    pub attempts: Vec<Inputs>,
    /// The school's name, when the case is about one.
    pub school: Option<String>,
}

fn inputs(pairs: &[(&str, &str)]) -> Inputs {
    Inputs::from_pairs(pairs.iter().copied())
}

/// Names of schools on both sides.
struct Schools<'a> {
    sis: HashMap<&'a str, &'a str>,
    bm: HashMap<&'a str, &'a str>,
    bm_to_sis: HashMap<&'a str, &'a str>,
    school_ids: BTreeSet<&'a str>,
}

impl<'a> Schools<'a> {
    fn new(roster: &'a Roster, platform: &'a PlatformData) -> Self {
        Self {
            sis: roster
                .orgs
                .iter()
                .map(|o| (o.sourced_id.as_str(), o.name.as_str()))
                .collect(),
            bm: platform
                .organizations
                .iter()
                .map(|o| (o.id.as_str(), o.name.as_str()))
                .collect(),
            bm_to_sis: platform
                .organizations
                .iter()
                .map(|o| (o.id.as_str(), o.sourced_id.as_str()))
                .collect(),
            school_ids: roster
                .orgs
                .iter()
                .filter(|o| o.is_school())
                .map(|o| o.sourced_id.as_str())
                .collect(),
        }
    }

    fn is_school(&self, sid: &str) -> bool {
        self.school_ids.contains(sid)
    }

    fn of_user(&self, u: &User) -> Option<String> {
        u.org_sourced_ids()
            .find_map(|o| self.sis.get(o))
            .map(|n| (*n).to_owned())
    }
}

/// Every case of the district, in a stable order.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn enumerate(roster: &Roster, platform: &PlatformData, today: NaiveDate) -> Vec<Case> {
    let schools = Schools::new(roster, platform);
    let mut cases = Vec::new();

    let bm_students: HashMap<&str, &cdt_core::platform::Student> =
        platform.students.iter().map(|s| (s.sourced_id.as_str(), s)).collect();
    let mut bm_parents_of: HashMap<&str, Vec<&cdt_core::platform::Parent>> = HashMap::new();
    {
        let parents: HashMap<&str, &cdt_core::platform::Parent> =
            platform.parents.iter().map(|p| (p.id.as_str(), p)).collect();
        for l in &platform.parent_students {
            if let Some(p) = parents.get(l.parent_id.as_str()) {
                bm_parents_of.entry(l.student_id.as_str()).or_default().push(p);
            }
        }
    }
    let users: HashMap<&str, &User> = roster.users.iter().map(|u| (u.sourced_id.as_str(), u)).collect();
    let mut agents_of: HashMap<&str, Vec<&User>> = HashMap::new();
    for u in &roster.users {
        for a in &u.agent_sourced_ids {
            agents_of.entry(a.as_str()).or_default().push(u);
        }
    }
    // The schools of each platform student's active enrollments.
    let class_org: HashMap<&str, &str> = platform
        .classes
        .iter()
        .map(|c| (c.id.as_str(), c.organization_id.as_str()))
        .collect();
    let mut bm_orgs_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for e in platform.enrollments.iter().filter(|e| e.status.is_active()) {
        if let Some(o) = class_org.get(e.class_id.as_str()) {
            bm_orgs_of.entry(e.user_id.as_str()).or_default().push(o);
        }
    }
    let mut enrollments_of: HashMap<&str, Vec<&cdt_core::roster::Enrollment>> = HashMap::new();
    for e in &roster.enrollments {
        enrollments_of.entry(e.user_sourced_id.as_str()).or_default().push(e);
    }

    // Students: missing-data, and student-mismatch with each family member.
    let sis_ids: BTreeSet<&str> = roster.students().map(|u| u.sourced_id.as_str()).collect();
    for u in roster.students().filter(|u| u.is_live()) {
        let sid = u.sourced_id.as_str();
        let school = schools.of_user(u);
        cases.push(Case {
            tool: SweepTool::MissingData,
            attempts: vec![inputs(&[("student_name", sid)])],
            school: school.clone(),
        });
        let mut emails: BTreeMap<String, String> = BTreeMap::new();
        let family = u
            .agent_sourced_ids
            .iter()
            .filter_map(|a| users.get(a.as_str()).copied())
            .chain(agents_of.get(sid).into_iter().flatten().copied())
            .filter(|f| f.is_family());
        for f in family {
            if let Some(e) = f.email.as_deref().filter(|e| !e.trim().is_empty()) {
                emails.entry(normalize_email(e)).or_insert_with(|| e.trim().to_owned());
            }
        }
        if let Some(s) = bm_students.get(sid) {
            for p in bm_parents_of.get(s.id.as_str()).into_iter().flatten() {
                if let Some(e) = p.email.as_deref().filter(|e| !e.trim().is_empty()) {
                    emails.entry(normalize_email(e)).or_insert_with(|| e.trim().to_owned());
                }
            }
        }
        for email in emails.values() {
            cases.push(Case {
                tool: SweepTool::StudentMismatch,
                attempts: vec![inputs(&[("parent_email", email.as_str()), ("student_name", sid)])],
                school: school.clone(),
            });
        }
        if let Some(case) = transfer(
            &schools,
            u,
            bm_students.get(sid).copied(),
            &bm_orgs_of,
            &enrollments_of,
            today,
        ) {
            cases.extend(case);
        }
    }
    for s in platform
        .students
        .iter()
        .filter(|s| s.status.is_active() && !sis_ids.contains(s.sourced_id.as_str()))
    {
        cases.push(Case {
            tool: SweepTool::MissingData,
            attempts: vec![
                inputs(&[("student_name", s.full_name().as_str())]),
                inputs(&[("student_name", s.sourced_id.as_str())]),
            ],
            school: schools.bm.get(s.organization_id.as_str()).map(|n| (*n).to_owned()),
        });
    }

    // Parent emails on either side, each at the school of the first student of a family
    // member with it (in the SIS).
    let mut emails: BTreeMap<String, (String, Option<String>)> = BTreeMap::new();
    for u in roster.family() {
        let Some(e) = u.email.as_deref().filter(|e| !e.trim().is_empty()) else {
            continue;
        };
        let school = u
            .agent_sourced_ids
            .iter()
            .filter_map(|a| users.get(a.as_str()).copied())
            .chain(agents_of.get(u.sourced_id.as_str()).into_iter().flatten().copied())
            .filter(|s| s.is_student())
            .find_map(|s| schools.of_user(s));
        let entry = emails
            .entry(normalize_email(e))
            .or_insert_with(|| (e.trim().to_owned(), None));
        if entry.1.is_none() {
            entry.1 = school;
        }
    }
    for e in platform.parents.iter().filter_map(|p| p.email.as_deref()) {
        if !e.trim().is_empty() {
            emails
                .entry(normalize_email(e))
                .or_insert_with(|| (e.trim().to_owned(), None));
        }
    }
    for (email, school) in emails.into_values() {
        cases.push(Case {
            tool: SweepTool::ParentConflicts,
            attempts: vec![inputs(&[("parent_email", email.as_str())])],
            school,
        });
    }

    // Classes on either side, by sourcedId.
    let mut classes: BTreeMap<&str, Option<String>> = BTreeMap::new();
    for c in &roster.classes {
        classes.insert(
            c.sourced_id.as_str(),
            schools.sis.get(c.school_sourced_id.as_str()).map(|n| (*n).to_owned()),
        );
    }
    for c in &platform.classes {
        classes
            .entry(c.sourced_id.as_str())
            .or_insert_with(|| schools.bm.get(c.organization_id.as_str()).map(|n| (*n).to_owned()));
    }
    for (sid, school) in classes {
        cases.push(Case {
            tool: SweepTool::MissingData,
            attempts: vec![inputs(&[("class_name", sid)])],
            school,
        });
    }
    cases
}

/// The `campus-transfer` cases of a student seen at more than one school: from each
/// other school to the school of their latest current SIS enrollment.
fn transfer(
    schools: &Schools<'_>,
    u: &User,
    bm: Option<&cdt_core::platform::Student>,
    bm_orgs_of: &HashMap<&str, Vec<&str>>,
    enrollments_of: &HashMap<&str, Vec<&cdt_core::roster::Enrollment>>,
    today: NaiveDate,
) -> Option<Vec<Case>> {
    let enrollments = enrollments_of.get(u.sourced_id.as_str()).map_or(&[][..], Vec::as_slice);
    let new = enrollments
        .iter()
        .filter(|e| e.is_current(today) && schools.is_school(e.school_sourced_id.as_str()))
        .max_by_key(|e| e.begin_date)
        .map(|e| e.school_sourced_id.as_str())?;
    let mut seen: BTreeSet<&str> = u.org_sourced_ids().collect();
    seen.extend(enrollments.iter().map(|e| e.school_sourced_id.as_str()));
    if let Some(s) = bm {
        seen.insert(s.organization_id.as_str());
        seen.extend(bm_orgs_of.get(s.id.as_str()).into_iter().flatten().copied());
    }
    let old: Vec<&str> = seen
        .into_iter()
        .map(|o| schools.bm_to_sis.get(o).copied().unwrap_or(o))
        .filter(|o| *o != new && schools.is_school(o))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if old.is_empty() {
        return None;
    }
    let school = schools.sis.get(new).map(|n| (*n).to_owned());
    Some(
        old.into_iter()
            .map(|o| Case {
                tool: SweepTool::CampusTransfer,
                attempts: vec![inputs(&[
                    ("student_name", u.sourced_id.as_str()),
                    ("old_campus", o),
                    ("new_campus", new),
                ])],
                school: school.clone(),
            })
            .collect(),
    )
}
