//! Builds a customer's connectors from its settings.

use std::sync::Arc;

use cdt_core::customer::{CsvLocation, Integration, PlatformSource};
use cdt_core::{Customer, Error, PlatformConnector, SourceConnector};

use crate::embedded::EmbeddedStore;
use crate::oneroster::OneRosterCsv;
use crate::snapshot::Snapshot;

/// The connector that reads a customer's SIS data.
pub fn source_for(customer: &Customer) -> cdt_core::Result<Arc<dyn SourceConnector>> {
    match &customer.integration {
        Integration::OnerosterCsv {
            location: CsvLocation::Path { path },
        } => Ok(Arc::new(OneRosterCsv::new(customer.resolve(path)))),
        Integration::OnerosterCsv {
            location: CsvLocation::Ftp { .. },
        } => Err(Error::Unsupported {
            what: "reading OneRoster bundles from FTP".into(),
        }),
        Integration::Classlink { .. } => Err(Error::Unsupported {
            what: "the ClassLink connector".into(),
        }),
        Integration::OnerosterApi { .. } => Err(Error::Unsupported {
            what: "the OneRoster REST API connector".into(),
        }),
    }
}

/// The connector that reads a customer's platform data.
pub async fn platform_for(customer: &Customer) -> cdt_core::Result<Arc<dyn PlatformConnector>> {
    match &customer.platform {
        PlatformSource::Embedded { path } => Ok(Arc::new(
            EmbeddedStore::open(&customer.resolve(path), &customer.bookmarked_org_id).await?,
        )),
        PlatformSource::Snapshot { path } => Ok(Arc::new(Snapshot::new(
            customer.resolve(path),
            customer.bookmarked_org_id.clone(),
        ))),
        PlatformSource::Postgres => Err(Error::Unsupported {
            what: format!(
                "the Bookmarked PostgreSQL connector ({})",
                customer.bookmarked_environment
            ),
        }),
        PlatformSource::Api => Err(Error::Unsupported {
            what: format!(
                "the Bookmarked REST API connector ({})",
                customer.bookmarked_environment
            ),
        }),
    }
}

/// The platform connector for a path given on the command line: a snapshot folder,
/// or an embedded store file (`.sqlite`, `.db`).
pub async fn platform_from_path(
    path: &std::path::Path,
    district_id: &str,
) -> cdt_core::Result<Arc<dyn PlatformConnector>> {
    if path.is_dir() {
        Ok(Arc::new(Snapshot::new(path, district_id)))
    } else {
        Ok(Arc::new(EmbeddedStore::open(path, district_id).await?))
    }
}

/// The district ids (`organizations` rows of type `district`) in a snapshot folder or
/// an embedded store, for picking the district when only one is there.
pub async fn districts_in(path: &std::path::Path) -> cdt_core::Result<Vec<String>> {
    let data = if path.is_dir() {
        crate::snapshot::read_organizations(path)?
    } else {
        EmbeddedStore::organizations(path).await?
    };
    Ok(data
        .into_iter()
        .filter(|o| o.org_type.eq_ignore_ascii_case("district"))
        .map(|o| o.id)
        .collect())
}
