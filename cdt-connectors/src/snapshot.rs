//! Platform snapshot folders: one CSV file per platform table (`students.csv`,
//! `parent_students.csv`, …) with a header row of the table's columns, UTF-8.
//!
//! Support engineers receive such exports and diagnose from them offline. A snapshot
//! may lack `import_runs.csv` and `import_errors.csv`; every other table is required.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use cdt_core::PlatformConnector;
use cdt_core::platform::schema::{PlatformRow, Table};
use cdt_core::platform::{Organization, PlatformData};

use crate::atomic::AtomicDir;
use crate::csv_table::read_table;
use crate::error::{Error, Result};

/// The tables a snapshot may lack; every other table of
/// [`cdt_core::platform::schema::TABLES`] is required.
pub const OPTIONAL_TABLES: [&str; 2] = ["import_runs", "import_errors"];

/// Reads a platform snapshot folder, scoped to one district.
#[derive(Clone, Debug)]
pub struct Snapshot {
    dir: PathBuf,
    district_id: String,
}

impl Snapshot {
    /// A connector for the snapshot in `dir`, for the district `district_id`.
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>, district_id: impl Into<String>) -> Self {
        Self {
            dir: dir.into(),
            district_id: district_id.into(),
        }
    }

    /// Reads the whole snapshot (blocking), scoped to the district.
    pub fn read(&self) -> Result<PlatformData> {
        let data = read_snapshot(&self.dir)?;
        if !data.organizations.iter().any(|o| o.id == self.district_id) {
            return Err(Error::Bundle {
                path: self.dir.join("organizations.csv"),
                message: format!(
                    "no organization with id `{}` (the customer's bookmarked_org_id)",
                    self.district_id
                ),
            });
        }
        Ok(data.scoped_to_district(&self.district_id))
    }
}

#[async_trait]
impl PlatformConnector for Snapshot {
    fn describe(&self) -> String {
        format!("platform snapshot {}", self.dir.display())
    }

    async fn load(&self) -> cdt_core::Result<PlatformData> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.read())
            .await
            .map_err(|e| cdt_core::Error::connector(self.describe(), format!("reader task failed: {e}")))?
            .map_err(Into::into)
    }
}

/// Reads the rows of `T`'s table from its file: every column of the table must be in
/// the header; a blank cell is an empty value.
fn read_rows<T: PlatformRow>(dir: &Path) -> Result<Vec<T>> {
    let table = T::TABLE;
    let file = format!("{}.csv", table.name);
    let path = dir.join(&file);
    let mut out = Vec::new();
    if !path.is_file() {
        if OPTIONAL_TABLES.contains(&table.name) {
            return Ok(out);
        }
        return Err(Error::Bundle {
            path,
            message: "missing: a platform snapshot needs this table".into(),
        });
    }
    let f = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
    let required: Vec<&str> = table.column_names().collect();
    read_table(&file, std::io::BufReader::new(f), &required, |row| {
        let values = table
            .columns
            .iter()
            .map(|c| row.opt(c.name))
            .collect::<Result<Vec<_>>>()?;
        out.push(T::from_values(values).map_err(|bad| row.error(bad.column, bad.message))?);
        Ok(())
    })?;
    Ok(out)
}

/// Reads only `organizations.csv` of a snapshot folder.
pub fn read_organizations(dir: &Path) -> Result<Vec<Organization>> {
    read_rows(dir)
}

/// Reads every table of a snapshot folder, unscoped.
pub fn read_snapshot(dir: &Path) -> Result<PlatformData> {
    if !dir.is_dir() {
        return Err(Error::Bundle {
            path: dir.to_owned(),
            message: "not a folder: a platform snapshot is a folder of CSV files".into(),
        });
    }
    Ok(PlatformData {
        organizations: read_rows(dir)?,
        students: read_rows(dir)?,
        parents: read_rows(dir)?,
        parent_students: read_rows(dir)?,
        classes: read_rows(dir)?,
        enrollments: read_rows(dir)?,
        import_runs: read_rows(dir)?,
        import_errors: read_rows(dir)?,
    })
}

/// Writes platform data as a snapshot folder, all or nothing ([`crate::atomic`]): the
/// folder is written under a temporary name and renamed into place, replacing an
/// earlier snapshot there; a folder holding anything but snapshot tables is left
/// alone and is an error.
pub fn write_snapshot(dir: &Path, data: &PlatformData) -> Result<()> {
    let is_table = |name: &str| {
        name.strip_suffix(".csv")
            .is_some_and(|t| cdt_core::platform::schema::TABLES.iter().any(|table| table.name == t))
    };
    let out = AtomicDir::create(dir, is_table).map_err(|e| Error::io(dir, e))?;
    for table in data.table_rows() {
        write_table(&out, dir, table.table, table.rows)?;
    }
    out.commit().map_err(|e| Error::io(dir, e))
}

fn write_table<'a>(
    out: &AtomicDir,
    dir: &Path,
    table: &Table,
    rows: impl Iterator<Item = Vec<Option<&'a str>>>,
) -> Result<()> {
    let file = format!("{}.csv", table.name);
    let path = dir.join(&file);
    let werr = |e: csv::Error| Error::csv(&file, None, None, format!("write failed: {e}"));
    let f = out.create_file(&file).map_err(|e| Error::io(&path, e))?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::with_capacity(1 << 16, f));
    w.write_record(table.column_names()).map_err(werr)?;
    for row in rows {
        w.write_record(row.iter().map(|v| v.unwrap_or_default()))
            .map_err(werr)?;
    }
    w.flush().map_err(|e| Error::io(&path, e))
}
