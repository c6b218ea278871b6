//! Checks across files (references, 1.2 roles) and the assembly of the roster.

use std::collections::{BTreeMap, HashMap};

use cdt_core::roster::Roster;

use super::codes::Code;
use super::report::{Finding, Sink};
use super::spec::{Table, Version};
use super::table::{FileOutput, IdTable, Mode};

/// Checks references between files, and the 1.2 roles of users.
pub(crate) fn cross_file(outputs: &[FileOutput], version: Version, sink: &mut Sink) {
    let by_table: HashMap<Table, &FileOutput> = outputs
        .iter()
        .filter(|o| o.readable && o.job.table.owns_ids())
        .map(|o| (o.job.table, o))
        .collect();
    let any_delta = outputs.iter().any(|o| o.job.mode == Mode::Delta);
    for o in outputs {
        let file = o.job.name.as_str();
        for col in &o.refs {
            if col.uses.is_empty() {
                continue;
            }
            let Some(target) = by_table.get(&col.target) else {
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
            let delta = any_delta || o.job.mode == Mode::Delta || target.job.mode == Mode::Delta;
            let mut missing: Vec<(u32, &super::table::RefUse, [u64; 2])> = Vec::new();
            for (h, u) in col.uses.iter() {
                match target.ids.get(h) {
                    None => missing.push((u.first_row, u, *h)),
                    Some(info) => {
                        if info.deleted()
                            && let Some(row) = u.first_active_row()
                        {
                            sink.add(file, Code::LifecycleDeletedTarget, || {
                                Finding::new(
                                    file,
                                    Some(u64::from(row)),
                                    Some(col.column),
                                    Code::LifecycleDeletedTarget,
                                    format!(
                                        "`{}` is tobedeleted in {} (row {}), but this active record refers to it",
                                        col.text(u),
                                        target.job.name,
                                        info.row()
                                    ),
                                )
                                .about(col.text(u))
                            });
                        }
                        if col.column == "schoolSourcedId" && !info.school() {
                            sink.add(file, Code::ReferenceOrgType, || {
                                Finding::new(
                                    file,
                                    Some(u64::from(u.first_row)),
                                    Some(col.column),
                                    Code::ReferenceOrgType,
                                    format!(
                                        "`{}` is an org of {} (row {}) whose type is not school{}",
                                        col.text(u),
                                        target.job.name,
                                        info.row(),
                                        others(u.count)
                                    ),
                                )
                                .about(col.text(u))
                            });
                        }
                    }
                }
            }
            missing.sort_by_key(|m| (m.0, m.2));
            let code = if delta {
                Code::ReferenceMissingDelta
            } else {
                Code::ReferenceMissing
            };
            for (row, u, _) in missing {
                sink.add(file, code, || {
                    Finding::new(
                        file,
                        Some(u64::from(row)),
                        Some(col.column),
                        code,
                        format!("`{}` is not in {}{}", col.text(u), target.job.name, others(u.count)),
                    )
                    .about(col.text(u))
                });
            }
        }
    }
    if version == Version::V12 {
        roles_checks(outputs, sink);
    }
}

fn others(count: u32) -> String {
    match count {
        0 | 1 => String::new(),
        2 => "; 1 other row refers to it too".into(),
        n => format!("; {} other rows refer to it too", n - 1),
    }
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
