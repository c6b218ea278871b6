//! The one place where Rust errors become Python exceptions.
//!
//! The exception classes live in `cdt/exceptions.py` (a Python module, so that classes
//! such as `cdt.FileNotFoundError` can derive from both `cdt.ConnectorError` and the
//! builtin `FileNotFoundError`); this module picks the class for each
//! [`cdt_core::Error`] variant and sets its attributes.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

/// Why a job gave no result.
#[derive(Debug, thiserror::Error)]
pub(crate) enum JobError {
    /// The diagnostic or load could not run.
    #[error(transparent)]
    Cdt(#[from] cdt_core::Error),
    /// A bug: the work panicked. Never the user's fault.
    #[error("internal error in cdt ({0}); please report it with the inputs that caused it")]
    Panicked(String),
    /// The job was cancelled before it finished.
    #[error("the call was cancelled")]
    Cancelled,
}

/// The exception for a `cdt_core` error.
#[allow(clippy::needless_pass_by_value)] // called as `.map_err(|e| to_py_err(py, e))`
pub(crate) fn to_py_err(py: Python<'_>, err: cdt_core::Error) -> PyErr {
    build(py, &err).unwrap_or_else(|e| e)
}

/// The exception for a job's failure.
pub(crate) fn job_err(py: Python<'_>, err: JobError) -> PyErr {
    match err {
        JobError::Cdt(e) => to_py_err(py, e),
        JobError::Panicked(_) => raise(py, "CdtError", &err.to_string(), &[]).unwrap_or_else(|e| e),
        JobError::Cancelled => match py
            .import("asyncio")
            .and_then(|m| m.getattr("CancelledError"))
            .and_then(|c| c.call1((err.to_string(),)))
        {
            Ok(v) => PyErr::from_value(v),
            Err(e) => e,
        },
    }
}

fn build(py: Python<'_>, err: &cdt_core::Error) -> PyResult<PyErr> {
    use cdt_core::Error as E;
    let msg = err.to_string();
    match err {
        E::Config { path, field, .. } => raise(
            py,
            "ConfigurationError",
            &msg,
            &[
                ("path", path_attr(py, path)?),
                ("field", opt_attr(py, field.as_deref())?),
            ],
        ),
        E::CustomerNotFound { id, path } => raise(
            py,
            "CustomerNotFoundError",
            &msg,
            &[("customer_id", str_attr(py, id)?), ("path", path_attr(py, path)?)],
        ),
        E::Secret { reference, .. } => raise(py, "SecretError", &msg, &[("reference", str_attr(py, reference)?)]),
        E::Unsupported { what } => raise(py, "UnsupportedError", &msg, &[("what", str_attr(py, what)?)]),
        E::RateLimited { retry_after_secs, .. } => raise(
            py,
            "RateLimitedError",
            &msg,
            &[("retry_after", retry_after_secs.into_pyobject(py)?.into_any())],
        ),
        E::Input { name, .. } => raise(py, "InputError", &msg, &[("input_name", str_attr(py, name)?)]),
        E::UnknownTool { id } => raise(py, "UnknownToolError", &msg, &[("tool_id", str_attr(py, id)?)]),
        E::Data { location, .. } => raise(py, "DataError", &msg, &[("location", str_attr(py, location)?)]),
        E::Connector { connector, .. } => raise(py, "ConnectorError", &msg, &[("connector", str_attr(py, connector)?)]),
        E::Plugin { id, .. } | E::DuplicateTool { id } => {
            raise(py, "PluginError", &msg, &[("plugin_id", str_attr(py, id)?)])
        }
        E::Io { path, source } => {
            let class = match source.kind() {
                std::io::ErrorKind::NotFound => "CdtFileNotFoundError",
                std::io::ErrorKind::PermissionDenied => "CdtPermissionError",
                std::io::ErrorKind::IsADirectory => "CdtIsADirectoryError",
                std::io::ErrorKind::NotADirectory => "CdtNotADirectoryError",
                _ => "CdtOSError",
            };
            let errno = source.raw_os_error().unwrap_or(0);
            let args = PyTuple::new(
                py,
                [
                    errno.into_pyobject(py)?.into_any(),
                    os_message(source).into_pyobject(py)?.into_any(),
                    path_attr(py, path)?,
                ],
            )?;
            let class_obj = exceptions(py)?.getattr(class)?;
            Ok(PyErr::from_value(class_obj.call1(args)?))
        }
        _ => raise(py, "CdtError", &msg, &[]),
    }
}

/// The `PluginError` for a plugin folder that could not be loaded.
pub(crate) fn plugin_load_err(py: Python<'_>, err: &crate::plugins::LoadFailure) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let (id, path) = match &err.plugin {
            Some(folder) => (
                opt_attr(py, folder.file_name().and_then(|n| n.to_str()))?,
                path_attr(py, folder)?,
            ),
            None => (py.None().into_bound(py), py.None().into_bound(py)),
        };
        raise(py, "PluginError", &err.message, &[("plugin_id", id), ("path", path)])
    };
    build().unwrap_or_else(|e| e)
}

/// An I/O error's message without Rust's ` (os error N)` suffix (Python shows the errno).
fn os_message(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

fn exceptions(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    py.import("cdt.exceptions")
}

fn raise(py: Python<'_>, class: &str, message: &str, attrs: &[(&str, Bound<'_, PyAny>)]) -> PyResult<PyErr> {
    let class_obj = exceptions(py)?.getattr(class)?;
    let exc = class_obj.call1((message,))?;
    for (name, value) in attrs {
        exc.setattr(*name, value)?;
    }
    Ok(PyErr::from_value(exc))
}

fn str_attr<'py>(py: Python<'py>, s: &str) -> PyResult<Bound<'py, PyAny>> {
    Ok(s.into_pyobject(py)?.into_any())
}

fn opt_attr<'py>(py: Python<'py>, s: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
    Ok(match s {
        Some(s) => str_attr(py, s)?,
        None => py.None().into_bound(py),
    })
}

fn path_attr<'py>(py: Python<'py>, p: &std::path::Path) -> PyResult<Bound<'py, PyAny>> {
    str_attr(py, &p.display().to_string())
}

/// A `RuntimeError` for misuse of a low-level object (a job's result taken twice).
pub(crate) fn misuse(message: &str) -> PyErr {
    PyRuntimeError::new_err(message.to_owned())
}

/// Raises the exception for an example of each error variant, so that the mapping can
/// be tested even for errors no input can cause yet (secrets, plugins). Private: used
/// by the test suite only.
#[pyo3::pyfunction]
pub(crate) fn _raise_example_error(py: Python<'_>, variant: &str) -> PyResult<()> {
    use cdt_core::Error as E;
    let io = |kind: std::io::ErrorKind| E::io("/data/bundle.zip", std::io::Error::from(kind));
    let err = match variant {
        "config" => E::Config {
            path: "settings/x.json".into(),
            field: Some("integration.path".into()),
            message: "missing".into(),
        },
        "customer_not_found" => E::CustomerNotFound {
            id: "x".into(),
            path: "settings/x.json".into(),
        },
        "input" => E::input("parent_email", "required"),
        "unknown_tool" => E::UnknownTool { id: "nope".into() },
        "duplicate_tool" => E::DuplicateTool { id: "twice".into() },
        "data" => E::Data {
            location: "users.csv, row 7, column email".into(),
            message: "bad".into(),
        },
        "connector" => E::Connector {
            connector: "Bookmarked API (staging)".into(),
            message: "timed out".into(),
            source: Some("inner cause".into()),
        },
        "secret" => E::Secret {
            reference: "env:CLASSLINK_SECRET".into(),
            message: "not set".into(),
        },
        "plugin" => E::Plugin {
            id: "guardian-orphans".into(),
            message: "ran out of fuel".into(),
        },
        "unsupported" => E::Unsupported {
            what: "the FTP connector".into(),
        },
        "rate_limited" => E::RateLimited {
            what: "at most 100 platform queries a minute per user".into(),
            retry_after_secs: 42,
        },
        "not_found" => io(std::io::ErrorKind::NotFound),
        "permission" => io(std::io::ErrorKind::PermissionDenied),
        "is_a_directory" => io(std::io::ErrorKind::IsADirectory),
        "not_a_directory" => io(std::io::ErrorKind::NotADirectory),
        "io_other" => io(std::io::ErrorKind::UnexpectedEof),
        "panic" => return Err(job_err(py, JobError::Panicked("boom".into()))),
        "cancelled" => return Err(job_err(py, JobError::Cancelled)),
        other => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "no example error `{other}`"
            )));
        }
    };
    Err(to_py_err(py, err))
}
