//! # cdt-py: the Python bindings of Customer Data Tools
//!
//! The only crate that knows pyo3. It is kept out of the default workspace build
//! until the bindings land; see the project's issue tracker.
