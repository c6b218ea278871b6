//! The accuracy harness, long run: precision and recall of the built-in tools per tool,
//! per kind of perturbation and per noise, on generated districts.
//!
//! ```sh
//! cargo run --release -p cdt-tests --example accuracy -- --cases 10000 --seed 1
//! cargo run --release -p cdt-tests --example accuracy -- --replay <case seed>
//! cargo run --release -p cdt-tests --example accuracy -- --spec '<shrunk case as JSON>'
//! ```
//!
//! Exits 1 when a case is wrong, after printing each failing case's seed, what was
//! expected and what came, and the failing case shrunk to its simplest form.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use cdt_tests::accuracy::{CaseSpec, Harness, run_many};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    if let Some(spec) = value("--spec").or_else(|| value("--replay").map(|s| replay(&s))) {
        let spec: CaseSpec = match serde_json::from_str(&spec) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("--spec: {e}");
                return ExitCode::from(2);
            }
        };
        let mut h = Harness::new();
        return match h.run(&spec) {
            None => {
                eprintln!("no target in this district fits the case");
                ExitCode::from(2)
            }
            Some(o) => {
                println!("{}\ncorrect: {}", o.explain(), o.correct);
                ExitCode::from(u8::from(!o.correct))
            }
        };
    }
    let cases: u64 = value("--cases").and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let seed: u64 = value("--seed").and_then(|v| v.parse().ok()).unwrap_or(1);
    let started = std::time::Instant::now();
    let (tally, failures) = run_many(seed, cases);
    println!(
        "accuracy: {cases} cases, run seed {seed}, {} drawn again (no fitting target), {:.1?}",
        tally.skipped,
        started.elapsed()
    );
    println!("{}", tally.report());
    for (case_seed, o) in failures.iter().take(10) {
        println!(
            "\nFAILED case seed {case_seed} (replay: --replay {case_seed})\n{}",
            o.explain()
        );
        let small = cdt_tests::accuracy::shrink(&o.spec);
        println!(
            "  shrunk: --spec '{}'",
            serde_json::to_string(&small).unwrap_or_default()
        );
    }
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        println!("\n{} failing case(s)", failures.len());
        ExitCode::from(1)
    }
}

/// The case of a seed, as `--spec` takes it.
fn replay(seed: &str) -> String {
    let seed: u64 = seed.parse().unwrap_or_default();
    serde_json::to_string(&CaseSpec::from_seed(seed)).unwrap_or_default()
}
