//! A user's budget of platform queries ([`Limit::PLATFORM_QUERIES`], 100 a minute),
//! counted in the application database: the service's replicas, and the command line
//! or Python given the same database, count one budget per user. Passed to a run as
//! `cdt_connectors::RunOptions::budget`, it is charged one query for every read of the
//! platform.

use async_trait::async_trait;

use crate::Store;
use crate::limits::Limit;

/// The platform queries of one user, counted in a [`Store`].
#[derive(Clone, Debug)]
pub struct UserBudget {
    store: Store,
    user_id: String,
}

impl UserBudget {
    /// The budget of the user with this id.
    #[must_use]
    pub fn new(store: Store, user_id: impl Into<String>) -> Self {
        Self {
            store,
            user_id: user_id.into(),
        }
    }
}

#[async_trait]
impl cdt_core::QueryBudget for UserBudget {
    async fn take(&self) -> cdt_core::Result<()> {
        let limit = Limit::PLATFORM_QUERIES;
        let decision = self
            .store
            .hit(limit, &self.user_id)
            .await
            .map_err(|e| cdt_core::Error::connector("application database", e.to_string()))?;
        if decision.allowed {
            return Ok(());
        }
        tracing::info!(target: "cdt::security", user_id = %self.user_id, "platform query budget spent");
        Err(cdt_core::Error::RateLimited {
            what: format!("at most {} platform queries a minute per user", limit.max),
            retry_after_secs: u64::try_from(decision.retry_after_secs).unwrap_or(1),
        })
    }
}

#[cfg(test)]
mod tests {
    use cdt_core::QueryBudget as _;

    use super::*;

    #[tokio::test]
    async fn the_hundred_and_first_query_in_a_minute_is_refused_with_its_wait() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite://{}", dir.path().join("s.sqlite").display()))
            .await
            .unwrap();
        let ana = UserBudget::new(store.clone(), "ana");
        for _ in 0..Limit::PLATFORM_QUERIES.max {
            ana.take().await.unwrap();
        }
        let err = ana.take().await.unwrap_err();
        let cdt_core::Error::RateLimited { what, retry_after_secs } = &err else {
            panic!("{err:?}");
        };
        assert!(what.contains("100 platform queries"), "{what}");
        assert!((1..=60).contains(retry_after_secs));
        // Another user's budget is their own.
        UserBudget::new(store, "ben").take().await.unwrap();
    }
}
