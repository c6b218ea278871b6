//! # cdt-connectors: where Customer Data Tools reads data
//!
//! Connectors are the only code of `cdt` that does I/O. This crate holds:
//!
//! - [`OneRosterCsv`]: OneRoster 1.1/1.2 bundles, as a ZIP, a folder, one CSV file or
//!   Excel workbooks, fully validated ([`validate_bundle`], [`ValidationReport`]);
//! - [`Snapshot`]: platform snapshot folders (one CSV per platform table), and
//!   [`snapshot::write_snapshot`] to write them;
//! - [`EmbeddedStore`]: the platform tables in SQLite, opened read-only, for the demo
//!   district and tests;
//! - [`postgres::PostgresPlatform`]: Bookmarked's PostgreSQL database, read-only
//!   (feature `postgres`, on by default);
//! - [`platform_api::PlatformApi`]: Bookmarked's REST API (feature `api`, on by default);
//! - [`oneroster_api::OneRosterApi`]: a district's OneRoster 1.1/1.2 REST API (OAuth
//!   1.0a or 2) as its SIS source, sliced on the server (feature `api`);
//! - [`classlink`]: ClassLink districts through that client, directly (OAuth 1.0a) or
//!   through ClassLink's OneRoster proxy (a bearer token), and the proxy's discovery
//!   of the applications a token can read (feature `api`);
//! - [`drop`]: OneRoster bundles dropped on an FTP, FTPS or SFTP server (the newest
//!   file matching a pattern), downloaded whole, size checked, read like a local
//!   bundle, and cached (feature `drops`, on by default);
//! - [`hubspot::HubSpot`]: HubSpot's CRM API, where support tickets live: read a
//!   ticket, add a note, move it to a stage; OAuth 2 with refresh tokens encrypted at
//!   rest (feature `hubspot`, on by default);
//! - [`environments`]: staging and production, kept apart;
//! - [`credentials::CredentialManager`]: secrets from the environment, a `.env` file or
//!   AWS Secrets Manager (feature `aws`);
//! - [`customers`]: customer settings files, read and listed;
//! - [`atomic`]: how every file and folder is written (exclusive, owner-only, all or
//!   nothing);
//! - [`factory`]: a customer's connectors from its settings;
//! - [`run()`]: one diagnostic on a [`Target`] (a customer, or files), the one call
//!   every adapter makes; [`preflight()`]: whether a customer's diagnostics can run;
//! - [`evidence`]: a run that also writes the two slices of its case
//!   ([`run_with_evidence`]), and platform snapshots of a district or a case
//!   ([`write_platform_snapshot`]), to replay offline;
//! - [`oneroster::write`]: a roster written back as a OneRoster 1.1 CSV bundle.

pub mod atomic;
#[cfg(feature = "aws")]
pub mod aws_secrets;
pub mod budget;
pub mod bundle;
#[cfg(feature = "api")]
pub mod classlink;
mod confine;
pub mod credentials;
mod csv_table;
pub mod customers;
pub mod diff;
#[cfg(feature = "drops")]
pub mod drop;
pub mod embedded;
pub mod environments;
pub mod error;
pub mod evidence;
pub mod factory;
mod files;
#[cfg(any(feature = "api", feature = "aws"))]
mod http;
#[cfg(feature = "hubspot")]
pub mod hubspot;
pub mod oneroster;
#[cfg(feature = "api")]
pub mod oneroster_api;
#[cfg(feature = "api")]
pub mod platform_api;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod preflight;
pub mod rows;
pub mod run;
pub mod snapshot;
mod sql;
pub mod sweep;
pub mod triage;

pub use bundle::Limits;
pub use credentials::CredentialManager;
pub use embedded::EmbeddedStore;
pub use environments::Environments;
pub use error::{DropErrorKind, Error, RestErrorKind, Result};
pub use evidence::{Evidence, SnapshotScope, Written, run_with_evidence, write_platform_snapshot};
pub use factory::{platform_for, platform_from_path, source_for, source_with};
pub use oneroster::{
    Code, Finding, OneRosterCsv, Severity, ValidationReport, read_bundle, read_bundle_with_report,
    read_bytes_with_report, validate_bundle, validate_bytes,
};
pub use preflight::{Preflight, preflight};
pub use run::{RunOptions, Target, run};
pub use snapshot::Snapshot;
