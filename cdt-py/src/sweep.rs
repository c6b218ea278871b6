//! `cdt.sweep(...)`: every built-in check over a whole district, as a [`Job`]; one call
//! to `cdt_connectors::sweep::sweep`. The report comes back as a dict (its JSON form).

use std::path::PathBuf;

use cdt_connectors::{RunOptions, Target};
use pyo3::prelude::*;

use crate::job::{Job, Outcome};
use crate::progress::Progress;

/// Starts a sweep of a customer's district (`customer_id`, read from `settings_dir`), or
/// of files (`source`, a OneRoster bundle, and `platform`, a snapshot folder or embedded
/// store), its cases on `threads` threads (0: one per core).
#[pyfunction]
#[pyo3(signature = (settings_dir, *, customer_id=None, source=None, platform=None, district_id=None, threads=0))]
pub(crate) fn start_sweep(
    settings_dir: PathBuf,
    customer_id: Option<String>,
    source: Option<PathBuf>,
    platform: Option<PathBuf>,
    district_id: Option<String>,
    threads: usize,
) -> PyResult<Job> {
    let target = match (customer_id, source, platform) {
        (Some(customer_id), None, None) => Target::Customer {
            settings_dir,
            customer_id,
        },
        (None, Some(source), Some(platform)) => Target::Files {
            source,
            platform,
            district_id,
        },
        _ => {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "give customer_id=, or both source= and platform=",
            ));
        }
    };
    let label = format!("sweep of {target}");
    let progress = Progress::new("loading the district", 1);
    let steps = Steps(progress.clone());
    let mut options = RunOptions::now(None).threads(threads);
    if let Some(budget) = crate::budget::current() {
        options = options.budget(budget);
    }
    let work = Box::pin(async move {
        let report = cdt_connectors::sweep::sweep(&target, &options, &steps).await?;
        Ok(Outcome::Sweep(Box::new(report)))
    });
    Job::spawn(label, progress, work)
}

/// The sweep's cases as the job's steps.
struct Steps(Progress);

impl cdt_tools::sweep::Progress for Steps {
    fn start(&self, total: u64) {
        self.0.set("sweeping", 0, u32::try_from(total).unwrap_or(u32::MAX));
    }

    fn advance(&self, n: u64) {
        let now = self.0.get();
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        self.0.set("sweeping", now.done.saturating_add(n), now.total);
    }

    /// A cancelled job (`Job.cancel()`, Ctrl-C in `join`) stops the sweep between
    /// batches of cases, not only the wait for it.
    fn should_stop(&self) -> bool {
        self.0.is_cancelled()
    }
}
