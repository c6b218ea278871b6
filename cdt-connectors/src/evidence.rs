//! Evidence of a case, and platform snapshots: data captured from any source so a case
//! can be replayed offline (`cdt run <tool> --source … --platform …`) and attached to a
//! ticket.
//!
//! - [`run_with_evidence`] runs a diagnostic like [`crate::run()`] and writes the two
//!   slices the result relied on into a folder: `source/`, the SIS slice as a OneRoster
//!   1.1 CSV bundle ([`crate::oneroster::write`]), and `platform/`, the platform slice
//!   as a snapshot folder ([`crate::snapshot::write_snapshot`]).
//! - [`write_platform_snapshot`] writes a platform snapshot folder of a whole district,
//!   or of one case's platform slice.
//!
//! The slices are the engine's own ([`cdt_core::fetch_case`]), so a replay slices them
//! again to the same data and gives the same status and findings. Every folder is
//! written all or nothing ([`crate::atomic`]) and only ever replaces an earlier folder
//! of the same kind; an evidence folder holding anything but `source` and `platform` is
//! refused. What the roster model does not carry (e.g. a 1.2 bundle's preferred names)
//! is not in the bundle, and a replay carries no warning of the original source.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cdt_core::{DiagnosticResult, Error, Inputs, PlatformData, Result, Roster, Tool};
use serde::Serialize;

use crate::run::{RunOptions, Target, connect};

/// The folder of an evidence folder holding the SIS slice (a OneRoster bundle).
pub const SOURCE_DIR: &str = "source";
/// The folder of an evidence folder holding the platform slice (a snapshot folder).
pub const PLATFORM_DIR: &str = "platform";

/// One folder written, with the rows of each file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Written {
    /// The folder.
    pub path: PathBuf,
    /// Data rows written, by table (`users`, `students`, …).
    pub rows: BTreeMap<String, usize>,
}

/// Where the evidence of a case was written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The SIS slice, a OneRoster 1.1 CSV bundle folder (`--source` of a replay).
    pub source: Written,
    /// The platform slice, a snapshot folder (`--platform` of a replay).
    pub platform: Written,
}

/// What a platform snapshot holds.
#[derive(Clone, Copy)]
pub enum SnapshotScope<'a> {
    /// Every table of the district.
    District,
    /// The platform slice of one case: what `tool` run with `inputs` relies on. The
    /// source is read too, as in a run: its slice names the records to keep.
    Case {
        /// The diagnostic.
        tool: &'a dyn Tool,
        /// Its inputs.
        inputs: &'a Inputs,
    },
}

/// Runs `tool` on `target` as [`crate::run()`] does, and writes the two slices the
/// result relies on under `dir` ([`SOURCE_DIR`], [`PLATFORM_DIR`]) before judging, so a
/// case whose tool fails still leaves its evidence.
pub async fn run_with_evidence(
    tool: &dyn Tool,
    inputs: &Inputs,
    target: &Target,
    options: &RunOptions,
    dir: &Path,
) -> Result<(DiagnosticResult, Evidence)> {
    check_evidence_dir(dir)?;
    let (connectors, ctx) = connect(target, options).await?;
    let slices = cdt_core::fetch_case(tool, inputs, connectors.source.as_ref(), connectors.platform.as_ref()).await?;
    let evidence = write_evidence(dir, &slices.source, &slices.platform)?;
    let result = cdt_core::judge(tool, slices, &ctx)?;
    Ok((result, evidence))
}

/// Writes a platform snapshot folder at `out` of `target`'s platform: the whole
/// district, or one case's slice.
pub async fn write_platform_snapshot(target: &Target, scope: SnapshotScope<'_>, out: &Path) -> Result<Written> {
    let options = RunOptions::now(None);
    let (connectors, _) = connect(target, &options).await?;
    let data = match scope {
        SnapshotScope::District => connectors.platform.load().await?,
        SnapshotScope::Case { tool, inputs } => {
            cdt_core::fetch_case(tool, inputs, connectors.source.as_ref(), connectors.platform.as_ref())
                .await?
                .platform
        }
    };
    snapshot_to(out, &data)
}

/// Writes both slices of a case under `dir`.
pub fn write_evidence(dir: &Path, source: &Roster, platform: &PlatformData) -> Result<Evidence> {
    check_evidence_dir(dir)?;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let source_dir = dir.join(SOURCE_DIR);
    crate::oneroster::write::write_bundle_dir(source, &source_dir)?;
    let platform = snapshot_to(&dir.join(PLATFORM_DIR), platform)?;
    Ok(Evidence {
        source: Written {
            path: source_dir,
            rows: roster_rows(source),
        },
        platform,
    })
}

fn snapshot_to(out: &Path, data: &PlatformData) -> Result<Written> {
    crate::snapshot::write_snapshot(out, data)?;
    Ok(Written {
        path: out.to_owned(),
        rows: data
            .table_rows()
            .into_iter()
            .map(|t| (t.table.name.to_owned(), t.rows.count()))
            .collect(),
    })
}

fn roster_rows(r: &Roster) -> BTreeMap<String, usize> {
    [
        ("orgs", r.orgs.len()),
        ("users", r.users.len()),
        ("courses", r.courses.len()),
        ("classes", r.classes.len()),
        ("academicSessions", r.academic_sessions.len()),
        ("enrollments", r.enrollments.len()),
    ]
    .into_iter()
    .map(|(k, n)| (k.to_owned(), n))
    .collect()
}

/// Fails unless `dir` is absent or a real folder holding nothing but the folders of an
/// earlier evidence.
fn check_evidence_dir(dir: &Path) -> Result<()> {
    let refuse = |why: String| {
        Err(Error::Data {
            location: dir.display().to_string(),
            message: format!("refusing to write evidence there: {why}"),
        })
    };
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    if !meta.is_dir() {
        return refuse("it is not a folder".into());
    }
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if !is_dir || (name != SOURCE_DIR && name != PLATFORM_DIR) {
            return refuse(format!(
                "it holds `{}`, which is not part of an evidence folder",
                cdt_core::text::one_line(&name)
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_foreign_folder_is_refused_and_an_earlier_evidence_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let roster = Roster::default();
        let platform = PlatformData::default();

        let dir = tmp.path().join("case");
        let first = write_evidence(&dir, &roster, &platform).unwrap();
        assert_eq!(first.source.path, dir.join("source"));
        assert!(dir.join("source/manifest.csv").is_file());
        assert!(dir.join("platform/students.csv").is_file());
        // An earlier evidence is replaced.
        write_evidence(&dir, &roster, &platform).unwrap();

        let foreign = tmp.path().join("mine");
        std::fs::create_dir(&foreign).unwrap();
        std::fs::write(foreign.join("notes.txt"), "keep me").unwrap();
        let e = write_evidence(&foreign, &roster, &platform).unwrap_err().to_string();
        assert!(e.contains("notes.txt") && e.contains("mine"), "{e}");
        assert_eq!(std::fs::read_dir(&foreign).unwrap().count(), 1);

        let file = tmp.path().join("file");
        std::fs::write(&file, "x").unwrap();
        let e = write_evidence(&file, &roster, &platform).unwrap_err().to_string();
        assert!(e.contains("not a folder"), "{e}");
    }
}
