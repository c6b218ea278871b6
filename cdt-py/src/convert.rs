//! Conversions between Rust values and Python objects.

use std::collections::BTreeMap;

use cdt_core::Inputs;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

/// A JSON value as the Python object `json.loads` would give.
pub(crate) fn json_to_py<'py>(py: Python<'py>, value: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, json_to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// A serialisable Rust value as plain Python objects (dicts, lists, strings, numbers).
pub(crate) fn to_py<'py, T: serde::Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_value(value).map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    json_to_py(py, &json)
}

/// A map of strings as a Python dict.
pub(crate) fn str_map_to_py<'py>(py: Python<'py>, map: &BTreeMap<String, String>) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (k, v) in map {
        dict.set_item(k, v)?;
    }
    Ok(dict)
}

/// Tool inputs from a mapping and keyword arguments. Keys and values must be strings;
/// `None` values are left out (an optional input not given).
pub(crate) fn inputs_from_py(
    mapping: Option<&Bound<'_, PyAny>>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Inputs> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut push = |k: &Bound<'_, PyAny>, v: &Bound<'_, PyAny>| -> PyResult<()> {
        let Ok(name) = k.extract::<String>() else {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "input names must be strings, not {}",
                k.get_type().name()?
            )));
        };
        if v.is_none() {
            return Ok(());
        }
        let Ok(value) = v.extract::<String>() else {
            return Err(crate::errors::to_py_err(
                k.py(),
                cdt_core::Error::input(&name, format!("must be a string, not {}", v.get_type().name()?)),
            ));
        };
        pairs.push((name, value));
        Ok(())
    };
    if let Some(m) = mapping.filter(|m| !m.is_none()) {
        let items = m.call_method0("items").map_err(|_| {
            pyo3::exceptions::PyTypeError::new_err("inputs must be a mapping of input names to strings")
        })?;
        for item in items.try_iter()? {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
            push(&k, &v)?;
        }
    }
    if let Some(kw) = kwargs {
        for (k, v) in kw.iter() {
            push(&k, &v)?;
        }
    }
    Ok(Inputs::from_pairs(pairs))
}

/// A UTC timestamp as an aware `datetime.datetime`.
pub(crate) fn datetime_to_py<'py>(py: Python<'py>, ts: &chrono::DateTime<chrono::Utc>) -> PyResult<Bound<'py, PyAny>> {
    let iso = ts.to_rfc3339_opts(chrono::SecondsFormat::Micros, false);
    py.import("datetime")?
        .getattr("datetime")?
        .call_method1("fromisoformat", (iso,))
}
