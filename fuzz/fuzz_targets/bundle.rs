//! The bundle reader on arbitrary bytes, as a ZIP or as one CSV file, with small
//! limits so hostile sizes are reached quickly. It must never panic, and every
//! finding must point at a row the file has.
#![no_main]

use cdt_connectors::{Limits, read_bytes_with_report, validate_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_file_bytes: 1 << 20,
        max_total_bytes: 4 << 20,
        max_row_bytes: 4096,
        max_columns: 64,
        max_findings_per_code: 50,
        threads: 1,
        ..Limits::default()
    };
    let name = if data.starts_with(b"PK") {
        "bundle.zip"
    } else {
        "users.csv"
    };
    if let Ok(report) = validate_bytes(name, data.to_vec(), limits) {
        let total = report.counts.errors + report.counts.warnings + report.counts.infos;
        assert_eq!(total, report.findings.len() as u64 + report.omitted);
        for f in &report.findings {
            assert!(f.row.is_none_or(|r| r >= 1));
        }
    }
    // The roster path too, for CSV input (the ZIP path shares the reader).
    if name == "users.csv" {
        let _ = read_bytes_with_report(name, data.to_vec(), limits);
    }
});
