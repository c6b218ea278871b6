//! The bundle reader on arbitrary bytes saved as an Excel workbook (`.xlsx`): the ZIP
//! container, the shared strings, the sheets. It must never panic, and a workbook it
//! reads gives a report whose counts add up.
#![no_main]

use cdt_connectors::{Limits, validate_bundle};
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
    // Workbooks are read from files: one per process, rewritten each run.
    let path = std::env::temp_dir().join(format!("cdt-fuzz-{}.xlsx", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    if let Ok(report) = validate_bundle(&path, limits) {
        let total = report.counts.errors + report.counts.warnings + report.counts.infos;
        assert_eq!(total, report.findings.len() as u64 + report.omitted);
    }
});
