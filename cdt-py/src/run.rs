//! Running diagnostics and loading data: every call becomes a [`Job`].

use std::path::PathBuf;
use std::sync::Arc;

use cdt_connectors::run::{Connectors, platform_from_files};
use cdt_connectors::{OneRosterCsv, RunOptions, Target};
use cdt_core::{Inputs, PlatformConnector, SourceConnector, Tool};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::inputs_from_py;
use crate::errors::to_py_err;
use crate::job::{Job, Outcome};
use crate::progress::{Progress, ReportingPlatform, ReportingSource};

/// Starts a diagnostic. The tool and the inputs are checked at once, so their errors
/// are raised by the call itself rather than by the wait.
pub(crate) fn start_diagnose(
    py: Python<'_>,
    tool_id: &str,
    inputs: Inputs,
    target: Target,
    ticket: Option<String>,
    fresh: bool,
) -> PyResult<Job> {
    let tool: Arc<dyn Tool> = crate::registry::tool(tool_id).map_err(|e| to_py_err(py, e))?;
    tool.spec().validate(&inputs).map_err(|e| to_py_err(py, e))?;
    let label = format!("{tool_id} on {target}");
    let progress = Progress::new("connecting", 3);
    let p = progress.clone();
    let work = Box::pin(async move {
        let report = |c: Connectors| Connectors {
            source: Arc::new(ReportingSource {
                inner: c.source,
                progress: p.clone(),
                step: (0, 3),
            }),
            platform: Arc::new(ReportingPlatform {
                inner: c.platform,
                progress: p.clone(),
                step: (1, 3),
            }),
        };
        let mut options = RunOptions::now(ticket).fresh(fresh);
        if let Some(budget) = crate::budget::current() {
            options = options.budget(budget);
        }
        let result = cdt_connectors::run::run_with(tool.as_ref(), &inputs, &target, &options, report).await?;
        Ok(Outcome::Result(Box::new(result)))
    });
    Job::spawn(label, progress, work)
}

/// Starts a diagnostic on files: a OneRoster bundle (ZIP, folder or CSV file) and a
/// platform snapshot folder or embedded store.
#[pyfunction]
#[pyo3(signature = (tool_id, inputs=None, *, source, platform, district_id=None, ticket=None, **kwargs))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn start_run(
    py: Python<'_>,
    tool_id: &str,
    inputs: Option<&Bound<'_, PyAny>>,
    source: PathBuf,
    platform: PathBuf,
    district_id: Option<String>,
    ticket: Option<String>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Job> {
    let inputs = inputs_from_py(inputs, kwargs)?;
    let target = Target::Files {
        source,
        platform,
        district_id,
    };
    start_diagnose(py, tool_id, inputs, target, ticket, false)
}

/// Starts reading a whole OneRoster bundle.
pub(crate) fn load_roster_job(source: Arc<dyn SourceConnector>) -> PyResult<Job> {
    let label = format!("load {}", source.describe());
    let progress = Progress::new("connecting", 1);
    let reporting = ReportingSource {
        inner: source,
        progress: progress.clone(),
        step: (0, 1),
    };
    Job::spawn(
        label,
        progress,
        Box::pin(async move { Ok(Outcome::Roster(reporting.load().await?)) }),
    )
}

/// The future that makes a platform connector.
pub(crate) type Connect =
    std::pin::Pin<Box<dyn std::future::Future<Output = cdt_core::Result<Arc<dyn PlatformConnector>>> + Send>>;

/// Starts reading a district's whole platform data.
pub(crate) fn load_platform_job(label: String, connect: Connect) -> PyResult<Job> {
    let progress = Progress::new("connecting", 1);
    let p = progress.clone();
    Job::spawn(
        label,
        progress,
        Box::pin(async move {
            let reporting = ReportingPlatform {
                inner: connect.await?,
                progress: p,
                step: (0, 1),
            };
            Ok(Outcome::Platform(reporting.load().await?))
        }),
    )
}

/// Starts reading a OneRoster bundle (ZIP, folder or CSV file).
#[pyfunction]
pub(crate) fn start_load_roster(source: PathBuf) -> PyResult<Job> {
    load_roster_job(Arc::new(OneRosterCsv::new(source)))
}

/// Starts reading a platform snapshot folder or embedded store, for one district
/// (the only one in the data when `district_id` is `None`).
#[pyfunction]
#[pyo3(signature = (platform, district_id=None))]
pub(crate) fn start_load_platform(platform: PathBuf, district_id: Option<String>) -> PyResult<Job> {
    let label = format!("load {}", platform.display());
    load_platform_job(
        label,
        Box::pin(async move { platform_from_files(&platform, district_id.as_deref()).await }),
    )
}
