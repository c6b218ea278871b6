//! `cdt.triage(...)`: a ticket in; the customer, the diagnostic and its inputs chosen
//! with their reasons; the diagnosis; the note. One call to
//! `cdt_connectors::triage::triage`, as a [`Job`].

use std::path::PathBuf;

use cdt_connectors::RunOptions;
use cdt_connectors::triage::{TriageOptions, Triaged};
use cdt_core::triage::TicketText;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{inputs_from_py, to_py};
use crate::errors::to_py_err;
use crate::job::{Job, Outcome};
use crate::progress::Progress;
use crate::result::DiagnosticResult;

/// Starts a triage of `ticket`: a mapping with `subject` and `content` (and optionally
/// `company`, `contact_email`, `company_id`, `customer_property`).
#[pyfunction]
#[pyo3(signature = (ticket, settings_dir, *, customer=None, tool=None, inputs=None, confirmed=false))]
pub(crate) fn start_triage(
    py: Python<'_>,
    ticket: &Bound<'_, PyAny>,
    settings_dir: PathBuf,
    customer: Option<String>,
    tool: Option<String>,
    inputs: Option<&Bound<'_, PyAny>>,
    confirmed: bool,
) -> PyResult<Job> {
    let ticket = ticket_from_py(py, ticket)?;
    let inputs = inputs_from_py(inputs, None)?;
    let registry = crate::registry::snapshot().map_err(|e| to_py_err(py, e))?;
    let options = TriageOptions {
        settings_dir,
        run: RunOptions::now(None),
        customer,
        tool,
        inputs,
        confirmed,
    };
    let progress = Progress::new("triage", 1);
    let work = Box::pin(async move {
        let triaged = cdt_connectors::triage::triage(&ticket, None, &registry, &options).await?;
        Ok(Outcome::Triage(Box::new(triaged)))
    });
    Job::spawn("triage".into(), progress, work)
}

/// A ticket from a Python mapping, through JSON so its fields are checked as the
/// command line checks a ticket file.
fn ticket_from_py(py: Python<'_>, ticket: &Bound<'_, PyAny>) -> PyResult<TicketText> {
    let json = py.import("json")?.call_method1("dumps", (ticket,)).map_err(|_| {
        pyo3::exceptions::PyTypeError::new_err("ticket must be a mapping of strings (subject, content, …)")
    })?;
    let text: String = json.extract()?;
    serde_json::from_str(&text).map_err(|e| {
        to_py_err(
            py,
            cdt_core::Error::input(
                "ticket",
                format!("not a ticket: {e} (give subject and content as strings)"),
            ),
        )
    })
}

/// A triage as a Python dict: `customer`, `understanding`, `held`, `ticket_id`,
/// `result` (a `DiagnosticResult` or `None`) and `note_html`.
pub(crate) fn triaged_to_py(py: Python<'_>, triaged: Triaged) -> PyResult<Py<PyAny>> {
    let note = triaged.note_html();
    let value = to_py(py, &triaged)?;
    let dict = value.cast_into::<PyDict>()?;
    match triaged.result {
        Some(r) => dict.set_item("result", Py::new(py, DiagnosticResult::from(r))?)?,
        None => dict.set_item("result", py.None())?,
    }
    dict.set_item("note_html", note)?;
    Ok(dict.into_any().unbind())
}
