//! `cdt.set_query_budget(username)`: the platform queries of every run started after it
//! are charged to a service user's budget (100 a minute) in the service's application
//! database, the same count `cdt serve` and `cdt run --as` keep
//! (`cdt_store::budget::UserBudget`, charged by the library on every platform read).

use std::sync::{Arc, Mutex, PoisonError};

use cdt_core::QueryBudget;
use pyo3::prelude::*;

use crate::errors::to_py_err;

static BUDGET: Mutex<Option<Arc<dyn QueryBudget>>> = Mutex::new(None);

/// The budget runs are charged to now, if one is set.
pub(crate) fn current() -> Option<Arc<dyn QueryBudget>> {
    BUDGET.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

/// Charges the platform queries of every later run to `username`'s budget in the
/// application database at `database_url` (default: `CDT_DATABASE_URL`, else the
/// service's own default); `None` stops charging.
#[pyfunction]
#[pyo3(signature = (username, *, database_url=None))]
pub(crate) fn set_query_budget(py: Python<'_>, username: Option<String>, database_url: Option<String>) -> PyResult<()> {
    let Some(username) = username else {
        *BUDGET.lock().unwrap_or_else(PoisonError::into_inner) = None;
        return Ok(());
    };
    let rt = crate::job::runtime()?;
    let budget = py
        .detach(|| rt.block_on(open(&username, database_url)))
        .map_err(|e| to_py_err(py, e))?;
    *BUDGET.lock().unwrap_or_else(PoisonError::into_inner) = Some(budget);
    Ok(())
}

async fn open(username: &str, database_url: Option<String>) -> cdt_core::Result<Arc<dyn QueryBudget>> {
    let db = |e: cdt_store::Error| cdt_core::Error::connector("application database", e.to_string());
    let url = match database_url {
        Some(u) => u,
        None => cdt_store::url_from_env().map_err(db)?,
    };
    let store = cdt_store::Store::open(&url).await.map_err(db)?;
    let user = store
        .user_by_name(username)
        .await
        .map_err(db)?
        .filter(|u| !u.disabled)
        .ok_or_else(|| {
            cdt_core::Error::input(
                "username",
                format!(
                    "the service has no enabled user `{}`",
                    cdt_core::text::clip(username, 64)
                ),
            )
        })?;
    Ok(Arc::new(cdt_store::budget::UserBudget::new(store, user.id)))
}
