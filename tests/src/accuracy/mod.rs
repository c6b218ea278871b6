//! The accuracy harness: property-based checks of the built-in tools against an oracle.
//!
//! Each case starts from a clean generated district (`cdt_demo::generate`, whose two
//! sides agree), chooses a target student with a parent and a class, plants one
//! perturbation ([`Perturbation`]: a field changed on one side, a link removed, a status
//! flipped, enrollments left at the old school, a record missing with or without an import
//! error, namesakes on one side or both, or nothing) with case, space and accent noise in
//! the inputs and in the platform's copies, and runs the tool through the engine
//! ([`cdt_core::engine::run_in_memory`]: validate, look up, slice both sides, run). The
//! oracle knows what was planted: the status, and the findings (codes) that must name the
//! planted records.
//!
//! A case is drawn from one seed ([`CaseSpec::from_seed`]); a failure prints the seed, and
//! is shrunk ([`shrink`]) to the simplest case that still fails, printed as JSON for
//! `--spec`. [`Tally`] gives precision and recall per tool and per kind of perturbation.
//!
//! A case is *correct* when the status is the oracle's and every required finding names
//! one of its records. A planted case (the oracle expects something other than `NO_ISSUE`)
//! that is correct is a true positive, one that is not a false negative; a case the tool
//! reports (status other than `NO_ISSUE`) that is not correct is a false positive.

mod scene;
mod spec;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use cdt_core::{Inputs, Registry, Status, Verdict};
use cdt_demo::{District, GenConfig, generate};
use chrono::NaiveDate;

pub use scene::{Expect, Scene, Target, build, targets};
pub use spec::{CaseSpec, DISTRICT_SEEDS, Field, Perturbation, SIZES, Side, ToolCase};

/// The day every case runs on (the demo's "today").
#[must_use]
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap_or_default()
}

/// The seed of case `i` of a run.
#[must_use]
pub fn case_seed(run_seed: u64, i: u64) -> u64 {
    cdt_demo::rng::mix64(run_seed ^ cdt_demo::rng::mix64(i.wrapping_add(0x9e37_79b9_7f4a_7c15)))
}

/// Runs cases, keeping the generated districts for reuse.
pub struct Harness {
    registry: Registry,
    districts: HashMap<(usize, u64), (District, Vec<Target>)>,
}

/// What one case gave.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The case.
    pub spec: CaseSpec,
    /// What the oracle expects.
    pub expect: Expect,
    /// What the tool answered (or the error).
    pub verdict: Result<Verdict, String>,
    /// Whether the answer is the oracle's.
    pub correct: bool,
}

impl Outcome {
    /// Why the case is wrong, in a few lines.
    #[must_use]
    pub fn explain(&self) -> String {
        let mut out = format!(
            "{} / {:?}: expected {} with {:?}",
            self.spec.tool.label(),
            self.spec.perturbation,
            self.expect.status,
            self.expect.required
        );
        match &self.verdict {
            Ok(v) => {
                let _ = write!(out, "\n  got {}: {}", v.status, v.summary);
                for f in &v.findings {
                    let _ = write!(out, "\n    {} {:?} {:?}", f.code, f.severity, f.record_ids);
                }
            }
            Err(e) => {
                let _ = write!(out, "\n  error: {e}");
            }
        }
        out
    }
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

impl Harness {
    /// A harness over the built-in tools.
    ///
    /// # Panics
    /// If the built-in tools cannot be registered (duplicate ids).
    #[must_use]
    pub fn new() -> Self {
        cdt_tools::link();
        Self {
            registry: Registry::builtin().expect("the built-in tools register"),
            districts: HashMap::new(),
        }
    }

    fn district(&mut self, students: usize, seed: u64) -> &(District, Vec<Target>) {
        self.districts.entry((students, seed)).or_insert_with(|| {
            let d = generate(&GenConfig::new(students, seed));
            let t = targets(&d);
            (d, t)
        })
    }

    /// Runs one case; `None` when the district has no target that fits it.
    pub fn run(&mut self, spec: &CaseSpec) -> Option<Outcome> {
        let tool = self.registry.get(spec.tool.tool_id()).ok()?;
        let (clean, targets) = self.district(spec.students, spec.district_seed);
        let scene = build(spec, clean, targets, today())?;
        let inputs = Inputs::from_pairs(scene.inputs.iter().cloned());
        let verdict = cdt_core::engine::run_in_memory(
            tool.as_ref(),
            &inputs,
            &scene.district.roster,
            &scene.district.platform,
            &scene.district.bookmarked_org_id,
            today(),
        )
        .map_err(|e| e.to_string());
        let correct = verdict.as_ref().is_ok_and(|v| is_correct(v, &scene.expect));
        Some(Outcome {
            spec: spec.clone(),
            expect: scene.expect,
            verdict,
            correct,
        })
    }

    /// Shrinks a failing case: the simplest variant ([`CaseSpec::simpler`]) that still
    /// fails, repeatedly.
    pub fn shrink(&mut self, failing: &CaseSpec) -> CaseSpec {
        let mut best = failing.clone();
        'outer: loop {
            for candidate in best.simpler() {
                if self.run(&candidate).is_some_and(|o| !o.correct) {
                    best = candidate;
                    continue 'outer;
                }
            }
            return best;
        }
    }
}

/// Shrinks a failing case with a fresh harness.
#[must_use]
pub fn shrink(failing: &CaseSpec) -> CaseSpec {
    Harness::new().shrink(failing)
}

/// Whether a verdict is the oracle's answer: its status, and every required finding
/// naming one of its records.
#[must_use]
pub fn is_correct(v: &Verdict, expect: &Expect) -> bool {
    v.status == expect.status
        && expect.required.iter().all(|(code, ids)| {
            v.findings
                .iter()
                .any(|f| f.code == *code && f.record_ids.iter().any(|r| ids.contains(r)))
        })
}

/// Counts of one row of the report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Cases.
    pub cases: usize,
    /// Planted and answered right.
    pub tp: usize,
    /// Reported (not `NO_ISSUE`) and wrong.
    pub fp: usize,
    /// Planted and answered wrong.
    pub fn_: usize,
    /// Planted, yet answered `NO_ISSUE`.
    pub no_issue_on_planted: usize,
    /// Clean controls answered right.
    pub controls_ok: usize,
    /// Clean controls.
    pub controls: usize,
}

impl Counts {
    fn add(&mut self, o: &Outcome) {
        let planted = o.expect.status != Status::NoIssue;
        let status = o.verdict.as_ref().map_or(Status::NoIssue, |v| v.status);
        self.cases += 1;
        if planted {
            if o.correct {
                self.tp += 1;
            } else {
                self.fn_ += 1;
            }
            if status == Status::NoIssue {
                self.no_issue_on_planted += 1;
            }
        } else {
            self.controls += 1;
            if o.correct {
                self.controls_ok += 1;
            }
        }
        if status != Status::NoIssue && !o.correct {
            self.fp += 1;
        }
    }

    /// TP / (TP + FP), 1 when nothing was reported.
    #[must_use]
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    /// TP / (TP + FN), 1 when nothing was planted.
    #[must_use]
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
}

#[allow(clippy::cast_precision_loss)]
fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// Precision and recall per tool, per kind of perturbation and per noise.
#[derive(Debug, Default)]
pub struct Tally {
    /// Every case.
    pub total: Counts,
    /// By tool label.
    pub by_tool: BTreeMap<String, Counts>,
    /// By kind of perturbation.
    pub by_kind: BTreeMap<String, Counts>,
    /// By noise: none, inputs, data, both.
    pub by_noise: BTreeMap<String, Counts>,
    /// Cases the district had no fitting target for (drawn again).
    pub skipped: usize,
}

impl Tally {
    /// Adds an outcome.
    pub fn add(&mut self, o: &Outcome) {
        self.total.add(o);
        self.by_tool.entry(o.spec.tool.label().to_owned()).or_default().add(o);
        self.by_kind.entry(o.spec.perturbation.kind()).or_default().add(o);
        let noise = match (o.spec.input_noise, o.spec.data_noise) {
            (false, false) => "no noise",
            (true, false) => "input noise",
            (false, true) => "data noise",
            (true, true) => "input and data noise",
        };
        self.by_noise.entry(noise.to_owned()).or_default().add(o);
    }

    /// The report: one table per grouping.
    #[must_use]
    pub fn report(&self) -> String {
        let mut out = String::new();
        let row = |out: &mut String, name: &str, c: &Counts| {
            let _ = writeln!(
                out,
                "| {name} | {} | {} | {} | {} | {:.2}% | {:.2}% | {} | {}/{} |",
                c.cases,
                c.tp,
                c.fp,
                c.fn_,
                100.0 * c.precision(),
                100.0 * c.recall(),
                c.no_issue_on_planted,
                c.controls_ok,
                c.controls
            );
        };
        for (title, map) in [
            ("tool", &self.by_tool),
            ("perturbation", &self.by_kind),
            ("noise", &self.by_noise),
        ] {
            let _ = writeln!(
                out,
                "\n| {title} | cases | TP | FP | FN | precision | recall | NO_ISSUE on planted | clean controls right |\n|---|---|---|---|---|---|---|---|---|"
            );
            for (name, c) in map {
                row(&mut out, name, c);
            }
        }
        let _ = writeln!(out);
        row(&mut out, "**all**", &self.total);
        out
    }
}

/// Runs `cases` cases from `run_seed`; returns the tally and the failing outcomes.
#[must_use]
pub fn run_many(run_seed: u64, cases: u64) -> (Tally, Vec<(u64, Outcome)>) {
    let mut h = Harness::new();
    let mut tally = Tally::default();
    let mut failures = Vec::new();
    let mut i = 0;
    let mut done = 0;
    while done < cases {
        let seed = case_seed(run_seed, i);
        i += 1;
        let spec = CaseSpec::from_seed(seed);
        let Some(outcome) = h.run(&spec) else {
            tally.skipped += 1;
            continue;
        };
        done += 1;
        tally.add(&outcome);
        if !outcome.correct {
            failures.push((seed, outcome));
        }
    }
    (tally, failures)
}
