//! The tools Python can run: one [`Registry`] for the process, made at first use from
//! the built-in tools. Every run looks its tool up here, built-in or not, so plugins
//! added with `cdt.load_plugins(dir)` ([`crate::plugins`]) need no other code.

use std::sync::{Arc, PoisonError, RwLock};

use cdt_core::{Registry, Tool};

static REGISTRY: RwLock<Option<Registry>> = RwLock::new(None);

/// Runs `f` on the registry, making it first if needed.
pub(crate) fn with_registry<T>(f: impl FnOnce(&mut Registry) -> cdt_core::Result<T>) -> cdt_core::Result<T> {
    let mut guard = REGISTRY.write().unwrap_or_else(PoisonError::into_inner);
    if guard.is_none() {
        cdt_tools::link();
        *guard = Some(Registry::builtin()?);
    }
    match guard.as_mut() {
        Some(registry) => f(registry),
        None => unreachable!("the registry was just made"),
    }
}

/// The tool with this id.
pub(crate) fn tool(id: &str) -> cdt_core::Result<Arc<dyn Tool>> {
    with_registry(|r| r.get(id))
}

/// Every tool's spec, sorted by id.
pub(crate) fn specs() -> cdt_core::Result<Vec<cdt_core::ToolSpec>> {
    with_registry(|r| Ok(r.tools().map(|t| t.spec().clone()).collect()))
}

/// A copy of the registry (the tools are shared, not copied).
pub(crate) fn snapshot() -> cdt_core::Result<Registry> {
    with_registry(|r| Ok(r.clone()))
}

/// Adds every tool, or none when one's id is taken (`DuplicateTool`).
#[cfg_attr(not(feature = "plugins"), allow(dead_code))]
pub(crate) fn add_all(tools: Vec<Arc<dyn Tool>>) -> cdt_core::Result<()> {
    with_registry(|r| {
        let mut next = r.clone();
        for tool in tools {
            next.register(tool)?;
        }
        *r = next;
        Ok(())
    })
}
