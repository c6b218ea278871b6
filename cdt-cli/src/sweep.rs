//! `cdt sweep`: every built-in tool's checks over a whole district, through
//! `cdt_connectors::sweep::sweep`; the ranked report as text, JSON, CSV or HTML, and
//! `--fixes DIR` for the fix lists. A progress bar on a terminal; Ctrl-C stops cleanly.

use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context as _;
use cdt_connectors::RunOptions;
use cdt_tools::sweep::fixes::{FixList, fix_lists};
use cdt_tools::sweep::{DISTRICT, Progress, SweepReport};
use clap::{Args, ValueEnum};

use crate::cli::TargetArgs;
use crate::validate::csv_cell;

/// The report's format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Readable text.
    #[default]
    Text,
    /// The whole report as JSON.
    Json,
    /// One row a finding, safe to open in a spreadsheet.
    Csv,
    /// A self-contained HTML page with charts, to open offline.
    Html,
}

/// `cdt sweep`'s arguments.
#[derive(Args, Debug)]
pub(crate) struct SweepArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    /// The report's format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
    /// Print the report as JSON (the same as `--format json`).
    #[arg(long, conflicts_with = "format")]
    pub(crate) json: bool,
    /// Write the report to this file (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
    /// Also write the fix lists, one per system (SIS, Bookmarked), as CSV and JSON, to
    /// this folder (created if needed).
    #[arg(long, value_name = "DIR")]
    pub(crate) fixes: Option<PathBuf>,
    /// No progress bar, even on a terminal.
    #[arg(long)]
    pub(crate) no_progress: bool,
    /// How many threads run the cases (0: one per core). The report is the same.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub(crate) threads: usize,
}

/// The progress bar (on a terminal) and the stop flag Ctrl-C sets.
struct Bar {
    bar: Option<indicatif::ProgressBar>,
    stop: Arc<AtomicBool>,
}

impl Progress for Bar {
    fn start(&self, total: u64) {
        if let Some(b) = &self.bar {
            b.set_length(total);
        }
    }

    fn advance(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.inc(n);
        }
    }

    fn should_stop(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

fn progress_bar(show: bool) -> Option<indicatif::ProgressBar> {
    if !show || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} sweeping [{bar:40}] {pos}/{len} cases ({eta} left)")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    Some(bar)
}

/// Ctrl-C sets `stop` (the sweep ends after its current cases); a second one exits.
fn on_ctrl_c(stop: Arc<AtomicBool>) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.store(true, Ordering::Relaxed);
            crate::output::note("stopping the sweep (Ctrl-C again to quit now)");
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
}

pub(crate) async fn sweep(args: SweepArgs) -> anyhow::Result<ExitCode> {
    let format = if args.json { Format::Json } else { args.format };
    let target = args.target.target()?;
    let stop = Arc::new(AtomicBool::new(false));
    on_ctrl_c(Arc::clone(&stop));
    let progress = Bar {
        bar: progress_bar(!args.no_progress),
        stop,
    };
    let report = cdt_connectors::sweep::sweep(&target, &RunOptions::now(None).threads(args.threads), &progress).await?;
    if let Some(b) = &progress.bar {
        b.finish_and_clear();
    }
    if report.interrupted {
        crate::output::note(&format!(
            "interrupted after {} case(s); nothing was written",
            report.cases
        ));
        return Ok(ExitCode::from(130));
    }
    let text = match format {
        Format::Text => cdt_tools::sweep::render::to_text(&report),
        Format::Json => report.to_json() + "\n",
        Format::Csv => findings_csv(&report),
        Format::Html => cdt_tools::sweep::html::to_html(&report),
    };
    if let Some(dir) = &args.fixes {
        write_fixes(dir, &report)?;
        crate::output::note(&format!("wrote the fix lists to {}", dir.display()));
    }
    match &args.out {
        Some(path) => {
            cdt_connectors::atomic::write_file(path, text.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
            crate::output::note(&format!("wrote the report to {}", path.display()));
        }
        None => crate::output::emit(&text)?,
    }
    Ok(if report.needs_action() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn row(out: &mut String, cells: &[&str]) {
    let cells: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
    let _ = writeln!(out, "{}", cells.join(","));
}

/// The findings as CSV: one row a finding, every cell quoted and safe from formulas.
fn findings_csv(r: &SweepReport) -> String {
    let mut out = String::new();
    row(
        &mut out,
        &[
            "rank",
            "severity",
            "system",
            "code",
            "school",
            "message",
            "records",
            "remediation",
            "tool",
            "inputs",
        ],
    );
    for (i, f) in r.findings.iter().enumerate() {
        let fixes: Vec<String> = f.remediation.iter().map(ToString::to_string).collect();
        let first = f.found_by.first();
        let inputs = first.map_or_else(String::new, |b| {
            b.inputs
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        });
        row(
            &mut out,
            &[
                &(i + 1).to_string(),
                cdt_tools::sweep::render::severity_name(f.severity),
                f.system.label(),
                &f.code,
                f.school.as_deref().unwrap_or(DISTRICT),
                &f.message,
                &f.record_ids.join(" "),
                &fixes.join(" | "),
                first.map_or("", |b| b.tool_id.as_str()),
                &inputs,
            ],
        );
    }
    out
}

/// One system's fix list as CSV.
fn fixes_csv(list: &FixList) -> String {
    let mut out = String::new();
    row(
        &mut out,
        &[
            "records",
            "field",
            "sis_value",
            "bookmarked_value",
            "expected_value",
            "action",
            "code",
            "reason",
        ],
    );
    for f in &list.fixes {
        row(
            &mut out,
            &[
                &f.record_ids.join(" "),
                f.field.as_deref().unwrap_or(""),
                f.sis_value.as_deref().unwrap_or(""),
                f.bookmarked_value.as_deref().unwrap_or(""),
                f.expected_value.as_deref().unwrap_or(""),
                &f.action,
                &f.code,
                &f.reason,
            ],
        );
    }
    out
}

/// Writes `fixes-sis.csv`, `fixes-sis.json`, `fixes-bookmarked.csv` and
/// `fixes-bookmarked.json` into `dir`, each atomically.
fn write_fixes(dir: &Path, report: &SweepReport) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for list in fix_lists(report) {
        let name = match list.system {
            cdt_core::System::Sis => "sis",
            _ => "bookmarked",
        };
        let json = serde_json::to_string_pretty(&list)? + "\n";
        for (file, body) in [
            (format!("fixes-{name}.csv"), fixes_csv(&list)),
            (format!("fixes-{name}.json"), json),
        ] {
            let path = dir.join(file);
            cdt_connectors::atomic::write_file(&path, body.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    Ok(())
}
