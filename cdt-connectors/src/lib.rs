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
//! - [`factory`]: a customer's connectors from its settings.

pub mod bundle;
mod csv_table;
pub mod embedded;
pub mod error;
pub mod factory;
pub mod oneroster;
pub mod snapshot;

pub use bundle::Limits;
pub use embedded::EmbeddedStore;
pub use error::{Error, Result};
pub use factory::{platform_for, platform_from_path, source_for};
pub use oneroster::{
    Code, Finding, OneRosterCsv, Severity, ValidationReport, read_bundle, read_bundle_with_report,
    read_bytes_with_report, validate_bundle, validate_bytes,
};
pub use snapshot::Snapshot;
