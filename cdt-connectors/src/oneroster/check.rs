//! Checks across files (references, 1.2 roles) and the assembly of the roster.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use cdt_core::roster::Roster;

use super::codes::Code;
use super::report::{Finding, Sink};
use super::spec::{Table, Version, role_kind};
use super::table::{FileOutput, IdHash, IdTable, MIXED_SCHOOLS, Mode, RefUse, clip, id_hash, visit_rows};
use super::values;
use crate::bundle::{Bundle, Limits};

/// What must be reported at each row that refers to one id (bits of [`Want::what`]).
const MISSING: u8 = 1;
const DELETED: u8 = 2;
const ORG_TYPE: u8 = 4;
const ROLE: u8 = 8;
const SCHOOL: u8 = 16;

/// What the rows referring to one id must be checked for, with what the messages need.
#[derive(Clone, Copy, Debug, Default)]
struct Want {
    /// Bits: [`MISSING`], [`DELETED`], [`ORG_TYPE`], [`ROLE`], [`SCHOOL`].
    what: u8,
    /// The row of the referenced record in its file.
    target_row: u32,
    /// [`ROLE`]: the `role_kind` bits of all the user's roles.
    user_kinds: u8,
    /// [`ROLE`]: whether they come from `users.csv` alone (its `role` column).
    from_users: bool,
    /// [`SCHOOL`]: the class's `schoolSourcedId`.
    school: IdHash,
}

/// Checks references between files, consistency between enrollments and the users and
/// classes they name, and the 1.2 roles of users.
///
/// Every row that refers to a record with a problem is reported. The first read keeps
/// each referenced id once (its first row and how many rows refer to it), so when a
/// problem id is referred to from more than one row, or the check needs each row's own
/// values (an enrollment's role), the referring file is read a second time to name
/// the rows; a bundle without such problems is read once.
pub(crate) fn cross_file(outputs: &[FileOutput], version: Version, bundle: &Bundle, limits: &Limits, sink: &mut Sink) {
    let by_table: HashMap<Table, &FileOutput> = outputs
        .iter()
        .filter(|o| o.readable && o.job.table.owns_ids())
        .map(|o| (o.job.table, o))
        .collect();
    let any_delta = outputs.iter().any(|o| o.job.mode == Mode::Delta);
    // 1.2: the kinds of each user's roles in roles.csv.
    let roles_of = by_table
        .get(&Table::Roles)
        .and_then(|r| r.refs.iter().find(|c| c.column == "userSourcedId"))
        .map(|c| &c.uses);
    for o in outputs {
        let file = o.job.name.as_str();
        let mut wants: Vec<IdTable<Want>> = o.refs.iter().map(|_| IdTable::default()).collect();
        let mut direct: Vec<(u32, usize, IdHash)> = Vec::new();
        let mut again = false;
        for (ci, col) in o.refs.iter().enumerate() {
            if col.uses.is_empty() {
                continue;
            }
            let Some(target) = by_table.get(&col.target) else {
                // One finding a column: the fix is the file, not each row.
                if o.job.mode == Mode::Bulk {
                    let first = col.uses.values().map(|u| u.first_row).min().unwrap_or(0);
                    sink.push(Finding::new(
                        file,
                        Some(u64::from(first)),
                        Some(col.column),
                        Code::ReferenceMissingFile,
                        format!(
                            "`{}` refers to records of {}, which the bundle does not have",
                            col.column,
                            col.target.file_name()
                        ),
                    ));
                }
                continue;
            };
            let enrollments = o.job.table == Table::Enrollments;
            for (h, u) in col.uses.iter() {
                let mut w = Want::default();
                match target.ids.get(h) {
                    None => w.what |= MISSING,
                    Some(info) => {
                        w.target_row = info.row();
                        if info.deleted() && u.first_active_row().is_some() {
                            w.what |= DELETED;
                        }
                        if col.column == "schoolSourcedId" && !info.school() {
                            w.what |= ORG_TYPE;
                        }
                        if enrollments && col.column == "userSourcedId" && u.tag() != 0 {
                            let own = role_kind::of_code(info.role());
                            let listed = roles_of.and_then(|r| r.get(h)).map_or(0, RefUse::tag);
                            let kinds = own | listed;
                            let enrolled = u.tag();
                            if (enrolled & role_kind::STUDENT != 0 && role_kind::contradicts(role_kind::STUDENT, kinds))
                                || (enrolled & role_kind::STAFF != 0 && role_kind::contradicts(role_kind::STAFF, kinds))
                            {
                                w.what |= ROLE;
                                w.user_kinds = kinds;
                                w.from_users = listed == 0;
                                // The row's own role is needed for the message.
                                again = true;
                            }
                        }
                        if enrollments
                            && col.column == "classSourcedId"
                            && let Some(&at) = o.class_schools.get(h)
                            && let Some(&class_school) = info.school_index().and_then(|i| target.school(i))
                            && (at == MIXED_SCHOOLS || o.school(at) != Some(&class_school))
                        {
                            w.what |= SCHOOL;
                            w.school = class_school;
                        }
                    }
                }
                if w.what == 0 {
                    continue;
                }
                *wants[ci].entry(*h).0 = w;
                if u.count() > 1 {
                    again = true;
                } else {
                    direct.push((u.first_row, ci, *h));
                }
            }
        }
        if direct.is_empty() && !again {
            continue;
        }
        let cx = Context {
            o,
            by_table: &by_table,
            delta: any_delta || o.job.mode == Mode::Delta,
        };
        let read_again = again
            && bundle.members().iter().find(|m| m.name == o.job.name).is_some_and(|m| {
                bundle
                    .with_reader(m, |r| report_every_row(&cx, &wants, r, limits, sink))
                    .is_ok()
            });
        if !read_again {
            // Each id at the one row that refers to it (or, if the file cannot be read
            // again, at the first).
            if again {
                direct = wants
                    .iter()
                    .enumerate()
                    .flat_map(|(ci, t)| {
                        let col = &o.refs[ci];
                        t.iter()
                            .filter_map(move |(h, _)| col.uses.get(h).map(|u| (u.first_row, ci, *h)))
                    })
                    .collect();
            }
            direct.sort_unstable();
            for (row, ci, h) in direct {
                let (Some(w), Some(u)) = (wants[ci].get(&h), o.refs[ci].uses.get(&h)) else {
                    continue;
                };
                let col = &o.refs[ci];
                let school = o
                    .class_schools
                    .get(&h)
                    .and_then(|&i| o.school(i))
                    .map_or("", |s| school_text(o, s));
                let facts = RowFacts {
                    row: u64::from(row),
                    active: u.first_active_row() == Some(row),
                    id: col.text(u),
                    role: "",
                    school,
                };
                cx.report(sink, ci, w, &facts);
            }
        }
    }
    if version == Version::V12 {
        roles_checks(outputs, sink);
    }
}

/// A referring file and the files it refers to.
struct Context<'a> {
    o: &'a FileOutput,
    by_table: &'a HashMap<Table, &'a FileOutput>,
    delta: bool,
}

/// What one referring row says.
struct RowFacts<'a> {
    row: u64,
    active: bool,
    /// The referenced id.
    id: &'a str,
    /// The row's `role` (enrollments), if known.
    role: &'a str,
    /// The row's `schoolSourcedId` (enrollments), if known.
    school: &'a str,
}

/// The text of a school id named in `out`'s `schoolSourcedId` column.
fn school_text<'b>(out: &'b FileOutput, h: &IdHash) -> &'b str {
    out.refs
        .iter()
        .find(|c| c.column == "schoolSourcedId")
        .and_then(|c| c.uses.get(h).map(|u| c.text(u)))
        .unwrap_or("?")
}

impl Context<'_> {
    /// Reports what `w` asks for at one row referring to an id of column `ci`.
    fn report(&self, sink: &mut Sink, ci: usize, w: &Want, f: &RowFacts<'_>) {
        let Some(col) = self.o.refs.get(ci) else { return };
        let file = self.o.job.name.as_str();
        let target = self.by_table.get(&col.target);
        let target_name = target.map_or(String::new(), |t| t.job.name.clone());
        let row = Some(f.row);
        if w.what & MISSING != 0 {
            let code = if self.delta || target.is_some_and(|t| t.job.mode == Mode::Delta) {
                Code::ReferenceMissingDelta
            } else {
                Code::ReferenceMissing
            };
            sink.add(file, code, || {
                Finding::new(
                    file,
                    row,
                    Some(col.column),
                    code,
                    format!("`{}` is not in {target_name}", clip(f.id)),
                )
                .about(f.id)
            });
        }
        if w.what & DELETED != 0 && f.active {
            sink.add(file, Code::LifecycleDeletedTarget, || {
                Finding::new(
                    file,
                    row,
                    Some(col.column),
                    Code::LifecycleDeletedTarget,
                    format!(
                        "`{}` is tobedeleted in {target_name} (row {}), but this active record refers to it",
                        clip(f.id),
                        w.target_row
                    ),
                )
                .about(f.id)
            });
        }
        if w.what & ORG_TYPE != 0 {
            sink.add(file, Code::ReferenceOrgType, || {
                Finding::new(
                    file,
                    row,
                    Some(col.column),
                    Code::ReferenceOrgType,
                    format!(
                        "`{}` is an org of {target_name} (row {}) whose type is not school",
                        clip(f.id),
                        w.target_row
                    ),
                )
                .about(f.id)
            });
        }
        if w.what & ROLE != 0 && f.active && role_kind::contradicts(role_kind::of_enrollment_role(f.role), w.user_kinds)
        {
            let code = Code::ReferenceEnrollmentRole;
            sink.add(file, code, || {
                let theirs =
                    match role_kind::name(target.and_then(|t| t.ids.get(&id_hash(f.id))).map_or(0, |i| i.role())) {
                        Some(role) if w.from_users => {
                            format!("{target_name} (row {}) gives them the role `{role}`", w.target_row)
                        }
                        _ => format!("roles.csv gives them {}", role_kind::describe(w.user_kinds)),
                    };
                Finding::new(
                    file,
                    row,
                    Some("role"),
                    code,
                    format!("`{}` is enrolled as `{}`, but {theirs}", clip(f.id), clip(f.role)),
                )
                .about(f.id)
            });
        }
        if w.what & SCHOOL != 0 && f.active && !f.school.is_empty() && id_hash(f.school) != w.school {
            let code = Code::ReferenceEnrollmentSchool;
            sink.add(file, code, || {
                let class_school = target.map_or("?", |t| school_text(t, &w.school));
                Finding::new(
                    file,
                    row,
                    Some("schoolSourcedId"),
                    code,
                    format!(
                        "the enrollment is at school `{}`, but its class `{}` is at `{}` in {target_name} (row {})",
                        clip(f.school),
                        clip(f.id),
                        clip(class_school),
                        w.target_row
                    ),
                )
                .about(f.id)
            });
        }
    }
}

/// Reads the referring file again and reports every row that refers to an id in
/// `wants`.
fn report_every_row(
    cx: &Context<'_>,
    wants: &[IdTable<Want>],
    reader: &mut dyn Read,
    limits: &Limits,
    sink: &mut Sink,
) {
    let o = cx.o;
    let mut columns: Vec<&str> = o.refs.iter().map(|c| c.column).collect();
    let n = columns.len();
    columns.extend(["status", "role"]);
    let school_at = o.refs.iter().position(|c| c.column == "schoolSourcedId");
    visit_rows(&o.job, reader, limits, &columns, |row, values| {
        let status = values.get(n);
        let active = !(status.eq_ignore_ascii_case("tobedeleted")
            || status.eq_ignore_ascii_case("inactive")
            || status.eq_ignore_ascii_case("deleted"));
        for (ci, col) in o.refs.iter().enumerate() {
            let Some(table) = wants.get(ci).filter(|t| !t.is_empty()) else {
                continue;
            };
            let v = values.get(ci);
            if v.is_empty() {
                continue;
            }
            let mut one = |id: &str| {
                if let Some(w) = table.get(&id_hash(id)) {
                    let facts = RowFacts {
                        row,
                        active,
                        id,
                        role: values.get(n + 1),
                        school: school_at.map_or("", |i| values.get(i)),
                    };
                    cx.report(sink, ci, w, &facts);
                }
            };
            if col.list {
                values::list(v).0.for_each(&mut one);
            } else {
                one(v);
            }
        }
    });
}

fn roles_checks(outputs: &[FileOutput], sink: &mut Sink) {
    let users = outputs.iter().find(|o| o.job.table == Table::Users && o.readable);
    let roles = outputs.iter().find(|o| o.job.table == Table::Roles && o.readable);
    let (Some(users), Some(roles)) = (users, roles) else {
        return;
    };
    let empty = IdTable::default();
    let with_role = roles
        .refs
        .iter()
        .find(|c| c.column == "userSourcedId")
        .map_or(&empty, |c| &c.uses);
    let mut without: Vec<u32> = users
        .ids
        .iter()
        .filter(|(h, info)| !info.deleted() && !with_role.contains(h))
        .map(|(_, info)| info.row())
        .collect();
    without.sort_unstable();
    let file = users.job.name.as_str();
    for row in without {
        sink.add(file, Code::RolesNoRole, || {
            Finding::new(
                file,
                Some(u64::from(row)),
                Some("sourcedId"),
                Code::RolesNoRole,
                format!("the user has no row in {}, so no role and no org", roles.job.name),
            )
        });
    }
    for &(user, org, row) in &users.primary_orgs {
        if !roles.role_pairs.contains(&(user, org)) {
            sink.add(file, Code::RolesPrimaryOrg, || {
                Finding::new(
                    file,
                    Some(u64::from(row)),
                    Some("primaryOrgSourcedId"),
                    Code::RolesPrimaryOrg,
                    format!("{} gives the user no role at the primary org", roles.job.name),
                )
            });
        }
    }
}

/// Puts the records of every file together into a roster, and moves each file's
/// findings into `sink`.
pub(crate) fn assemble(outputs: Vec<FileOutput>, version: Version, sink: &mut Sink) -> Roster {
    let mut r = Roster::default();
    let mut roles = Vec::new();
    let mut invalid = BTreeMap::new();
    for o in outputs {
        sink.merge(o.sink);
        let b = o.built;
        // One file a table: take its vectors as they are, without copying.
        append(&mut r.orgs, b.orgs);
        append(&mut r.users, b.users);
        append(&mut r.courses, b.courses);
        append(&mut r.classes, b.classes);
        append(&mut r.academic_sessions, b.sessions);
        append(&mut r.enrollments, b.enrollments);
        append(&mut roles, b.roles);
        for (id, why) in b.invalid {
            invalid.entry(id).or_insert(why);
        }
    }
    if version == Version::V12 && !roles.is_empty() {
        let index: HashMap<String, usize> = r
            .users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.sourced_id.clone(), i))
            .collect();
        for (user, role) in roles {
            if let Some(&i) = index.get(&user) {
                let u = &mut r.users[i];
                // 1.2 roles replace any read leniently from 1.1-style columns.
                if u.roles
                    .iter()
                    .all(|x| x.org_sourced_id != role.org_sourced_id || x.role != role.role)
                {
                    u.roles.push(role);
                }
            }
        }
    }
    r.invalid_records = invalid;
    r
}

fn append<T>(into: &mut Vec<T>, mut from: Vec<T>) {
    if into.is_empty() {
        *into = from;
    } else {
        into.append(&mut from);
    }
}

/// Moves each file's findings into `sink` when no roster is built.
pub(crate) fn drain(outputs: Vec<FileOutput>, sink: &mut Sink) {
    for o in outputs {
        sink.merge(o.sink);
    }
}
