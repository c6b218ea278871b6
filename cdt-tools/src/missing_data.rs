//! # Missing data (`missing-data`)
//!
//! The ticket: "a student is missing from a class" (or "a class is missing").
//!
//! ## What it checks
//!
//! Takes exactly one of `student_name` or `class_name`, optionally narrowed by `school`
//! (a name, `sourcedId` or identifier).
//!
//! - For a student: the student on both sides (paired by `sourcedId`, then by name when
//!   the platform has them under another `sourcedId`), the SIS's current
//!   enrollments (active, begun, not ended, in a live class, on `case.today`) and the
//!   platform's enrollments, matched by class `sourcedId`.
//! - For a class: the class on both sides, and the students the SIS currently enrolls in
//!   it against the platform's enrollments in it.
//!
//! Every record missing on the platform comes with the platform's import errors about it
//! (student, class and enrollment `sourcedId`s).
//!
//! ## Why it matters
//!
//! Bookmarked only shows what the import brought over. A record can be missing because
//! the SIS stopped sending it (deleted, disabled, enrollment ended) or because the import
//! rejected or lost it; the two have different owners.
//!
//! ## Statuses
//!
//! - `NOT_FOUND`: no student (or class) by that name on either side (at that school).
//! - `AMBIGUOUS`: several students (or classes, e.g. one per school) match; the candidates
//!   are listed. Give `school` to narrow.
//! - `ISSUE_IN_SOURCE`: the SIS has the student deleted or disabled, or no current
//!   enrollment for them, or the class `tobedeleted`, or only Bookmarked has the record.
//! - `ISSUE_IN_BOOKMARKED`: the SIS is right but Bookmarked lacks (or deleted) the student,
//!   the class or a current enrollment, or still has active enrollments the SIS no longer
//!   has.
//! - `NO_ISSUE`: the record and all its current enrollments agree.
//!
//! Finding codes: `student-not-found`, `class-not-found`, `student-ambiguous`,
//! `class-ambiguous`, `student-not-in-source`, `student-inactive-in-source`,
//! `no-current-enrollments-in-source`, `class-not-in-source`, `class-deleted-in-source`,
//! `student-missing-in-bookmarked`, `student-deleted-in-bookmarked`,
//! `student-sourced-id-differs-in-bookmarked`,
//! `class-missing-in-bookmarked`, `class-deleted-in-bookmarked`,
//! `enrollment-missing-in-bookmarked`, `enrollment-deleted-in-bookmarked`,
//! `extra-enrollment-in-bookmarked`, `import-error`, `records-agree`.
//!
//! ## Limits
//!
//! - Only student enrollments are compared (teachers are not on the platform's
//!   enrollments).
//! - Class titles must match once normalized (case, accents, punctuation); a class code or
//!   `sourcedId` works too. Partial titles do not match.
//! - When the SIS is wrong, Bookmarked is not judged: it follows the SIS on the next sync.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use cdt_core::platform::{self, PlatformData};
use cdt_core::roster::{self, Enrollment};
use cdt_core::{
    Case, Error, Finding, InputKind, InputSpec, Inputs, Lookup, Remediation, Result, Severity, Status, System, Tool,
    ToolSpec, Verdict,
};
use serde_json::{Value, json};

use crate::common::{
    Report, School, StudentRecord, and_list, bm_class_by_sid, bm_class_json, bm_enrollment_json, bm_student_by_sid,
    bm_student_json, check_rekeyed, find_school, find_students, fix_ambiguous, fix_not_found, is_current, keep_best,
    sis_class_json, sis_enrollment_json, sis_not_live_reason, sis_org_name, sis_state, sis_user_json,
};
use crate::common::{bm_org_name, sis_enrollment_school};
use cdt_core::matching::same_text;

/// The `missing-data` diagnostic: why a student or a class is missing on the platform.
#[derive(Default)]
pub struct MissingData {
    spec: OnceLock<ToolSpec>,
}

cdt_core::register_tool!(MissingData);

impl Tool for MissingData {
    fn spec(&self) -> &ToolSpec {
        self.spec.get_or_init(|| ToolSpec {
            id: "missing-data".into(),
            title: "Missing data".into(),
            description: "Why a student or a class is missing in Bookmarked: compares the record \
                          and its current enrollments on both sides, with the import errors."
                .into(),
            inputs: vec![
                InputSpec::optional(
                    "student_name",
                    InputKind::Text,
                    "the student's name or sourcedId (give this or class_name)",
                ),
                InputSpec::optional(
                    "class_name",
                    InputKind::Text,
                    "the class's title, class code or sourcedId (give this or student_name)",
                ),
                InputSpec::optional(
                    "school",
                    InputKind::Text,
                    "name, sourcedId or identifier of the school to narrow the search",
                ),
            ],
        })
    }

    fn lookup(&self, inputs: &Inputs) -> Result<Lookup> {
        match target(inputs)? {
            Target::Student(name) => Ok(Lookup::default().person(name).sourced_id(name)),
            Target::Class(title) => Ok(Lookup::default().class(title)),
        }
    }

    fn run(&self, inputs: &Inputs, case: &Case) -> Result<Verdict> {
        let school = inputs
            .get("school")
            .map(|q| find_school(case, "school", q))
            .transpose()?;
        Ok(match target(inputs)? {
            Target::Student(name) => diagnose_student(case, name, school.as_ref()),
            Target::Class(title) => diagnose_class(case, title, school.as_ref()),
        })
    }
}

enum Target<'a> {
    Student(&'a str),
    Class(&'a str),
}

fn target(inputs: &Inputs) -> Result<Target<'_>> {
    match (inputs.get("student_name"), inputs.get("class_name")) {
        (Some(name), None) => Ok(Target::Student(name)),
        (None, Some(title)) => Ok(Target::Class(title)),
        (Some(_), Some(_)) => Err(Error::input("class_name", "give student_name or class_name, not both")),
        (None, None) => Err(Error::input(
            "student_name",
            "give exactly one of student_name or class_name",
        )),
    }
}

fn at_school(school: Option<&School<'_>>) -> String {
    school.map(|s| format!(" at {}", s.name())).unwrap_or_default()
}

/// Records the import errors about these `sourcedId`s.
fn import_errors(r: &mut Report, pf: &PlatformData, ids: &BTreeSet<String>) {
    r.import_errors(pf, ids.iter().map(String::as_str));
}

// ---------------------------------------------------------------------------------------
// A student.

fn diagnose_student(case: &Case, query: &str, school: Option<&School<'_>>) -> Verdict {
    let src = &case.source;
    let pf = &case.platform;
    let mut found = find_students(case, query);
    if let Some(s) = school {
        found.retain(|r| r.is_at(case, s));
    }
    let found = keep_best(found);
    let mut r = Report::default();
    let where_ = at_school(school);
    let school_json = school.map(School::json);

    let student = match found.as_slice() {
        [] => {
            r.add(Finding::new(
                "student-not-found",
                Severity::Error,
                System::Support,
                format!("No student is named `{query}`{where_} in the SIS or in Bookmarked."),
            ));
            fix_not_found(&mut r, "student name", query);
            return r.verdict(
                Status::NotFound,
                format!("No student named `{query}`{where_} on either side."),
                json!({ "student_name": query, "school": school_json, "students": [] }),
                json!({ "students": [] }),
                json!({ "student_found": false }),
            );
        }
        [one] => *one,
        many => {
            let labels: Vec<String> = many.iter().map(|s| s.label(case)).collect();
            let ids: Vec<String> = many.iter().map(|s| s.sourced_id().to_owned()).collect();
            r.add(
                Finding::new(
                    "student-ambiguous",
                    Severity::Error,
                    System::Support,
                    format!(
                        "`{query}`{where_} matches {} students: {}.",
                        many.len(),
                        and_list(&labels)
                    ),
                )
                .records(ids.clone()),
            );
            fix_ambiguous(
                &mut r,
                "their `school`, or the right student's sourcedId as `student_name`",
                ids,
            );
            let candidates: Vec<Value> = many.iter().map(|s| s.candidate_json(case)).collect();
            return r.verdict(
                Status::Ambiguous,
                format!(
                    "`{query}`{where_} matches {} students; re-run with a school or the right one's sourcedId as student_name: {}.",
                    many.len(),
                    and_list(&labels)
                ),
                json!({ "student_name": query, "school": school_json, "candidates": candidates }),
                json!({}),
                json!({ "candidates": many.len() }),
            );
        }
    };

    let sid = student.sourced_id().to_owned();
    let name = student.name();
    let sis_enrollments: Vec<&Enrollment> = student
        .sis
        .map(|u| src.enrollments_of(&u.sourced_id).collect())
        .unwrap_or_default();
    let current: Vec<&Enrollment> = sis_enrollments
        .iter()
        .copied()
        .filter(|e| is_current(src, e, case.today))
        .collect();
    let bm_enrollments: Vec<&platform::Enrollment> = student
        .bm
        .map(|s| pf.enrollments_of(&s.id).collect())
        .unwrap_or_default();

    let source_data = json!({
        "student_name": query,
        "school": school_json,
        "student": student.sis.map(|u| sis_user_json(src, u)),
        "enrollments": sis_enrollments.iter().map(|e| sis_enrollment_json(src, e, case.today)).collect::<Vec<_>>(),
    });
    let comparison = compare_student(case, &student, &current, &bm_enrollments);

    // The SIS side.
    let mut source_first: Option<String> = None;
    match student.sis {
        None => {
            let state = student.bm.map_or("absent", |s| s.status.as_str());
            let msg = format!("The SIS no longer sends student {name} ({sid}); only Bookmarked has them ({state}).");
            r.add(
                Finding::new("student-not-in-source", Severity::Error, System::Sis, msg.clone()).records([sid.clone()]),
            );
            r.fix(
                Remediation::new(
                    System::Sis,
                    format!("Ask the district whether {name} ({sid}) still attends; if so, add them back to the SIS with status active and their enrollments."),
                )
                .records([sid.clone()])
                .field("status"),
            );
            source_first = Some(msg);
        }
        Some(u) if !u.is_live() => {
            let msg = format!(
                "The SIS has student {name} ({sid}) {}, so Bookmarked drops them.",
                sis_not_live_reason(u)
            );
            r.add(
                Finding::new("student-inactive-in-source", Severity::Error, System::Sis, msg.clone())
                    .records([sid.clone()]),
            );
            r.fix(
                Remediation::new(
                    System::Sis,
                    format!("If {name} still attends, make their SIS record active (status active, enabledUser true)."),
                )
                .records([sid.clone()])
                .field(if u.status.is_active() { "enabledUser" } else { "status" }),
            );
            source_first = Some(msg);
        }
        Some(_) if current.is_empty() => {
            let detail = if sis_enrollments.is_empty() {
                "no enrollment at all".to_owned()
            } else {
                format!(
                    "{} enrollment(s), none current on {} (ended, not begun, tobedeleted or in a deleted class)",
                    sis_enrollments.len(),
                    case.today
                )
            };
            let msg = format!("The SIS has {detail} for student {name} ({sid}), so Bookmarked shows them in no class.");
            r.add(
                Finding::new(
                    "no-current-enrollments-in-source",
                    Severity::Error,
                    System::Sis,
                    msg.clone(),
                )
                .records(
                    [sid.clone()]
                        .into_iter()
                        .chain(sis_enrollments.iter().map(|e| e.sourced_id.clone())),
                ),
            );
            let ended = sis_enrollments
                .iter()
                .any(|e| e.end_date.is_some_and(|d| d < case.today));
            let deleted = sis_enrollments.iter().any(|e| !e.status.is_active());
            let field = if ended {
                "endDate"
            } else if deleted {
                "status"
            } else {
                "classSourcedId"
            };
            r.fix(
                Remediation::new(
                    System::Sis,
                    format!("Ask the district to enroll {name} ({sid}) in their current classes in the SIS (active enrollments with no past endDate)."),
                )
                .records([sid.clone()].into_iter().chain(sis_enrollments.iter().map(|e| e.sourced_id.clone())))
                .field(field),
            );
            source_first = Some(msg);
        }
        Some(_) => {}
    }
    if let Some(first) = source_first {
        let bookmarked_data = student_bookmarked_data(case, &r, &student, &bm_enrollments);
        return r.verdict(
            Status::IssueInSource,
            format!("{first} Fix it in the SIS; Bookmarked follows on the next sync."),
            source_data,
            bookmarked_data,
            comparison,
        );
    }

    // The platform side.
    let mut missing: Vec<String> = Vec::new();
    let mut error_ids: BTreeSet<String> = BTreeSet::new();
    let current_classes: BTreeSet<&str> = current.iter().map(|e| e.class_sourced_id.as_str()).collect();
    if check_rekeyed(&mut r, pf, &student).is_some() {
        missing.push(format!("student {name} under another sourced_id"));
    }
    match student.bm {
        None => {
            r.add(
                Finding::new(
                    "student-missing-in-bookmarked",
                    Severity::Error,
                    System::Bookmarked,
                    format!("Bookmarked has no student with sourced_id {sid} ({name}), so none of their {} current enrollment(s) either.", current.len()),
                )
                .records([sid.clone()]),
            );
            r.fix(
                Remediation::new(
                    System::Bookmarked,
                    format!("Re-run the district's import so Bookmarked creates student {name} ({sid}) and their enrollments; fix any import error first."),
                )
                .records([sid.clone()]),
            );
            missing.push(format!("student {name} missing"));
            error_ids.insert(sid.clone());
            error_ids.extend(current.iter().map(|e| e.sourced_id.clone()));
        }
        Some(s) if !s.status.is_active() => {
            r.add(
                Finding::new(
                    "student-deleted-in-bookmarked",
                    Severity::Error,
                    System::Bookmarked,
                    format!(
                        "Bookmarked has student {name} ({}) deleted although the SIS has them active.",
                        s.id
                    ),
                )
                .records([s.id.clone(), sid.clone()]),
            );
            r.fix(
                Remediation::new(
                    System::Bookmarked,
                    format!(
                        "Restore student {} (sourced_id {sid}) to active, or re-run the district's import.",
                        s.id
                    ),
                )
                .records([s.id.clone()])
                .field("status"),
            );
            missing.push(format!("student {name} deleted"));
            error_ids.insert(sid.clone());
        }
        Some(s) => {
            for e in &current {
                check_enrollment(&mut r, case, e, s, &name, &mut missing, &mut error_ids);
            }
            for e in bm_enrollments.iter().filter(|e| e.status.is_active()) {
                let class = pf.class(&e.class_id);
                let known = class.is_some_and(|c| current_classes.contains(c.sourced_id.as_str()))
                    || current.iter().any(|c| c.sourced_id == e.sourced_id);
                if !known {
                    extra_enrollment(&mut r, pf, e, &name);
                    missing.push(format!(
                        "extra enrollment in {}",
                        class.map_or(e.class_id.as_str(), |c| c.title.as_str())
                    ));
                }
            }
        }
    }
    import_errors(&mut r, pf, &error_ids);
    let bookmarked_data = student_bookmarked_data(case, &r, &student, &bm_enrollments);
    if missing.is_empty() {
        let classes: Vec<String> = current
            .iter()
            .map(|e| {
                src.class(&e.class_sourced_id)
                    .map_or_else(|| e.class_sourced_id.clone(), |c| c.title.clone())
            })
            .collect();
        r.add(
            Finding::new(
                "records-agree",
                Severity::Info,
                System::Support,
                format!(
                    "Student {name} ({sid}) is live on both sides with the same {} current enrollment(s).",
                    current.len()
                ),
            )
            .records([sid.clone()]),
        );
        return r.verdict(
            Status::NoIssue,
            format!(
                "Student {name} ({sid}) is live on both sides and their {} current enrollment(s) match: {}.",
                current.len(),
                and_list(&classes)
            ),
            source_data,
            bookmarked_data,
            comparison,
        );
    }
    r.verdict(
        Status::IssueInBookmarked,
        format!(
            "The SIS has {name} ({sid}) right, but Bookmarked differs: {}.",
            and_list(&missing)
        ),
        source_data,
        bookmarked_data,
        comparison,
    )
}

/// Checks that a current SIS enrollment has its class and enrollment on the platform.
fn check_enrollment(
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
    match bm_class_by_sid(pf, &e.class_sourced_id) {
        None => {
            r.add(
                Finding::new(
                    "class-missing-in-bookmarked",
                    Severity::Error,
                    System::Bookmarked,
                    format!(
                        "Bookmarked has no class with sourced_id {} ({title}, {school}), so {name} is not in it.",
                        e.class_sourced_id
                    ),
                )
                .records([e.class_sourced_id.clone(), e.sourced_id.clone()]),
            );
            r.fix(
                Remediation::new(
                    System::Bookmarked,
                    format!("Re-run the district's import so Bookmarked creates class {title} ({}) and its enrollments; fix any import error first.", e.class_sourced_id),
                )
                .records([e.class_sourced_id.clone()]),
            );
            missing.push(format!("class {title} missing"));
            error_ids.insert(e.class_sourced_id.clone());
            error_ids.insert(e.sourced_id.clone());
        }
        Some(c) if !c.status.is_active() => {
            r.add(
                Finding::new(
                    "class-deleted-in-bookmarked",
                    Severity::Error,
                    System::Bookmarked,
                    format!(
                        "Bookmarked has class {title} ({}) deleted although the SIS has it live.",
                        c.id
                    ),
                )
                .records([c.id.clone(), e.class_sourced_id.clone()]),
            );
            r.fix(
                Remediation::new(
                    System::Bookmarked,
                    format!(
                        "Restore class {} (sourced_id {}) to active, or re-run the district's import.",
                        c.id, c.sourced_id
                    ),
                )
                .records([c.id.clone()])
                .field("status"),
            );
            missing.push(format!("class {title} deleted"));
            error_ids.insert(e.class_sourced_id.clone());
        }
        Some(c) => {
            let rows: Vec<&platform::Enrollment> = pf
                .enrollments
                .iter()
                .filter(|b| b.class_id == c.id && b.user_id == student.id)
                .collect();
            let row = rows.iter().find(|b| b.status.is_active()).or(rows.first());
            match row {
                None => {
                    r.add(
                        Finding::new(
                            "enrollment-missing-in-bookmarked",
                            Severity::Error,
                            System::Bookmarked,
                            format!(
                                "Bookmarked has no enrollment of {name} in {title} ({school}); the SIS has {} current.",
                                e.sourced_id
                            ),
                        )
                        .records([e.sourced_id.clone()]),
                    );
                    r.fix(
                        Remediation::new(
                            System::Bookmarked,
                            format!("Re-run the district's import so Bookmarked creates enrollment {} (student {}, class {}); fix any import error first.", e.sourced_id, student.id, c.id),
                        )
                        .records([e.sourced_id.clone()]),
                    );
                    missing.push(format!("enrollment in {title} missing"));
                    error_ids.insert(e.sourced_id.clone());
                }
                Some(b) if !b.status.is_active() => {
                    r.add(
                        Finding::new(
                            "enrollment-deleted-in-bookmarked",
                            Severity::Error,
                            System::Bookmarked,
                            format!("Bookmarked has the enrollment of {name} in {title} ({}) deleted; the SIS has {} current.", b.id, e.sourced_id),
                        )
                        .records([b.id.clone(), e.sourced_id.clone()]),
                    );
                    r.fix(
                        Remediation::new(
                            System::Bookmarked,
                            format!(
                                "Restore enrollment {} (sourced_id {}) to active, or re-run the district's import.",
                                b.id, b.sourced_id
                            ),
                        )
                        .records([b.id.clone()])
                        .field("status"),
                    );
                    missing.push(format!("enrollment in {title} deleted"));
                    error_ids.insert(e.sourced_id.clone());
                }
                Some(_) => {}
            }
        }
    }
}

/// Reports an active platform enrollment the SIS does not have current.
fn extra_enrollment(r: &mut Report, pf: &PlatformData, e: &platform::Enrollment, name: &str) {
    let title = pf.class(&e.class_id).map_or(e.class_id.as_str(), |c| c.title.as_str());
    r.add(
        Finding::new(
            "extra-enrollment-in-bookmarked",
            Severity::Error,
            System::Bookmarked,
            format!(
                "Bookmarked still has {name} active in {title} (enrollment {}, sourced_id {}), which the SIS no longer has current.",
                e.id, e.sourced_id
            ),
        )
        .records([e.id.clone(), e.sourced_id.clone()]),
    );
    r.fix(
        Remediation::new(
            System::Bookmarked,
            format!(
                "Set enrollment {} ({name} in {title}) to deleted, or re-run the district's import.",
                e.id
            ),
        )
        .records([e.id.clone()])
        .field("status"),
    );
}

fn student_bookmarked_data(
    case: &Case,
    r: &Report,
    student: &StudentRecord<'_>,
    enrollments: &[&platform::Enrollment],
) -> Value {
    let pf = &case.platform;
    json!({
        "district_id": case.bookmarked_org_id,
        "student": student.bm.map(|s| bm_student_json(pf, s)),
        "enrollments": enrollments.iter().map(|e| bm_enrollment_json(pf, e)).collect::<Vec<_>>(),
        "import_errors": r.import_error_rows(),
    })
}

fn compare_student(
    case: &Case,
    student: &StudentRecord<'_>,
    current: &[&Enrollment],
    bm_enrollments: &[&platform::Enrollment],
) -> Value {
    let src = &case.source;
    let pf = &case.platform;
    let mut rows: Vec<Value> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for e in current {
        let bm_class = bm_class_by_sid(pf, &e.class_sourced_id);
        let bm_row = bm_class.and_then(|c| {
            bm_enrollments
                .iter()
                .filter(|b| b.class_id == c.id)
                .max_by_key(|b| b.status.is_active())
        });
        if let Some(c) = bm_class {
            seen.insert(c.id.clone());
        }
        rows.push(json!({
            "class": src.class(&e.class_sourced_id).map(|c| c.title.as_str()),
            "classSourcedId": e.class_sourced_id,
            "sis_enrollment": e.sourced_id,
            "sis": "current",
            "bookmarked_class": bm_class.map_or("absent", |c| c.status.as_str()),
            "bookmarked_enrollment": bm_row.map(|b| b.id.as_str()),
            "bookmarked": bm_row.map_or("absent", |b| b.status.as_str()),
        }));
    }
    for b in bm_enrollments {
        if seen.contains(&b.class_id) {
            continue;
        }
        let class = pf.class(&b.class_id);
        rows.push(json!({
            "class": class.map(|c| c.title.as_str()),
            "classSourcedId": class.map(|c| c.sourced_id.as_str()),
            "sis_enrollment": null,
            "sis": "not current",
            "bookmarked_class": class.map_or("absent", |c| c.status.as_str()),
            "bookmarked_enrollment": b.id,
            "bookmarked": b.status.as_str(),
        }));
    }
    json!({
        "student": {
            "sourcedId": student.sourced_id(),
            "name": student.name(),
            "sis_status": student.sis.map_or("absent", sis_state),
            "bookmarked_status": student.bm.map_or("absent", |s| s.status.as_str()),
        },
        "enrollments": rows,
    })
}

// ---------------------------------------------------------------------------------------
// A class.

/// A class as both sides know it, paired by `sourcedId`.
#[derive(Clone, Copy)]
struct ClassRecord<'a> {
    sis: Option<&'a roster::Class>,
    bm: Option<&'a platform::Class>,
}

impl ClassRecord<'_> {
    fn sourced_id(&self) -> &str {
        self.sis
            .map(|c| c.sourced_id.as_str())
            .or(self.bm.map(|c| c.sourced_id.as_str()))
            .unwrap_or_default()
    }

    fn title(&self) -> &str {
        self.sis
            .map(|c| c.title.as_str())
            .or(self.bm.map(|c| c.title.as_str()))
            .unwrap_or_default()
    }

    fn school(&self, case: &Case) -> String {
        match (self.sis, self.bm) {
            (Some(c), _) => sis_org_name(&case.source, &c.school_sourced_id).to_owned(),
            (None, Some(c)) => bm_org_name(&case.platform, &c.organization_id).to_owned(),
            (None, None) => String::new(),
        }
    }

    fn is_at(&self, school: &School<'_>) -> bool {
        self.sis.is_some_and(|c| school.is_sis(&c.school_sourced_id))
            || self.bm.is_some_and(|c| school.is_bm(&c.organization_id))
    }

    fn label(&self, case: &Case) -> String {
        format!("{} ({}, {})", self.title(), self.sourced_id(), self.school(case))
    }

    fn candidate_json(&self, case: &Case) -> Value {
        json!({
            "sourcedId": self.sourced_id(),
            "title": self.title(),
            "school": self.school(case),
            "terms": self.sis.map(|c| c.term_sourced_ids.clone()),
            "sis_status": self.sis.map_or("absent", |c| if c.status.is_active() { "active" } else { "tobedeleted" }),
            "bookmarked_id": self.bm.map(|c| c.id.as_str()),
            "bookmarked_status": self.bm.map_or("absent", |c| c.status.as_str()),
        })
    }
}

fn class_matches(query: &str, title: &str, ids: &[&str]) -> bool {
    let q = query.trim();
    same_text(q, title) || ids.iter().any(|id| !id.is_empty() && id.eq_ignore_ascii_case(q))
}

fn find_classes<'a>(case: &'a Case, query: &str) -> Vec<ClassRecord<'a>> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for c in &case.source.classes {
        let code = c.class_code.as_deref().unwrap_or_default();
        if class_matches(query, &c.title, &[&c.sourced_id, code]) && seen.insert(c.sourced_id.as_str()) {
            out.push(ClassRecord {
                sis: Some(c),
                bm: bm_class_by_sid(&case.platform, &c.sourced_id),
            });
        }
    }
    for c in &case.platform.classes {
        if class_matches(query, &c.title, &[&c.id, &c.sourced_id]) && seen.insert(c.sourced_id.as_str()) {
            out.push(ClassRecord {
                sis: case.source.class(&c.sourced_id),
                bm: bm_class_by_sid(&case.platform, &c.sourced_id).or(Some(c)),
            });
        }
    }
    out
}

fn diagnose_class(case: &Case, query: &str, school: Option<&School<'_>>) -> Verdict {
    let src = &case.source;
    let pf = &case.platform;
    let mut found = find_classes(case, query);
    if let Some(s) = school {
        found.retain(|c| c.is_at(s));
    }
    let mut r = Report::default();
    let where_ = at_school(school);
    let school_json = school.map(School::json);

    let class = match found.as_slice() {
        [] => {
            r.add(Finding::new(
                "class-not-found",
                Severity::Error,
                System::Support,
                format!("No class is titled `{query}`{where_} in the SIS or in Bookmarked."),
            ));
            fix_not_found(&mut r, "class title", query);
            return r.verdict(
                Status::NotFound,
                format!("No class titled `{query}`{where_} on either side."),
                json!({ "class_name": query, "school": school_json, "classes": [] }),
                json!({ "classes": [] }),
                json!({ "class_found": false }),
            );
        }
        [one] => *one,
        many => {
            let labels: Vec<String> = many.iter().map(|c| c.label(case)).collect();
            let ids: Vec<String> = many.iter().map(|c| c.sourced_id().to_owned()).collect();
            r.add(
                Finding::new(
                    "class-ambiguous",
                    Severity::Error,
                    System::Support,
                    format!(
                        "`{query}`{where_} matches {} classes: {}.",
                        many.len(),
                        and_list(&labels)
                    ),
                )
                .records(ids.clone()),
            );
            fix_ambiguous(
                &mut r,
                "its `school`, or the right class's sourcedId as `class_name`",
                ids,
            );
            return r.verdict(
                Status::Ambiguous,
                format!(
                    "`{query}`{where_} matches {} classes; re-run with a school or the class's sourcedId: {}.",
                    many.len(),
                    and_list(&labels)
                ),
                json!({ "class_name": query, "school": school_json, "candidates": many.iter().map(|c| c.candidate_json(case)).collect::<Vec<_>>() }),
                json!({}),
                json!({ "candidates": many.len() }),
            );
        }
    };

    let csid = class.sourced_id().to_owned();
    let label = class.label(case);
    let sis_rows: Vec<&Enrollment> = src
        .enrollments
        .iter()
        .filter(|e| e.class_sourced_id == csid && e.role == roster::Role::Student)
        .collect();
    let expected: Vec<&Enrollment> = sis_rows
        .iter()
        .copied()
        .filter(|e| {
            is_current(src, e, case.today)
                && src
                    .user(&e.user_sourced_id)
                    .is_some_and(cdt_core::roster::User::is_live)
        })
        .collect();
    let bm_rows: Vec<&platform::Enrollment> = class
        .bm
        .map(|c| pf.enrollments.iter().filter(|e| e.class_id == c.id).collect())
        .unwrap_or_default();

    let source_data = json!({
        "class_name": query,
        "school": school_json,
        "class": class.sis.map(|c| sis_class_json(src, c)),
        "enrollments": sis_rows.iter().map(|e| {
            let mut v = sis_enrollment_json(src, e, case.today);
            if let (Some(obj), Some(u)) = (v.as_object_mut(), src.user(&e.user_sourced_id)) {
                obj.insert("student".into(), json!(u.full_name()));
                obj.insert("student_status".into(), json!(sis_state(u)));
            }
            v
        }).collect::<Vec<_>>(),
    });
    let comparison = compare_class(case, &class, &expected, &bm_rows);

    let source_first = match class.sis {
        None => {
            let msg = format!(
                "The SIS no longer sends class {label}; only Bookmarked has it ({}).",
                class.bm.map_or("absent", |c| c.status.as_str())
            );
            r.add(
                Finding::new("class-not-in-source", Severity::Error, System::Sis, msg.clone()).records([csid.clone()]),
            );
            r.fix(
                Remediation::new(
                    System::Sis,
                    format!("Ask the district whether class {label} still runs; if so, add it back to the SIS classes with status active and its enrollments."),
                )
                .records([csid.clone()])
                .field("status"),
            );
            Some(msg)
        }
        Some(c) if !c.status.is_active() => {
            let msg =
                format!("The SIS has class {label} marked tobedeleted, so Bookmarked drops it and its enrollments.");
            r.add(
                Finding::new("class-deleted-in-source", Severity::Error, System::Sis, msg.clone())
                    .records([csid.clone()]),
            );
            r.fix(
                Remediation::new(
                    System::Sis,
                    format!("If class {label} still runs, set its status back to active in the SIS."),
                )
                .records([csid.clone()])
                .field("status"),
            );
            Some(msg)
        }
        Some(_) => None,
    };
    if let Some(first) = source_first {
        let bookmarked_data = class_bookmarked_data(case, &r, &class, &bm_rows);
        return r.verdict(
            Status::IssueInSource,
            format!("{first} Fix it in the SIS; Bookmarked follows on the next sync."),
            source_data,
            bookmarked_data,
            comparison,
        );
    }

    let mut missing: Vec<String> = Vec::new();
    let mut error_ids: BTreeSet<String> = BTreeSet::new();
    match class.bm {
        None => {
            r.add(
                Finding::new(
                    "class-missing-in-bookmarked",
                    Severity::Error,
                    System::Bookmarked,
                    format!("Bookmarked has no class with sourced_id {csid} ({label}), so none of its {} student(s) either.", expected.len()),
                )
                .records([csid.clone()]),
            );
            r.fix(
                Remediation::new(System::Bookmarked, format!("Re-run the district's import so Bookmarked creates class {label} and its enrollments; fix any import error first."))
                    .records([csid.clone()]),
            );
            missing.push(format!("class {} missing", class.title()));
            error_ids.insert(csid.clone());
            if let Some(c) = class.sis {
                error_ids.insert(c.course_sourced_id.clone());
            }
            error_ids.extend(expected.iter().map(|e| e.sourced_id.clone()));
        }
        Some(c) if !c.status.is_active() => {
            r.add(
                Finding::new(
                    "class-deleted-in-bookmarked",
                    Severity::Error,
                    System::Bookmarked,
                    format!(
                        "Bookmarked has class {label} ({}) deleted although the SIS has it live.",
                        c.id
                    ),
                )
                .records([c.id.clone(), csid.clone()]),
            );
            r.fix(
                Remediation::new(
                    System::Bookmarked,
                    format!(
                        "Restore class {} (sourced_id {csid}) to active, or re-run the district's import.",
                        c.id
                    ),
                )
                .records([c.id.clone()])
                .field("status"),
            );
            missing.push(format!("class {} deleted", class.title()));
            error_ids.insert(csid.clone());
        }
        Some(_) => {
            let mut expected_students: BTreeSet<&str> = BTreeSet::new();
            for e in &expected {
                expected_students.insert(e.user_sourced_id.as_str());
                let name = src
                    .user(&e.user_sourced_id)
                    .map_or_else(|| e.user_sourced_id.clone(), cdt_core::roster::User::full_name);
                match bm_student_by_sid(pf, &e.user_sourced_id) {
                    None => {
                        r.add(
                            Finding::new(
                                "student-missing-in-bookmarked",
                                Severity::Error,
                                System::Bookmarked,
                                format!("Bookmarked has no student with sourced_id {} ({name}), so they are missing from {}.", e.user_sourced_id, class.title()),
                            )
                            .records([e.user_sourced_id.clone(), e.sourced_id.clone()]),
                        );
                        r.fix(
                            Remediation::new(System::Bookmarked, format!("Re-run the district's import so Bookmarked creates student {name} ({}) and their enrollments; fix any import error first.", e.user_sourced_id))
                                .records([e.user_sourced_id.clone()]),
                        );
                        missing.push(format!("student {name} missing"));
                        error_ids.insert(e.user_sourced_id.clone());
                        error_ids.insert(e.sourced_id.clone());
                    }
                    Some(s) if !s.status.is_active() => {
                        r.add(
                            Finding::new(
                                "student-deleted-in-bookmarked",
                                Severity::Error,
                                System::Bookmarked,
                                format!(
                                    "Bookmarked has student {name} ({}) deleted although the SIS enrolls them in {}.",
                                    s.id,
                                    class.title()
                                ),
                            )
                            .records([s.id.clone(), e.user_sourced_id.clone()]),
                        );
                        r.fix(
                            Remediation::new(
                                System::Bookmarked,
                                format!(
                                    "Restore student {} (sourced_id {}) to active, or re-run the district's import.",
                                    s.id, s.sourced_id
                                ),
                            )
                            .records([s.id.clone()])
                            .field("status"),
                        );
                        missing.push(format!("student {name} deleted"));
                        error_ids.insert(e.user_sourced_id.clone());
                    }
                    Some(s) => {
                        check_enrollment(&mut r, case, e, s, &name, &mut missing, &mut error_ids);
                    }
                }
            }
            for b in bm_rows.iter().filter(|b| b.status.is_active()) {
                let student = pf.student(&b.user_id);
                let known = student.is_some_and(|s| expected_students.contains(s.sourced_id.as_str()))
                    || expected.iter().any(|e| e.sourced_id == b.sourced_id);
                if !known && b.role.eq_ignore_ascii_case("student") {
                    let name = student.map_or_else(|| b.user_id.clone(), cdt_core::platform::Student::full_name);
                    extra_enrollment(&mut r, pf, b, &name);
                    missing.push(format!("extra enrollment of {name}"));
                }
            }
        }
    }
    import_errors(&mut r, pf, &error_ids);
    let bookmarked_data = class_bookmarked_data(case, &r, &class, &bm_rows);
    if missing.is_empty() {
        r.add(
            Finding::new(
                "records-agree",
                Severity::Info,
                System::Support,
                format!(
                    "Class {label} is live on both sides with the same {} student(s).",
                    expected.len()
                ),
            )
            .records([csid.clone()]),
        );
        return r.verdict(
            Status::NoIssue,
            format!(
                "Class {label} is live on both sides and its {} current student(s) match.",
                expected.len()
            ),
            source_data,
            bookmarked_data,
            comparison,
        );
    }
    r.verdict(
        Status::IssueInBookmarked,
        format!(
            "The SIS has class {label} right, but Bookmarked differs: {}.",
            and_list(&missing)
        ),
        source_data,
        bookmarked_data,
        comparison,
    )
}

fn class_bookmarked_data(case: &Case, r: &Report, class: &ClassRecord<'_>, rows: &[&platform::Enrollment]) -> Value {
    let pf = &case.platform;
    json!({
        "district_id": case.bookmarked_org_id,
        "class": class.bm.map(|c| bm_class_json(pf, c)),
        "enrollments": rows.iter().map(|e| {
            let mut v = bm_enrollment_json(pf, e);
            if let (Some(obj), Some(s)) = (v.as_object_mut(), pf.student(&e.user_id)) {
                obj.insert("student".into(), json!(s.full_name()));
                obj.insert("student_sourced_id".into(), json!(s.sourced_id));
                obj.insert("student_status".into(), json!(s.status.as_str()));
            }
            v
        }).collect::<Vec<_>>(),
        "import_errors": r.import_error_rows(),
    })
}

fn compare_class(
    case: &Case,
    class: &ClassRecord<'_>,
    expected: &[&Enrollment],
    bm_rows: &[&platform::Enrollment],
) -> Value {
    let src = &case.source;
    let pf = &case.platform;
    let mut rows: Vec<Value> = Vec::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for e in expected {
        let bm_student = bm_student_by_sid(pf, &e.user_sourced_id);
        let bm_row = bm_student.and_then(|s| {
            bm_rows
                .iter()
                .filter(|b| b.user_id == s.id)
                .max_by_key(|b| b.status.is_active())
        });
        if let Some(b) = bm_row {
            seen.insert(b.id.as_str());
        }
        rows.push(json!({
            "student": src.user(&e.user_sourced_id).map(cdt_core::roster::User::full_name),
            "sourcedId": e.user_sourced_id,
            "sis_enrollment": e.sourced_id,
            "sis": "current",
            "bookmarked_student": bm_student.map_or("absent", |s| s.status.as_str()),
            "bookmarked_enrollment": bm_row.map(|b| b.id.as_str()),
            "bookmarked": bm_row.map_or("absent", |b| b.status.as_str()),
        }));
    }
    for b in bm_rows {
        if seen.contains(b.id.as_str()) {
            continue;
        }
        let s = pf.student(&b.user_id);
        rows.push(json!({
            "student": s.map(cdt_core::platform::Student::full_name),
            "sourcedId": s.map(|s| s.sourced_id.as_str()),
            "sis_enrollment": null,
            "sis": "not current",
            "bookmarked_student": s.map_or("absent", |s| s.status.as_str()),
            "bookmarked_enrollment": b.id,
            "bookmarked": b.status.as_str(),
        }));
    }
    json!({
        "class": {
            "sourcedId": class.sourced_id(),
            "title": class.title(),
            "school": class.school(case),
            "sis_status": class.sis.map_or("absent", |c| if c.status.is_active() { "active" } else { "tobedeleted" }),
            "bookmarked_status": class.bm.map_or("absent", |c| c.status.as_str()),
        },
        "students": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{World, bm, codes, date, fixes};
    use cdt_core::platform::PlatformStatus;
    use cdt_core::roster::RecordStatus;

    /// Mateo Ríos in two classes at Lincoln; two Sam Lees (Lincoln, Juárez); a Science class
    /// at Lincoln and one at Roosevelt.
    fn world() -> World {
        let mut w = World::new();
        w.class("cls-math", "Math 5", "sch-lincoln");
        w.class("cls-read", "Reading 5", "sch-lincoln");
        w.class("cls-sci-l", "Science", "sch-lincoln");
        w.class("cls-sci-r", "Science", "sch-roosevelt");
        w.class("cls-art", "Art & Design", "sch-juarez");
        w.student("stu-mateo", "Mateo", "Ríos", "sch-lincoln");
        w.enroll("stu-mateo", "cls-math");
        w.enroll("stu-mateo", "cls-read");
        w.enroll("stu-mateo", "cls-sci-l");
        w.student("stu-sam-1", "Sam", "Lee", "sch-lincoln");
        w.enroll("stu-sam-1", "cls-math");
        w.student("stu-sam-2", "Sam", "Lee", "sch-juarez");
        w.enroll("stu-sam-2", "cls-art");
        w.student("stu-ana", "Ana María", "de la Cruz", "sch-roosevelt");
        w.enroll("stu-ana", "cls-sci-r");
        w
    }

    fn student(w: &World, name: &str) -> Verdict {
        w.run(&MissingData::default(), &[("student_name", name)]).expect("runs")
    }

    fn class(w: &World, title: &str, school: Option<&str>) -> Verdict {
        let mut inputs = vec![("class_name", title)];
        if let Some(s) = school {
            inputs.push(("school", s));
        }
        w.run(&MissingData::default(), &inputs).expect("runs")
    }

    #[test]
    fn exactly_one_of_student_or_class_is_required() {
        let tool = MissingData::default();
        let both = Inputs::from_pairs([("student_name", "Mateo"), ("class_name", "Math 5")]);
        assert!(tool.lookup(&both).is_err());
        let err = tool.lookup(&Inputs::default()).unwrap_err();
        assert!(err.to_string().contains("exactly one"), "{err}");
        let mut w = world();
        w.mirror();
        let err = w
            .run(&tool, &[("student_name", "Mateo Ríos"), ("school", "Nowhere High")])
            .unwrap_err();
        assert!(err.to_string().contains("Lincoln Elementary"), "{err}");
    }

    #[test]
    fn a_student_in_step_on_both_sides_is_no_issue() {
        let mut w = world();
        w.mirror();
        let v = student(&w, "RIOS, mateo");
        assert_eq!(v.status, Status::NoIssue, "{}", v.summary);
        assert!(v.summary.contains("3 current enrollment(s)"), "{}", v.summary);
        // Multi-word given and family names.
        let v = student(&w, "ana maria de la cruz");
        assert_eq!(v.status, Status::NoIssue, "{}", v.summary);
    }

    #[test]
    fn unknown_names_are_not_found() {
        let mut w = world();
        w.mirror();
        let v = student(&w, "Pedro Páramo");
        assert_eq!(v.status, Status::NotFound);
        let v = class(&w, "Latin 9", None);
        assert_eq!(v.status, Status::NotFound);
        assert_eq!(codes(&v), ["class-not-found"]);
        // Mateo is not at Juárez.
        let v = w
            .run(
                &MissingData::default(),
                &[("student_name", "Mateo Ríos"), ("school", "Escuela Juarez")],
            )
            .expect("runs");
        assert_eq!(v.status, Status::NotFound);
    }

    #[test]
    fn duplicate_names_are_ambiguous_until_a_school_is_given() {
        let mut w = world();
        w.mirror();
        let v = student(&w, "Sam Lee");
        assert_eq!(v.status, Status::Ambiguous);
        assert_eq!(v.source_data["candidates"].as_array().map(Vec::len), Some(2));
        let v = w
            .run(
                &MissingData::default(),
                &[("student_name", "Sam Lee"), ("school", "escuela JUÁREZ")],
            )
            .expect("runs");
        assert_eq!(v.status, Status::NoIssue, "{}", v.summary);
        assert_eq!(v.comparison["student"]["sourcedId"], "stu-sam-2");
        // By the school's identifier.
        let v = w
            .run(
                &MissingData::default(),
                &[("student_name", "Sam Lee"), ("school", "0101")],
            )
            .expect("runs");
        assert_eq!(v.comparison["student"]["sourcedId"], "stu-sam-1");

        let v = class(&w, "science", None);
        assert_eq!(v.status, Status::Ambiguous);
        insta::assert_json_snapshot!("missing_data_class_ambiguous", v);
        let v = class(&w, "Science", Some("Roosevelt Middle"));
        assert_eq!(v.status, Status::NoIssue, "{}", v.summary);
    }

    #[test]
    fn sis_side_problems_are_issues_in_source() {
        let mut w = world();
        w.sis("stu-mateo").status = RecordStatus::ToBeDeleted;
        w.mirror();
        let v = student(&w, "Mateo Ríos");
        assert_eq!(v.status, Status::IssueInSource);
        assert!(codes(&v).contains(&"student-inactive-in-source"));

        let mut w = world();
        for e in &mut w.roster.enrollments {
            if e.user_sourced_id == "stu-mateo" {
                e.end_date = Some(date(2026, 1, 31));
            }
        }
        w.mirror();
        let v = student(&w, "Mateo Ríos");
        assert_eq!(v.status, Status::IssueInSource, "{}", v.summary);
        assert!(codes(&v).contains(&"no-current-enrollments-in-source"));
        assert!(fixes(&v, System::Sis, "endDate"));

        let mut w = world();
        w.mirror();
        w.roster.users.retain(|u| u.sourced_id != "stu-mateo");
        let v = student(&w, "Mateo Ríos");
        assert_eq!(v.status, Status::IssueInSource, "{}", v.summary);
        assert!(codes(&v).contains(&"student-not-in-source"));
    }

    #[test]
    fn platform_side_problems_are_issues_in_bookmarked() {
        let mut w = world();
        w.mirror();
        w.drop_bm("stu-mateo");
        w.import_error("stu-mateo", "user", "grade `5th` is not a valid grade");
        let v = student(&w, "Mateo Ríos");
        assert_eq!(v.status, Status::IssueInBookmarked, "{}", v.summary);
        assert!(codes(&v).contains(&"student-missing-in-bookmarked"));
        assert!(codes(&v).contains(&"import-error"));
        insta::assert_json_snapshot!("missing_data_student_missing_in_bookmarked", v);

        let mut w = world();
        w.mirror();
        w.drop_bm("enr-stu-mateo-cls-read");
        w.bm_enrollment("enr-stu-mateo-cls-math").status = PlatformStatus::Deleted;
        w.import_error("enr-stu-mateo-cls-read", "enrollment", "class not found");
        let v = student(&w, "Mateo Ríos");
        assert_eq!(v.status, Status::IssueInBookmarked, "{}", v.summary);
        assert!(codes(&v).contains(&"enrollment-missing-in-bookmarked"));
        assert!(codes(&v).contains(&"enrollment-deleted-in-bookmarked"));
        assert!(fixes(&v, System::Bookmarked, "status"));

        // The SIS ended Reading; Bookmarked kept it active.
        let mut w = world();
        w.mirror();
        if let Some(e) = w
            .roster
            .enrollments
            .iter_mut()
            .find(|e| e.sourced_id == "enr-stu-mateo-cls-read")
        {
            e.end_date = Some(date(2026, 2, 1));
        }
        let v = student(&w, "Mateo Ríos");
        assert_eq!(v.status, Status::IssueInBookmarked, "{}", v.summary);
        assert_eq!(codes(&v), ["extra-enrollment-in-bookmarked"]);
    }

    #[test]
    fn a_student_rekeyed_in_the_sis_is_paired_by_name() {
        let mut w = world();
        w.mirror();
        // The SIS re-created Ana María's record under a new sourcedId; Bookmarked has the old one.
        w.sis("stu-ana").sourced_id = "stu-ana-new".into();
        for e in &mut w.roster.enrollments {
            if e.user_sourced_id == "stu-ana" {
                e.user_sourced_id = "stu-ana-new".into();
            }
        }
        let v = student(&w, "Ana María de la Cruz");
        assert_eq!(v.status, Status::IssueInBookmarked, "{}", v.summary);
        assert!(codes(&v).contains(&"student-sourced-id-differs-in-bookmarked"));
        assert!(fixes(&v, System::Bookmarked, "sourced_id"));
    }

    #[test]
    fn class_path_covers_every_status() {
        let mut w = world();
        w.mirror();
        let v = class(&w, "math 5", None);
        assert_eq!(v.status, Status::NoIssue, "{}", v.summary);
        assert!(v.summary.contains("2 current student(s)"), "{}", v.summary);
        // By sourcedId.
        let v = class(&w, "cls-math", None);
        assert_eq!(v.status, Status::NoIssue, "{}", v.summary);

        // A student missing from the platform class, with an extra one there.
        let mut w = world();
        w.mirror();
        w.drop_bm("enr-stu-sam-1-cls-math");
        w.platform.enrollments.push(cdt_core::platform::Enrollment {
            id: "bm-extra".into(),
            sourced_id: "enr-old".into(),
            class_id: bm("cls-math"),
            user_id: bm("stu-ana"),
            role: "student".into(),
            status: PlatformStatus::Active,
        });
        let v = class(&w, "Math 5", None);
        assert_eq!(v.status, Status::IssueInBookmarked, "{}", v.summary);
        assert!(codes(&v).contains(&"enrollment-missing-in-bookmarked"));
        assert!(codes(&v).contains(&"extra-enrollment-in-bookmarked"));

        let mut w = world();
        w.mirror();
        w.drop_bm("cls-art");
        w.import_error("cls-art", "class", "term not found");
        let v = class(&w, "art &  DESIGN", None);
        assert_eq!(v.status, Status::IssueInBookmarked, "{}", v.summary);
        assert!(codes(&v).contains(&"class-missing-in-bookmarked"));
        assert!(codes(&v).contains(&"import-error"));

        let mut w = world();
        if let Some(c) = w.roster.classes.iter_mut().find(|c| c.sourced_id == "cls-art") {
            c.status = RecordStatus::ToBeDeleted;
        }
        w.mirror();
        let v = class(&w, "Art & Design", None);
        assert_eq!(v.status, Status::IssueInSource, "{}", v.summary);
        assert!(codes(&v).contains(&"class-deleted-in-source"));

        let mut w = world();
        w.mirror();
        w.roster.classes.retain(|c| c.sourced_id != "cls-art");
        w.roster.enrollments.retain(|e| e.class_sourced_id != "cls-art");
        let v = class(&w, "Art & Design", None);
        assert_eq!(v.status, Status::IssueInSource, "{}", v.summary);
        assert!(codes(&v).contains(&"class-not-in-source"));
    }
}
