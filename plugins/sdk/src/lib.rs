//! # cdt-plugin-sdk: write a `cdt` diagnostic as a WebAssembly plugin
//!
//! A plugin is one pure function from a [`Case`] (the data of one support case, both
//! sides, sliced by the host to what the plugin's manifest asked for) to a [`Verdict`]
//! (a status, findings and remediation steps). This crate hides the WebAssembly
//! interface (`cdt:plugin@1.0.0`, see `wit/cdt-plugin.wit`) behind one trait,
//! [`Plugin`], and one macro, [`export_plugin!`]:
//!
//! ```
//! use cdt_plugin_sdk::{Case, Plugin, Status, Verdict};
//!
//! struct Hello;
//!
//! impl Plugin for Hello {
//!     fn diagnose(case: &Case) -> Result<Verdict, String> {
//!         let email = case.input("parent_email").ok_or("parent_email is required")?;
//!         Ok(Verdict::new(Status::NoIssue, format!("nothing to say about {email}")))
//!     }
//! }
//!
//! cdt_plugin_sdk::export_plugin!(Hello);
//! # fn main() {}
//! ```
//!
//! The same code builds natively, so a plugin's logic is tested with plain `cargo test`
//! ([`run_json`] runs the whole JSON round trip without WebAssembly).
//! `docs/plugin-authors-guide.md` in the `cdt` repository walks through building,
//! testing and the limits.

#[cfg(all(target_arch = "wasm32", feature = "bump-alloc"))]
mod alloc;
mod case;
pub mod text;
mod verdict;

pub use case::{
    AcademicSession, Case, Class, Course, Enrollment, ImportError, ImportRun, Org, Organization, Parent, ParentStudent,
    PlatformClass, PlatformData, PlatformEnrollment, Roster, Student, User, UserRole,
};
pub use verdict::{Finding, Remediation, Severity, Status, System, Verdict};

// Opt-in (feature `bump-alloc`): a plugin run is one short call on a fresh instance,
// so a bump allocator that never reuses memory is enough, and faster than dlmalloc.
#[cfg(all(target_arch = "wasm32", feature = "bump-alloc"))]
#[global_allocator]
static ALLOC: alloc::Bump = alloc::Bump::new();

/// The interface version this SDK speaks: the WIT package of `wit/cdt-plugin.wit`.
pub const ABI: &str = "cdt:plugin@1.0.0";

#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "diagnostic",
        pub_export_macro: true,
        export_macro_name: "__export_diagnostic",
        default_bindings_module: "cdt_plugin_sdk::bindings",
    });
}

/// A diagnostic plugin: a pure function of one case.
///
/// It must not keep state between calls: every run gets a fresh instance, so
/// anything kept in a `static` is gone at the next run.
pub trait Plugin {
    /// The verdict on one case, or a message for people when no verdict can be given
    /// (the host reports it as a failed run, never as `NO_ISSUE`).
    fn diagnose(case: &Case) -> Result<Verdict, String>;
}

/// Runs a plugin on a case document and returns the verdict document: what the
/// WebAssembly export does, callable natively in tests and benchmarks.
pub fn run_json<P: Plugin>(case: &str) -> Result<String, String> {
    let case: Case = serde_json::from_str(case).map_err(|e| format!("the case document does not parse: {e}"))?;
    let verdict = P::diagnose(&case)?;
    serde_json::to_string(&verdict).map_err(|e| format!("the verdict does not serialize: {e}"))
}

/// A plugin that reads the case document into its own types: only the tables and
/// fields it uses, with strings borrowed from the document (`Cow<'a, str>` with
/// `#[serde(borrow)]`, or `&'a str` for fields that never hold JSON escapes) instead
/// of copied. Parsing the case is most of a run inside WebAssembly, so this is the
/// fast path; [`Plugin`] with the whole [`Case`] is the simple one.
///
/// The types must follow the case document's field names (`docs/plugin-interface.md`),
/// ignore unknown fields (serde's default) and default missing ones
/// (`#[serde(default)]`), so that they keep reading documents of later `1.x` hosts.
pub trait LeanPlugin {
    /// The plugin's view of the case document.
    type Case<'a>: serde::Deserialize<'a>;

    /// The verdict on one case, or a message for people when no verdict can be given.
    fn diagnose(case: &Self::Case<'_>) -> Result<Verdict, String>;
}

/// Runs a [`LeanPlugin`] on a case document and returns the verdict document: what
/// the WebAssembly export does, callable natively in tests and benchmarks.
pub fn run_json_lean<P: LeanPlugin>(case: &str) -> Result<String, String> {
    let case: P::Case<'_> = serde_json::from_str(case).map_err(|e| format!("the case document does not parse: {e}"))?;
    let verdict = P::diagnose(&case)?;
    serde_json::to_string(&verdict).map_err(|e| format!("the verdict does not serialize: {e}"))
}

/// Exports a [`Plugin`] as the plugin's WebAssembly entry point. Use it once, at the
/// root of the plugin crate: `cdt_plugin_sdk::export_plugin!(MyPlugin);`, or
/// `cdt_plugin_sdk::export_plugin!(lean MyPlugin);` for a [`LeanPlugin`].
#[macro_export]
macro_rules! export_plugin {
    (@export $plugin:ty, $run:ident) => {
        // Only WebAssembly builds export the entry point: natively the crate is a plain
        // library, so tests and benchmarks can link several plugins together.
        #[cfg(target_arch = "wasm32")]
        #[doc(hidden)]
        pub struct __CdtPluginExport;

        #[cfg(target_arch = "wasm32")]
        impl $crate::bindings::Guest for __CdtPluginExport {
            fn diagnose(
                case: ::std::string::String,
            ) -> ::std::result::Result<::std::string::String, ::std::string::String> {
                $crate::$run::<$plugin>(&case)
            }
        }

        #[cfg(target_arch = "wasm32")]
        $crate::bindings::__export_diagnostic!(__CdtPluginExport with_types_in $crate::bindings);
    };
    (lean $plugin:ty) => {
        $crate::export_plugin!(@export $plugin, run_json_lean);
    };
    ($plugin:ty) => {
        $crate::export_plugin!(@export $plugin, run_json);
    };
}

/// Writing to the host's log. The host caps lines per run; natively these do nothing.
pub mod log {
    #[cfg(target_arch = "wasm32")]
    fn write(level: crate::bindings::Level, message: &str) {
        crate::bindings::log(level, message);
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn write(_level: crate::bindings::Level, _message: &str) {}

    /// A debug line.
    pub fn debug(message: &str) {
        write(crate::bindings::Level::Debug, message);
    }

    /// An info line.
    pub fn info(message: &str) {
        write(crate::bindings::Level::Info, message);
    }

    /// A warning.
    pub fn warn(message: &str) {
        write(crate::bindings::Level::Warn, message);
    }

    /// An error line.
    pub fn error(message: &str) {
        write(crate::bindings::Level::Error, message);
    }
}
