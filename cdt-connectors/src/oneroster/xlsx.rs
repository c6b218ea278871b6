//! Excel workbooks: each sheet becomes the CSV file of its name (`users` or
//! `users.csv`), or a one-sheet workbook the file of the workbook's name
//! (`users.xlsx`). The workbook is checked as a ZIP first (names, sizes, ratio, what
//! it really inflates to), and a ZIP that is not a workbook is refused by name.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use calamine::{Data, Reader, Xlsx};

use super::spec::{OTHER_FILES, Table};
use crate::bundle::{Limits, hostile_name};
use crate::error::{Error, Result};

fn err(path: &Path, message: impl Into<String>) -> Error {
    Error::Bundle {
        path: path.to_owned(),
        message: message.into(),
    }
}

/// Checks the workbook's container before a parser sees it.
fn check_container(path: &Path, limits: &Limits) -> Result<()> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| err(path, format!("not a readable Excel workbook (ZIP): {e}")))?;
    if zip.len() > limits.max_entries {
        return Err(err(
            path,
            format!("the workbook has {} parts, more than the limit", zip.len()),
        ));
    }
    let names: Vec<String> = zip.file_names().map(str::to_owned).collect();
    if let Some(n) = names.iter().find(|n| hostile_name(n)) {
        return Err(err(path, format!("part `{n}` points outside the workbook")));
    }
    let has = |want: &str| names.iter().any(|n| n.eq_ignore_ascii_case(want));
    if !has("[Content_Types].xml") || !has("xl/workbook.xml") {
        let sample: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
        return Err(err(
            path,
            format!(
                "is a ZIP archive but not an Excel workbook (no xl/workbook.xml; it holds {}); rename it .zip if it is a bundle",
                if sample.is_empty() {
                    "nothing".to_owned()
                } else {
                    sample.join(", ")
                }
            ),
        ));
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|e| err(path, format!("part {i}: {e}")))?;
        let name = entry.name().to_owned();
        let budget = limits
            .max_file_bytes
            .min(entry.compressed_size().max(1).saturating_mul(limits.max_ratio))
            .max(1 << 16);
        let n = std::io::copy(&mut entry.take(budget + 1), &mut std::io::sink())
            .map_err(|e| err(path, format!("part `{name}` cannot be inflated: {e}")))?;
        if n > budget {
            return Err(err(
                path,
                format!("part `{name}` inflates past its limit of {budget} bytes; the workbook may be a zip bomb"),
            ));
        }
        total += n;
        if total > limits.max_total_bytes {
            return Err(err(
                path,
                "the workbook inflates past the total size limit; it may be a zip bomb",
            ));
        }
    }
    Ok(())
}

fn known_stem(name: &str) -> Option<String> {
    let stem = name.trim();
    let stem = stem.strip_suffix(".csv").unwrap_or(stem);
    Table::ALL
        .iter()
        .map(|t| t.stem())
        .chain(OTHER_FILES.iter().copied())
        .find(|s| s.eq_ignore_ascii_case(stem))
        .map(str::to_owned)
}

/// Converts a workbook's sheets to CSV files: `(file name, bytes)`.
pub(crate) fn convert(path: &Path, limits: &Limits, one_per_file: bool) -> Result<Vec<(String, Vec<u8>)>> {
    check_container(path, limits)?;
    let mut wb: Xlsx<_> =
        calamine::open_workbook(path).map_err(|e| err(path, format!("not a readable Excel workbook: {e}")))?;
    let sheets = wb.sheet_names();
    let book_stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
    let mut out = Vec::new();
    for (i, sheet) in sheets.iter().enumerate() {
        let name = match known_stem(sheet) {
            Some(s) => format!("{s}.csv"),
            None if one_per_file || sheets.len() == 1 => {
                if i > 0 {
                    continue;
                }
                format!("{}.csv", known_stem(&book_stem).unwrap_or(book_stem.clone()))
            }
            None => format!("{sheet}.csv"),
        };
        let range = wb
            .worksheet_range(sheet)
            .map_err(|e| err(path, format!("sheet `{sheet}`: {e}")))?;
        let mut csv = Vec::new();
        for row in range.rows() {
            for (j, cell) in row.iter().enumerate() {
                if j > 0 {
                    csv.push(b',');
                }
                write_cell(&mut csv, &cell_text(cell));
            }
            csv.extend_from_slice(b"\r\n");
            if csv.len() as u64 > limits.max_file_bytes {
                return Err(err(
                    path,
                    format!("sheet `{sheet}` converts to more than the file size limit"),
                ));
            }
        }
        out.push((name, csv));
    }
    Ok(out)
}

fn write_cell(out: &mut Vec<u8>, text: &str) {
    if text.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        out.extend_from_slice(text.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(text.as_bytes());
    }
}

/// A cell as the CSV export of the same sheet would write it.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Bool(b) => b.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{f:.0}")
            } else {
                f.to_string()
            }
        }
        Data::DateTime(d) => serial_to_text(d.as_f64()),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// An Excel serial date (days since 1899-12-30) as `YYYY-MM-DD`, with the time when
/// it has one.
fn serial_to_text(serial: f64) -> String {
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default();
    #[allow(clippy::cast_possible_truncation)]
    let days = serial.floor() as i64;
    let Some(date) = base.checked_add_signed(chrono::Duration::days(days)) else {
        return serial.to_string();
    };
    #[allow(clippy::cast_possible_truncation)]
    let ms = ((serial - serial.floor()) * 86_400_000.0).round() as i64;
    if ms == 0 {
        date.format("%Y-%m-%d").to_string()
    } else {
        let t = date.and_hms_opt(0, 0, 0).unwrap_or_default() + chrono::Duration::milliseconds(ms);
        t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_dates_read_as_the_sheet_shows_them() {
        assert_eq!(serial_to_text(46_251.0), "2026-08-17");
        assert_eq!(serial_to_text(46_251.5), "2026-08-17T12:00:00.000Z");
        assert_eq!(cell_text(&Data::Float(5.0)), "5");
        assert_eq!(cell_text(&Data::Bool(true)), "true");
    }
}
