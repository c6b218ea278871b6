//! Finding the student a query names, on both sides.

use std::collections::BTreeSet;

use cdt_core::Case;
use cdt_core::matching::{NameMatch, NameQuery};
use cdt_core::platform;
use cdt_core::roster::User;
use serde_json::{Value, json};

use super::names::{bm_name, bm_student_by_sid, same_person_name, sis_enrollment_school, sis_name, sis_state};
use super::report::Report;
use super::school::{School, bm_org_name, sis_org_name};
use crate::findings::StudentNamesakeInBookmarked;

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
    let name_query = NameQuery::new(query);
    let mut out: Vec<StudentRecord<'a>> = Vec::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for u in case.source.students() {
        let q_sis = if u.sourced_id == id {
            NameMatch::Exact
        } else {
            name_query.matches(sis_name(u))
        };
        let bm = bm_student_by_sid(&case.platform, &u.sourced_id);
        let q_bm = bm.map_or(NameMatch::None, |s| {
            name_query.matches(bm_name(&s.first_name, &s.last_name))
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
            name_query.matches(bm_name(&s.first_name, &s.last_name))
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

/// Keeps the best matches: all exact ones if any, else all partial ones.
pub(crate) fn keep_best(mut records: Vec<StudentRecord<'_>>) -> Vec<StudentRecord<'_>> {
    let best = records.iter().map(|r| r.quality).max().unwrap_or(NameMatch::None);
    records.retain(|r| r.quality == best);
    records
}

/// The student a query names, once resolved.
pub(crate) enum Resolved<'a> {
    /// One student matches best.
    One(StudentRecord<'a>),
    /// Several match; `chosen` is the only one the tool's preference keeps.
    Preferred {
        /// The one kept.
        chosen: StudentRecord<'a>,
        /// How many matched.
        among: Vec<StudentRecord<'a>>,
    },
    /// No student matches on either side.
    NotFound,
    /// Several match and nothing singles one out: the ones to list.
    Ambiguous(Vec<StudentRecord<'a>>),
}

/// A resolved query, with the platform's namesakes of the student the SIS names: active
/// platform students of the same name that the SIS does not send (a duplicate or a
/// leftover record), reported by the tool, never a reason for ambiguity.
pub(crate) struct Resolution<'a> {
    pub(crate) resolved: Resolved<'a>,
    pub(crate) namesakes: Vec<StudentRecord<'a>>,
}

/// Resolves the student a query names (at `school`, if given), the SIS being the source
/// of truth for who is who:
///
/// - among the best matches on either side, the SIS's students are the candidates, and
///   platform-only matches are only namesakes;
/// - when only the platform has the best matches, they are the candidates;
/// - among several candidates, the only one `prefer` keeps is chosen; else the ones it
///   keeps (all when it keeps none) are ambiguous.
pub(crate) fn resolve_student<'a>(
    case: &'a Case,
    query: &str,
    school: Option<&School<'_>>,
    prefer: impl Fn(&StudentRecord<'a>) -> bool,
) -> Resolution<'a> {
    let mut found = find_students(case, query);
    if let Some(s) = school {
        found.retain(|r| r.is_at(case, s));
    }
    // The best matches on either side; among them, the SIS's are the candidates and the
    // platform-only ones are namesakes. A query that names a platform-only student better
    // than anyone in the SIS names that student.
    let best = keep_best(found);
    let (in_sis, bm_only): (Vec<StudentRecord<'a>>, Vec<StudentRecord<'a>>) =
        best.into_iter().partition(|r| r.sis.is_some());
    let (candidates, namesakes) = if in_sis.is_empty() {
        (bm_only, Vec::new())
    } else {
        let namesakes: Vec<StudentRecord<'a>> = bm_only
            .into_iter()
            .filter(|r| r.bm.is_some_and(|s| s.status.is_active()))
            .collect();
        (in_sis, namesakes)
    };
    let resolved = match candidates.as_slice() {
        [] => Resolved::NotFound,
        [one] => Resolved::One(*one),
        many => {
            let kept: Vec<StudentRecord<'a>> = many.iter().copied().filter(|s| prefer(s)).collect();
            match kept.as_slice() {
                [one] => Resolved::Preferred {
                    chosen: *one,
                    among: candidates,
                },
                [] => Resolved::Ambiguous(candidates),
                _ => Resolved::Ambiguous(kept),
            }
        }
    };
    let namesakes = match resolved {
        Resolved::One(_) | Resolved::Preferred { .. } => namesakes,
        Resolved::NotFound | Resolved::Ambiguous(_) => Vec::new(),
    };
    Resolution { resolved, namesakes }
}

impl Resolution<'_> {
    /// Reports the platform's namesakes of `chosen`, if any; returns the message.
    pub(crate) fn report_namesakes(&self, r: &mut Report, case: &Case, chosen: &StudentRecord<'_>) -> Option<String> {
        if self.namesakes.is_empty() {
            return None;
        }
        let labels: Vec<String> = self
            .namesakes
            .iter()
            .filter_map(|n| n.bm)
            .map(|s| {
                format!(
                    "{} ({}, sourced_id {}, {})",
                    s.full_name(),
                    s.id,
                    s.sourced_id,
                    bm_org_name(&case.platform, &s.organization_id)
                )
            })
            .collect();
        let ids: Vec<String> = self
            .namesakes
            .iter()
            .filter_map(|n| n.bm)
            .flat_map(|s| [s.id.clone(), s.sourced_id.clone()])
            .collect();
        Some(r.report(&StudentNamesakeInBookmarked {
            chosen: chosen.label(case),
            labels,
            ids,
        }))
    }
}
