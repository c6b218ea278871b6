//! # cdt-py: the Python bindings of Customer Data Tools
//!
//! The only crate that knows pyo3. It builds the private native module `cdt._cdt`;
//! the public Python package `cdt` (in `python/cdt/`) re-exports it and adds what is
//! easier to write in Python: the exception classes, the HTML rendering for notebooks,
//! tqdm progress bars and the `asyncio` glue.
//!
//! The layer is thin: it converts arguments, runs the same engine as the CLI
//! ([`cdt_core::diagnose`]) on the same [`cdt_core::Registry`], converts the results
//! and maps errors to Python exceptions in one place ([`errors`]).
//!
//! Every call that reads data runs as a [`job::Job`] on a shared tokio runtime while the
//! calling thread waits with the GIL released, checking for Ctrl-C (a notebook's
//! "interrupt kernel") ten times a second.

mod budget;
mod convert;
mod customer;
mod errors;
mod job;
mod plugins;
mod progress;
mod records;
mod registry;
mod result;
mod run;
mod sweep;
mod tools;
mod triage;

/// mimalloc for the Rust side (Python's own objects keep Python's allocator): reading
/// and sweeping make many small, short-lived allocations, where it is markedly faster.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use pyo3::prelude::*;

/// The native part of `cdt`. Import `cdt`, not this module.
#[pymodule]
mod _cdt {
    use pyo3::prelude::*;

    #[pymodule_export]
    use crate::budget::set_query_budget;
    #[pymodule_export]
    use crate::customer::{Customer, customer_ids, load_customer};
    #[pymodule_export]
    use crate::errors::_raise_example_error;
    #[pymodule_export]
    use crate::job::Job;
    #[pymodule_export]
    use crate::plugins::load_plugins;
    #[pymodule_export]
    use crate::records::{Platform, Records, Roster, findings_table};
    #[pymodule_export]
    use crate::result::{DiagnosticResult, Finding, Remediation};
    #[pymodule_export]
    use crate::run::{start_load_platform, start_load_roster, start_run};
    #[pymodule_export]
    use crate::sweep::start_sweep;
    #[pymodule_export]
    use crate::tools::{InputSpec, ToolSpec, tool, tools};
    #[pymodule_export]
    use crate::triage::start_triage;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        Ok(())
    }
}
