//! A platform connector that takes one query from the caller's [`QueryBudget`] before
//! every read, so the limit on platform queries is counted in the library: the service,
//! the command line and Python count the same reads the same way when they share a
//! budget (the service's is in its application database).

use std::sync::Arc;

use async_trait::async_trait;
use cdt_core::platform::{self, PlatformData};
use cdt_core::{Lookup, PlatformConnector, QueryBudget, Result};

/// `inner`, with every read counted against `budget` first.
pub struct Metered {
    inner: Arc<dyn PlatformConnector>,
    budget: Arc<dyn QueryBudget>,
}

impl Metered {
    /// Counts `inner`'s reads against `budget`.
    pub fn new(inner: Arc<dyn PlatformConnector>, budget: Arc<dyn QueryBudget>) -> Self {
        Self { inner, budget }
    }
}

#[async_trait]
impl PlatformConnector for Metered {
    fn describe(&self) -> String {
        self.inner.describe()
    }

    async fn load(&self) -> Result<PlatformData> {
        self.budget.take().await?;
        self.inner.load().await
    }

    async fn fetch(&self, lookup: &Lookup) -> Result<PlatformData> {
        self.budget.take().await?;
        self.inner.fetch(lookup).await
    }

    async fn test_connection(&self) -> Result<String> {
        self.budget.take().await?;
        self.inner.test_connection().await
    }

    async fn get_organizations(&self) -> Result<Vec<platform::Organization>> {
        self.budget.take().await?;
        self.inner.get_organizations().await
    }

    async fn get_students(&self) -> Result<Vec<platform::Student>> {
        self.budget.take().await?;
        self.inner.get_students().await
    }

    async fn get_parents(&self) -> Result<Vec<platform::Parent>> {
        self.budget.take().await?;
        self.inner.get_parents().await
    }

    async fn get_classes(&self) -> Result<Vec<platform::Class>> {
        self.budget.take().await?;
        self.inner.get_classes().await
    }

    async fn get_enrollments(&self) -> Result<Vec<platform::Enrollment>> {
        self.budget.take().await?;
        self.inner.get_enrollments().await
    }

    async fn get_import_errors(&self) -> Result<Vec<platform::ImportError>> {
        self.budget.take().await?;
        self.inner.get_import_errors().await
    }
}
