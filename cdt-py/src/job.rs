//! Long calls as jobs on a shared tokio runtime.
//!
//! A job runs its future on the runtime; the Python thread that waits for it does so
//! with the GIL released, waking every 100 ms to check for signals (Ctrl-C, a
//! notebook's "interrupt kernel") and to report progress. On an interrupt the job's
//! task is aborted and `KeyboardInterrupt` is raised in the caller at once; work that
//! is blocking inside a reader finishes in the background and is thrown away.
//! `asyncio` callers get the result through a done-callback instead (see `cdt/_aio.py`).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use pyo3::prelude::*;
use tokio::runtime::Runtime;

use crate::errors::{JobError, job_err, misuse};
use crate::progress::Progress;
use crate::records::{Platform, Roster};
use crate::result::DiagnosticResult;

/// What a job produces.
pub(crate) enum Outcome {
    /// A diagnostic's result.
    Result(Box<cdt_core::DiagnosticResult>),
    /// A whole roster.
    Roster(cdt_core::Roster),
    /// A district's platform data.
    Platform(cdt_core::PlatformData),
    /// A ticket's triage, and what was posted on the ticket.
    Triage(Box<(cdt_connectors::triage::Triaged, Option<cdt_connectors::triage::Posted>)>),
    /// A district sweep's report.
    Sweep(Box<cdt_tools::sweep::SweepReport>),
}

impl Outcome {
    fn into_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(match self {
            Self::Result(r) => Py::new(py, DiagnosticResult::from(*r))?.into_any(),
            Self::Roster(r) => Py::new(py, Roster::new(r))?.into_any(),
            Self::Platform(p) => Py::new(py, Platform::new(p))?.into_any(),
            Self::Triage(t) => crate::triage::triaged_to_py(py, *t)?,
            Self::Sweep(r) => crate::convert::to_py(py, &*r)?.unbind(),
        })
    }
}

/// The boxed future of a job.
pub(crate) type Work = Pin<Box<dyn Future<Output = Result<Outcome, cdt_core::Error>> + Send>>;

/// How often a waiting caller wakes to check for Ctrl-C and report progress.
const POLL: Duration = Duration::from_millis(100);

/// The runtime all jobs run on, made at first use.
pub(crate) fn runtime() -> PyResult<&'static Runtime> {
    static RT: OnceLock<Result<Runtime, String>> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .thread_name("cdt-worker")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| misuse(&format!("cannot start cdt's async runtime: {e}")))
}

enum State {
    Running(Vec<Py<PyAny>>),
    /// Boxed: an outcome is large and the enum is moved in and out of its lock.
    Finished(Box<Result<Outcome, JobError>>),
    Taken,
}

struct Shared {
    state: Mutex<State>,
    done: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records the outcome (unless one is there already) and runs the callbacks.
    fn settle(&self, outcome: Result<Outcome, JobError>) {
        let callbacks = {
            let mut state = self.lock();
            match std::mem::replace(&mut *state, State::Taken) {
                State::Running(callbacks) => {
                    *state = State::Finished(Box::new(outcome));
                    callbacks
                }
                other => {
                    *state = other;
                    return;
                }
            }
        };
        self.done.notify_all();
        if !callbacks.is_empty() {
            Python::attach(|py| {
                for cb in callbacks {
                    if let Err(e) = cb.call0(py) {
                        e.write_unraisable(py, Some(cb.bind(py)));
                    }
                }
            });
        }
    }
}

/// A call running in the background: a diagnostic or a load.
///
/// `cdt.run()` and the other public functions start a job and wait for it; use a job
/// directly only to wait in your own way.
#[pyclass(module = "cdt._cdt", frozen)]
pub struct Job {
    shared: Arc<Shared>,
    abort: tokio::task::AbortHandle,
    label: String,
    progress: Progress,
}

impl Job {
    /// Starts `work` on the runtime.
    pub(crate) fn spawn(label: String, progress: Progress, work: Work) -> PyResult<Self> {
        let rt = runtime()?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::Running(Vec::new())),
            done: Condvar::new(),
        });
        let task = rt.spawn(work);
        let abort = task.abort_handle();
        let settle = Arc::clone(&shared);
        let finished = progress.clone();
        rt.spawn(async move {
            let outcome = match task.await {
                // Work that stopped early on a cancel keeps its count where it stopped.
                Ok(Ok(_)) if finished.is_cancelled() => {
                    let at = finished.get();
                    finished.set("cancelled", at.done, at.total);
                    Err(JobError::Cancelled)
                }
                Ok(Ok(v)) => {
                    finished.finish("done");
                    Ok(v)
                }
                Ok(Err(e)) => Err(JobError::Cdt(e)),
                Err(e) if e.is_cancelled() => Err(JobError::Cancelled),
                Err(e) => Err(JobError::Panicked(panic_message(e))),
            };
            settle.settle(outcome);
        });
        Ok(Self {
            shared,
            abort,
            label,
            progress,
        })
    }

    fn is_done(&self) -> bool {
        !matches!(*self.shared.lock(), State::Running(_))
    }

    /// Waits up to `timeout` without the GIL; true when done.
    fn wait_detached(&self, py: Python<'_>, timeout: Option<Duration>) -> bool {
        py.detach(|| {
            let state = self.shared.lock();
            let running = |s: &mut State| matches!(s, State::Running(_));
            if let Some(t) = timeout {
                let (state, _) = self
                    .shared
                    .done
                    .wait_timeout_while(state, t, running)
                    .unwrap_or_else(PoisonError::into_inner);
                !matches!(*state, State::Running(_))
            } else {
                let _state = self
                    .shared
                    .done
                    .wait_while(state, running)
                    .unwrap_or_else(PoisonError::into_inner);
                true
            }
        })
    }

    /// Waits for the job, checking for signals and reporting progress, and returns its
    /// result. An interrupt cancels the job and propagates.
    pub(crate) fn join_with(&self, py: Python<'_>, progress: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let reporter = py
            .import("cdt._progress")?
            .call_method1("reporter", (progress, &self.label))?;
        let outcome = loop {
            let done = self.wait_detached(py, Some(POLL));
            if !reporter.is_none() {
                // Every tick, not only on news: a bar shows elapsed time during a long step.
                let step = self.progress.get();
                reporter.call1((step.stage, step.done, step.total))?;
            }
            if done {
                break Ok(());
            }
            if let Err(e) = py.check_signals() {
                self.abort.abort();
                self.progress.cancel();
                self.shared.settle(Err(JobError::Cancelled));
                break Err(e);
            }
        };
        if !reporter.is_none() {
            reporter.call_method0("close")?;
        }
        outcome?;
        self.take(py)
    }

    fn take(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let outcome = {
            let mut state = self.shared.lock();
            match std::mem::replace(&mut *state, State::Taken) {
                State::Finished(outcome) => *outcome,
                State::Taken => return Err(misuse("this job's result was already taken")),
                running @ State::Running(_) => {
                    *state = running;
                    return Err(misuse("the job is still running; wait() for it first"));
                }
            }
        };
        match outcome {
            Ok(v) => v.into_py(py),
            Err(e) => Err(job_err(py, e)),
        }
    }
}

fn panic_message(e: tokio::task::JoinError) -> String {
    match e.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_owned()),
        Err(e) => e.to_string(),
    }
}

#[pymethods]
impl Job {
    /// What the job does, e.g. `student-mismatch on demo-district`.
    #[getter]
    fn label(&self) -> &str {
        &self.label
    }

    /// Whether the job has finished (or was cancelled).
    fn done(&self) -> bool {
        self.is_done()
    }

    /// Waits up to `timeout` seconds (forever when `None`) with the GIL released;
    /// returns whether the job is done.
    #[pyo3(signature = (timeout=None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        let timeout = match timeout {
            // Longer than a `Duration` can hold is as good as forever.
            Some(t) if t >= 0.0 => Duration::try_from_secs_f64(t).ok(),
            Some(t) => {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "timeout must be a non-negative number of seconds, not {t}"
                )));
            }
            None => None,
        };
        Ok(self.wait_detached(py, timeout))
    }

    /// Waits for the result, showing progress and stopping on Ctrl-C.
    ///
    /// `progress`: `None` (the default of `cdt.set_progress`), `True`, `False`, or a
    /// callable taking `(stage, done, total)`.
    #[pyo3(signature = (progress=None))]
    fn join(&self, py: Python<'_>, progress: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        self.join_with(py, progress)
    }

    /// The result of a finished job; raises its error. A result can be taken once.
    fn result(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.take(py)
    }

    /// Cancels the job; returns whether it was still running.
    fn cancel(&self) -> bool {
        let running = !self.is_done();
        self.abort.abort();
        self.progress.cancel();
        self.shared.settle(Err(JobError::Cancelled));
        running
    }

    /// Calls `callback()` (from another thread) when the job finishes, at once if it has.
    fn add_done_callback(&self, py: Python<'_>, callback: Py<PyAny>) -> PyResult<()> {
        {
            let mut state = self.shared.lock();
            if let State::Running(callbacks) = &mut *state {
                callbacks.push(callback);
                return Ok(());
            }
        }
        callback.call0(py)?;
        Ok(())
    }

    /// The current stage: `(stage, steps done, steps in all)`.
    fn progress(&self) -> (String, u32, u32) {
        let s = self.progress.get();
        (s.stage, s.done, s.total)
    }

    fn __repr__(&self) -> String {
        let state = if self.is_done() { "done" } else { "running" };
        format!("<cdt Job {} ({state})>", self.label)
    }
}
