//! # cdt-tools: the built-in diagnostics of Customer Data Tools
//!
//! Each diagnostic is one file and one type implementing [`cdt_core::Tool`], registered
//! next to its implementation with [`cdt_core::register_tool!`]:
//!
//! | id | type | the ticket it answers |
//! | --- | --- | --- |
//! | `student-mismatch` | [`StudentMismatch`] | "a parent can't see her child" |
//! | `missing-data` | [`MissingData`] | "a student is missing from a class" |
//! | `parent-conflicts` | [`ParentConflicts`] | "two parents share one email" |
//! | `campus-transfer` | [`CampusTransfer`] | "a student moved schools but still shows at the old one" |
//!
//! Tools are pure: they read the [`cdt_core::Case`] the engine fetched (the SIS slice and
//! the Bookmarked slice), never do I/O, never read the clock (they use `case.today`) and
//! never panic on data. Every data outcome is an `Ok(Verdict)`; `Err` means bad inputs.
//!
//! Every finding a tool reports is a type in [`findings`] (one per code, carrying its
//! severity, system, message and remediation); [`findings::catalogue`] lists them all and
//! `docs/finding-codes.md` is generated from it. Checks shared by several tools (resolving
//! the student a query names, the SIS-side and Bookmarked-side student checks) are
//! written once, in the private `common` module.
//!
//! Registration goes through `inventory`, so a program only sees these tools if this
//! crate is linked into it: adapters call [`link`] once.
//!
//! ```
//! cdt_tools::link();
//! let registry = cdt_core::Registry::builtin().expect("unique tool ids");
//! assert!(registry.ids().contains(&"student-mismatch"));
//! ```

pub mod campus_transfer;
mod common;
pub mod findings;
#[cfg(test)]
mod fixtures;
pub mod missing_data;
pub mod parent_conflicts;
pub mod student_mismatch;
pub mod sweep;
#[cfg(test)]
mod testkit;

pub use campus_transfer::CampusTransfer;
pub use missing_data::MissingData;
pub use parent_conflicts::ParentConflicts;
pub use student_mismatch::StudentMismatch;

/// Does nothing; calling it makes sure this crate, and so its tool registrations, are
/// linked into the program.
#[inline(never)]
pub fn link() {}

#[cfg(test)]
mod tests {
    use cdt_core::platform::{self, ParentStudent, PlatformStatus};
    use cdt_core::roster::{Enrollment, RecordStatus, Role};
    use cdt_core::{Status, Tool};

    use crate::testkit::World;
    use crate::{CampusTransfer, MissingData, ParentConflicts, StudentMismatch};

    /// A tool and its inputs.
    type Run<'a> = (&'a dyn Tool, Vec<(&'a str, &'a str)>);

    /// Dangling links, missing roles, blank names and emails: every tool still answers.
    #[test]
    fn tools_never_panic_on_broken_data() {
        let mut w = World::new();
        w.student("stu-1", "", "", "sch-nowhere");
        w.student("stu-2", "Kim", "Lee", "sch-lincoln").roles.clear();
        w.parent("par-1", "Kim", "Lee", "kim@example.org").agent_sourced_ids = vec!["stu-ghost".into()];
        w.sis("stu-2").agent_sourced_ids = vec!["par-ghost".into(), "par-1".into()];
        w.sis("stu-2").email = Some(String::new());
        w.roster.enrollments.push(Enrollment {
            sourced_id: "enr-ghost".into(),
            status: RecordStatus::Active,
            class_sourced_id: "cls-ghost".into(),
            school_sourced_id: String::new(),
            user_sourced_id: "stu-2".into(),
            role: Role::Student,
            primary: None,
            begin_date: None,
            end_date: None,
        });
        w.mirror();
        w.platform.parent_students.push(ParentStudent {
            parent_id: "bm-nobody".into(),
            student_id: "bm-stu-2".into(),
        });
        w.platform.enrollments.push(platform::Enrollment {
            id: "bm-enr-x".into(),
            sourced_id: "enr-x".into(),
            class_id: "bm-cls-ghost".into(),
            user_id: "bm-stu-2".into(),
            role: "student".into(),
            status: PlatformStatus::Active,
        });
        let tools: [Run<'_>; 5] = [
            (
                &StudentMismatch::default(),
                vec![("parent_email", "kim@example.org"), ("student_name", "Kim Lee")],
            ),
            (&MissingData::default(), vec![("student_name", "Kim Lee")]),
            (&MissingData::default(), vec![("class_name", "cls-ghost")]),
            (&ParentConflicts::default(), vec![("parent_email", "kim@example.org")]),
            (
                &CampusTransfer::default(),
                vec![("student_name", "Lee"), ("old_campus", "0101"), ("new_campus", "0202")],
            ),
        ];
        for (tool, inputs) in tools {
            let v = w.run(tool, &inputs).expect("runs");
            assert!(Status::ALL.contains(&v.status));
        }
    }

    /// An empty district: names are not found; schools are input errors.
    #[test]
    fn an_empty_case_is_not_found() {
        let w = World::new();
        let v = w
            .run(
                &StudentMismatch::default(),
                &[("parent_email", "a@b.org"), ("student_name", "Ana")],
            )
            .expect("runs");
        assert_eq!(v.status, Status::NotFound);
        let v = w
            .run(&ParentConflicts::default(), &[("parent_email", "a@b.org")])
            .expect("runs");
        assert_eq!(v.status, Status::NotFound);
        let v = w.run(&MissingData::default(), &[("class_name", "Math")]).expect("runs");
        assert_eq!(v.status, Status::NotFound);
        let v = w
            .run(
                &CampusTransfer::default(),
                &[("student_name", "Ana"), ("old_campus", "0101"), ("new_campus", "0202")],
            )
            .expect("runs");
        assert_eq!(v.status, Status::NotFound);
        let empty = World {
            roster: cdt_core::Roster::default(),
            platform: cdt_core::PlatformData::default(),
        };
        let err = empty
            .run(
                &CampusTransfer::default(),
                &[("student_name", "Ana"), ("old_campus", "A"), ("new_campus", "B")],
            )
            .unwrap_err();
        assert!(err.to_string().contains("(none known)"), "{err}");
    }
}
