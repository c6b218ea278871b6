//! `cdt diff OLD NEW`: one call to `cdt_connectors::diff::diff_bundles`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

#[derive(Args, Debug)]
pub(crate) struct DiffArgs {
    /// The earlier bundle (ZIP, folder, CSV file or XLSX).
    pub(crate) old: PathBuf,
    /// The later bundle.
    pub(crate) new: PathBuf,
    /// Exit 1 when a file's added, removed and changed records exceed this percentage of
    /// its earlier records (a sync that would change too much of a district is held).
    #[arg(long, value_name = "PCT")]
    pub(crate) max_change: Option<f64>,
    /// Print JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

pub(crate) fn diff(args: &DiffArgs) -> anyhow::Result<ExitCode> {
    if let Some(max) = args.max_change {
        anyhow::ensure!(
            max.is_finite() && (0.0..=100.0).contains(&max),
            "--max-change is a percentage from 0 to 100, not {max}"
        );
    }
    let d = cdt_connectors::diff::diff_bundles(&args.old, &args.new, cdt_connectors::Limits::default())?;
    let largest = d.largest_change();
    let over = match (args.max_change, largest) {
        (Some(max), Some((_, pct))) => pct > max,
        _ => false,
    };
    if args.json {
        let mut value = serde_json::to_value(&d)?;
        value["largest_change"] = serde_json::json!(largest.map(|(e, p)| serde_json::json!({"entity": e, "pct": p})));
        value["over_threshold"] = over.into();
        crate::output::emit(&(serde_json::to_string_pretty(&value)? + "\n"))?;
    } else {
        let mut text = d.to_text();
        if let Some((entity, pct)) = largest {
            let _ = write!(text, "\nlargest change: {entity} {pct:.2}%");
            match args.max_change {
                Some(max) if over => {
                    let _ = writeln!(text, ", over the {max}% threshold: hold this sync and check the drop");
                }
                Some(max) => {
                    let _ = writeln!(text, ", within the {max}% threshold");
                }
                None => text.push('\n'),
            }
        }
        crate::output::emit(&text)?;
    }
    Ok(if over { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
