//! Builds a customer's connectors from its settings.

use std::sync::Arc;

use cdt_core::customer::{CsvLocation, Integration, PlatformSource};
use cdt_core::{Customer, Error, PlatformConnector, SourceConnector};

use crate::credentials::CredentialManager;
use crate::embedded::EmbeddedStore;
use crate::environments::Environments;
use crate::oneroster::OneRosterCsv;
use crate::snapshot::Snapshot;

/// The connector that reads a customer's SIS data, with the process's credentials
/// ([`default_credentials`]) for sources that need a secret (resolved when first
/// needed).
pub fn source_for(customer: &Customer) -> cdt_core::Result<Arc<dyn SourceConnector>> {
    source_cached(customer, &SourceOptions::default())
}

/// How a run's source uses the caches of file drops.
#[derive(Clone, Debug, Default)]
pub struct SourceOptions {
    /// Read the drop again, ignoring both caches (a run's `--fresh`).
    pub fresh: bool,
    /// The cache to use; `None` for the process's ([`crate::drop::SourceCache::global`]).
    #[cfg(feature = "drops")]
    pub cache: Option<Arc<crate::drop::SourceCache>>,
}

/// [`source_for`], with the caches of file drops as `options` say.
pub fn source_cached(customer: &Customer, options: &SourceOptions) -> cdt_core::Result<Arc<dyn SourceConnector>> {
    match &customer.integration {
        Integration::OnerosterApi { .. } | Integration::Classlink(_) => source_with(customer, &default_credentials()?),
        Integration::OnerosterCsv {
            location: CsvLocation::Path { .. },
        } => source_with(customer, &CredentialManager::new()),
        Integration::OnerosterCsv { .. } => drop_source(customer, &default_credentials()?, options),
    }
}

/// The connector that reads a customer's SIS data, resolving its secret with `creds`.
pub fn source_with(customer: &Customer, creds: &CredentialManager) -> cdt_core::Result<Arc<dyn SourceConnector>> {
    match &customer.integration {
        Integration::OnerosterCsv {
            location: CsvLocation::Path { path },
        } => Ok(Arc::new(OneRosterCsv::new(crate::customers::resolve_path(
            customer,
            path,
            "integration.location.path",
        )?))),
        Integration::OnerosterCsv { .. } => drop_source(customer, creds, &SourceOptions::default()),
        Integration::Classlink(_) | Integration::OnerosterApi { .. } => oneroster_api_source(customer, creds),
    }
}

#[cfg(feature = "drops")]
fn drop_source(
    customer: &Customer,
    creds: &CredentialManager,
    options: &SourceOptions,
) -> cdt_core::Result<Arc<dyn SourceConnector>> {
    use crate::drop::{DropSettings, DropSource, SourceCache};
    let Some(settings) = DropSettings::of_customer(customer)? else {
        return Err(Error::Unsupported {
            what: "this integration as a file drop".into(),
        });
    };
    let cache = options.cache.clone().unwrap_or_else(SourceCache::global);
    Ok(Arc::new(DropSource::new(settings, creds.clone(), cache, options.fresh)))
}

#[cfg(not(feature = "drops"))]
fn drop_source(
    _customer: &Customer,
    _creds: &CredentialManager,
    _options: &SourceOptions,
) -> cdt_core::Result<Arc<dyn SourceConnector>> {
    Err(Error::Unsupported {
        what: "reading OneRoster bundles from FTP or SFTP (this build has no cargo feature `drops`)".into(),
    })
}

#[cfg(feature = "api")]
fn oneroster_api_source(customer: &Customer, creds: &CredentialManager) -> cdt_core::Result<Arc<dyn SourceConnector>> {
    let api = match crate::oneroster_api::OneRosterApi::for_customer(customer, creds)? {
        Some(api) => Some(api),
        None => crate::classlink::for_customer(customer, creds)?,
    };
    match api {
        Some(api) => Ok(Arc::new(api)),
        None => Err(Error::Unsupported {
            what: "this integration as a OneRoster REST API".into(),
        }),
    }
}

#[cfg(not(feature = "api"))]
fn oneroster_api_source(customer: &Customer, _creds: &CredentialManager) -> cdt_core::Result<Arc<dyn SourceConnector>> {
    Err(Error::Unsupported {
        what: format!(
            "the {} connector (this build has no cargo feature `api`)",
            customer.integration.kind()
        ),
    })
}

/// The connector that reads a customer's platform data, with the process's credentials
/// ([`default_credentials`]).
pub async fn platform_for(customer: &Customer) -> cdt_core::Result<Arc<dyn PlatformConnector>> {
    match &customer.platform {
        PlatformSource::Embedded { .. } | PlatformSource::Snapshot { .. } => platform_local(customer).await,
        PlatformSource::Postgres | PlatformSource::Api => platform_with(customer, &default_credentials()?).await,
    }
}

async fn platform_local(customer: &Customer) -> cdt_core::Result<Arc<dyn PlatformConnector>> {
    match &customer.platform {
        PlatformSource::Embedded { path } => Ok(Arc::new(
            EmbeddedStore::open(
                &crate::customers::resolve_path(customer, path, "platform.path")?,
                &customer.bookmarked_org_id,
            )
            .await?,
        )),
        PlatformSource::Snapshot { path } => Ok(Arc::new(Snapshot::new(
            crate::customers::resolve_path(customer, path, "platform.path")?,
            customer.bookmarked_org_id.clone(),
        ))),
        PlatformSource::Postgres | PlatformSource::Api => Err(Error::Unsupported {
            what: "a remote platform source without credentials".into(),
        }),
    }
}

/// The credentials of this process: the environment, a `.env` file when `CDT_DOTENV`
/// names one (opt-in: a file that happens to be in the working folder is never read)
/// and, in builds with the `aws` feature, AWS Secrets Manager when `AWS_REGION` and
/// credentials are set.
pub fn default_credentials() -> crate::Result<CredentialManager> {
    let creds = match std::env::var_os("CDT_DOTENV").filter(|p| !p.is_empty()) {
        Some(p) => CredentialManager::new().with_dotenv(std::path::Path::new(&p), false)?,
        None => CredentialManager::new(),
    };
    #[cfg(feature = "aws")]
    let creds = match crate::aws_secrets::AwsConfig::from_vars(&creds) {
        Some(config) => {
            let client = crate::aws_secrets::SecretsManager::new(config)?;
            creds.with_aws(client)
        }
        None => creds,
    };
    Ok(creds)
}

/// A customer's environment settings, and a credential manager that resolves only
/// that environment's secrets.
pub fn environment_of(
    customer: &Customer,
    creds: &CredentialManager,
) -> crate::Result<(Environments, CredentialManager)> {
    let envs = Environments::load(&customer.settings_dir)?;
    let env = customer.bookmarked_environment;
    let scoped = creds.scoped(&env.to_string(), envs.get(env).secret_refs());
    Ok((envs, scoped))
}

/// The connector that reads a customer's platform data, resolving secrets with `creds`
/// (scoped to the customer's environment).
pub async fn platform_with(
    customer: &Customer,
    creds: &CredentialManager,
) -> cdt_core::Result<Arc<dyn PlatformConnector>> {
    let env = customer.bookmarked_environment;
    match &customer.platform {
        PlatformSource::Embedded { .. } | PlatformSource::Snapshot { .. } => platform_local(customer).await,
        PlatformSource::Postgres => {
            let (envs, creds) = environment_of(customer, creds)?;
            let Some(db) = &envs.get(env).database else {
                return Err(missing(&envs, env, "database"));
            };
            postgres_platform(customer, db, &creds).await
        }
        PlatformSource::Api => {
            let (envs, creds) = environment_of(customer, creds)?;
            let Some(api) = &envs.get(env).api else {
                return Err(missing(&envs, env, "api"));
            };
            api_platform(customer, api, &creds).await
        }
    }
}

fn missing(envs: &Environments, env: cdt_core::Environment, what: &str) -> Error {
    Error::Config {
        path: envs.path.clone(),
        field: Some(format!("{env}.{what}")),
        message: format!(
            "field `{env}.{what}`: the {env} environment has no {what}, which this customer's platform needs"
        ),
    }
}

#[cfg(feature = "postgres")]
async fn postgres_platform(
    customer: &Customer,
    db: &crate::environments::DatabaseSettings,
    creds: &CredentialManager,
) -> cdt_core::Result<Arc<dyn PlatformConnector>> {
    let password = creds.get(&db.password).await?;
    let opts = crate::postgres::PgOptions::from_settings(db, customer.bookmarked_environment);
    Ok(Arc::new(
        crate::postgres::PostgresPlatform::connect(&opts, &password, &customer.bookmarked_org_id).await?,
    ))
}

#[cfg(not(feature = "postgres"))]
#[allow(clippy::unused_async)]
async fn postgres_platform(
    customer: &Customer,
    _db: &crate::environments::DatabaseSettings,
    _creds: &CredentialManager,
) -> cdt_core::Result<Arc<dyn PlatformConnector>> {
    Err(Error::Unsupported {
        what: format!(
            "the Bookmarked PostgreSQL connector ({})",
            customer.bookmarked_environment
        ),
    })
}

#[cfg(feature = "api")]
async fn api_platform(
    customer: &Customer,
    api: &crate::environments::ApiSettings,
    creds: &CredentialManager,
) -> cdt_core::Result<Arc<dyn PlatformConnector>> {
    let token = creds.get(&api.token).await?;
    let opts = crate::platform_api::ApiOptions::from_settings(api, customer.bookmarked_environment);
    Ok(Arc::new(crate::platform_api::PlatformApi::new(
        opts,
        token,
        &customer.bookmarked_org_id,
    )?))
}

#[cfg(not(feature = "api"))]
#[allow(clippy::unused_async)]
async fn api_platform(
    customer: &Customer,
    _api: &crate::environments::ApiSettings,
    _creds: &CredentialManager,
) -> cdt_core::Result<Arc<dyn PlatformConnector>> {
    Err(Error::Unsupported {
        what: format!(
            "the Bookmarked REST API connector ({})",
            customer.bookmarked_environment
        ),
    })
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
