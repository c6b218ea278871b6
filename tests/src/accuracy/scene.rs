//! Builds one case on a clean generated district: chooses the target people and class,
//! moves the student for a transfer, plants the perturbation and the noise, and says
//! what the tool must answer (the oracle).

use cdt_core::Status;
use cdt_core::matching::{NameMatch, PersonName, match_person, normalize_email, same_text};
use cdt_core::platform::{self, ImportError, PlatformStatus};
use cdt_core::roster::{Enrollment, RecordStatus, Role, User};
use cdt_demo::District;
use cdt_demo::rng::SplitMix64;
use chrono::{Days, NaiveDate};

use super::spec::{CaseSpec, Field, Perturbation, Side, ToolCase};

/// What the tool must answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expect {
    /// The status.
    pub status: Status,
    /// Findings that must be there: a code, and the records one of which it must name.
    pub required: Vec<(&'static str, Vec<String>)>,
}

/// A built case: the district with what was planted, the inputs, the oracle's answer.
#[derive(Clone, Debug)]
pub struct Scene {
    /// The district, perturbed.
    pub district: District,
    /// The tool's inputs.
    pub inputs: Vec<(String, String)>,
    /// What the tool must answer.
    pub expect: Expect,
}

/// The records a case is about: a student, one of their parents, one of their classes.
#[derive(Clone, Debug)]
pub struct Target {
    s_sid: String,
    s_bm: String,
    p_sid: String,
    p_bm: String,
    c_sid: String,
    c_bm: String,
}

fn user_name(u: &User) -> PersonName<'_> {
    PersonName {
        given: &u.given_name,
        middle: u.middle_name.as_deref(),
        family: &u.family_name,
        preferred: u.preferred_given_name.as_deref(),
    }
}

/// How many students of the district (SIS, and platform rows under other sourcedIds) the
/// name `Given Family` names exactly.
fn exact_namesakes(d: &District, query: &str) -> usize {
    let sis = d
        .roster
        .students()
        .filter(|u| match_person(query, user_name(u)) == NameMatch::Exact)
        .count();
    let bm = d
        .platform
        .students
        .iter()
        .filter(|s| d.roster.user(&s.sourced_id).is_none())
        .filter(|s| {
            let n = PersonName {
                given: &s.first_name,
                family: &s.last_name,
                ..PersonName::default()
            };
            match_person(query, n) == NameMatch::Exact
        })
        .count();
    // A platform copy whose name differs from its SIS record's also counts.
    let copies = d
        .platform
        .students
        .iter()
        .filter(|s| {
            d.roster.user(&s.sourced_id).is_some_and(|u| {
                let n = PersonName {
                    given: &s.first_name,
                    family: &s.last_name,
                    ..PersonName::default()
                };
                match_person(query, n) == NameMatch::Exact && match_person(query, user_name(u)) != NameMatch::Exact
            })
        })
        .count();
    sis + bm + copies
}

fn unique_email(d: &District, email: &str) -> bool {
    let e = normalize_email(email);
    let sis = d
        .roster
        .family()
        .filter(|u| u.email.as_deref().is_some_and(|x| normalize_email(x) == e))
        .count();
    let bm = d
        .platform
        .parents
        .iter()
        .filter(|p| p.email.as_deref().is_some_and(|x| normalize_email(x) == e))
        .count();
    sis == 1 && bm == 1
}

fn unique_title(d: &District, title: &str) -> bool {
    d.roster.classes.iter().filter(|c| same_text(&c.title, title)).count() == 1
        && d.platform.classes.iter().filter(|c| same_text(&c.title, title)).count() == 1
}

fn bm_student_id(d: &District, sid: &str) -> Option<String> {
    d.platform
        .students
        .iter()
        .find(|s| s.sourced_id == sid)
        .map(|s| s.id.clone())
}

fn bm_parent_id(d: &District, sid: &str) -> Option<String> {
    d.platform
        .parents
        .iter()
        .find(|p| p.sourced_id == sid)
        .map(|p| p.id.clone())
}

fn bm_class_id(d: &District, sid: &str) -> Option<String> {
    d.platform
        .classes
        .iter()
        .find(|c| c.sourced_id == sid)
        .map(|c| c.id.clone())
}

fn bm_org_id(d: &District, sid: &str) -> String {
    d.platform
        .organizations
        .iter()
        .find(|o| o.sourced_id == sid)
        .map(|o| o.id.clone())
        .unwrap_or_default()
}

/// What to type to name a school: its name, or its `sourcedId` when the name is shared.
fn school_input(d: &District, sid: &str) -> String {
    let name = d.roster.org(sid).map(|o| o.name.clone()).unwrap_or_default();
    if d.roster.orgs.iter().filter(|o| same_text(&o.name, &name)).count() == 1 {
        name
    } else {
        sid.to_owned()
    }
}

/// The possible targets of a clean district: live students whose name is theirs alone,
/// with a live parent whose email is theirs alone, linked on both sides, in a class whose
/// title is unique.
#[must_use]
pub fn targets(d: &District) -> Vec<Target> {
    let mut candidates: Vec<Target> = Vec::new();
    for s in d.roster.students().filter(|u| u.is_live()) {
        if exact_namesakes(d, &s.full_name()) != 1 {
            continue;
        }
        let Some(s_bm) = bm_student_id(d, &s.sourced_id) else {
            continue;
        };
        let parent = d
            .roster
            .linked_users(s)
            .into_iter()
            .find(|p| p.is_family() && p.is_live() && p.email.as_deref().is_some_and(|e| unique_email(d, e)));
        let Some(p) = parent else { continue };
        let Some(p_bm) = bm_parent_id(d, &p.sourced_id) else {
            continue;
        };
        let class = d
            .roster
            .enrollments_of(&s.sourced_id)
            .filter_map(|e| d.roster.class(&e.class_sourced_id))
            .find(|c| unique_title(d, &c.title));
        let Some(c) = class else { continue };
        let Some(c_bm) = bm_class_id(d, &c.sourced_id) else {
            continue;
        };
        candidates.push(Target {
            s_sid: s.sourced_id.clone(),
            s_bm,
            p_sid: p.sourced_id.clone(),
            p_bm,
            c_sid: c.sourced_id.clone(),
            c_bm,
        });
    }
    candidates
}

fn user_mut<'a>(d: &'a mut District, sid: &str) -> &'a mut User {
    d.roster
        .users
        .iter_mut()
        .find(|u| u.sourced_id == sid)
        .expect("a known user")
}

fn bm_student_mut<'a>(d: &'a mut District, sid: &str) -> &'a mut platform::Student {
    d.platform
        .students
        .iter_mut()
        .find(|s| s.sourced_id == sid)
        .expect("a known platform student")
}

fn bm_parent_mut<'a>(d: &'a mut District, sid: &str) -> &'a mut platform::Parent {
    d.platform
        .parents
        .iter_mut()
        .find(|p| p.sourced_id == sid)
        .expect("a known platform parent")
}

/// Transposes two adjacent different letters (or moves a hyphen, or adds a letter) so
/// that the text really differs once normalized.
fn misspell(text: &str, rng: &mut SplitMix64) -> String {
    let chars: Vec<char> = text.chars().collect();
    if let Some(h) = chars.iter().position(|&c| c == '-')
        && h + 1 < chars.len()
        && rng.chance(400)
    {
        let mut moved = chars.clone();
        moved.swap(h, h + 1);
        let moved: String = moved.into_iter().collect();
        if !same_text(&moved, text) {
            return moved;
        }
    }
    let pairs: Vec<usize> = (0..chars.len().saturating_sub(1))
        .filter(|&i| {
            chars[i].is_ascii_alphabetic()
                && chars[i + 1].is_ascii_alphabetic()
                && !chars[i].eq_ignore_ascii_case(&chars[i + 1])
        })
        .collect();
    if !pairs.is_empty() {
        let i = pairs[rng.below(pairs.len())];
        let mut swapped = chars.clone();
        swapped.swap(i, i + 1);
        let swapped: String = swapped.into_iter().collect();
        if !same_text(&swapped, text) {
            return swapped;
        }
    }
    format!("{text}x")
}

/// Another value, not a misspelling: another given name of the district, or a misspelling.
fn another_given(d: &District, given: &str, rng: &mut SplitMix64) -> String {
    let names: Vec<&str> = d
        .roster
        .students()
        .map(|u| u.given_name.as_str())
        .filter(|g| !same_text(g, given))
        .collect();
    if rng.chance(500) && !names.is_empty() {
        (*rng.pick(&names)).to_owned()
    } else {
        misspell(given, rng)
    }
}

/// Case, space and accent noise that leaves the text the same once normalized.
fn noisy(text: &str, rng: &mut SplitMix64) -> String {
    let base: String = match rng.below(3) {
        0 => text.chars().map(|c| c.to_ascii_uppercase()).collect(),
        1 => text.chars().map(|c| c.to_ascii_lowercase()).collect(),
        _ => text.to_owned(),
    };
    let accents: String = base
        .chars()
        .map(|c| match c {
            'á' | 'ã' => 'a',
            'é' | 'è' => 'e',
            'í' => 'i',
            'ó' => 'o',
            'ú' | 'ü' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            'a' if rng.chance(300) => 'à',
            'e' if rng.chance(300) => 'ê',
            c => c,
        })
        .collect();
    let spaced = accents.replace(' ', "  ");
    format!(" {spaced}  ")
}

fn import_error(d: &mut District, sid: &str, entity: &str) {
    let run = d
        .platform
        .import_runs
        .iter()
        .max_by(|a, b| a.started_at.cmp(&b.started_at))
        .map(|r| r.id.clone())
        .unwrap_or_default();
    let n = d.platform.import_errors.len() + 1;
    d.platform.import_errors.push(ImportError {
        id: format!("bm-acc-ierr-{n}"),
        import_run_id: run,
        entity_type: entity.to_owned(),
        sourced_id: sid.to_owned(),
        message: format!("{entity} {sid} rejected by the accuracy harness"),
    });
}

/// A transfer done right on both sides: the student's enrollments at their school end,
/// two begin at another school, the SIS and the platform move them. Returns the old and
/// new school `sourcedId`s, the old enrollments and the new ones.
fn transfer(d: &mut District, t: &Target, today: NaiveDate, rng: &mut SplitMix64) -> Option<Transfer> {
    let left = today.checked_sub_days(Days::new(15))?;
    let arrived = today.checked_sub_days(Days::new(14))?;
    let old = d.roster.user(&t.s_sid)?.org_sourced_ids().next()?.to_owned();
    let schools: Vec<String> = d
        .roster
        .orgs
        .iter()
        .filter(|o| o.is_school() && o.sourced_id != old)
        .map(|o| o.sourced_id.clone())
        .collect();
    if schools.is_empty() {
        return None;
    }
    let new = schools[rng.below(schools.len())].clone();
    let classes: Vec<String> = d
        .roster
        .classes
        .iter()
        .filter(|c| c.school_sourced_id == new)
        .map(|c| c.sourced_id.clone())
        .collect();
    if classes.len() < 2 {
        return None;
    }
    let picked = [classes[rng.below(classes.len())].clone(), classes[0].clone()];
    let mut old_enrollments = Vec::new();
    for e in d.roster.enrollments.iter_mut().filter(|e| e.user_sourced_id == t.s_sid) {
        e.end_date = Some(left);
        old_enrollments.push(e.sourced_id.clone());
    }
    for e in d.platform.enrollments.iter_mut().filter(|e| e.user_id == t.s_bm) {
        e.status = PlatformStatus::Deleted;
    }
    let mut new_enrollments = Vec::new();
    for (i, class) in picked.iter().enumerate() {
        if i == 1 && picked[0] == picked[1] {
            break;
        }
        let sid = format!("acc-enr-{i}");
        d.roster.enrollments.push(Enrollment {
            sourced_id: sid.clone(),
            status: RecordStatus::Active,
            class_sourced_id: class.clone(),
            school_sourced_id: new.clone(),
            user_sourced_id: t.s_sid.clone(),
            role: Role::Student,
            primary: None,
            begin_date: Some(arrived),
            end_date: None,
        });
        let class_id = bm_class_id(d, class)?;
        d.platform.enrollments.push(platform::Enrollment {
            id: format!("bm-{sid}"),
            sourced_id: sid.clone(),
            class_id,
            user_id: t.s_bm.clone(),
            role: "student".to_owned(),
            status: PlatformStatus::Active,
        });
        new_enrollments.push(sid);
    }
    for r in &mut user_mut(d, &t.s_sid).roles {
        r.org_sourced_id.clone_from(&new);
    }
    let new_bm = bm_org_id(d, &new);
    bm_student_mut(d, &t.s_sid).organization_id = new_bm;
    Some(Transfer {
        old,
        new,
        old_enrollments,
        new_enrollments,
    })
}

struct Transfer {
    old: String,
    new: String,
    old_enrollments: Vec<String>,
    new_enrollments: Vec<String>,
}

fn ids<const N: usize>(items: [&str; N]) -> Vec<String> {
    items.into_iter().map(str::to_owned).collect()
}

/// Builds a case on a clean district, or `None` when the district has no fitting target.
#[must_use]
// One letter a record of the case: s(tudent), p(arent), c(lass), d(istrict), t(arget).
#[allow(clippy::too_many_lines, clippy::many_single_char_names)]
pub fn build(spec: &CaseSpec, clean: &District, targets: &[Target], today: NaiveDate) -> Option<Scene> {
    use Perturbation as P;
    let mut rng = SplitMix64::new(spec.pick);
    if targets.is_empty() {
        return None;
    }
    let t = targets[rng.below(targets.len())].clone();
    let mut d = clean.clone();
    let moved = spec.tool == ToolCase::CampusTransfer || matches!(spec.perturbation, P::LeftAtOldSchool(_));
    let tr = if moved {
        Some(transfer(&mut d, &t, today, &mut rng)?)
    } else {
        None
    };
    let mut query = d.roster.user(&t.s_sid)?.full_name();
    let mut email = d.roster.user(&t.p_sid)?.email.clone()?;
    let mut title = d.roster.class(&t.c_sid)?.title.clone();
    let (s, p, c) = (t.s_sid.as_str(), t.p_sid.as_str(), t.c_sid.as_str());
    let (sb, pb, cb) = (t.s_bm.as_str(), t.p_bm.as_str(), t.c_bm.as_str());
    let mut required: Vec<(&'static str, Vec<String>)> = Vec::new();
    let bm_issue = Status::IssueInBookmarked;
    let tool = spec.tool;
    let status: Status = match spec.perturbation {
        P::None => Status::NoIssue,
        P::StudentField(side, field) => {
            match (side, field) {
                (Side::Platform, Field::GivenName) => {
                    let old = bm_student_mut(&mut d, s).first_name.clone();
                    let g = another_given(&d, &old, &mut rng);
                    bm_student_mut(&mut d, s).first_name = g;
                }
                (Side::Platform, Field::FamilyName) => {
                    let f = misspell(&bm_student_mut(&mut d, s).last_name.clone(), &mut rng);
                    bm_student_mut(&mut d, s).last_name = f;
                }
                (Side::Sis, Field::GivenName | Field::FamilyName) => {
                    // The SIS renamed the student; the platform kept the old name.
                    for attempt in 0.. {
                        if attempt == 20 {
                            return None;
                        }
                        let u = d.roster.user(s)?.clone();
                        let (g, f) = if field == Field::GivenName {
                            (another_given(&d, &u.given_name, &mut rng), u.family_name.clone())
                        } else {
                            (u.given_name.clone(), misspell(&u.family_name, &mut rng))
                        };
                        let renamed = format!("{g} {f}");
                        if exact_namesakes(&d, &renamed) == 0 {
                            let u = user_mut(&mut d, s);
                            u.given_name = g;
                            u.family_name = f;
                            query = renamed;
                            break;
                        }
                    }
                }
                (side, Field::Email) => {
                    let new = format!("acc.{}.changed@example.org", rng.below(1000));
                    match side {
                        Side::Sis => user_mut(&mut d, s).email = Some(new),
                        Side::Platform => bm_student_mut(&mut d, s).email = Some(new),
                    }
                }
                (side, Field::Grade) => {
                    let grade = d.roster.user(s)?.grades.first().cloned().unwrap_or_default();
                    let other = if grade == "07" { "11" } else { "07" }.to_owned();
                    match side {
                        Side::Sis => user_mut(&mut d, s).grades = vec![other],
                        Side::Platform => bm_student_mut(&mut d, s).grade = Some(other),
                    }
                }
                (side, _) => {
                    let here = d.roster.user(s)?.org_sourced_ids().next()?.to_owned();
                    let other = d
                        .roster
                        .orgs
                        .iter()
                        .find(|o| o.is_school() && o.sourced_id != here)?
                        .sourced_id
                        .clone();
                    match side {
                        Side::Sis => {
                            for r in &mut user_mut(&mut d, s).roles {
                                r.org_sourced_id.clone_from(&other);
                            }
                        }
                        Side::Platform => bm_student_mut(&mut d, s).organization_id = bm_org_id(&d, &other),
                    }
                }
            }
            required.push(("student-field-differs-in-bookmarked", ids([sb, s])));
            bm_issue
        }
        P::ParentField(side, field) => {
            let code = if field == Field::Email {
                let new = format!("acc.parent.{}@example.org", rng.below(1000));
                match side {
                    Side::Sis => {
                        user_mut(&mut d, p).email = Some(new.clone());
                        email = new;
                    }
                    Side::Platform => bm_parent_mut(&mut d, p).email = Some(new),
                }
                "parent-email-differs-in-bookmarked"
            } else {
                match (side, field) {
                    (Side::Sis, Field::GivenName) => {
                        let g = another_given(&d, &d.roster.user(p)?.given_name.clone(), &mut rng);
                        user_mut(&mut d, p).given_name = g;
                    }
                    (Side::Sis, _) => {
                        let f = misspell(&d.roster.user(p)?.family_name.clone(), &mut rng);
                        user_mut(&mut d, p).family_name = f;
                    }
                    (Side::Platform, Field::GivenName) => {
                        let old = bm_parent_mut(&mut d, p).first_name.clone();
                        let g = another_given(&d, &old, &mut rng);
                        bm_parent_mut(&mut d, p).first_name = g;
                    }
                    (Side::Platform, _) => {
                        let f = misspell(&bm_parent_mut(&mut d, p).last_name.clone(), &mut rng);
                        bm_parent_mut(&mut d, p).last_name = f;
                    }
                }
                "parent-name-differs-in-bookmarked"
            };
            required.push((code, ids([pb, p])));
            bm_issue
        }
        P::ClassField(side, field) => {
            let class = d.roster.class(c)?.clone();
            let bm_class = d.platform.classes.iter().position(|x| x.sourced_id == c)?;
            let sis_class = d.roster.classes.iter().position(|x| x.sourced_id == c)?;
            match (side, field) {
                (side, Field::Title) => {
                    for attempt in 0.. {
                        if attempt == 20 {
                            return None;
                        }
                        let new = misspell(&class.title, &mut rng);
                        if d.roster.classes.iter().any(|x| same_text(&x.title, &new))
                            || d.platform.classes.iter().any(|x| same_text(&x.title, &new))
                        {
                            continue;
                        }
                        match side {
                            Side::Sis => {
                                d.roster.classes[sis_class].title.clone_from(&new);
                                title = new;
                            }
                            Side::Platform => d.platform.classes[bm_class].title = new,
                        }
                        break;
                    }
                }
                (side, Field::School) => {
                    let other = d
                        .roster
                        .orgs
                        .iter()
                        .find(|o| o.is_school() && o.sourced_id != class.school_sourced_id)?
                        .sourced_id
                        .clone();
                    match side {
                        Side::Sis => d.roster.classes[sis_class].school_sourced_id = other,
                        Side::Platform => d.platform.classes[bm_class].organization_id = bm_org_id(&d, &other),
                    }
                }
                (side, _) => {
                    let year = d
                        .roster
                        .academic_sessions
                        .iter()
                        .find(|x| x.session_type == "schoolYear")?
                        .sourced_id
                        .clone();
                    match side {
                        Side::Sis => d.roster.classes[sis_class].term_sourced_ids = vec![year],
                        Side::Platform => d.platform.classes[bm_class].term_sourced_id = Some(year),
                    }
                }
            }
            required.push(("class-field-differs-in-bookmarked", ids([cb, c])));
            bm_issue
        }
        P::LinkRemoved(Side::Sis) => {
            user_mut(&mut d, p).agent_sourced_ids.retain(|a| a != s);
            user_mut(&mut d, s).agent_sourced_ids.retain(|a| a != p);
            if tool == ToolCase::StudentMismatch {
                required.push(("parent-student-link-missing-in-source", ids([p, s])));
                Status::IssueInSource
            } else {
                required.push(("parent-students-differ", ids([pb, p])));
                bm_issue
            }
        }
        P::LinkRemoved(Side::Platform) => {
            d.platform
                .parent_students
                .retain(|l| !(l.parent_id == pb && l.student_id == sb));
            if tool == ToolCase::StudentMismatch {
                required.push(("parent-student-link-missing-in-bookmarked", ids([pb, sb])));
            } else {
                required.push(("parent-students-differ", ids([pb, p])));
            }
            bm_issue
        }
        P::StudentStatus(side) => {
            match side {
                Side::Sis => user_mut(&mut d, s).status = RecordStatus::ToBeDeleted,
                Side::Platform => bm_student_mut(&mut d, s).status = PlatformStatus::Deleted,
            }
            match (tool, side) {
                (ToolCase::ParentConflicts, _) => {
                    required.push(("parent-students-differ", ids([pb, p])));
                    bm_issue
                }
                (_, Side::Sis) => {
                    required.push(("student-inactive-in-source", ids([s])));
                    Status::IssueInSource
                }
                (_, Side::Platform) => {
                    required.push(("student-deleted-in-bookmarked", ids([sb, s])));
                    bm_issue
                }
            }
        }
        P::ParentStatus(side) => match (side, tool) {
            (Side::Sis, ToolCase::StudentMismatch) => {
                user_mut(&mut d, p).status = RecordStatus::ToBeDeleted;
                required.push(("parent-inactive-in-source", ids([p])));
                Status::IssueInSource
            }
            (Side::Sis, _) => {
                user_mut(&mut d, p).status = RecordStatus::ToBeDeleted;
                required.push(("stale-parent-email-in-bookmarked", ids([pb, p])));
                bm_issue
            }
            (Side::Platform, ToolCase::StudentMismatch) => {
                bm_parent_mut(&mut d, p).status = PlatformStatus::Deleted;
                required.push(("parent-deleted-in-bookmarked", ids([pb, p])));
                bm_issue
            }
            (Side::Platform, _) => {
                bm_parent_mut(&mut d, p).status = PlatformStatus::Deleted;
                required.push(("parent-missing-in-bookmarked", ids([p])));
                bm_issue
            }
        },
        P::ClassStatus(side) => match side {
            Side::Sis => {
                let i = d.roster.classes.iter().position(|x| x.sourced_id == c)?;
                d.roster.classes[i].status = RecordStatus::ToBeDeleted;
                required.push(("class-deleted-in-source", ids([c])));
                Status::IssueInSource
            }
            Side::Platform => {
                let i = d.platform.classes.iter().position(|x| x.sourced_id == c)?;
                d.platform.classes[i].status = PlatformStatus::Deleted;
                required.push(("class-deleted-in-bookmarked", ids([cb, c])));
                bm_issue
            }
        },
        P::LeftAtOldSchool(side) => {
            let tr = tr.as_ref()?;
            let e = tr.old_enrollments[rng.below(tr.old_enrollments.len())].clone();
            let e_bm = d.platform.enrollments.iter().find(|x| x.sourced_id == e)?.id.clone();
            match side {
                Side::Platform => {
                    let i = d.platform.enrollments.iter().position(|x| x.sourced_id == e)?;
                    d.platform.enrollments[i].status = PlatformStatus::Active;
                    let code = if tool == ToolCase::CampusTransfer {
                        "phantom-enrollment-in-bookmarked"
                    } else {
                        "extra-enrollment-in-bookmarked"
                    };
                    required.push((code, vec![e_bm, e]));
                    bm_issue
                }
                Side::Sis => {
                    let i = d.roster.enrollments.iter().position(|x| x.sourced_id == e)?;
                    d.roster.enrollments[i].end_date = None;
                    if tool == ToolCase::CampusTransfer {
                        required.push(("old-campus-enrollments-current-in-source", vec![e]));
                        Status::IssueInSource
                    } else {
                        required.push(("enrollment-deleted-in-bookmarked", vec![e_bm, e]));
                        bm_issue
                    }
                }
            }
        }
        P::StudentMissing { import_error: ie } => {
            d.platform.students.retain(|x| x.sourced_id != s);
            d.platform.enrollments.retain(|x| x.user_id != sb);
            d.platform.parent_students.retain(|l| l.student_id != sb);
            if ie {
                import_error(&mut d, s, "user");
            }
            if tool == ToolCase::ParentConflicts {
                required.push(("parent-students-differ", ids([pb, p])));
            } else {
                required.push(("student-missing-in-bookmarked", ids([s])));
                if ie {
                    required.push(("import-error", ids([s])));
                }
            }
            bm_issue
        }
        P::ParentMissing { import_error: ie } => {
            d.platform.parents.retain(|x| x.sourced_id != p);
            d.platform.parent_students.retain(|l| l.parent_id != pb);
            if ie {
                import_error(&mut d, p, "user");
                required.push(("import-error", ids([p])));
            }
            required.push(("parent-missing-in-bookmarked", ids([p])));
            bm_issue
        }
        P::ClassMissing { import_error: ie } => {
            d.platform.classes.retain(|x| x.sourced_id != c);
            d.platform.enrollments.retain(|x| x.class_id != cb);
            if ie {
                import_error(&mut d, c, "class");
                required.push(("import-error", ids([c])));
            }
            required.push(("class-missing-in-bookmarked", ids([c])));
            bm_issue
        }
        P::EnrollmentMissing { import_error: ie } => {
            let (e, code) = match &tr {
                Some(tr) => (
                    tr.new_enrollments[rng.below(tr.new_enrollments.len())].clone(),
                    "new-campus-enrollment-missing-in-bookmarked",
                ),
                None => (
                    d.roster
                        .enrollments_of(s)
                        .find(|x| x.class_sourced_id == c)?
                        .sourced_id
                        .clone(),
                    "enrollment-missing-in-bookmarked",
                ),
            };
            d.platform.enrollments.retain(|x| x.sourced_id != e);
            if ie {
                import_error(&mut d, &e, "enrollment");
                required.push(("import-error", vec![e.clone()]));
            }
            required.push((code, vec![e]));
            bm_issue
        }
        P::StudentMissingInSis => {
            d.roster.users.retain(|u| u.sourced_id != s);
            d.roster.enrollments.retain(|e| e.user_sourced_id != s);
            for u in &mut d.roster.users {
                u.agent_sourced_ids.retain(|a| a != s);
            }
            required.push(("student-not-in-source", ids([s])));
            Status::IssueInSource
        }
        P::Namesake {
            platform: true,
            sis: false,
        } => {
            let mut twin = d.platform.students.iter().find(|x| x.sourced_id == s)?.clone();
            "bm-acc-namesake".clone_into(&mut twin.id);
            "acc-namesake".clone_into(&mut twin.sourced_id);
            let schools: Vec<String> = d
                .platform
                .organizations
                .iter()
                .filter(|o| o.org_type == "school")
                .map(|o| o.id.clone())
                .collect();
            twin.organization_id = match &tr {
                Some(tr) => bm_org_id(&d, &tr.old),
                None => schools[rng.below(schools.len())].clone(),
            };
            twin.student_number = None;
            d.platform.students.push(twin);
            required.push((
                "student-namesake-in-bookmarked",
                ids(["bm-acc-namesake", "acc-namesake"]),
            ));
            bm_issue
        }
        P::Namesake { platform, .. } => {
            // A twin the SIS has (and the platform too when `platform`), at the student's
            // school, with no family.
            let mut twin = d.roster.user(s)?.clone();
            "acc-twin".clone_into(&mut twin.sourced_id);
            twin.agent_sourced_ids.clear();
            twin.identifier = None;
            twin.email = None;
            d.roster.users.push(twin.clone());
            if platform {
                let mut row = d.platform.students.iter().find(|x| x.sourced_id == s)?.clone();
                "bm-acc-twin".clone_into(&mut row.id);
                "acc-twin".clone_into(&mut row.sourced_id);
                row.email = None;
                d.platform.students.push(row);
            }
            if tool == ToolCase::StudentMismatch {
                // Only the target is linked to the parent: the twin is told apart.
                required.push(("student-disambiguated-by-parent-link", ids([s])));
                Status::NoIssue
            } else {
                required.push(("student-ambiguous", ids([s])));
                required.push(("student-ambiguous", ids(["acc-twin"])));
                Status::Ambiguous
            }
        }
    };

    if spec.data_noise {
        if let Some(x) = d.platform.students.iter_mut().find(|x| x.sourced_id == s) {
            x.first_name = noisy(&x.first_name, &mut rng);
            x.last_name = noisy(&x.last_name, &mut rng);
        }
        if let Some(x) = d.platform.parents.iter_mut().find(|x| x.sourced_id == p) {
            x.first_name = noisy(&x.first_name, &mut rng);
            x.last_name = noisy(&x.last_name, &mut rng);
            x.email = x.email.as_ref().map(|e| format!(" {} ", e.to_ascii_uppercase()));
        }
        if let Some(x) = d.platform.classes.iter_mut().find(|x| x.sourced_id == c) {
            x.title = noisy(&x.title, &mut rng);
        }
    }
    if spec.input_noise {
        query = if rng.chance(300) {
            let u = d.roster.user(s).or_else(|| clean.roster.user(s))?;
            format!(
                "{}, {}",
                noisy(&u.family_name, &mut rng),
                noisy(&u.given_name, &mut rng)
            )
        } else {
            noisy(&query, &mut rng)
        };
        email = format!("  {}  ", email.to_ascii_uppercase());
        title = noisy(&title, &mut rng);
    }
    let inputs: Vec<(String, String)> = match tool {
        ToolCase::StudentMismatch => vec![("parent_email".into(), email), ("student_name".into(), query)],
        ToolCase::MissingDataStudent => vec![("student_name".into(), query)],
        ToolCase::MissingDataClass => vec![("class_name".into(), title)],
        ToolCase::ParentConflicts => vec![("parent_email".into(), email)],
        ToolCase::CampusTransfer => {
            let tr = tr.as_ref()?;
            vec![
                ("student_name".into(), query),
                ("old_campus".into(), school_input(&d, &tr.old)),
                ("new_campus".into(), school_input(&d, &tr.new)),
            ]
        }
    };
    Some(Scene {
        district: d,
        inputs,
        expect: Expect { status, required },
    })
}
