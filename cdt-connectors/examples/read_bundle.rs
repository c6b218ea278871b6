//! Reads a OneRoster bundle into a roster with its validation report, and prints the
//! counts: the whole read `cdt run` does, for benchmarks.
//!
//! `cargo run --release -p cdt-connectors --example read_bundle -- PATH`

#![allow(clippy::print_stdout)]

use cdt_connectors::{Limits, read_bundle_with_report};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args_os().nth(1).ok_or("usage: read_bundle PATH")?;
    let (roster, report) = read_bundle_with_report(path.as_ref(), Limits::default())?;
    println!(
        "{}: {} users, {} classes, {} enrollments; {} errors, {} warnings",
        report.bundle,
        roster.users.len(),
        roster.classes.len(),
        roster.enrollments.len(),
        report.counts.errors,
        report.counts.warnings
    );
    Ok(())
}
