//! Roster and platform records for Python: as lists of dicts, and as Arrow data through
//! the Arrow `PyCapsule` interface (`__arrow_c_stream__`), which `pyarrow`, `polars`,
//! `pandas` (through `pyarrow`) and `DuckDB` read without going through Python objects.

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, RecordBatchIterator, StringArray,
};
use arrow_schema::ffi::FFI_ArrowSchema;
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use pyo3::exceptions::{PyIndexError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyCapsule, PyDict, PyList};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::convert::json_to_py;
use crate::result::DiagnosticResult;

type Row = Map<String, Value>;

/// A table of records (one OneRoster file or platform table, or findings): a sequence
/// of dicts that also speaks Arrow.
///
/// `to_dicts()` gives plain Python data; `to_pandas()`, `to_polars()` and `to_arrow()`
/// give frames when those libraries are installed; any Arrow consumer reads it directly
/// (`pyarrow.table(records)`, `polars.DataFrame(records)`).
#[pyclass(module = "cdt._cdt", frozen, sequence)]
pub struct Records {
    name: String,
    columns: Vec<String>,
    rows: Arc<Vec<Row>>,
}

impl Records {
    /// A table of serialisable records; columns in the records' field order.
    pub(crate) fn from_serialize<T: Serialize>(name: &str, items: &[T]) -> PyResult<Self> {
        let err = |e: serde_json::Error| PyValueError::new_err(format!("{name}: {e}"));
        let mut columns = match items.first() {
            Some(first) => {
                serde_json::from_str::<Keys>(&serde_json::to_string(first).map_err(err)?)
                    .map_err(err)?
                    .0
            }
            None => Vec::new(),
        };
        let mut rows = Vec::with_capacity(items.len());
        for item in items {
            match serde_json::to_value(item).map_err(err)? {
                Value::Object(map) => {
                    for k in map.keys() {
                        if !columns.contains(k) {
                            columns.push(k.clone());
                        }
                    }
                    rows.push(map);
                }
                other => {
                    let mut map = Map::new();
                    map.insert("value".to_owned(), other);
                    if !columns.iter().any(|c| c == "value") {
                        columns.push("value".to_owned());
                    }
                    rows.push(map);
                }
            }
        }
        Ok(Self::from_rows(name, columns, rows))
    }

    /// A table of JSON objects with these columns.
    pub(crate) fn from_rows(name: &str, columns: Vec<String>, rows: Vec<Row>) -> Self {
        Self {
            name: name.to_owned(),
            columns,
            rows: Arc::new(rows),
        }
    }

    fn row_to_py<'py>(&self, py: Python<'py>, row: &Row) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for c in &self.columns {
            match row.get(c) {
                Some(v) => d.set_item(c, json_to_py(py, v)?)?,
                None => d.set_item(c, py.None())?,
            }
        }
        Ok(d)
    }

    /// The records as one Arrow record batch.
    pub(crate) fn to_batch(&self) -> Result<RecordBatch, ArrowError> {
        let mut fields = Vec::with_capacity(self.columns.len());
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.columns.len());
        for c in &self.columns {
            let values: Vec<Option<&Value>> = self.rows.iter().map(|r| r.get(c).filter(|v| !v.is_null())).collect();
            let kind = values.iter().flatten().fold(Kind::Null, |k, v| k.merge(Kind::of(v)));
            let (dt, array) = kind.build(&values);
            fields.push(Field::new(c, dt, true));
            arrays.push(array);
        }
        let schema: SchemaRef = Arc::new(Schema::new(fields));
        if arrays.is_empty() {
            return Ok(RecordBatch::new_empty(schema));
        }
        RecordBatch::try_new(schema, arrays)
    }
}

/// The Arrow type a column gets from the JSON values in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Null,
    Bool,
    Int,
    Float,
    Str,
    StrList,
    Json,
}

impl Kind {
    fn of(v: &Value) -> Self {
        match v {
            Value::Null => Self::Null,
            Value::Bool(_) => Self::Bool,
            Value::Number(n) if n.is_i64() => Self::Int,
            Value::Number(_) => Self::Float,
            Value::String(_) => Self::Str,
            Value::Array(items) if items.iter().all(Value::is_string) => Self::StrList,
            _ => Self::Json,
        }
    }

    fn merge(self, other: Self) -> Self {
        match (self, other) {
            (Self::Null, k) | (k, Self::Null) => k,
            (a, b) if a == b => a,
            (Self::Int, Self::Float) | (Self::Float, Self::Int) => Self::Float,
            _ => Self::Json,
        }
    }

    fn build(self, values: &[Option<&Value>]) -> (DataType, ArrayRef) {
        match self {
            Self::Bool => (
                DataType::Boolean,
                Arc::new(
                    values
                        .iter()
                        .map(|v| v.and_then(Value::as_bool))
                        .collect::<BooleanArray>(),
                ),
            ),
            Self::Int => (
                DataType::Int64,
                Arc::new(values.iter().map(|v| v.and_then(Value::as_i64)).collect::<Int64Array>()),
            ),
            Self::Float => (
                DataType::Float64,
                Arc::new(
                    values
                        .iter()
                        .map(|v| v.and_then(Value::as_f64))
                        .collect::<Float64Array>(),
                ),
            ),
            Self::StrList => {
                let mut b = ListBuilder::new(StringBuilder::new());
                for v in values {
                    match v {
                        Some(Value::Array(items)) => {
                            for item in items {
                                b.values().append_option(item.as_str());
                            }
                            b.append(true);
                        }
                        _ => b.append(false),
                    }
                }
                let array = b.finish();
                (array.data_type().clone(), Arc::new(array))
            }
            Self::Null | Self::Str | Self::Json => (
                DataType::Utf8,
                Arc::new(
                    values
                        .iter()
                        .map(|v| {
                            v.map(|v| match v {
                                Value::String(s) => s.clone(),
                                other => other.to_string(),
                            })
                        })
                        .collect::<StringArray>(),
                ),
            ),
        }
    }
}

/// The keys of a JSON object, in the order written.
struct Keys(Vec<String>);

impl<'de> serde::Deserialize<'de> for Keys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Keys;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = map.next_key::<String>()? {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    keys.push(k);
                }
                Ok(Keys(keys))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _seq: A) -> Result<Keys, A::Error> {
                Ok(Keys(Vec::new()))
            }
        }
        d.deserialize_any(V)
    }
}

fn arrow_err(e: &ArrowError) -> PyErr {
    PyValueError::new_err(format!("cannot convert to Arrow: {e}"))
}

#[pymethods]
impl Records {
    /// The table's name, e.g. `users` or `findings`.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// The column names, in order.
    #[getter]
    fn columns(&self) -> Vec<String> {
        self.columns.clone()
    }

    fn __len__(&self) -> usize {
        self.rows.len()
    }

    fn __getitem__<'py>(&self, py: Python<'py>, index: isize) -> PyResult<Bound<'py, PyDict>> {
        let len = isize::try_from(self.rows.len()).unwrap_or(isize::MAX);
        let i = if index < 0 { index + len } else { index };
        match usize::try_from(i).ok().and_then(|i| self.rows.get(i)) {
            Some(row) => self.row_to_py(py, row),
            None => Err(PyIndexError::new_err(format!(
                "{}: index {index} out of range for {} records",
                self.name,
                self.rows.len()
            ))),
        }
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.to_dicts(py)?.try_iter().map(Bound::into_any)
    }

    /// The records as a list of dicts (every column in every dict, `None` when empty).
    fn to_dicts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for row in self.rows.iter() {
            list.append(self.row_to_py(py, row)?)?;
        }
        Ok(list)
    }

    /// A `pandas.DataFrame` (needs pandas; goes through pyarrow when installed).
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        slf.py().import("cdt._frames")?.call_method1("to_pandas", (slf,))
    }

    /// A `polars.DataFrame` (needs polars).
    fn to_polars<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        slf.py().import("cdt._frames")?.call_method1("to_polars", (slf,))
    }

    /// A pyarrow Table (needs pyarrow).
    fn to_arrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        slf.py().import("cdt._frames")?.call_method1("to_arrow", (slf,))
    }

    /// The Arrow schema, as an `arrow_schema` `PyCapsule`.
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        let batch = self.to_batch().map_err(|e| arrow_err(&e))?;
        let schema = FFI_ArrowSchema::try_from(batch.schema().as_ref()).map_err(|e| arrow_err(&e))?;
        PyCapsule::new_with_value(py, schema, c"arrow_schema")
    }

    /// The records as an Arrow C stream, as an `arrow_array_stream` `PyCapsule`.
    /// `requested_schema` is accepted and ignored, as the interface allows.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let batch = py.detach(|| self.to_batch()).map_err(|e| arrow_err(&e))?;
        let schema = batch.schema();
        let reader = RecordBatchIterator::new(vec![Ok(batch)], schema);
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }

    fn __repr__(&self) -> String {
        format!(
            "<Records {}: {} rows × {} columns>",
            self.name,
            self.rows.len(),
            self.columns.len()
        )
    }

    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        slf.py()
            .import("cdt._html")?
            .call_method1("records_html", (slf,))?
            .extract()
    }
}

macro_rules! tables {
    ($(#[$meta:meta])* $name:ident, $inner:ty, [$($field:ident),+ $(,)?] { $($extra:item)* }) => {
        $(#[$meta])*
        #[pyclass(module = "cdt._cdt", frozen)]
        pub struct $name {
            inner: $inner,
            $($field: PyOnceLock<Py<Records>>,)+
        }

        impl $name {
            pub(crate) fn new(inner: $inner) -> Self {
                Self { inner, $($field: PyOnceLock::new(),)+ }
            }
        }

        #[pymethods]
        impl $name {
            $(
                #[doc = concat!("The `", stringify!($field), "` table.")]
                #[getter]
                fn $field(&self, py: Python<'_>) -> PyResult<Py<Records>> {
                    self.$field
                        .get_or_try_init(py, || Py::new(py, Records::from_serialize(stringify!($field), &self.inner.$field)?))
                        .map(|r| r.clone_ref(py))
                }
            )+

            /// The names of the tables, in order.
            #[getter]
            fn table_names(&self) -> Vec<&'static str> {
                vec![$(stringify!($field)),+]
            }

            /// Every table by name.
            fn tables<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
                let d = PyDict::new(py);
                $(d.set_item(stringify!($field), self.$field(py)?)?;)+
                Ok(d)
            }

            fn __repr__(&self) -> String {
                let counts: Vec<String> = vec![$(format!("{} {}", self.inner.$field.len(), stringify!($field))),+];
                format!("<{} {}>", stringify!($name), counts.join(", "))
            }

            fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
                slf.py().import("cdt._html")?.call_method1("tables_html", (slf,))?.extract()
            }

            $($extra)*
        }
    };
}

tables!(
    /// A district's SIS roster: the OneRoster files as tables of records.
    Roster,
    cdt_core::Roster,
    [orgs, users, classes, courses, academic_sessions, enrollments] {
        /// Problems met while reading that did not stop it (rows skipped, lenient parses).
        #[getter]
        fn warnings(&self) -> Vec<String> {
            self.inner.warnings.clone()
        }

        /// The OneRoster version read (`1.1`, `1.2`), if known.
        #[getter]
        fn version(&self) -> Option<&str> {
            self.inner.provenance.oneroster_version.as_deref()
        }

        /// What the roster was read from.
        #[getter]
        fn description(&self) -> &str {
            &self.inner.provenance.description
        }
    }
);

tables!(
    /// The platform's copy of one district: Bookmarked's tables as records.
    Platform,
    cdt_core::PlatformData,
    [
        organizations,
        students,
        parents,
        parent_students,
        classes,
        enrollments,
        import_runs,
        import_errors
    ] {}
);

/// The findings of several results as one table (a row per finding), e.g. for a frame:
/// `cdt.findings_table(results).to_pandas()`.
#[pyfunction]
pub(crate) fn findings_table(results: &Bound<'_, PyAny>) -> PyResult<Records> {
    let columns = [
        "tool_id",
        "customer_id",
        "status",
        "code",
        "severity",
        "system",
        "message",
        "record_ids",
    ];
    let mut rows = Vec::new();
    for item in results.try_iter()? {
        let item = item?;
        let Ok(r) = item.cast::<DiagnosticResult>() else {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "findings_table takes DiagnosticResult objects, not {}",
                item.get_type().name()?
            )));
        };
        let r = r.get();
        for f in &r.inner.findings {
            let mut row = Row::new();
            row.insert("tool_id".into(), Value::from(r.inner.tool_id.clone()));
            row.insert(
                "customer_id".into(),
                r.inner.customer_id.clone().map_or(Value::Null, Value::from),
            );
            row.insert("status".into(), Value::from(r.inner.status.as_str()));
            row.insert("code".into(), Value::from(f.code.clone()));
            row.insert(
                "severity".into(),
                serde_json::to_value(f.severity).unwrap_or(Value::Null),
            );
            row.insert("system".into(), serde_json::to_value(f.system).unwrap_or(Value::Null));
            row.insert("message".into(), Value::from(f.message.clone()));
            row.insert("record_ids".into(), Value::from(f.record_ids.clone()));
            rows.push(row);
        }
    }
    Ok(Records::from_rows(
        "findings",
        columns.iter().map(|c| (*c).to_owned()).collect(),
        rows,
    ))
}
