//! `cdt triage`: a support ticket in; the customer, the diagnostic and its inputs
//! chosen with their reasons; the diagnosis; the note it would post. One call to
//! `cdt_connectors::triage::triage`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use cdt_connectors::RunOptions;
use cdt_connectors::hubspot;
use cdt_connectors::triage::{TriageOptions, post, triage as run_triage, triage_hubspot};
use cdt_core::triage::TicketText;
use cdt_core::{Inputs, Registry};
use clap::Args;

use crate::cli::SettingsDir;

#[derive(Args, Debug)]
pub(crate) struct TriageArgs {
    /// The HubSpot ticket: its id or its link.
    #[arg(required_unless_present = "from_file", conflicts_with = "from_file")]
    pub(crate) ticket: Option<String>,
    /// The ticket as a JSON file instead (`subject`, `content`, and optionally
    /// `company`, `contact_email`, `company_id`, `customer_property`).
    #[arg(long, value_name = "FILE")]
    pub(crate) from_file: Option<PathBuf>,
    /// Post the note on the ticket (after printing it).
    #[arg(long, requires = "ticket")]
    pub(crate) post: bool,
    /// Move the ticket to the stage of this name (in the ticket's pipeline).
    #[arg(long, value_name = "NAME", requires = "ticket")]
    pub(crate) stage: Option<String>,
    /// The HubSpot settings file (default: `_hubspot.json` in the settings folder).
    #[arg(long, env = "CDT_HUBSPOT_SETTINGS", value_name = "FILE")]
    pub(crate) hubspot_settings: Option<PathBuf>,
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
    let options = TriageOptions {
        settings_dir: args.settings.settings_dir.clone(),
        run: RunOptions::now(None),
        customer: args.customer.clone(),
        tool: args.tool.clone(),
        inputs: Inputs::from_pairs(args.inputs.iter().cloned()),
        confirmed: args.yes,
        environments: None,
    };
    let (triaged, client) = match (&args.ticket, &args.from_file) {
        (Some(ticket), _) => {
            let path = hubspot::file::path_in(&args.settings.settings_dir, args.hubspot_settings.as_deref());
            let client = hubspot::file::client(&path, &cdt_connectors::factory::default_credentials()?).await?;
            (triage_hubspot(&client, ticket, registry, &options).await?, Some(client))
        }
        (None, Some(file)) => (run_triage(&read_ticket(file)?, None, registry, &options).await?, None),
        (None, None) => anyhow::bail!("give a HubSpot ticket (id or link) or --from-file"),
    };
    // The note is shown first; then posted, when asked.
    let mut posted = None;
    if args.json {
        let mut value = serde_json::to_value(&triaged)?;
        value["note_html"] = triaged.note_html().into();
        if let Some(client) = &client
            && (args.post || args.stage.is_some())
        {
            let p = post(client, &triaged, args.post, args.stage.as_deref(), chrono::Utc::now()).await?;
            value["posted"] = serde_json::to_value(&p)?;
        }
        crate::output::emit(&(serde_json::to_string_pretty(&value)? + "\n"))?;
    } else {
        let mut text = triaged.to_text();
        if let Some(note) = triaged.note_html() {
            text.push_str("\nnote it would post (HTML):\n");
            text.push_str(&cdt_core::text::terminal(&note));
            text.push('\n');
        }
        crate::output::emit(&text)?;
        if let Some(client) = &client
            && (args.post || args.stage.is_some())
        {
            let p = post(client, &triaged, args.post, args.stage.as_deref(), chrono::Utc::now()).await?;
            posted = Some(p);
        }
    }
    if let Some(p) = &posted {
        let mut said = String::new();
        if let Some(id) = &p.note_id {
            let ticket = triaged.ticket_id.as_deref().unwrap_or("");
            let _ = writeln!(said, "posted note {id} on ticket {ticket}");
        }
        if let Some(stage) = &p.stage {
            let _ = writeln!(said, "moved the ticket to {stage}");
        }
        crate::output::emit(&cdt_core::text::terminal(&said))?;
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

/// `cdt hubspot login`.
pub(crate) async fn login(settings_dir: &Path, explicit: Option<&Path>, timeout: u64) -> anyhow::Result<ExitCode> {
    let path = hubspot::file::path_in(settings_dir, explicit);
    let login = hubspot::file::start_login(&path).await?;
    // The URL on stdout (a script can open it), the instructions on stderr.
    crate::output::note("open this URL in a browser and allow the app; waiting for HubSpot's redirect:");
    crate::output::emit(&format!("{}\n", login.authorize_url))?;
    let creds = cdt_connectors::factory::default_credentials()?;
    let stored = login.finish(&creds, std::time::Duration::from_secs(timeout)).await?;
    crate::output::note(&format!(
        "logged in: the refresh token is stored encrypted in {}",
        stored.display()
    ));
    Ok(ExitCode::SUCCESS)
}
