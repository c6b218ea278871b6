//! # cdt-core: the contracts of Customer Data Tools
//!
//! `cdt` tells a support engineer why a school district's roster differs between its
//! SIS (the *source*) and the Bookmarked platform, and what to do about it.
//! This crate holds the contracts every other crate plugs into:
//!
//! - [`roster`]: the SIS side, a typed roster model that does not depend on the OneRoster version;
//! - [`platform`]: the Bookmarked side, the platform's roster tables;
//! - [`customer`]: a district's integration settings, parsed from `customer-integration-settings/` files;
//! - [`connector`]: [`SourceConnector`] and [`PlatformConnector`], the only places that do I/O;
//! - [`tool`]: the [`Tool`] trait, a pure function over data already fetched;
//! - [`result`]: [`DiagnosticResult`], what a diagnostic returns, with its HubSpot rendering;
//! - [`registry`]: the [`Registry`] of tools, filled by `inventory` at link time;
//! - [`engine`]: [`diagnose`], the flow of one diagnostic (validate, look up, fetch, run);
//! - [`lookup`], [`slice`]: what a case needs, and the one slicing rule that fetches it
//!   through any backend's queries;
//! - [`matching`]: how names and emails are compared on real data;
//! - [`text`]: outside text made safe for a terminal.
//!
//! ```
//! use cdt_core::{Inputs, Registry};
//!
//! let registry = Registry::builtin().expect("tool ids are unique");
//! // Built-in tools live in `cdt-tools`; link it to see them here.
//! let inputs = Inputs::from_pairs([("parent_email", "Ana@Example.org ")]);
//! assert_eq!(inputs.get("parent_email"), Some("Ana@Example.org"));
//! # let _ = registry;
//! ```

pub mod connector;
pub mod customer;
pub mod diff;
pub mod engine;
pub mod error;
pub mod html;
pub mod lookup;
pub mod matching;
pub mod platform;
pub mod registry;
pub mod result;
pub mod roster;
pub mod secret;
pub mod sides;
pub mod slice;
pub mod text;
pub mod tool;
pub mod triage;

pub use connector::{PlatformConnector, QueryBudget, SourceConnector};
pub use customer::{Customer, Environment};
pub use engine::{CaseSlices, RunContext, diagnose, fetch_case, judge};
pub use error::{Error, Result};
pub use lookup::Lookup;
pub use platform::PlatformData;
pub use registry::{Registry, ToolRegistration};
pub use result::{DiagnosticResult, FieldValues, Finding, Remediation, Severity, Status, System};
pub use roster::Roster;
pub use secret::{Secret, SecretRef};
pub use tool::{Case, InputKind, InputSpec, Inputs, Tool, ToolSpec, Verdict};

#[doc(hidden)]
pub use inventory;
