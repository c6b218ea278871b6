//! `cdt diff`: what changed between two OneRoster bundles (two nightly drops).

use std::path::Path;

use cdt_core::diff::{RosterDiff, diff_rosters};

use crate::bundle::Limits;
use crate::oneroster::read_bundle;

/// Reads both bundles (ZIP, folder, CSV file or XLSX) and compares them by `sourcedId`.
///
/// # Errors
/// A bundle that cannot be read, naming its file.
pub fn diff_bundles(old: &Path, new: &Path, limits: Limits) -> cdt_core::Result<RosterDiff> {
    let before = read_bundle(old, limits)?;
    let after = read_bundle(new, limits)?;
    Ok(diff_rosters(&before, &after))
}
