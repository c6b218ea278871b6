//! `cdt.triage(...)`: a ticket in; the customer, the diagnostic and its inputs chosen
//! with their reasons; the diagnosis; the note. One call to
//! `cdt_connectors::triage::triage`, as a [`Job`].

use std::path::PathBuf;

use cdt_connectors::RunOptions;
use cdt_connectors::triage::{Posted, TriageOptions, Triaged};
use cdt_core::triage::TicketText;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{inputs_from_py, to_py};
use crate::errors::to_py_err;
use crate::job::{Job, Outcome};
use crate::progress::Progress;
use crate::result::DiagnosticResult;

/// Starts a triage of `ticket`: a HubSpot ticket (its id or link, read with the
/// HubSpot settings file), or a mapping with `subject` and `content` (and optionally
/// `company`, `contact_email`, `company_id`, `customer_property`). `post` and `stage`
/// (HubSpot tickets only) post the note and move the ticket.
#[pyfunction]
#[pyo3(signature = (ticket, settings_dir, *, customer=None, tool=None, inputs=None, confirmed=false, hubspot_settings=None, post=false, stage=None))]
#[allow(clippy::too_many_arguments, clippy::needless_pass_by_value)] // pyo3 passes arguments by value
pub(crate) fn start_triage(
    py: Python<'_>,
    ticket: &Bound<'_, PyAny>,
    settings_dir: PathBuf,
    customer: Option<String>,
    tool: Option<String>,
    inputs: Option<&Bound<'_, PyAny>>,
    confirmed: bool,
    hubspot_settings: Option<PathBuf>,
    post: bool,
    stage: Option<String>,
) -> PyResult<Job> {
    let source = if let Ok(reference) = ticket.extract::<String>() {
        Source::HubSpot(reference)
    } else {
        if post || stage.is_some() {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "post= and stage= need a HubSpot ticket (its id or link), not a mapping",
            ));
        }
        Source::Text(ticket_from_py(py, ticket)?)
    };
    let inputs = inputs_from_py(inputs, None)?;
    let registry = crate::registry::snapshot().map_err(|e| to_py_err(py, e))?;
    let options = TriageOptions {
        settings_dir,
        run: match crate::budget::current() {
            Some(budget) => RunOptions::now(None).budget(budget),
            None => RunOptions::now(None),
        },
        customer,
        tool,
        inputs,
        confirmed,
        environments: None,
    };
    let hubspot_path = cdt_connectors::hubspot::file::path_in(&options.settings_dir, hubspot_settings.as_deref());
    let progress = Progress::new("triage", 1);
    let work = Box::pin(async move {
        match source {
            Source::Text(ticket) => {
                let triaged = cdt_connectors::triage::triage(&ticket, None, &registry, &options).await?;
                Ok(Outcome::Triage(Box::new((triaged, None))))
            }
            Source::HubSpot(reference) => {
                let creds = cdt_connectors::factory::default_credentials()?;
                let client = cdt_connectors::hubspot::file::client(&hubspot_path, &creds).await?;
                let triaged = cdt_connectors::triage::triage_hubspot(&client, &reference, &registry, &options).await?;
                let posted = if post || stage.is_some() {
                    let at = chrono::Utc::now();
                    Some(cdt_connectors::triage::post(&client, &triaged, post, stage.as_deref(), at).await?)
                } else {
                    None
                };
                Ok(Outcome::Triage(Box::new((triaged, posted))))
            }
        }
    });
    Job::spawn("triage".into(), progress, work)
}

/// Where the ticket comes from.
enum Source {
    /// HubSpot, by id or link.
    HubSpot(String),
    /// Its text, given.
    Text(TicketText),
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
/// `result` (a `DiagnosticResult` or `None`), `note_html`, and `posted` (the note id
/// and stage, when asked).
pub(crate) fn triaged_to_py(py: Python<'_>, (triaged, posted): (Triaged, Option<Posted>)) -> PyResult<Py<PyAny>> {
    let note = triaged.note_html();
    let value = to_py(py, &triaged)?;
    let dict = value.cast_into::<PyDict>()?;
    match triaged.result {
        Some(r) => dict.set_item("result", Py::new(py, DiagnosticResult::from(r))?)?,
        None => dict.set_item("result", py.None())?,
    }
    dict.set_item("note_html", note)?;
    dict.set_item("posted", to_py(py, &posted)?)?;
    Ok(dict.into_any().unbind())
}
