//! The registry of tools.
//!
//! Built-in tools register themselves next to their implementation with
//! [`register_tool!`](crate::register_tool), which submits a [`ToolRegistration`] to
//! `inventory`; [`Registry::builtin`] collects them at run time. Plugins are added with
//! [`Registry::register`].

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::tool::Tool;

/// A built-in tool's entry, submitted with [`register_tool!`](crate::register_tool).
pub struct ToolRegistration {
    /// Makes the tool.
    pub make: fn() -> Box<dyn Tool>,
}

inventory::collect!(ToolRegistration);

/// Registers a built-in tool: `register_tool!(StudentMismatch)` for a type that is
/// `Default + Tool`.
#[macro_export]
macro_rules! register_tool {
    ($ty:ty) => {
        $crate::inventory::submit! {
            $crate::ToolRegistration {
                make: || ::std::boxed::Box::new(<$ty as ::core::default::Default>::default()),
            }
        }
    };
}

/// The tools available to run, sorted by id.
#[derive(Clone, Default)]
pub struct Registry {
    tools: Vec<Arc<dyn Tool>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.ids()).finish()
    }
}

impl Registry {
    /// An empty registry.
    #[must_use]
    pub fn empty() -> Self {
        Self::default()
    }

    /// Every built-in tool linked into this program.
    pub fn builtin() -> Result<Self> {
        let mut r = Self::empty();
        for reg in inventory::iter::<ToolRegistration> {
            r.register(Arc::from((reg.make)()))?;
        }
        Ok(r)
    }

    /// Adds a tool; its id must be new.
    pub fn register(&mut self, tool: Arc<dyn Tool>) -> Result<()> {
        let id = tool.spec().id.clone();
        match self.tools.binary_search_by(|t| t.spec().id.cmp(&id)) {
            Ok(_) => Err(Error::DuplicateTool { id }),
            Err(pos) => {
                self.tools.insert(pos, tool);
                Ok(())
            }
        }
    }

    /// The tool with this id.
    pub fn get(&self, id: &str) -> Result<Arc<dyn Tool>> {
        self.tools
            .binary_search_by(|t| t.spec().id.as_str().cmp(id))
            .map(|i| Arc::clone(&self.tools[i]))
            .map_err(|_| Error::UnknownTool { id: id.to_owned() })
    }

    /// The tools, sorted by id.
    pub fn tools(&self) -> impl Iterator<Item = &Arc<dyn Tool>> {
        self.tools.iter()
    }

    /// The ids, sorted.
    #[must_use]
    pub fn ids(&self) -> Vec<&str> {
        self.tools.iter().map(|t| t.spec().id.as_str()).collect()
    }
}
