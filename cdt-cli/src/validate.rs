//! `cdt validate <path>`: checks a OneRoster bundle and reports what is wrong with it.
//!
//! Exit codes: 0 no finding of error severity, 1 findings of error severity, 2 the
//! bundle could not be read, or no OneRoster file was recognised in it.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use cdt_connectors::{Finding, Limits, ValidationReport, validate_bundle};
use cdt_core::text::one_line;
use clap::Args;

/// Arguments of `cdt validate`.
#[derive(Args, Debug)]
pub(crate) struct ValidateArgs {
    /// The bundle: a ZIP, a folder, a CSV file or an XLSX workbook.
    pub(crate) path: PathBuf,
    /// Print the whole report as JSON.
    #[arg(long, conflicts_with = "csv")]
    pub(crate) json: bool,
    /// Print a row-level error file (CSV: file,row,column,code,severity,message).
    #[arg(long)]
    pub(crate) csv: bool,
    /// How many findings of each code the summary shows.
    #[arg(long, default_value_t = 5)]
    pub(crate) limit: usize,
    /// The longest a CSV row may be, in bytes.
    #[arg(long, default_value_t = Limits::default().max_row_bytes)]
    pub(crate) max_row_bytes: usize,
    /// How many threads read files (0: one per core).
    #[arg(long, default_value_t = 0)]
    pub(crate) threads: usize,
}

pub(crate) fn validate(args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    let limits = Limits {
        max_row_bytes: args.max_row_bytes,
        threads: args.threads,
        ..Limits::default()
    };
    let report = validate_bundle(&args.path, limits)?;
    let text = if args.json {
        serde_json::to_string_pretty(&report)? + "\n"
    } else if args.csv {
        error_file(&report)
    } else {
        summary(&report, args.limit)
    };
    crate::output::emit(&text)?;
    // A bundle in which no OneRoster file was recognised could not be checked at all.
    Ok(if report.recognised_nothing() {
        ExitCode::from(2)
    } else if report.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The readable summary: counts by code and by file, then the first findings of each
/// code.
fn summary(r: &ValidationReport, limit: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", one_line(&r.bundle));
    let rows: Vec<String> = r.rows.iter().map(|(f, n)| format!("{f} {n}")).collect();
    let _ = writeln!(
        out,
        "rows read: {}",
        if rows.is_empty() {
            "none".into()
        } else {
            rows.join(", ")
        }
    );
    let c = &r.counts;
    let verdict = if c.errors > 0 { "NOT VALID" } else { "valid" };
    let _ = writeln!(
        out,
        "{verdict}: {} error(s), {} warning(s), {} info",
        c.errors, c.warnings, c.infos
    );
    if r.findings.is_empty() && r.omitted == 0 {
        return out;
    }
    let _ = writeln!(out, "\nBy code:");
    let mut codes: Vec<(&String, &u64)> = c.by_code.iter().collect();
    codes.sort_by_key(|(id, n)| (severity_rank(r, id), std::cmp::Reverse(**n)));
    for (id, n) in &codes {
        let sev = r
            .findings
            .iter()
            .find(|f| f.code.id() == id.as_str())
            .map_or("", |f| f.severity.as_str());
        let _ = writeln!(out, "  {sev:<8} {id:<38} {n:>8}");
    }
    let _ = writeln!(out, "\nBy file:");
    for (file, n) in &c.by_file {
        let _ = writeln!(out, "  {file:<47} {n:>8}");
    }
    let _ = writeln!(out, "\nFirst findings of each code:");
    for (id, n) in &codes {
        let _ = writeln!(out, "{id} ({n}):");
        let mut shown = 0;
        for f in r.findings.iter().filter(|f| f.code.id() == id.as_str()).take(limit) {
            let _ = writeln!(out, "  {}: {}", one_line(&f.location()), one_line(&f.message));
            shown += 1;
        }
        if **n > shown {
            let _ = writeln!(out, "  … and {} more (see --csv or --json)", **n - shown);
        }
    }
    if r.omitted > 0 {
        let _ = writeln!(
            out,
            "\n{} finding(s) were counted but not kept (more than the limit of one code).",
            r.omitted
        );
    }
    out
}

fn severity_rank(r: &ValidationReport, id: &str) -> u8 {
    match r.findings.iter().find(|f| f.code.id() == id).map(|f| f.severity) {
        Some(cdt_connectors::Severity::Error) => 0,
        Some(cdt_connectors::Severity::Warning) => 1,
        _ => 2,
    }
}

/// The row-level error file.
fn error_file(r: &ValidationReport) -> String {
    let mut out = String::from("file,row,column,code,severity,message\r\n");
    for f in &r.findings {
        let Finding {
            file,
            row,
            column,
            code,
            severity,
            message,
            // The records' ids are in `--json`; the error file keeps its columns.
            records: _,
        } = f;
        let cells = [
            file.as_str(),
            &row.map(|r| r.to_string()).unwrap_or_default(),
            column.as_deref().unwrap_or_default(),
            code.id(),
            severity.as_str(),
            message.as_str(),
        ];
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&csv_cell(cell));
        }
        out.push_str("\r\n");
    }
    out
}

/// A CSV cell, escaped against formula injection and always quoted.
///
/// A spreadsheet reads a formula where a cell starts with `=`, `+`, `-`, `@`, a tab or
/// a carriage return; one that splits on `;` (the list separator of many locales), a
/// tab or `|` also starts a cell after those, quotes or not. So a `'` goes before
/// every such start: at the beginning, and after each separator or line break (spaces
/// between them skipped).
pub(crate) fn csv_cell(text: &str) -> String {
    const SEPARATORS: [char; 6] = [',', ';', '\t', '|', '\n', '\r'];
    const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];
    let mut s = String::with_capacity(text.len() + 4);
    s.push('"');
    let mut at_start = true;
    for c in text.chars() {
        if at_start && TRIGGERS.contains(&c) {
            s.push('\'');
        }
        if c == '"' {
            s.push('"');
        }
        s.push(c);
        at_start = SEPARATORS.contains(&c) || (at_start && c == ' ');
    }
    s.push('"');
    s
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn cells_are_escaped_against_formulas_and_quoted() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "\"'+1\"");
        assert_eq!(csv_cell("-2"), "\"'-2\"");
        assert_eq!(csv_cell("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(csv_cell("\tx"), "\"'\tx\"");
        assert_eq!(csv_cell("\rx"), "\"'\rx\"");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("plain"), "\"plain\"");
        // After a separator a spreadsheet may start a new cell.
        assert_eq!(csv_cell("x;=cmd|' /C calc'!A0"), "\"x;'=cmd|' /C calc'!A0\"");
        assert_eq!(csv_cell("x\t@SUM(1)"), "\"x\t'@SUM(1)\"");
        assert_eq!(csv_cell("x;  =1"), "\"x;  '=1\"");
        assert_eq!(csv_cell("a-b = c"), "\"a-b = c\"");
        assert_eq!(csv_cell("line\n+1"), "\"line\n'+1\"");
    }
}
