//! Bundles sent as Excel workbooks: one sheet per OneRoster file, or one workbook per
//! file. The workbooks are written here from the CSV fixture with `rust_xlsxwriter`,
//! as an SIS export opened and saved in Excel would be: dates become date cells and
//! numbers number cells.

#![cfg(feature = "xlsx")]

use std::path::{Path, PathBuf};

use cdt_connectors::{Code, OneRosterCsv};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v11-small")
}

fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).from_path(path).unwrap();
    rdr.records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// Fills a sheet from a CSV file; dates become date cells, and a grade a number.
fn fill(ws: &mut Worksheet, rows: &[Vec<String>]) {
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r32, c16) = (u32::try_from(r).unwrap(), u16::try_from(c).unwrap());
            if r > 0 && cell.len() == 10 && cell.as_bytes()[4] == b'-' {
                let dt = ExcelDateTime::parse_from_str(cell).unwrap();
                ws.write_datetime_with_format(r32, c16, &dt, &date).unwrap();
            } else if r > 0
                && rows[0][c] == "identifier"
                && !cell.is_empty()
                && cell.bytes().all(|b| b.is_ascii_digit())
            {
                ws.write_number(r32, c16, cell.parse::<f64>().unwrap()).unwrap();
            } else {
                ws.write_string(r32, c16, cell).unwrap();
            }
        }
    }
}

fn stems() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(fixture())
        .unwrap()
        .map(|e| e.unwrap().path().file_stem().unwrap().to_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn one_sheet_per_file_reads_like_the_csv_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.xlsx");
    let mut wb = Workbook::new();
    for stem in stems() {
        let ws = wb.add_worksheet();
        ws.set_name(&stem).unwrap();
        fill(ws, &csv_rows(&fixture().join(format!("{stem}.csv"))));
    }
    wb.save(&path).unwrap();

    let want = OneRosterCsv::new(fixture()).read().unwrap();
    let (got, report) = OneRosterCsv::new(&path).read_with_report().unwrap();
    assert_eq!(got.users, want.users);
    assert_eq!(got.enrollments, want.enrollments, "date cells read back as YYYY-MM-DD");
    assert_eq!(got.academic_sessions, want.academic_sessions);
    assert_eq!(got.orgs, want.orgs, "number cells read back without a decimal point");
    assert!(got.provenance.description.contains("Excel workbook"));
    assert!(report.with_code(Code::PackageXlsx).next().is_some());
    assert!(!report.has_errors(), "{:#?}", report.findings);
}

#[test]
fn one_workbook_per_file_in_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    for stem in stems() {
        let mut wb = Workbook::new();
        fill(wb.add_worksheet(), &csv_rows(&fixture().join(format!("{stem}.csv"))));
        wb.save(dir.path().join(format!("{stem}.xlsx"))).unwrap();
    }
    let want = OneRosterCsv::new(fixture()).read().unwrap();
    let got = OneRosterCsv::new(dir.path()).read().unwrap();
    assert_eq!(got.users, want.users);
    assert_eq!(got.classes, want.classes);
}

#[test]
fn every_row_referring_to_a_problem_is_named_in_a_workbook_too() {
    let csv = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cross-file-v11");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.xlsx");
    let mut wb = Workbook::new();
    let mut stems: Vec<String> = std::fs::read_dir(&csv)
        .unwrap()
        .map(|e| e.unwrap().path().file_stem().unwrap().to_str().unwrap().to_owned())
        .collect();
    stems.sort();
    for stem in stems {
        let ws = wb.add_worksheet();
        ws.set_name(&stem).unwrap();
        fill(ws, &csv_rows(&csv.join(format!("{stem}.csv"))));
    }
    wb.save(&path).unwrap();
    let cross = [
        Code::ReferenceMissing,
        Code::LifecycleDeletedTarget,
        Code::ReferenceOrgType,
        Code::ReferenceEnrollmentRole,
        Code::ReferenceEnrollmentSchool,
    ];
    let of = |p: &Path| -> Vec<(String, Option<u64>, Option<String>, Code)> {
        let (_, report) = OneRosterCsv::new(p).read_with_report().unwrap();
        report
            .findings
            .iter()
            .filter(|f| cross.contains(&f.code))
            .map(|f| (f.file.clone(), f.row, f.column.clone(), f.code))
            .collect()
    };
    let want = of(&csv);
    assert_eq!(want.len(), 14, "{want:#?}");
    assert_eq!(of(&path), want);
}
