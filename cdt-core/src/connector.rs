//! Connectors: the only code that does I/O.
//!
//! A [`SourceConnector`] reads a district's SIS data; a [`PlatformConnector`] reads the
//! platform's copy of it. Both are async. Each has one required method that loads
//! everything ([`SourceConnector::load`], [`PlatformConnector::load`]) and default
//! methods derived from it; connectors backed by a database or an API override
//! [`SourceConnector::fetch`] / [`PlatformConnector::fetch`] to fetch only a case's
//! slice, and must return the same rows the default would.

use async_trait::async_trait;

use crate::error::Result;
use crate::lookup::Lookup;
use crate::platform::{self, PlatformData};
use crate::roster::{self, Roster};

/// Reads a district's SIS data.
#[async_trait]
pub trait SourceConnector: Send + Sync {
    /// Says what this connector reads, for reports and errors (no secrets).
    fn describe(&self) -> String;

    /// The whole roster.
    async fn load(&self) -> Result<Roster>;

    /// The slice a lookup needs. The default loads everything and slices it.
    async fn fetch(&self, lookup: &Lookup) -> Result<Roster> {
        Ok(self.load().await?.slice(lookup))
    }

    /// Checks that the source can be reached and read, returning a one-line account of
    /// what was found (no secrets). The default reads the orgs.
    async fn test_connection(&self) -> Result<String> {
        let orgs = self.get_orgs().await?;
        Ok(format!("{} orgs", orgs.len()))
    }

    /// The orgs (district and schools).
    async fn get_orgs(&self) -> Result<Vec<roster::Org>> {
        Ok(self.load().await?.orgs)
    }

    /// The students.
    async fn get_students(&self) -> Result<Vec<roster::User>> {
        Ok(self.load().await?.students().cloned().collect())
    }

    /// The parents, guardians and relatives.
    async fn get_parents(&self) -> Result<Vec<roster::User>> {
        Ok(self.load().await?.family().cloned().collect())
    }

    /// The classes.
    async fn get_classes(&self) -> Result<Vec<roster::Class>> {
        Ok(self.load().await?.classes)
    }

    /// The enrollments.
    async fn get_enrollments(&self) -> Result<Vec<roster::Enrollment>> {
        Ok(self.load().await?.enrollments)
    }
}

/// A caller's budget of platform queries, shared by every adapter that runs for them
/// (the service counts it in its application database, so replicas and the command
/// line share one count). Every read of a [`PlatformConnector`] takes one query from it
/// first; a refusal is [`crate::Error::RateLimited`] and nothing is read.
#[async_trait]
pub trait QueryBudget: Send + Sync + std::fmt::Debug {
    /// Takes one query from the budget, or refuses.
    async fn take(&self) -> Result<()>;
}

/// Reads the platform's copy of one district.
#[async_trait]
pub trait PlatformConnector: Send + Sync {
    /// Says what this connector reads, for reports and errors (no secrets).
    fn describe(&self) -> String;

    /// Everything the platform holds for the district.
    async fn load(&self) -> Result<PlatformData>;

    /// The slice a lookup needs. The default loads everything and slices it.
    async fn fetch(&self, lookup: &Lookup) -> Result<PlatformData> {
        Ok(self.load().await?.slice(lookup))
    }

    /// Checks that the platform can be reached, that the credentials work and that the
    /// district is there, returning a one-line account of what was found (no secrets).
    /// The default reads the organizations.
    async fn test_connection(&self) -> Result<String> {
        let orgs = self.get_organizations().await?;
        Ok(format!("{} organizations (the district and its schools)", orgs.len()))
    }

    /// The district and its schools.
    async fn get_organizations(&self) -> Result<Vec<platform::Organization>> {
        Ok(self.load().await?.organizations)
    }

    /// The students.
    async fn get_students(&self) -> Result<Vec<platform::Student>> {
        Ok(self.load().await?.students)
    }

    /// The parents.
    async fn get_parents(&self) -> Result<Vec<platform::Parent>> {
        Ok(self.load().await?.parents)
    }

    /// The classes.
    async fn get_classes(&self) -> Result<Vec<platform::Class>> {
        Ok(self.load().await?.classes)
    }

    /// The enrollments.
    async fn get_enrollments(&self) -> Result<Vec<platform::Enrollment>> {
        Ok(self.load().await?.enrollments)
    }

    /// The import errors.
    async fn get_import_errors(&self) -> Result<Vec<platform::ImportError>> {
        Ok(self.load().await?.import_errors)
    }
}
