//! `cdt triage`: a support ticket in; the customer, the diagnostic and its inputs
//! chosen with their reasons; the diagnosis; the note it would post. One call to
//! `cdt_connectors::triage::triage`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use cdt_connectors::RunOptions;
use cdt_connectors::triage::{TriageOptions, triage as run_triage};
use cdt_core::triage::TicketText;
use cdt_core::{Inputs, Registry};
use clap::Args;

use crate::cli::SettingsDir;

#[derive(Args, Debug)]
pub(crate) struct TriageArgs {
    /// The ticket as a JSON file (`subject`, `content`, and optionally `company`,
    /// `contact_email`, `company_id`, `customer_property`).
    #[arg(long, value_name = "FILE")]
    pub(crate) from_file: PathBuf,
    /// The customer, instead of the one the ticket names.
    #[arg(long)]
    pub(crate) customer: Option<String>,
    /// The tool, instead of the one the ticket describes.
    #[arg(long)]
    pub(crate) tool: Option<String>,
    /// A tool input, as name=value, replacing the ticket's (repeat for each input).
    #[arg(short, long = "input", value_name = "NAME=VALUE", value_parser = crate::cli::parse_input)]
    pub(crate) inputs: Vec<(String, String)>,
    /// Run even when a choice is unsure on a production customer: a person checked
    /// the choices shown.
    #[arg(long)]
    pub(crate) yes: bool,
    /// Print JSON: the choices, their reasons, the result and the note.
    #[arg(long)]
    pub(crate) json: bool,
    #[command(flatten)]
    pub(crate) settings: SettingsDir,
}

/// The largest ticket file read.
const MAX_TICKET_BYTES: u64 = 1024 * 1024;

pub(crate) async fn triage(registry: &Registry, args: TriageArgs) -> anyhow::Result<ExitCode> {
    let ticket = read_ticket(&args.from_file)?;
    let options = TriageOptions {
        settings_dir: args.settings.settings_dir.clone(),
        run: RunOptions::now(None),
        customer: args.customer.clone(),
        tool: args.tool.clone(),
        inputs: Inputs::from_pairs(args.inputs.iter().cloned()),
        confirmed: args.yes,
    };
    let triaged = run_triage(&ticket, None, registry, &options).await?;
    if args.json {
        let mut value = serde_json::to_value(&triaged)?;
        value["note_html"] = triaged.note_html().into();
        crate::output::emit(&(serde_json::to_string_pretty(&value)? + "\n"))?;
    } else {
        let mut text = triaged.to_text();
        if let Some(note) = triaged.note_html() {
            text.push_str("\nnote it would post (HTML):\n");
            text.push_str(&cdt_core::text::terminal(&note));
            text.push('\n');
        }
        crate::output::emit(&text)?;
    }
    Ok(match &triaged.result {
        Some(r) if r.needs_action() => ExitCode::from(1),
        Some(_) => ExitCode::SUCCESS,
        // Held for a person: not an error, but not a diagnosis either.
        None => ExitCode::from(3),
    })
}

fn read_ticket(path: &std::path::Path) -> anyhow::Result<TicketText> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).with_context(|| format!("cannot open the ticket file {}", path.display()))?;
    let mut text = String::new();
    file.take(MAX_TICKET_BYTES + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("cannot read the ticket file {} as UTF-8 text", path.display()))?;
    anyhow::ensure!(
        text.len() as u64 <= MAX_TICKET_BYTES,
        "the ticket file {} is over {} bytes",
        path.display(),
        MAX_TICKET_BYTES
    );
    serde_json::from_str(&text).with_context(|| format!("the ticket file {} is not a ticket", path.display()))
}
