//! `DiagnosticResult`, `Finding` and `Remediation` for Python.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{datetime_to_py, json_to_py, str_map_to_py, to_py};

fn severity(s: cdt_core::Severity) -> &'static str {
    match s {
        cdt_core::Severity::Info => "info",
        cdt_core::Severity::Warning => "warning",
        cdt_core::Severity::Error => "error",
    }
}

fn system(s: cdt_core::System) -> &'static str {
    match s {
        cdt_core::System::Sis => "sis",
        cdt_core::System::Bookmarked => "bookmarked",
        cdt_core::System::Support => "support",
    }
}

/// One fact a diagnostic established.
#[pyclass(module = "cdt._cdt", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct Finding {
    inner: cdt_core::Finding,
}

#[pymethods]
impl Finding {
    /// A stable kebab-case code, e.g. `parent-student-link-missing`.
    #[getter]
    fn code(&self) -> &str {
        &self.inner.code
    }

    /// `"info"`, `"warning"` or `"error"`.
    #[getter]
    fn severity(&self) -> &'static str {
        severity(self.inner.severity)
    }

    /// The side it is about: `"sis"`, `"bookmarked"` or `"support"`.
    #[getter]
    fn system(&self) -> &'static str {
        system(self.inner.system)
    }

    /// One sentence for a person.
    #[getter]
    fn message(&self) -> &str {
        &self.inner.message
    }

    /// The records concerned.
    #[getter]
    fn record_ids(&self) -> Vec<String> {
        self.inner.record_ids.clone()
    }

    /// The finding as a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }

    fn __repr__(&self) -> String {
        format!(
            "Finding(code={:?}, severity={:?}, system={:?}, message={:?})",
            self.inner.code,
            self.severity(),
            self.system(),
            self.inner.message
        )
    }
}

/// One concrete step to fix the problem.
#[pyclass(module = "cdt._cdt", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct Remediation {
    inner: cdt_core::Remediation,
}

#[pymethods]
impl Remediation {
    /// The system to change: `"sis"`, `"bookmarked"` or `"support"`.
    #[getter]
    fn system(&self) -> &'static str {
        system(self.inner.system)
    }

    /// What to do.
    #[getter]
    fn action(&self) -> &str {
        &self.inner.action
    }

    /// The records to change.
    #[getter]
    fn record_ids(&self) -> Vec<String> {
        self.inner.record_ids.clone()
    }

    /// The field to change, if one.
    #[getter]
    fn field(&self) -> Option<&str> {
        self.inner.field.as_deref()
    }

    /// The step as a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }

    fn __str__(&self) -> String {
        self.inner.to_string()
    }

    fn __repr__(&self) -> String {
        format!("Remediation({:?})", self.inner.to_string())
    }
}

/// The result of one diagnostic: a status, both sides' data, the comparison and the
/// steps to fix it.
#[pyclass(module = "cdt._cdt", frozen)]
pub struct DiagnosticResult {
    pub(crate) inner: cdt_core::DiagnosticResult,
}

impl From<cdt_core::DiagnosticResult> for DiagnosticResult {
    fn from(inner: cdt_core::DiagnosticResult) -> Self {
        Self { inner }
    }
}

#[pymethods]
impl DiagnosticResult {
    /// Reads a result written by `to_json()` (or `cdt run --json`).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        serde_json::from_str::<cdt_core::DiagnosticResult>(text)
            .map(Self::from)
            .map_err(|e| {
                crate::errors::to_py_err(
                    py,
                    cdt_core::Error::Data {
                        location: format!("DiagnosticResult JSON, line {}, column {}", e.line(), e.column()),
                        message: e.to_string(),
                    },
                )
            })
    }

    /// The tool's stable id.
    #[getter]
    fn tool_id(&self) -> &str {
        &self.inner.tool_id
    }

    /// The tool's title.
    #[getter]
    fn tool_name(&self) -> &str {
        &self.inner.tool_name
    }

    /// The customer, when run on one.
    #[getter]
    fn customer_id(&self) -> Option<&str> {
        self.inner.customer_id.as_deref()
    }

    /// When it ran (an aware UTC datetime).
    #[getter]
    fn timestamp<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_to_py(py, &self.inner.timestamp)
    }

    /// The inputs it ran with.
    #[getter]
    fn inputs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        str_map_to_py(py, &self.inner.inputs)
    }

    /// `NO_ISSUE`, `ISSUE_IN_SOURCE`, `ISSUE_IN_BOOKMARKED`, `ISSUE_IN_BOTH`,
    /// `NOT_FOUND` or `AMBIGUOUS`.
    #[getter]
    fn status(&self) -> &'static str {
        self.inner.status.as_str()
    }

    /// Whether the result asks for action (any status but `NO_ISSUE`).
    #[getter]
    fn needs_action(&self) -> bool {
        self.inner.needs_action()
    }

    /// One or two sentences saying what was found.
    #[getter]
    fn summary(&self) -> &str {
        &self.inner.summary
    }

    /// The facts established, most serious first.
    #[getter]
    fn findings(&self) -> Vec<Finding> {
        self.inner
            .findings
            .iter()
            .map(|f| Finding { inner: f.clone() })
            .collect()
    }

    /// What the SIS holds for this case.
    #[getter]
    fn source_data<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.inner.source_data)
    }

    /// What Bookmarked holds for this case.
    #[getter]
    fn bookmarked_data<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.inner.bookmarked_data)
    }

    /// The side-by-side comparison.
    #[getter]
    fn comparison<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.inner.comparison)
    }

    /// What to do, in order.
    #[getter]
    fn remediation(&self) -> Vec<Remediation> {
        self.inner
            .remediation
            .iter()
            .map(|r| Remediation { inner: r.clone() })
            .collect()
    }

    /// Things to keep in mind when reading the result.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.inner.warnings.clone()
    }

    /// The HubSpot ticket this diagnostic is for.
    #[getter]
    fn hubspot_ticket_id(&self) -> Option<&str> {
        self.inner.hubspot_ticket_id.as_deref()
    }

    /// The result as plain Python data (what `json.loads(to_json())` gives).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }

    /// The result as JSON, indented by `indent` spaces (compact when `None`).
    #[pyo3(signature = (indent=2))]
    fn to_json(&self, indent: Option<usize>) -> PyResult<String> {
        let err = |e: serde_json::Error| pyo3::exceptions::PyValueError::new_err(e.to_string());
        match indent {
            None => serde_json::to_string(&self.inner).map_err(err),
            Some(n) => {
                let pad = " ".repeat(n);
                let mut out = Vec::new();
                let fmt = serde_json::ser::PrettyFormatter::with_indent(pad.as_bytes());
                let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
                serde::Serialize::serialize(&self.inner, &mut ser).map_err(err)?;
                String::from_utf8(out).map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
            }
        }
    }

    /// The HTML note for the HubSpot ticket (every value escaped).
    fn to_hubspot_comment(&self) -> String {
        self.inner.to_hubspot_comment()
    }

    /// The plain-text report the CLI prints.
    fn to_text(&self) -> String {
        self.inner.to_text()
    }

    fn __str__(&self) -> String {
        self.inner.to_text()
    }

    fn __repr__(&self) -> String {
        let mut summary: String = self.inner.summary.chars().take(80).collect();
        if summary.len() < self.inner.summary.len() {
            summary.push('…');
        }
        format!(
            "<DiagnosticResult {} {}: {}>",
            self.inner.tool_id,
            self.inner.status.as_str(),
            summary
        )
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<Self>().is_ok_and(|o| o.get().inner == self.inner)
    }

    /// The notebook display: the same rendering as the service's page
    /// (`cdt_core::html::result_html`): status and findings first, then each record
    /// matched across the two sides in two columns with the differing fields
    /// highlighted.
    fn _repr_html_(&self) -> String {
        cdt_core::html::result_html(&self.inner)
    }
}
