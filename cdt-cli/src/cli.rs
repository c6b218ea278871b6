//! Command-line arguments and dispatch.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Tells why a district's roster differs between its SIS and Bookmarked, and what to do.
#[derive(Parser, Debug)]
#[command(name = "cdt", version, about, long_about = None)]
pub(crate) struct Cli {
    /// Log progress to stderr (or set `CDT_LOG=debug` for more).
    #[arg(short, long, global = true)]
    pub(crate) verbose: bool,

    #[command(flatten)]
    pub(crate) plugins: crate::plugins::PluginArgs,

    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// List the diagnostics and their inputs.
    Tools {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run a diagnostic on a customer, or on files.
    Run(RunArgs),
    /// List the customers and check their settings files.
    Customers {
        #[command(flatten)]
        settings: SettingsDir,
    },
    /// Check that a customer's diagnostics can run: settings, environment, secrets,
    /// and a test connection to the source and the platform.
    Check {
        /// The customer id.
        customer: String,
        #[command(flatten)]
        settings: SettingsDir,
    },
    /// The demo district: generate it, list its cases.
    #[command(subcommand)]
    Demo(DemoCommand),
    /// Check a OneRoster bundle (ZIP, folder, CSV or XLSX) and report what is wrong.
    Validate(crate::validate::ValidateArgs),
    /// Write a platform snapshot folder of a customer's platform or of files: the whole
    /// district, or one case's slice (`--tool`, `--input`).
    Snapshot(SnapshotArgs),
    /// Read a support ticket, choose the customer, the diagnostic and its inputs, run
    /// it, and show the note it would post (`--post` posts it).
    #[cfg(feature = "hubspot")]
    Triage(crate::triage::TriageArgs),
    /// What changed between two OneRoster bundles (two nightly drops): records added,
    /// removed and changed per file, with the fields; exit 1 above `--max-change`.
    Diff(crate::diff::DiffArgs),
    /// Every diagnostic over a whole district: each student with their family, each
    /// parent email, each class and each school change; the findings ranked and counted
    /// (text, JSON, CSV or HTML), and the fix lists with `--fixes`. Exit 0 nothing to
    /// fix, 1 findings, 2 could not run.
    Sweep(crate::sweep::SweepArgs),
    /// HubSpot: log in (OAuth), so `cdt triage` can read tickets and post notes.
    #[cfg(feature = "hubspot")]
    #[command(subcommand)]
    Hubspot(HubspotCommand),
    /// ClassLink: what an access token can read.
    #[cfg(feature = "api")]
    #[command(subcommand)]
    Classlink(ClasslinkCommand),
    /// Serve the HTTP API (the same as the `cdt-http` binary).
    #[cfg(feature = "service")]
    Serve(crate::serve::ServeArgs),
    /// Administer the service's users and API tokens.
    #[cfg(feature = "service")]
    Users(crate::users::UsersArgs),
}

#[cfg(feature = "api")]
#[derive(Subcommand, Debug)]
pub(crate) enum ClasslinkCommand {
    /// List the districts' applications a ClassLink access token can read, each with
    /// the `integration` section of a customer file for the OneRoster proxy (the token
    /// as an `env:` reference, never the token).
    Apps(crate::classlink::AppsArgs),
}

#[cfg(feature = "hubspot")]
#[derive(Subcommand, Debug)]
pub(crate) enum HubspotCommand {
    /// Print the authorize URL, wait for HubSpot's redirect to this machine, and keep
    /// the refresh token encrypted in the settings' `token_file`. The token is never
    /// printed.
    Login {
        #[command(flatten)]
        settings: SettingsDir,
        /// The HubSpot settings file (default: `_hubspot.json` in the settings folder).
        #[arg(long, env = "CDT_HUBSPOT_SETTINGS", value_name = "FILE")]
        hubspot_settings: Option<PathBuf>,
        /// How long to wait for the browser, in seconds.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
    },
}

/// Where customer settings files live.
#[derive(Args, Debug, Clone)]
pub(crate) struct SettingsDir {
    /// The folder of customer settings files.
    #[arg(long, env = "CDT_SETTINGS_DIR", default_value = "customer-integration-settings")]
    pub(crate) settings_dir: PathBuf,
}

/// What a diagnostic runs on: a customer, or files.
#[derive(Args, Debug)]
pub(crate) struct TargetArgs {
    /// The customer id (a file in the settings folder).
    #[arg(long, conflicts_with_all = ["source", "platform"], required_unless_present = "source")]
    pub(crate) customer: Option<String>,
    /// A OneRoster bundle (ZIP, folder or CSV file), instead of a customer.
    #[arg(long, requires = "platform")]
    pub(crate) source: Option<PathBuf>,
    /// A platform snapshot folder or embedded store file, instead of a customer.
    #[arg(long, requires = "source")]
    pub(crate) platform: Option<PathBuf>,
    /// The district's Bookmarked organization id, when running on files holding several.
    #[arg(long, requires = "source")]
    pub(crate) district_id: Option<String>,
    #[command(flatten)]
    pub(crate) settings: SettingsDir,
}

impl TargetArgs {
    /// The library's target.
    pub(crate) fn target(self) -> anyhow::Result<cdt_connectors::Target> {
        use cdt_connectors::Target;
        match (self.customer, self.source, self.platform) {
            (Some(customer_id), _, _) => Ok(Target::Customer {
                settings_dir: self.settings.settings_dir,
                customer_id,
            }),
            (None, Some(source), Some(platform)) => Ok(Target::Files {
                source,
                platform,
                district_id: self.district_id,
            }),
            _ => anyhow::bail!("give --customer, or both --source and --platform"),
        }
    }
}

#[derive(Args, Debug)]
pub(crate) struct RunArgs {
    /// The tool's id (see `cdt tools`).
    pub(crate) tool: String,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    /// A tool input, as name=value; repeat for each input.
    #[arg(short, long = "input", value_name = "NAME=VALUE", value_parser = parse_input)]
    pub(crate) inputs: Vec<(String, String)>,
    /// The HubSpot ticket this diagnostic is for.
    #[arg(long)]
    pub(crate) ticket: Option<String>,
    /// Print the `DiagnosticResult` as JSON.
    #[arg(long, conflicts_with = "hubspot")]
    pub(crate) json: bool,
    /// Print the HubSpot note (HTML).
    #[arg(long)]
    pub(crate) hubspot: bool,
    /// Also write the case's data to this folder, to replay offline and attach to the
    /// ticket: `source/` (a OneRoster bundle) and `platform/` (a snapshot folder).
    #[arg(long, value_name = "DIR")]
    pub(crate) evidence: Option<PathBuf>,
    /// Read a file drop (FTP, FTPS, SFTP) again: download the file even when the
    /// download cache holds it.
    #[arg(long)]
    pub(crate) fresh: bool,
    /// Count this run's platform queries against this service user's budget (100 a
    /// minute, shared with the service), in the application database of
    /// `CDT_DATABASE_URL` (the service's default when unset).
    #[cfg(feature = "service")]
    #[arg(long = "as", value_name = "USERNAME", env = "CDT_AS_USER")]
    pub(crate) as_user: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct SnapshotArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    /// Only one case's platform slice: the tool whose case it is (see `cdt tools`).
    #[arg(long, requires = "inputs")]
    pub(crate) tool: Option<String>,
    /// The case's tool inputs, as name=value; repeat for each input.
    #[arg(short, long = "input", value_name = "NAME=VALUE", value_parser = parse_input, requires = "tool")]
    pub(crate) inputs: Vec<(String, String)>,
    /// The snapshot folder to write (an earlier snapshot there is replaced).
    #[arg(long)]
    pub(crate) out: PathBuf,
    /// Print where it wrote as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

pub(crate) fn parse_input(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.to_owned())),
        _ => Err(format!("`{s}` is not NAME=VALUE")),
    }
}

#[derive(Subcommand, Debug)]
pub(crate) enum DemoCommand {
    /// Generate a district: OneRoster bundle, embedded store, snapshot and its cases.
    Generate {
        /// How many students.
        #[arg(long, default_value_t = 300)]
        students: usize,
        /// The generator's seed.
        #[arg(long, default_value_t = 20_261_125)]
        seed: u64,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
        /// Also write the bundle as a ZIP.
        #[arg(long)]
        zip: bool,
        /// Do not plant the demo cases (a clean district, e.g. for benchmarks).
        #[arg(long)]
        no_cases: bool,
    },
    /// List the demo district's cases as commands to run.
    Cases {
        /// The demo folder.
        #[arg(long, default_value = "demo")]
        dir: PathBuf,
    },
}

pub(crate) async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Tools { json } => crate::tools::tools(&crate::plugins::registry(&cli.plugins)?, json),
        Command::Run(args) => crate::run::run(&crate::plugins::registry(&cli.plugins)?, args).await,
        Command::Customers { settings } => crate::customers::list(&settings.settings_dir),
        Command::Check { customer, settings } => crate::check::check(&settings.settings_dir, &customer).await,
        Command::Demo(DemoCommand::Generate {
            students,
            seed,
            out,
            zip,
            no_cases,
        }) => crate::demo::generate_cmd(students, seed, &out, zip, !no_cases).await,
        Command::Demo(DemoCommand::Cases { dir }) => crate::demo::cases(&dir),
        Command::Validate(args) => crate::validate::validate(&args),
        Command::Snapshot(args) => crate::snapshot::snapshot(&crate::plugins::registry(&cli.plugins)?, args).await,
        #[cfg(feature = "hubspot")]
        Command::Triage(args) => crate::triage::triage(&crate::plugins::registry(&cli.plugins)?, args).await,
        Command::Diff(args) => crate::diff::diff(&args),
        Command::Sweep(args) => crate::sweep::sweep(args).await,
        #[cfg(feature = "hubspot")]
        Command::Hubspot(HubspotCommand::Login {
            settings,
            hubspot_settings,
            timeout,
        }) => crate::triage::login(&settings.settings_dir, hubspot_settings.as_deref(), timeout).await,
        #[cfg(feature = "api")]
        Command::Classlink(ClasslinkCommand::Apps(args)) => crate::classlink::apps(&args).await,
        #[cfg(feature = "service")]
        Command::Serve(args) => crate::serve::serve(args).await,
        #[cfg(feature = "service")]
        Command::Users(args) => crate::users::users(args).await,
    }
}
