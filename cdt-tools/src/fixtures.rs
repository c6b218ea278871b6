//! One minimal case per finding code, ruff style: a fixture table. Each row builds the
//! smallest world that leads a tool to the code; the test checks the code is emitted and
//! snapshots its finding, the status and the remediation, so every message is reviewed.

use cdt_core::platform::PlatformStatus;
use cdt_core::roster::{RecordStatus, Role, UserRole};
use cdt_core::{Tool, Verdict};
use serde_json::json;

use crate::testkit::{World, bm, date};
use crate::{CampusTransfer, MissingData, ParentConflicts, StudentMismatch};

const ANA: &str = "ana.rios@example.org";

/// Mateo Ríos at Lincoln, in Math 3, linked to his mother Ana; not yet mirrored.
fn family() -> World {
    let mut w = World::new();
    w.student("stu-mateo", "Mateo", "Ríos", "sch-lincoln");
    w.parent("par-ana", "Ana", "Ríos", ANA);
    w.link("par-ana", "stu-mateo");
    w.class("cls-math", "Math 3", "sch-lincoln");
    w.enroll("stu-mateo", "cls-math");
    w
}

/// Mateo moved from Lincoln to Roosevelt on 2026-01-20, done right in the SIS.
fn transfer() -> World {
    let mut w = World::new();
    w.student("stu-mateo", "Mateo", "Ríos", "sch-roosevelt");
    w.class("cls-l-math", "Math 3", "sch-lincoln");
    w.class("cls-r-math", "Math 3", "sch-roosevelt");
    w.enroll("stu-mateo", "cls-l-math").end_date = Some(date(2026, 1, 16));
    w.enroll("stu-mateo", "cls-r-math").begin_date = Some(date(2026, 1, 20));
    w
}

fn mirrored(mut w: World) -> World {
    w.mirror();
    w
}

fn sm(w: &World, email: &str, name: &str) -> Verdict {
    run(
        w,
        &StudentMismatch::default(),
        &[("parent_email", email), ("student_name", name)],
    )
}

fn md_student(w: &World, name: &str) -> Verdict {
    run(w, &MissingData::default(), &[("student_name", name)])
}

fn md_class(w: &World, title: &str) -> Verdict {
    run(w, &MissingData::default(), &[("class_name", title)])
}

fn pc(w: &World, email: &str) -> Verdict {
    run(w, &ParentConflicts::default(), &[("parent_email", email)])
}

fn ct(w: &World) -> Verdict {
    let inputs = [
        ("student_name", "Mateo Ríos"),
        ("old_campus", "Lincoln Elementary"),
        ("new_campus", "Roosevelt Middle"),
    ];
    run(w, &CampusTransfer::default(), &inputs)
}

fn run(w: &World, tool: &dyn Tool, inputs: &[(&str, &str)]) -> Verdict {
    w.run(tool, inputs).expect("runs")
}

fn unlinked_sis() -> World {
    let mut w = family();
    w.sis("par-ana").agent_sourced_ids.clear();
    w.sis("stu-mateo").agent_sourced_ids.clear();
    w
}

/// Every row: the code, and the verdict of its minimal case.
#[allow(clippy::too_many_lines)]
fn table() -> Vec<(&'static str, Verdict)> {
    vec![
        (
            "parent-not-found",
            sm(&mirrored(family()), "nobody@example.org", "Mateo Ríos"),
        ),
        ("student-not-found", sm(&mirrored(family()), ANA, "Pedro Páramo")),
        ("class-not-found", md_class(&mirrored(family()), "Chemistry")),
        ("student-ambiguous", {
            let mut w = family();
            w.student("stu-mateo-2", "Mateo", "Rios", "sch-juarez");
            md_student(&mirrored(w), "Mateo Rios")
        }),
        ("class-ambiguous", {
            let mut w = family();
            w.class("cls-math-2", "Math 3", "sch-roosevelt");
            md_class(&mirrored(w), "Math 3")
        }),
        ("student-disambiguated-by-parent-link", {
            let mut w = family();
            w.student("stu-mateo-2", "Mateo", "Rios", "sch-juarez");
            sm(&mirrored(w), ANA, "Mateo Rios")
        }),
        ("student-disambiguated-by-school", {
            let mut w = transfer();
            w.student("stu-mateo-2", "Mateo", "Rios", "sch-juarez");
            ct(&mirrored(w))
        }),
        ("email-shared-in-source", {
            let mut w = family();
            w.parent("par-eva", "Eva", "Núñez", ANA);
            pc(&mirrored(w), ANA)
        }),
        ("duplicate-parent-records-in-source", {
            let mut w = family();
            w.parent("par-ana-2", "Ana", "Ríos", ANA);
            pc(&mirrored(w), ANA)
        }),
        ("parent-not-in-source", {
            let mut w = mirrored(family());
            w.roster.users.retain(|u| u.sourced_id != "par-ana");
            sm(&w, ANA, "Mateo Ríos")
        }),
        ("parent-inactive-in-source", {
            let mut w = family();
            w.sis("par-ana").status = RecordStatus::ToBeDeleted;
            sm(&mirrored(w), ANA, "Mateo Ríos")
        }),
        ("student-not-in-source", {
            let mut w = mirrored(family());
            w.roster.users.retain(|u| u.sourced_id != "stu-mateo");
            md_student(&w, "Mateo Ríos")
        }),
        ("student-inactive-in-source", {
            let mut w = family();
            w.sis("stu-mateo").enabled = false;
            md_student(&mirrored(w), "Mateo Ríos")
        }),
        (
            "parent-student-link-missing-in-source",
            sm(&mirrored(unlinked_sis()), ANA, "Mateo Ríos"),
        ),
        ("no-current-enrollments-in-source", {
            let mut w = family();
            w.roster.enrollments[0].end_date = Some(date(2025, 12, 19));
            md_student(&mirrored(w), "Mateo Ríos")
        }),
        ("class-not-in-source", {
            let mut w = mirrored(family());
            w.roster.classes.clear();
            md_class(&w, "Math 3")
        }),
        ("class-deleted-in-source", {
            let mut w = family();
            w.roster.classes[0].status = RecordStatus::ToBeDeleted;
            md_class(&mirrored(w), "Math 3")
        }),
        ("old-campus-enrollments-current-in-source", {
            let mut w = transfer();
            w.roster.enrollments[0].end_date = None;
            ct(&mirrored(w))
        }),
        ("no-new-campus-enrollments-in-source", {
            let mut w = transfer();
            w.roster.enrollments.retain(|e| e.class_sourced_id != "cls-r-math");
            ct(&mirrored(w))
        }),
        ("new-campus-missing-from-org-roles-in-source", {
            let mut w = transfer();
            w.sis("stu-mateo").roles[0].org_sourced_id = "sch-lincoln".into();
            ct(&mirrored(w))
        }),
        ("old-campus-still-in-org-roles", {
            let mut w = transfer();
            w.sis("stu-mateo").roles.push(UserRole {
                role: Role::Student,
                org_sourced_id: "sch-lincoln".into(),
                primary: false,
            });
            ct(&mirrored(w))
        }),
        ("parent-missing-in-bookmarked", {
            let mut w = mirrored(family());
            w.drop_bm("par-ana");
            sm(&w, ANA, "Mateo Ríos")
        }),
        ("parent-deleted-in-bookmarked", {
            let mut w = mirrored(family());
            w.bm_parent("par-ana").status = PlatformStatus::Deleted;
            sm(&w, ANA, "Mateo Ríos")
        }),
        ("parent-email-differs-in-bookmarked", {
            let mut w = mirrored(family());
            w.bm_parent("par-ana").email = Some("ana.old@example.org".into());
            sm(&w, ANA, "Mateo Ríos")
        }),
        ("parent-name-differs-in-bookmarked", {
            let mut w = mirrored(family());
            w.bm_parent("par-ana").first_name = "Anabel".into();
            pc(&w, ANA)
        }),
        ("several-parents-with-email-in-bookmarked", {
            let mut w = mirrored(family());
            let mut other = w.bm_parent("par-ana").clone();
            other.id = "bm-par-old".into();
            other.sourced_id = "par-old".into();
            w.platform.parents.push(other);
            pc(&w, ANA)
        }),
        ("stale-parent-email-in-bookmarked", {
            let mut w = mirrored(family());
            w.sis("par-ana").email = Some("ana@example.net".into());
            pc(&w, ANA)
        }),
        ("parent-students-differ", {
            let mut w = mirrored(family());
            w.unlink_bm("par-ana", "stu-mateo");
            pc(&w, ANA)
        }),
        ("parent-student-link-missing-in-bookmarked", {
            let mut w = mirrored(family());
            w.unlink_bm("par-ana", "stu-mateo");
            sm(&w, ANA, "Mateo Ríos")
        }),
        ("student-missing-in-bookmarked", {
            let mut w = mirrored(family());
            w.drop_bm("stu-mateo");
            md_student(&w, "Mateo Ríos")
        }),
        ("student-deleted-in-bookmarked", {
            let mut w = mirrored(family());
            w.bm_student("stu-mateo").status = PlatformStatus::Deleted;
            md_student(&w, "Mateo Ríos")
        }),
        ("student-sourced-id-differs-in-bookmarked", {
            let mut w = mirrored(family());
            w.bm_student("stu-mateo").sourced_id = "stu-mateo-old".into();
            md_student(&w, "Mateo Ríos")
        }),
        ("student-school-not-updated-in-bookmarked", {
            let mut w = mirrored(transfer());
            w.bm_student("stu-mateo").organization_id = bm("sch-lincoln");
            ct(&w)
        }),
        ("student-field-differs-in-bookmarked", {
            let mut w = mirrored(family());
            w.bm_student("stu-mateo").last_name = "Rois".into();
            sm(&w, ANA, "Mateo Ríos")
        }),
        ("student-namesake-in-bookmarked", {
            let mut w = mirrored(transfer());
            let mut leftover = w.bm_student("stu-mateo").clone();
            leftover.id = "bm-stu-mateo-old".into();
            leftover.sourced_id = "stu-mateo-old".into();
            leftover.organization_id = bm("sch-lincoln");
            w.platform.students.push(leftover);
            ct(&w)
        }),
        ("class-field-differs-in-bookmarked", {
            let mut w = mirrored(family());
            w.platform.classes[0].title = "Math 8".into();
            md_class(&w, "Math 3")
        }),
        ("class-missing-in-bookmarked", {
            let mut w = mirrored(family());
            w.drop_bm("cls-math");
            md_class(&w, "Math 3")
        }),
        ("class-deleted-in-bookmarked", {
            let mut w = mirrored(family());
            w.platform.classes[0].status = PlatformStatus::Deleted;
            md_class(&w, "Math 3")
        }),
        ("enrollment-missing-in-bookmarked", {
            let mut w = mirrored(family());
            w.drop_bm("enr-stu-mateo-cls-math");
            md_student(&w, "Mateo Ríos")
        }),
        ("enrollment-deleted-in-bookmarked", {
            let mut w = mirrored(family());
            w.bm_enrollment("enr-stu-mateo-cls-math").status = PlatformStatus::Deleted;
            md_student(&w, "Mateo Ríos")
        }),
        ("extra-enrollment-in-bookmarked", {
            let mut w = family();
            w.class("cls-art", "Art 3", "sch-lincoln");
            w.enroll("stu-mateo", "cls-art");
            let mut w = mirrored(w);
            w.roster.enrollments.retain(|e| e.class_sourced_id != "cls-art");
            md_student(&w, "Mateo Ríos")
        }),
        ("phantom-enrollment-in-bookmarked", {
            let mut w = transfer();
            w.roster.enrollments[0].end_date = None;
            let mut w = mirrored(w);
            w.roster.enrollments[0].end_date = Some(date(2026, 1, 16));
            ct(&w)
        }),
        ("new-campus-enrollment-missing-in-bookmarked", {
            let mut w = mirrored(transfer());
            w.drop_bm("enr-stu-mateo-cls-r-math");
            ct(&w)
        }),
        ("import-error", {
            let mut w = mirrored(family());
            w.drop_bm("stu-mateo");
            w.import_error("stu-mateo", "user", "grade `13` is not valid");
            md_student(&w, "Mateo Ríos")
        }),
        ("parent-student-link-ok", sm(&mirrored(family()), ANA, "Mateo Ríos")),
        ("records-agree", md_class(&mirrored(family()), "Math 3")),
        ("parent-consistent", pc(&mirrored(family()), ANA)),
        ("transfer-clean", ct(&mirrored(transfer()))),
    ]
}

#[test]
fn every_code_has_a_minimal_case() {
    let table = table();
    for entry in crate::findings::catalogue() {
        assert!(
            table.iter().any(|(code, _)| *code == entry.code),
            "`{}` has no fixture",
            entry.code
        );
    }
    for (code, v) in &table {
        let finding = v
            .findings
            .iter()
            .find(|f| f.code == *code)
            .unwrap_or_else(|| panic!("the fixture for `{code}` does not emit it: {:?}", v.findings));
        insta::assert_json_snapshot!(
            *code,
            json!({ "status": v.status, "finding": finding, "remediation": v.remediation })
        );
    }
}
