//! Customers: a district's settings, and running on them.

use std::path::PathBuf;
use std::sync::Arc;

use cdt_connectors::{Target, customers, factory};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{inputs_from_py, to_py};
use crate::errors::to_py_err;
use crate::job::Job;
use crate::run::{load_platform_job, load_roster_job, start_diagnose};

/// A district's integration settings (one file in the settings folder).
#[pyclass(module = "cdt._cdt", frozen)]
pub struct Customer {
    inner: Arc<cdt_core::Customer>,
}

impl Customer {
    fn start_run_inner(
        &self,
        py: Python<'_>,
        tool_id: &str,
        inputs: Option<&Bound<'_, PyAny>>,
        ticket: Option<String>,
        fresh: bool,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Job> {
        let inputs = inputs_from_py(inputs, kwargs)?;
        let target = Target::Settings(Arc::clone(&self.inner));
        start_diagnose(py, tool_id, inputs, target, ticket, fresh)
    }

    fn roster_job(&self, py: Python<'_>) -> PyResult<Job> {
        let source = factory::source_for(&self.inner).map_err(|e| to_py_err(py, e))?;
        load_roster_job(source)
    }

    fn platform_job(&self) -> PyResult<Job> {
        let customer = Arc::clone(&self.inner);
        load_platform_job(
            format!("load the platform data of {}", customer.customer_id),
            Box::pin(async move { factory::platform_for(&customer).await }),
        )
    }
}

#[pymethods]
impl Customer {
    /// The customer's stable id (its settings file's name).
    #[getter]
    fn id(&self) -> &str {
        &self.inner.customer_id
    }

    /// The district's name.
    #[getter]
    fn name(&self) -> &str {
        &self.inner.customer_name
    }

    /// Whether the customer is live (diagnostics run either way, with a warning).
    #[getter]
    fn active(&self) -> bool {
        self.inner.active
    }

    /// The Bookmarked environment: `"staging"` or `"production"`.
    #[getter]
    fn environment(&self) -> String {
        self.inner.bookmarked_environment.to_string()
    }

    /// The district's id in Bookmarked's `organizations`.
    #[getter]
    fn bookmarked_org_id(&self) -> &str {
        &self.inner.bookmarked_org_id
    }

    /// How the SIS data reaches us, e.g. `"OneRoster CSV"`.
    #[getter]
    fn integration(&self) -> &'static str {
        self.inner.integration.kind()
    }

    /// The settings as a dict (secret references only, never secret values).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &*self.inner)
    }

    /// Starts a diagnostic on this customer; see `run`.
    #[pyo3(signature = (tool_id, inputs=None, *, ticket=None, fresh=false, **kwargs))]
    fn start_run(
        &self,
        py: Python<'_>,
        tool_id: &str,
        inputs: Option<&Bound<'_, PyAny>>,
        ticket: Option<String>,
        fresh: bool,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Job> {
        self.start_run_inner(py, tool_id, inputs, ticket, fresh, kwargs)
    }

    /// Runs the tool `tool_id` with keyword inputs (or an `inputs` mapping) on this
    /// customer and returns its `DiagnosticResult`. `fresh=True` reads a file drop
    /// again rather than from the caches.
    #[pyo3(signature = (tool_id, inputs=None, *, ticket=None, fresh=false, progress=None, **kwargs))]
    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        py: Python<'_>,
        tool_id: &str,
        inputs: Option<&Bound<'_, PyAny>>,
        ticket: Option<String>,
        fresh: bool,
        progress: Option<&Bound<'_, PyAny>>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        self.start_run_inner(py, tool_id, inputs, ticket, fresh, kwargs)?
            .join_with(py, progress)
    }

    /// Like `run`, as an awaitable for code already in an event loop.
    #[pyo3(signature = (tool_id, inputs=None, *, ticket=None, fresh=false, **kwargs))]
    fn run_async<'py>(
        &self,
        py: Python<'py>,
        tool_id: &str,
        inputs: Option<&Bound<'py, PyAny>>,
        ticket: Option<String>,
        fresh: bool,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let job = self.start_run_inner(py, tool_id, inputs, ticket, fresh, kwargs)?;
        py.import("cdt._aio")?.call_method1("wait", (job,))
    }

    /// Reads the customer's whole SIS roster.
    #[pyo3(signature = (*, progress=None))]
    fn roster(&self, py: Python<'_>, progress: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        self.roster_job(py)?.join_with(py, progress)
    }

    /// Reads the customer's whole platform data.
    #[pyo3(signature = (*, progress=None))]
    fn platform(&self, py: Python<'_>, progress: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        self.platform_job()?.join_with(py, progress)
    }

    fn __repr__(&self) -> String {
        format!(
            "<Customer {} ({}, {}, {})>",
            self.inner.customer_id,
            self.inner.customer_name,
            self.inner.bookmarked_environment,
            if self.inner.active { "active" } else { "inactive" }
        )
    }
}

/// The customer ids in a settings folder, sorted.
#[pyfunction]
pub(crate) fn customer_ids(py: Python<'_>, settings_dir: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    let settings_dir: PathBuf = settings_dir.extract()?;
    py.detach(|| customers::list(&settings_dir))
        .map_err(|e| to_py_err(py, e))
}

/// Loads `<settings_dir>/<customer_id>.json`.
#[pyfunction]
pub(crate) fn load_customer(py: Python<'_>, settings_dir: &Bound<'_, PyAny>, customer_id: &str) -> PyResult<Customer> {
    let settings_dir: PathBuf = settings_dir.extract()?;
    let c = py
        .detach(|| customers::load(&settings_dir, customer_id))
        .map_err(|e| to_py_err(py, e))?;
    Ok(Customer { inner: Arc::new(c) })
}
