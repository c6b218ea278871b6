//! `cdt.tools()`: the diagnostics and their inputs.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::to_py_err;

/// One input of a tool.
#[pyclass(module = "cdt._cdt", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct InputSpec {
    inner: cdt_core::InputSpec,
}

#[pymethods]
impl InputSpec {
    /// The input's name, e.g. `parent_email`: the keyword to pass to `run`.
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }

    /// Its type: `"text"` or `"email"`.
    #[getter]
    fn kind(&self) -> &'static str {
        match self.inner.kind {
            cdt_core::InputKind::Email => "email",
            cdt_core::InputKind::Text => "text",
        }
    }

    /// Whether the tool needs it.
    #[getter]
    fn required(&self) -> bool {
        self.inner.required
    }

    /// One sentence of help.
    #[getter]
    fn help(&self) -> &str {
        &self.inner.help
    }

    /// The input as a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("name", self.name())?;
        d.set_item("kind", self.kind())?;
        d.set_item("required", self.required())?;
        d.set_item("help", self.help())?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "InputSpec(name={:?}, kind={:?}, required={})",
            self.inner.name,
            self.kind(),
            if self.inner.required { "True" } else { "False" }
        )
    }
}

/// A diagnostic: its stable id, title, description and inputs.
#[pyclass(module = "cdt._cdt", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct ToolSpec {
    inner: cdt_core::ToolSpec,
}

#[pymethods]
impl ToolSpec {
    /// The stable kebab-case id, e.g. `student-mismatch`.
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    /// The title for people.
    #[getter]
    fn title(&self) -> &str {
        &self.inner.title
    }

    /// What it checks.
    #[getter]
    fn description(&self) -> &str {
        &self.inner.description
    }

    /// Its inputs.
    #[getter]
    fn inputs(&self) -> Vec<InputSpec> {
        self.inner
            .inputs
            .iter()
            .map(|i| InputSpec { inner: i.clone() })
            .collect()
    }

    /// The tool as a dict (inputs as dicts).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("id", self.id())?;
        d.set_item("title", self.title())?;
        d.set_item("description", self.description())?;
        let inputs = self
            .inputs()
            .iter()
            .map(|i| i.to_dict(py))
            .collect::<PyResult<Vec<_>>>()?;
        d.set_item("inputs", inputs)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let inputs: Vec<String> = self
            .inner
            .inputs
            .iter()
            .map(|i| {
                if i.required {
                    i.name.clone()
                } else {
                    format!("{}?", i.name)
                }
            })
            .collect();
        format!("ToolSpec(id={:?}, inputs=[{}])", self.inner.id, inputs.join(", "))
    }

    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        slf.py()
            .import("cdt._html")?
            .call_method1("tool_html", (slf,))?
            .extract()
    }
}

/// Every tool that can run, sorted by id.
#[pyfunction]
pub(crate) fn tools(py: Python<'_>) -> PyResult<Vec<ToolSpec>> {
    let specs = crate::registry::specs().map_err(|e| to_py_err(py, e))?;
    Ok(specs.into_iter().map(|inner| ToolSpec { inner }).collect())
}

/// The tool with this id; raises `UnknownToolError`.
#[pyfunction]
pub(crate) fn tool(py: Python<'_>, tool_id: &str) -> PyResult<ToolSpec> {
    let t = crate::registry::tool(tool_id).map_err(|e| to_py_err(py, e))?;
    Ok(ToolSpec {
        inner: t.spec().clone(),
    })
}
