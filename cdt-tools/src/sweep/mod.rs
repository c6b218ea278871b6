//! The district sweep: every built-in tool's checks over a whole district, from data
//! already loaded.
//!
//! The sweep asks the district every question a ticket could ask ([`cases`]: each
//! student with their family, each parent email, each class, each student seen at two
//! schools) and answers each one with the tool a ticket would run, on the case's slice
//! taken from indexes built once ([`cdt_core::engine::run_indexed`]). Nothing is
//! re-implemented: the findings, their messages and their remediation are the tools'
//! own. Only verdicts that are issues (`ISSUE_IN_SOURCE`, `ISSUE_IN_BOOKMARKED`,
//! `ISSUE_IN_BOTH`) count, and only their warnings and errors (info findings are
//! context); each discrepancy is reported once, by code and records, with every case
//! that found it ([`SweepFinding::found_by`]): running that tool with those inputs gives
//! it again.
//!
//! Pure: no I/O, no clock. Loading the district is the connectors' job
//! (`cdt_connectors::sweep`); rendering is [`render`].

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use cdt_core::engine::run_indexed;
use cdt_core::platform::PlatformData;
use cdt_core::roster::Roster;
use cdt_core::slice::index::{IndexedPlatform, IndexedRoster};
use cdt_core::{Status, Tool, Verdict};
use chrono::{DateTime, NaiveDate, Utc};

pub mod cases;
pub mod fixes;
pub mod html;
pub mod render;
mod report;

pub use cases::{Case, SweepTool, enumerate};
pub use report::{Count, DISTRICT, FoundBy, SkippedCase, SweepFinding, SweepReport, counts};

use crate::{CampusTransfer, MissingData, ParentConflicts, StudentMismatch};

/// Hears how a sweep goes, and may stop it. Every method has a default that does
/// nothing, so an implementation overrides only what it needs.
pub trait Progress: Sync {
    /// The sweep has `total` cases to run.
    fn start(&self, total: u64) {
        let _ = total;
    }

    /// `n` more cases have run.
    fn advance(&self, n: u64) {
        let _ = n;
    }

    /// Whether to stop now (e.g. after Ctrl-C); the report then covers the cases run
    /// and says it was interrupted.
    fn should_stop(&self) -> bool {
        false
    }
}

/// No progress reporting.
#[derive(Clone, Copy, Debug, Default)]
pub struct Quiet;

impl Progress for Quiet {}

/// A district loaded in memory, and who and when the sweep is for.
#[derive(Clone, Copy, Debug)]
pub struct District<'a> {
    /// The SIS side, whole.
    pub roster: &'a Roster,
    /// The platform side, scoped to the district.
    pub platform: &'a PlatformData,
    /// The district's id in Bookmarked's `organizations`.
    pub bookmarked_org_id: &'a str,
    /// The customer, when run on one.
    pub customer_id: Option<&'a str>,
    /// When the sweep runs: tools see its date as today.
    pub timestamp: DateTime<Utc>,
    /// How many threads run the cases; `0` for one per core. The report is the same
    /// whatever the number.
    pub threads: usize,
}

/// How many cases a thread runs at a time: progress is reported, and a stop is heard,
/// between two batches.
const BATCH: usize = 64;

/// What one case gave: the verdict that counts (the first attempt's that is not
/// `AMBIGUOUS` or `NOT_FOUND`, or the last's) with the attempt it came from, or the
/// attempt a tool refused with its error; nothing for a case without attempts.
type Outcome<'c> = (&'c Case, Option<Result<(usize, Verdict), (usize, String)>>);

/// Runs one case: its attempts in order, until one is not `AMBIGUOUS` or `NOT_FOUND`
/// (or the last).
fn run_case<'c>(
    tool: &dyn Tool,
    case: &'c Case,
    roster: &IndexedRoster<'_>,
    platform: &IndexedPlatform<'_>,
    bookmarked_org_id: &str,
    today: NaiveDate,
) -> Outcome<'c> {
    for (i, inputs) in case.attempts.iter().enumerate() {
        match run_indexed(tool, inputs, roster, platform, bookmarked_org_id, today) {
            Ok(v) => {
                let more = i + 1 < case.attempts.len();
                if more && matches!(v.status, Status::Ambiguous | Status::NotFound) {
                    continue;
                }
                return (case, Some(Ok((i, v))));
            }
            Err(e) => return (case, Some(Err((i, e.to_string())))),
        }
    }
    (case, None)
}

/// Sweeps a district: every case, each discrepancy once. `warnings` are carried into the
/// report (e.g. the source's reading warnings).
///
/// The cases run on [`District::threads`] threads, a batch at a time; their verdicts
/// are collected in the cases' order, so the report does not depend on the threads.
#[must_use]
pub fn sweep(district: &District<'_>, warnings: Vec<String>, progress: &dyn Progress) -> SweepReport {
    let today = district.timestamp.date_naive();
    let roster = IndexedRoster::new(district.roster);
    let platform = IndexedPlatform::new(district.platform);
    let all = enumerate(district.roster, district.platform, today);
    progress.start(u64::try_from(all.len()).unwrap_or(u64::MAX));
    let threads = match district.threads {
        0 => std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
        n => n,
    }
    .clamp(1, all.len().div_ceil(BATCH).max(1));
    let (mismatch, missing, conflicts, transfer) = (
        StudentMismatch::default(),
        MissingData::default(),
        ParentConflicts::default(),
        CampusTransfer::default(),
    );
    let tool_of = |t: SweepTool| -> &dyn Tool {
        match t {
            SweepTool::StudentMismatch => &mismatch,
            SweepTool::MissingData => &missing,
            SweepTool::ParentConflicts => &conflicts,
            SweepTool::CampusTransfer => &transfer,
        }
    };
    let batches: Vec<&[Case]> = all.chunks(BATCH).collect();
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let mut collector = report::Collector::default();
    let mut interrupted = false;
    std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel::<(usize, Vec<Outcome<'_>>)>(threads * 2);
        for _ in 0..threads {
            let send = send.clone();
            let (batches, next, stop, roster, platform, tool_of) =
                (&batches, &next, &stop, &roster, &platform, &tool_of);
            scope.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let b = next.fetch_add(1, Ordering::Relaxed);
                    let Some(batch) = batches.get(b) else { break };
                    let outcomes = batch
                        .iter()
                        .map(|c| run_case(tool_of(c.tool), c, roster, platform, district.bookmarked_org_id, today))
                        .collect();
                    if send.send((b, outcomes)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(send);
        // The batches in order: one that arrives early waits for those before it.
        let mut early: BTreeMap<usize, Vec<Outcome<'_>>> = BTreeMap::new();
        let mut due = 0;
        for (b, outcomes) in receive {
            early.insert(b, outcomes);
            while !interrupted && let Some(outcomes) = early.remove(&due) {
                due += 1;
                let n = u64::try_from(outcomes.len()).unwrap_or(u64::MAX);
                for (case, outcome) in outcomes {
                    let id = case.tool.id();
                    collector.ran(id);
                    match outcome {
                        Some(Ok((i, v))) => collector.add(id, &case.attempts[i].0, case.school.as_deref(), &v),
                        Some(Err((i, error))) => collector.skipped.push(SkippedCase {
                            tool_id: id.to_owned(),
                            inputs: case.attempts[i].0.clone(),
                            error,
                        }),
                        None => {}
                    }
                }
                progress.advance(n);
                if due < batches.len() && progress.should_stop() {
                    interrupted = true;
                    stop.store(true, Ordering::Relaxed);
                }
            }
            if interrupted {
                break;
            }
        }
    });
    collector.report(report::ReportHead {
        customer_id: district.customer_id.map(str::to_owned),
        bookmarked_org_id: district.bookmarked_org_id.to_owned(),
        timestamp: district.timestamp,
        interrupted,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use cdt_core::engine::run_in_memory;
    use cdt_core::{Inputs, Registry};

    use super::*;
    use crate::testkit::{DISTRICT_BM, World, today};

    /// A small district: two families, two classes, everyone enrolled, both sides alike.
    fn world() -> World {
        let mut w = World::new();
        w.student("stu-ana", "Ana", "Ríos", "sch-lincoln");
        w.student("stu-bo", "Bo", "Lee", "sch-roosevelt");
        w.parent("par-eva", "Eva", "Ríos", "Eva.Rios@Example.org");
        w.parent("par-kim", "Kim", "Lee", "kim@example.org");
        w.link("par-eva", "stu-ana");
        w.link("par-kim", "stu-bo");
        w.class("cls-art", "Art", "sch-lincoln");
        w.class("cls-band", "Band", "sch-roosevelt");
        w.enroll("stu-ana", "cls-art");
        w.enroll("stu-bo", "cls-band");
        w.mirror();
        w
    }

    /// The district of a test world, swept today at noon on `threads` threads.
    fn district(w: &World, threads: usize) -> District<'_> {
        District {
            roster: &w.roster,
            platform: &w.platform,
            bookmarked_org_id: DISTRICT_BM,
            customer_id: None,
            timestamp: today().and_hms_opt(12, 0, 0).expect("a time").and_utc(),
            threads,
        }
    }

    fn run(w: &World) -> SweepReport {
        let district = District {
            customer_id: Some("springfield"),
            ..district(w, 0)
        };
        sweep(&district, Vec::new(), &Quiet)
    }

    #[test]
    fn a_district_whose_sides_agree_has_no_findings() {
        let r = run(&world());
        assert!(r.findings.is_empty(), "{}", render::to_text(&r));
        assert!(r.skipped.is_empty(), "{:?}", r.skipped);
        assert_eq!(r.cases_by_tool.get("missing-data"), Some(&4));
        assert_eq!(r.cases_by_tool.get("student-mismatch"), Some(&2));
        assert_eq!(r.cases_by_tool.get("parent-conflicts"), Some(&2));
        assert!(!r.needs_action());
    }

    /// One stale field is found from the student's case and from the parent's: reported
    /// once, with both cases, and each case gives it again on its own.
    #[test]
    fn a_discrepancy_found_twice_is_reported_once() {
        let mut w = world();
        w.bm_student("stu-ana").last_name = "Rois".into();
        let r = run(&w);
        let field: Vec<&SweepFinding> = r
            .findings
            .iter()
            .filter(|f| f.code == "student-field-differs-in-bookmarked")
            .collect();
        assert_eq!(field.len(), 1, "{}", render::to_text(&r));
        let f = field[0];
        assert_eq!(f.school.as_deref(), Some("Lincoln Elementary"));
        assert!(f.found_by.len() >= 2, "{:?}", f.found_by);
        assert!(f.remediation.iter().any(|s| s.field.as_deref() == Some("last_name")));
        crate::link();
        let registry = Registry::builtin().expect("unique ids");
        for by in &f.found_by {
            let tool = registry.get(&by.tool_id).expect("a built-in tool");
            let inputs = Inputs(by.inputs.clone());
            let v = run_in_memory(tool.as_ref(), &inputs, &w.roster, &w.platform, DISTRICT_BM, today()).expect("runs");
            assert_eq!(v.status, by.status);
            assert!(v.findings.iter().any(|g| g.code == f.code), "{by:?}");
        }
        assert_eq!(r.by_school[0].key, "Lincoln Elementary");
        let fixes = fixes::fix_lists(&r);
        let row = &fixes[1].fixes[0];
        assert_eq!(row.field.as_deref(), Some("last_name"));
        assert_eq!(row.bookmarked_value.as_deref(), Some("Rois"));
        assert_eq!(row.expected_value.as_deref(), Some("Ríos"));
    }

    /// The cases run on several threads give the report one thread gives, findings,
    /// their order and the cases that found them alike.
    #[test]
    fn the_report_does_not_depend_on_the_threads() {
        let mut w = World::new();
        for c in 0..9 {
            w.class(&format!("cls-{c}"), &format!("Art {c}"), "sch-lincoln");
        }
        for i in 0..150 {
            let (stu, par) = (format!("stu-{i}"), format!("par-{i}"));
            w.student(&stu, &format!("Kid{i}"), "Lee", "sch-lincoln");
            w.parent(
                &par,
                "Kim",
                &format!("Lee{}", i % 7),
                &format!("kim{}@example.org", i % 11),
            );
            w.link(&par, &stu);
            w.enroll(&stu, &format!("cls-{}", i % 9));
        }
        w.mirror();
        for i in (0..150).step_by(13) {
            w.bm_student(&format!("stu-{i}")).last_name = "Leigh".into();
        }
        let with = |threads| {
            let district = district(&w, threads);
            sweep(&district, Vec::new(), &Quiet)
        };
        let one = with(1);
        assert!(one.cases > 3 * BATCH, "several batches: {}", one.cases);
        assert!(
            one.findings
                .iter()
                .any(|f| f.code == "student-field-differs-in-bookmarked"),
            "{}",
            render::to_text(&one)
        );
        assert_eq!(with(3), one);
        assert_eq!(with(0), one);
    }

    /// A student's school changed: the transfer case runs, and a phantom enrollment at
    /// the old school is a finding.
    #[test]
    fn a_school_change_is_checked_as_a_transfer() {
        let mut w = world();
        w.class("cls-chess", "Chess", "sch-roosevelt");
        w.enroll("stu-ana", "cls-chess").begin_date = Some(crate::testkit::date(2026, 2, 1));
        w.roster
            .enrollments
            .iter_mut()
            .find(|e| e.sourced_id == "enr-stu-ana-cls-art")
            .expect("enrolled")
            .end_date = Some(crate::testkit::date(2026, 1, 31));
        w.sis("stu-ana").roles[0].org_sourced_id = "sch-roosevelt".into();
        w.mirror();
        w.bm_enrollment("enr-stu-ana-cls-art").status = cdt_core::platform::PlatformStatus::Active;
        let r = run(&w);
        assert_eq!(r.cases_by_tool.get("campus-transfer"), Some(&1), "{r:?}");
        assert!(
            r.findings.iter().any(|f| f.code == "phantom-enrollment-in-bookmarked"),
            "{}",
            render::to_text(&r)
        );
    }

    /// Progress hears every case.
    #[test]
    fn progress_hears_every_case() {
        struct Counter {
            total: Mutex<u64>,
            done: Mutex<u64>,
        }
        impl Progress for Counter {
            fn start(&self, total: u64) {
                *self.total.lock().expect("lock") = total;
            }
            fn advance(&self, n: u64) {
                *self.done.lock().expect("lock") += n;
            }
        }
        let w = world();
        let district = district(&w, 0);
        let p = Counter {
            total: Mutex::new(0),
            done: Mutex::new(0),
        };
        let r = sweep(&district, Vec::new(), &p);
        assert_eq!(*p.total.lock().expect("lock"), r.cases as u64);
        assert_eq!(*p.done.lock().expect("lock"), r.cases as u64);
        assert!(!r.interrupted);
    }

    /// A stop (Ctrl-C) ends the sweep at the next batch of cases; the report covers the
    /// cases run and says it was interrupted.
    #[test]
    fn a_stop_ends_the_sweep_early_and_says_so() {
        struct Stop;
        impl Progress for Stop {
            fn should_stop(&self) -> bool {
                true
            }
        }
        let mut w = World::new();
        for i in 0..100 {
            w.student(&format!("stu-{i}"), &format!("Kid{i}"), "Lee", "sch-lincoln");
        }
        w.mirror();
        let district = district(&w, 0);
        let r = sweep(&district, Vec::new(), &Stop);
        assert!(r.interrupted);
        assert_eq!(r.cases, 64);
        assert!(render::to_text(&r).contains("INTERRUPTED"));
        let all = sweep(&district, Vec::new(), &Quiet);
        assert!(!all.interrupted);
        assert_eq!(all.cases, 100);
    }

    /// Text and HTML keep hostile names inert.
    #[test]
    fn renderings_keep_outside_text_inert() {
        let mut w = world();
        w.bm_student("stu-ana").last_name = "<script>x</script>\u{1b}[2J\nforged".into();
        let r = run(&w);
        let text = render::to_text(&r);
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text:?}");
        assert!(!text.lines().any(|l| l.starts_with("forged")), "{text}");
        let html = html::to_html(&r);
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
    }
}
