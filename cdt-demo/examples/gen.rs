//! Generates a district and writes its SIS side as a `OneRoster` 1.1 CSV bundle.
//!
//! ```text
//! cargo run --release -p cdt-demo --example gen -- --students 100000 --out /tmp/district
//! ```
//!
//! Writes `DIR/oneroster/` (the CSV folder) and `DIR/oneroster.zip`, and prints
//! timings (wall clock and CPU), sizes and counts.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use cdt_demo::generator::{GenConfig, generate};
use cdt_demo::oneroster_csv::{write_bundle_dir, write_bundle_zip};

fn main() {
    let mut students = 10_000usize;
    let mut seed = 2026u64;
    let mut schools = 0usize;
    let mut out = PathBuf::from("target/demo-district");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage(&format!("{arg} needs a value")));
        match arg.as_str() {
            "--students" => students = value().parse().unwrap_or_else(|_| usage("bad --students")),
            "--seed" => seed = value().parse().unwrap_or_else(|_| usage("bad --seed")),
            "--schools" => schools = value().parse().unwrap_or_else(|_| usage("bad --schools")),
            "--out" => out = PathBuf::from(value()),
            _ => usage(&format!("unknown argument {arg}")),
        }
    }
    let mut cfg = GenConfig::new(students, seed);
    if schools > 0 {
        cfg.schools = schools;
    }

    let (t, c) = (Instant::now(), cpu_seconds());
    let district = generate(&cfg);
    let generated = (t.elapsed().as_secs_f64(), cpu_seconds() - c);
    let r = &district.roster;
    let p = &district.platform;

    let dir = out.join("oneroster");
    let (t, c) = (Instant::now(), cpu_seconds());
    write_bundle_dir(r, &dir).unwrap_or_else(|e| fail(&e));
    let wrote_dir = (t.elapsed().as_secs_f64(), cpu_seconds() - c);
    let zip = out.join("oneroster.zip");
    let (t, c) = (Instant::now(), cpu_seconds());
    write_bundle_zip(r, &zip).unwrap_or_else(|e| fail(&e));
    let wrote_zip = (t.elapsed().as_secs_f64(), cpu_seconds() - c);

    println!("                    wall      CPU");
    println!("generate         {:>6.2} s {:>6.2} s", generated.0, generated.1);
    println!(
        "write CSV folder {:>6.2} s {:>6.2} s  {:>7.1} MB  {}",
        wrote_dir.0,
        wrote_dir.1,
        mb(&dir),
        dir.display()
    );
    println!(
        "write ZIP        {:>6.2} s {:>6.2} s  {:>7.1} MB  {}",
        wrote_zip.0,
        wrote_zip.1,
        mb(&zip),
        zip.display()
    );
    println!(
        "SIS:      {} orgs, {} users ({} students, {} family, {} staff), {} courses, {} classes, {} enrollments",
        r.orgs.len(),
        r.users.len(),
        r.students().count(),
        r.family().count(),
        r.users.len() - r.students().count() - r.family().count(),
        r.courses.len(),
        r.classes.len(),
        r.enrollments.len()
    );
    println!(
        "platform: {} organizations, {} students, {} parents, {} parent_students, {} classes, {} enrollments, {} import_runs, {} import_errors",
        p.organizations.len(),
        p.students.len(),
        p.parents.len(),
        p.parent_students.len(),
        p.classes.len(),
        p.enrollments.len(),
        p.import_runs.len(),
        p.import_errors.len()
    );
}

/// CPU time of this process so far (Linux `/proc/self/schedstat`; 0 elsewhere), so
/// timings mean something on a loaded machine.
#[allow(clippy::cast_precision_loss)]
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0.0, |ns| ns as f64 / 1e9)
}

#[allow(clippy::cast_precision_loss)]
fn mb(path: &Path) -> f64 {
    let bytes: u64 = if path.is_dir() {
        std::fs::read_dir(path).map_or(0, |d| d.filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).sum())
    } else {
        std::fs::metadata(path).map_or(0, |m| m.len())
    };
    bytes as f64 / 1_000_000.0
}

fn usage(msg: &str) -> ! {
    eprintln!("{msg}\nusage: gen [--students N] [--seed S] [--schools K] [--out DIR]");
    std::process::exit(2)
}

fn fail(e: &cdt_connectors::Error) -> ! {
    eprintln!("error: {e}");
    std::process::exit(1)
}
