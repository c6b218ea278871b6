//! One diagnostic, from what an adapter was given to a [`DiagnosticResult`]: the
//! target's connectors, the [`RunContext`] (time, ticket, warnings, district) and the
//! engine. Every adapter (command line, HTTP, Python) makes this one call.

use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use cdt_core::{
    Customer, DiagnosticResult, Error, Inputs, PlatformConnector, Result, RunContext, SourceConnector, Tool,
};
use chrono::{DateTime, Utc};

use crate::oneroster::OneRosterCsv;
use crate::{customers, factory};

/// What a diagnostic runs on.
#[derive(Clone, Debug)]
pub enum Target {
    /// A customer, by id, from a folder of settings files.
    Customer {
        /// The folder of settings files.
        settings_dir: PathBuf,
        /// The customer id (the file's name).
        customer_id: String,
    },
    /// A customer whose settings are already loaded.
    Settings(Arc<Customer>),
    /// A OneRoster bundle and a platform snapshot folder or embedded store.
    Files {
        /// The bundle: a ZIP, a folder or a CSV file.
        source: PathBuf,
        /// The platform snapshot folder or embedded store file.
        platform: PathBuf,
        /// The district's Bookmarked organization id; when `None`, the only district
        /// in the platform data.
        district_id: Option<String>,
    },
}

impl Target {
    /// Files given by a remote caller, confined to `root`: each path must be relative,
    /// stay inside `root` (no `..`), exist, and contain no symbolic link on the way or
    /// inside a folder. The errors name the caller's path, never `root`.
    pub fn files_under(root: &Path, source: &Path, platform: &Path, district_id: Option<String>) -> Result<Self> {
        Ok(Self::Files {
            source: confined(root, source, "source")?,
            platform: confined(root, platform, "platform")?,
            district_id,
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Customer { customer_id, .. } => f.write_str(customer_id),
            Self::Settings(c) => f.write_str(&c.customer_id),
            Self::Files { source, .. } => write!(f, "{}", source.display()),
        }
    }
}

/// How a run is stamped.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// When the diagnostic runs (the result's timestamp; tools see its date).
    pub timestamp: DateTime<Utc>,
    /// The HubSpot ticket, if any.
    pub hubspot_ticket_id: Option<String>,
    /// Read a file drop again rather than from the caches (`--fresh`).
    pub fresh: bool,
    /// The caches of file drops; `None` for the process's own.
    #[cfg(feature = "drops")]
    pub cache: Option<Arc<crate::drop::SourceCache>>,
    /// The caller's budget of platform queries: every platform read takes one first
    /// ([`crate::budget::Metered`]); `None`: unlimited.
    pub budget: Option<Arc<dyn cdt_core::QueryBudget>>,
    /// How many threads a sweep runs its cases on; `0` (the default) for one per core.
    pub threads: usize,
}

impl RunOptions {
    /// A run now, for a ticket or none.
    #[must_use]
    pub fn now(hubspot_ticket_id: Option<String>) -> Self {
        Self {
            timestamp: Utc::now(),
            hubspot_ticket_id,
            fresh: false,
            #[cfg(feature = "drops")]
            cache: None,
            budget: None,
            threads: 0,
        }
    }

    /// The same, with every platform read counted against `budget`.
    #[must_use]
    pub fn budget(mut self, budget: Arc<dyn cdt_core::QueryBudget>) -> Self {
        self.budget = Some(budget);
        self
    }

    /// The same, bypassing the caches of file drops when `fresh`.
    #[must_use]
    pub fn fresh(mut self, fresh: bool) -> Self {
        self.fresh = fresh;
        self
    }

    /// The same, with a sweep's cases run on `threads` threads (`0`: one per core).
    #[must_use]
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }
}

/// A target's two connectors.
pub struct Connectors {
    /// The SIS side.
    pub source: Arc<dyn SourceConnector>,
    /// The platform side.
    pub platform: Arc<dyn PlatformConnector>,
}

/// Runs `tool` on `target`: builds the connectors and the run context, then runs
/// [`cdt_core::diagnose`].
pub async fn run(tool: &dyn Tool, inputs: &Inputs, target: &Target, options: &RunOptions) -> Result<DiagnosticResult> {
    run_with(tool, inputs, target, options, |c| c).await
}

/// [`run`], with the connectors passed through `wrap` before use (e.g. to report
/// progress).
pub async fn run_with(
    tool: &dyn Tool,
    inputs: &Inputs,
    target: &Target,
    options: &RunOptions,
    wrap: impl FnOnce(Connectors) -> Connectors + Send,
) -> Result<DiagnosticResult> {
    let (connectors, ctx) = connect(target, options).await?;
    let Connectors { source, platform } = wrap(connectors);
    cdt_core::diagnose(tool, inputs, source.as_ref(), platform.as_ref(), &ctx).await
}

/// The connectors and the run context of a target (the platform's reads counted
/// against the options' budget, when there is one).
pub async fn connect(target: &Target, options: &RunOptions) -> Result<(Connectors, RunContext)> {
    let (mut connectors, ctx) = connect_unmetered(target, options).await?;
    if let Some(budget) = &options.budget {
        connectors.platform = Arc::new(crate::budget::Metered::new(connectors.platform, Arc::clone(budget)));
    }
    Ok((connectors, ctx))
}

async fn connect_unmetered(target: &Target, options: &RunOptions) -> Result<(Connectors, RunContext)> {
    match target {
        Target::Customer {
            settings_dir,
            customer_id,
        } => connect_customer(&customers::load(settings_dir, customer_id)?, options).await,
        Target::Settings(customer) => connect_customer(customer, options).await,
        Target::Files {
            source,
            platform,
            district_id,
        } => {
            let district = district_of(platform, district_id.as_deref()).await?;
            let connectors = Connectors {
                source: Arc::new(OneRosterCsv::new(source)),
                platform: factory::platform_from_path(platform, &district).await?,
            };
            Ok((connectors, context(district, None, Vec::new(), options)))
        }
    }
}

async fn connect_customer(customer: &Customer, options: &RunOptions) -> Result<(Connectors, RunContext)> {
    let mut warnings = Vec::new();
    if !customer.active {
        warnings.push(format!(
            "customer `{}` is marked inactive in its settings file",
            customer.customer_id
        ));
    }
    let connectors = Connectors {
        source: factory::source_cached(
            customer,
            &factory::SourceOptions {
                fresh: options.fresh,
                #[cfg(feature = "drops")]
                cache: options.cache.clone(),
            },
        )?,
        platform: factory::platform_for(customer).await?,
    };
    let ctx = context(
        customer.bookmarked_org_id.clone(),
        Some(customer.customer_id.clone()),
        warnings,
        options,
    );
    Ok((connectors, ctx))
}

fn context(district: String, customer_id: Option<String>, warnings: Vec<String>, options: &RunOptions) -> RunContext {
    RunContext {
        customer_id,
        hubspot_ticket_id: options.hubspot_ticket_id.clone(),
        warnings,
        ..RunContext::new(district, options.timestamp)
    }
}

/// The platform connector of a snapshot folder or embedded store, for one district
/// (the only one in the data when `district_id` is `None`).
pub async fn platform_from_files(platform: &Path, district_id: Option<&str>) -> Result<Arc<dyn PlatformConnector>> {
    let district = district_of(platform, district_id).await?;
    factory::platform_from_path(platform, &district).await
}

/// The district to run on: the one given, or else the only one in the platform data.
/// The platform path must exist: without this check a missing store would read as a
/// database error rather than a missing file.
async fn district_of(platform: &Path, district_id: Option<&str>) -> Result<String> {
    std::fs::metadata(platform).map_err(|e| Error::io(platform, e))?;
    if let Some(d) = district_id {
        return Ok(d.to_owned());
    }
    let ids = factory::districts_in(platform).await?;
    match ids.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(Error::Data {
            location: platform.display().to_string(),
            message: "no district (an `organizations` row of type `district`) in the platform data".into(),
        }),
        many => Err(Error::input(
            "district_id",
            format!(
                "{} holds several districts ({}); give the district id to pick one",
                platform.display(),
                many.join(", ")
            ),
        )),
    }
}

/// `rel` under `root`, refused unless relative, free of `..`, existing, and free of
/// symbolic links (on the way, and anywhere inside when it is a folder).
fn confined(root: &Path, rel: &Path, field: &str) -> Result<PathBuf> {
    let shown = rel.display();
    let plain = rel
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !plain || rel.as_os_str().is_empty() {
        return Err(Error::input(
            field,
            format!("`{shown}` must be a relative path inside the data directory, without `..`"),
        ));
    }
    let mut path = root.to_owned();
    for part in rel.components() {
        path.push(part);
        let meta = std::fs::symlink_metadata(&path)
            .map_err(|_| Error::input(field, format!("`{shown}` does not exist in the data directory")))?;
        if meta.file_type().is_symlink() {
            return Err(Error::input(field, format!("`{shown}` goes through a symbolic link")));
        }
    }
    if path.is_dir() && has_symlink(&path, 4) {
        return Err(Error::input(field, format!("`{shown}` holds a symbolic link")));
    }
    Ok(path)
}

/// Whether a folder holds a symbolic link, up to `depth` levels down (deeper counts as
/// one, and so does a folder that cannot be read).
fn has_symlink(dir: &Path, depth: usize) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return true;
    };
    for entry in entries {
        let Ok(entry) = entry else { return true };
        let Ok(kind) = entry.file_type() else { return true };
        if kind.is_symlink() || (kind.is_dir() && (depth == 0 || has_symlink(&entry.path(), depth - 1))) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_under_a_root_stay_under_it() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("d/bundle")).unwrap();
        std::fs::write(r.join("d/bundle/users.csv"), "x").unwrap();
        std::fs::write(r.join("d/platform.sqlite"), "x").unwrap();
        let ok = Target::files_under(r, Path::new("d/bundle"), Path::new("./d/platform.sqlite"), None).unwrap();
        let Target::Files { source, platform, .. } = ok else {
            panic!("files")
        };
        assert_eq!(source, r.join("d/bundle"));
        assert_eq!(platform, r.join("d/platform.sqlite"));

        let refused = |source: &str| {
            let e = Target::files_under(r, Path::new(source), Path::new("d/platform.sqlite"), None).unwrap_err();
            assert!(matches!(&e, Error::Input { name, .. } if name == "source"), "{e}");
            let text = e.to_string();
            assert!(!text.contains(&r.display().to_string()), "{text}");
            text
        };
        assert!(refused("../etc").contains("without `..`"));
        assert!(refused("d/../../etc").contains("without `..`"));
        assert!(refused("/etc").contains("without `..`"));
        assert!(refused("").contains("relative path"));
        assert!(refused("d/missing").contains("does not exist"));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc", r.join("d/link")).unwrap();
            assert!(refused("d/link").contains("symbolic link"));
            assert!(refused("d").contains("holds a symbolic link"));
            std::os::unix::fs::symlink("/etc/passwd", r.join("d/bundle/orgs.csv")).unwrap();
            assert!(refused("d/bundle").contains("holds a symbolic link"));
        }
    }
}
