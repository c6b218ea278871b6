//! Bundles in the shapes districts and vendors really write (vendor file names, no
//! manifest, delta files without one, headers out of order, day-first dates…), each
//! validated and compared with its committed report.
//!
//! Each folder of `tests/fixtures/shapes/` is a bundle; `shapes/<name>.txt` is its
//! expected report, one line per finding (file, row, column, code, severity, message).
//! `UPDATE_SNAPSHOTS=1 cargo test -p cdt-connectors --test shapes` rewrites them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use cdt_connectors::{Limits, OneRosterCsv, ValidationReport, validate_bundle};

fn shapes() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shapes")
}

/// The report as the snapshot writes it.
fn render(r: &ValidationReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "version: {}", r.oneroster_version);
    let rows: Vec<String> = r.rows.iter().map(|(f, n)| format!("{f} {n}")).collect();
    let _ = writeln!(out, "rows: {}", rows.join(", "));
    let c = &r.counts;
    let _ = writeln!(
        out,
        "{} error(s), {} warning(s), {} info, {} omitted",
        c.errors, c.warnings, c.infos, r.omitted
    );
    for f in &r.findings {
        let _ = writeln!(
            out,
            "{} | {} | {} | {} | {} | {}",
            f.file,
            f.row.map_or_else(|| "-".to_owned(), |r| r.to_string()),
            f.column.as_deref().unwrap_or("-"),
            f.code,
            f.severity.as_str(),
            f.message
        );
    }
    out
}

#[test]
fn every_shape_reports_what_its_snapshot_says() {
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut bundles: Vec<PathBuf> = std::fs::read_dir(shapes())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    bundles.sort();
    assert!(bundles.len() >= 12, "the corpus has a dozen shapes or more");
    let mut stale = Vec::new();
    for bundle in &bundles {
        let report = validate_bundle(bundle, Limits::default()).unwrap_or_else(|e| panic!("{}: {e}", bundle.display()));
        let got = render(&report);
        let snapshot = bundle.with_extension("txt");
        if update {
            std::fs::write(&snapshot, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&snapshot).unwrap_or_default();
        if got != want {
            stale.push(format!(
                "{}:\n--- expected\n{want}--- got\n{got}",
                bundle.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "reports differ from their snapshots (UPDATE_SNAPSHOTS=1 rewrites them):\n{}",
        stale.join("\n")
    );
}

#[test]
fn a_roster_reads_the_same_whatever_the_shape_of_its_names() {
    let want = OneRosterCsv::new(shapes().join("v11-manifest")).read().unwrap();
    for shape in [
        "vendor-date-suffix",
        "vendor-prefix-district",
        "wrong-case",
        "exact-and-dated-copy",
    ] {
        let got = OneRosterCsv::new(shapes().join(shape)).read().unwrap();
        assert_eq!(got.users, want.users, "{shape}");
        assert_eq!(got.orgs, want.orgs, "{shape}");
    }
}
