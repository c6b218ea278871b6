//! Running diagnostics and loading data: every call becomes a [`Job`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cdt_connectors::{OneRosterCsv, factory};
use cdt_core::{Customer, Inputs, PlatformConnector, RunContext, SourceConnector, Tool};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::inputs_from_py;
use crate::errors::to_py_err;
use crate::job::{Job, Outcome};
use crate::progress::{Progress, ReportingPlatform, ReportingSource};

/// What a diagnostic runs on.
pub(crate) enum Target {
    /// A customer's settings.
    Customer(Arc<Customer>),
    /// A OneRoster bundle and a platform snapshot folder or embedded store.
    Files {
        source: PathBuf,
        platform: PathBuf,
        district_id: Option<String>,
    },
}

impl Target {
    fn label(&self) -> String {
        match self {
            Self::Customer(c) => c.customer_id.clone(),
            Self::Files { source, .. } => source.display().to_string(),
        }
    }

    async fn connect(
        &self,
        ticket: Option<String>,
    ) -> cdt_core::Result<(Arc<dyn SourceConnector>, Arc<dyn PlatformConnector>, RunContext)> {
        match self {
            Self::Customer(customer) => {
                let mut warnings = Vec::new();
                if !customer.active {
                    warnings.push(format!(
                        "customer `{}` is marked inactive in its settings file",
                        customer.customer_id
                    ));
                }
                let source = factory::source_for(customer)?;
                let platform = factory::platform_for(customer).await?;
                let ctx = RunContext {
                    customer_id: Some(customer.customer_id.clone()),
                    bookmarked_org_id: customer.bookmarked_org_id.clone(),
                    hubspot_ticket_id: ticket,
                    warnings,
                };
                Ok((source, platform, ctx))
            }
            Self::Files {
                source,
                platform,
                district_id,
            } => {
                must_exist(platform)?;
                let district = match district_id {
                    Some(d) => d.clone(),
                    None => only_district(platform).await?,
                };
                let ctx = RunContext {
                    customer_id: None,
                    bookmarked_org_id: district.clone(),
                    hubspot_ticket_id: ticket,
                    warnings: Vec::new(),
                };
                let source: Arc<dyn SourceConnector> = Arc::new(OneRosterCsv::new(source));
                Ok((source, factory::platform_from_path(platform, &district).await?, ctx))
            }
        }
    }
}

/// A platform path must exist: without this check a missing store reads as a database
/// error rather than the `FileNotFoundError` Python users expect.
fn must_exist(path: &Path) -> cdt_core::Result<()> {
    std::fs::metadata(path)
        .map(|_| ())
        .map_err(|e| cdt_core::Error::io(path, e))
}

/// The one district in a platform snapshot or store, or an error naming the choices.
async fn only_district(platform: &Path) -> cdt_core::Result<String> {
    must_exist(platform)?;
    let ids = factory::districts_in(platform).await?;
    match ids.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(cdt_core::Error::Data {
            location: platform.display().to_string(),
            message: "no district (an `organizations` row of type `district`) in the platform data".into(),
        }),
        many => Err(cdt_core::Error::input(
            "district_id",
            format!(
                "{} holds several districts ({}); pass district_id= to pick one",
                platform.display(),
                many.join(", ")
            ),
        )),
    }
}

/// Starts a diagnostic. The tool and the inputs are checked at once, so their errors
/// are raised by the call itself rather than by the wait.
pub(crate) fn start_diagnose(
    py: Python<'_>,
    tool_id: &str,
    inputs: Inputs,
    target: Target,
    ticket: Option<String>,
) -> PyResult<Job> {
    let tool: Arc<dyn Tool> = crate::registry::tool(tool_id).map_err(|e| to_py_err(py, e))?;
    tool.spec().validate(&inputs).map_err(|e| to_py_err(py, e))?;
    let label = format!("{tool_id} on {}", target.label());
    let progress = Progress::new("connecting", 3);
    let p = progress.clone();
    let work = Box::pin(async move {
        let (source, platform, ctx) = target.connect(ticket).await?;
        let source = ReportingSource {
            inner: source,
            progress: p.clone(),
            step: (0, 3),
        };
        let platform = ReportingPlatform {
            inner: platform,
            progress: p,
            step: (1, 3),
        };
        let result = cdt_core::diagnose(tool.as_ref(), &inputs, &source, &platform, &ctx).await?;
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
    start_diagnose(py, tool_id, inputs, target, ticket)
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
        Box::pin(async move {
            must_exist(&platform)?;
            let district = match district_id {
                Some(d) => d,
                None => only_district(&platform).await?,
            };
            factory::platform_from_path(&platform, &district).await
        }),
    )
}
