//! Progress of a job, as steps: the connectors are wrapped so that the job knows when
//! each side's data starts and finishes loading, without any hook in the engine.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use cdt_core::platform::PlatformData;
use cdt_core::roster::Roster;
use cdt_core::{Lookup, PlatformConnector, SourceConnector};

/// Where a job is: a stage for people, steps done, steps in all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Step {
    /// What is happening now.
    pub(crate) stage: String,
    /// Steps done.
    pub(crate) done: u32,
    /// Steps in all.
    pub(crate) total: u32,
}

/// The progress of one job, shared between the worker and the waiting thread, and
/// whether the job was cancelled (for work that can stop between steps).
#[derive(Clone, Debug, Default)]
pub(crate) struct Progress {
    step: Arc<Mutex<Step>>,
    cancelled: Arc<AtomicBool>,
}

impl Progress {
    /// A progress of `total` steps, at its first stage.
    pub(crate) fn new(stage: &str, total: u32) -> Self {
        let p = Self::default();
        p.set(stage, 0, total);
        p
    }

    /// Moves to a stage.
    pub(crate) fn set(&self, stage: &str, done: u32, total: u32) {
        let mut s = self.step.lock().unwrap_or_else(PoisonError::into_inner);
        stage.clone_into(&mut s.stage);
        s.done = done.min(total);
        s.total = total;
    }

    /// Marks the last step done.
    pub(crate) fn finish(&self, stage: &str) {
        let total = self.get().total;
        self.set(stage, total, total);
    }

    /// The current step.
    pub(crate) fn get(&self) -> Step {
        self.step.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Tells the work to stop at its next step (the job was cancelled or interrupted).
    pub(crate) fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Whether the job was cancelled.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}

/// A source connector that reports when it starts and finishes.
pub(crate) struct ReportingSource {
    pub(crate) inner: Arc<dyn SourceConnector>,
    pub(crate) progress: Progress,
    /// Steps done before this one, and in all.
    pub(crate) step: (u32, u32),
}

#[async_trait]
impl SourceConnector for ReportingSource {
    fn describe(&self) -> String {
        self.inner.describe()
    }

    async fn load(&self) -> cdt_core::Result<Roster> {
        self.progress
            .set(&format!("reading {}", self.inner.describe()), self.step.0, self.step.1);
        let r = self.inner.load().await;
        self.progress.set("read the SIS data", self.step.0 + 1, self.step.1);
        r
    }

    async fn fetch(&self, lookup: &Lookup) -> cdt_core::Result<Roster> {
        self.progress
            .set(&format!("reading {}", self.inner.describe()), self.step.0, self.step.1);
        let r = self.inner.fetch(lookup).await;
        self.progress.set("read the SIS data", self.step.0 + 1, self.step.1);
        r
    }
}

/// A platform connector that reports when it starts and finishes.
pub(crate) struct ReportingPlatform {
    pub(crate) inner: Arc<dyn PlatformConnector>,
    pub(crate) progress: Progress,
    /// Steps done before this one, and in all.
    pub(crate) step: (u32, u32),
}

#[async_trait]
impl PlatformConnector for ReportingPlatform {
    fn describe(&self) -> String {
        self.inner.describe()
    }

    async fn load(&self) -> cdt_core::Result<PlatformData> {
        self.progress
            .set(&format!("reading {}", self.inner.describe()), self.step.0, self.step.1);
        let r = self.inner.load().await;
        self.progress
            .set("running the diagnostic", self.step.0 + 1, self.step.1);
        r
    }

    async fn fetch(&self, lookup: &Lookup) -> cdt_core::Result<PlatformData> {
        self.progress
            .set(&format!("reading {}", self.inner.describe()), self.step.0, self.step.1);
        let r = self.inner.fetch(lookup).await;
        self.progress
            .set("running the diagnostic", self.step.0 + 1, self.step.1);
        r
    }
}
