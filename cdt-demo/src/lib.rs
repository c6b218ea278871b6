//! # cdt-demo: deterministic demo and benchmark districts
//!
//! - [`generator`]: a realistic district on both sides, the SIS roster and the
//!   Bookmarked platform's exact import of it, from a seed;
//! - [`scenarios`]: planted differences between the two sides, for the demo;
//! - [`oneroster_csv`]: writes a roster as a `OneRoster` 1.1 CSV bundle (folder or ZIP),
//!   the writer of `cdt_connectors::oneroster::write`;
//! - [`rng`]: the small seeded generator everything derives from.
//!
//! ```
//! use cdt_demo::generator::{GenConfig, generate};
//!
//! let a = generate(&GenConfig::new(300, 1));
//! let b = generate(&GenConfig::new(300, 1));
//! assert_eq!(a, b);
//! ```

pub mod generator;
mod names;
pub mod rng;
pub mod scenarios;

pub use cdt_connectors::oneroster::write as oneroster_csv;
pub use generator::{District, GenConfig, generate};
