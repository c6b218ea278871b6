//! What every request can reach: the tools, the customers' settings, the
//! application database, the settings of the service and its diagnostic slots.

use std::path::PathBuf;
use std::sync::Arc;

use cdt_connectors::hubspot::HubSpot;
use cdt_core::Registry;
use cdt_store::Store;
use cdt_store::audit::SecurityEvent;
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::metrics::Metrics;

/// The service's state.
#[derive(Debug)]
pub struct AppState {
    pub(crate) registry: Registry,
    pub(crate) settings_dir: PathBuf,
    /// The only folder whose files requests may name; `None`: no runs on files.
    pub(crate) data_dir: Option<PathBuf>,
    pub(crate) store: Store,
    pub(crate) config: Config,
    /// One permit per diagnostic allowed to run at once.
    pub(crate) slots: Arc<Semaphore>,
    pub(crate) metrics: Metrics,
    /// The HubSpot client, when HubSpot is configured.
    pub(crate) hubspot: Option<Arc<HubSpot>>,
}

impl AppState {
    /// State over the built-in tools, a folder of customer settings and the
    /// application database, with the default [`Config`].
    pub fn new(settings_dir: impl Into<PathBuf>, store: Store) -> cdt_core::Result<Self> {
        cdt_tools::link();
        Ok(Self::with_registry(Registry::builtin()?, settings_dir, store))
    }

    /// State over a given registry (e.g. the built-ins plus loaded plugins).
    pub fn with_registry(registry: Registry, settings_dir: impl Into<PathBuf>, store: Store) -> Self {
        cdt_tools::link();
        let config = Config::default();
        Self {
            registry,
            settings_dir: settings_dir.into(),
            data_dir: None,
            store,
            slots: Arc::new(Semaphore::new(config.max_in_flight)),
            config,
            metrics: Metrics::default(),
            hubspot: None,
        }
    }

    /// Lets requests run on files inside `dir` (and nowhere else).
    #[must_use]
    pub fn with_data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// With these settings.
    #[must_use]
    pub fn with_config(mut self, config: Config) -> Self {
        self.slots = Arc::new(Semaphore::new(config.max_in_flight));
        self.config = config;
        self
    }

    /// With a HubSpot client, for `POST /triage/{ticket}`.
    #[must_use]
    pub fn with_hubspot(mut self, client: HubSpot) -> Self {
        self.hubspot = Some(Arc::new(client));
        self
    }

    /// The application database.
    #[must_use]
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The caller's budget of platform queries (100 a minute, in the application
    /// database), charged by the library for every platform read of their runs.
    pub(crate) fn budget_of(&self, caller: &crate::auth::Caller) -> Arc<dyn cdt_core::QueryBudget> {
        Arc::new(cdt_store::budget::UserBudget::new(
            self.store.clone(),
            caller.user.id.clone(),
        ))
    }

    /// Diagnostics running now.
    pub(crate) fn in_flight(&self) -> usize {
        self.config.max_in_flight.saturating_sub(self.slots.available_permits())
    }

    /// Records a security event; a database failure is logged, never lost silently
    /// and never turned into a different answer.
    pub(crate) async fn security(&self, event: SecurityEvent) {
        if let Err(e) = self.store.record_event(event).await {
            tracing::error!(target: "cdt::security", error = %e, "could not record a security event");
        }
    }
}
