//! The bundle manifest (`manifest.csv`) on arbitrary bytes, inside a ZIP with a small
//! valid `orgs.csv`: versions, file modes and unknown properties. It must never panic,
//! and every finding must point at a row the file has.
#![no_main]

use std::io::Write;

use cdt_connectors::{Limits, validate_bytes};
use libfuzzer_sys::fuzz_target;

const ORGS: &[u8] = b"sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\r\n\
org-1,,,Demo District,district,,\r\n";

fuzz_target!(|data: &[u8]| {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let built = zip
        .start_file("manifest.csv", options)
        .and_then(|()| zip.write_all(data).map_err(Into::into))
        .and_then(|()| zip.start_file("orgs.csv", options))
        .and_then(|()| zip.write_all(ORGS).map_err(Into::into))
        .and_then(|()| zip.finish());
    let Ok(cursor) = built else { return };
    let limits = Limits {
        max_file_bytes: 1 << 20,
        max_total_bytes: 4 << 20,
        max_row_bytes: 4096,
        max_columns: 64,
        max_findings_per_code: 50,
        threads: 1,
        ..Limits::default()
    };
    if let Ok(report) = validate_bytes("bundle.zip", cursor.into_inner(), limits) {
        let total = report.counts.errors + report.counts.warnings + report.counts.infos;
        assert_eq!(total, report.findings.len() as u64 + report.omitted);
        for f in &report.findings {
            assert!(f.row.is_none_or(|r| r >= 1));
        }
    }
});
