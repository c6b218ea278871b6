//! Platform snapshot folders: one CSV file per platform table (`students.csv`,
//! `parent_students.csv`, …) with a header row of the table's columns, UTF-8.
//!
//! Support engineers receive such exports and diagnose from them offline. A snapshot
//! may lack `import_runs.csv` and `import_errors.csv`; every other table is required.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use cdt_core::PlatformConnector;
use cdt_core::platform::{
    Class, Enrollment, ImportError, ImportRun, Organization, Parent, ParentStudent, PlatformData, PlatformStatus,
    Student,
};

use crate::csv_table::{Row, read_table};
use crate::error::{Error, Result};

/// The columns of each platform table, in order.
pub const TABLES: [(&str, &[&str]); 8] = [
    ("organizations", &["id", "sourced_id", "name", "type", "parent_id"]),
    (
        "students",
        &[
            "id",
            "sourced_id",
            "organization_id",
            "first_name",
            "last_name",
            "email",
            "grade",
            "student_number",
            "status",
        ],
    ),
    (
        "parents",
        &[
            "id",
            "sourced_id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "status",
        ],
    ),
    ("parent_students", &["parent_id", "student_id"]),
    (
        "classes",
        &[
            "id",
            "sourced_id",
            "organization_id",
            "title",
            "course_sourced_id",
            "term_sourced_id",
            "status",
        ],
    ),
    (
        "enrollments",
        &["id", "sourced_id", "class_id", "user_id", "role", "status"],
    ),
    (
        "import_runs",
        &["id", "organization_id", "source", "started_at", "finished_at", "status"],
    ),
    (
        "import_errors",
        &["id", "import_run_id", "entity_type", "sourced_id", "message"],
    ),
];

fn columns(table: &str) -> &'static [&'static str] {
    TABLES.iter().find(|(t, _)| *t == table).map_or(&[], |(_, c)| *c)
}

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

fn status(row: &Row<'_>) -> Result<PlatformStatus> {
    let v = row.required("status")?;
    PlatformStatus::parse(v)
        .ok_or_else(|| row.error("status", format!("`{v}` is not a status; expected active or deleted")))
}

fn req(row: &Row<'_>, c: &str) -> Result<String> {
    row.required(c).map(str::to_owned)
}

fn table(dir: &Path, name: &str, optional: bool, mut each: impl FnMut(&Row<'_>) -> Result<()>) -> Result<()> {
    let file = format!("{name}.csv");
    let path = dir.join(&file);
    if !path.is_file() {
        if optional {
            return Ok(());
        }
        return Err(Error::Bundle {
            path,
            message: "missing: a platform snapshot needs this table".into(),
        });
    }
    let f = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
    let required: Vec<&str> = columns(name).to_vec();
    read_table(&file, std::io::BufReader::new(f), &required, &mut each)
}

/// Reads only `organizations.csv` of a snapshot folder.
pub fn read_organizations(dir: &Path) -> Result<Vec<Organization>> {
    let mut out = Vec::new();
    table(dir, "organizations", false, |r| {
        out.push(organization(r)?);
        Ok(())
    })?;
    Ok(out)
}

fn organization(r: &Row<'_>) -> Result<Organization> {
    Ok(Organization {
        id: req(r, "id")?,
        sourced_id: req(r, "sourced_id")?,
        name: req(r, "name")?,
        org_type: req(r, "type")?,
        parent_id: r.opt("parent_id")?,
    })
}

/// Reads every table of a snapshot folder, unscoped.
pub fn read_snapshot(dir: &Path) -> Result<PlatformData> {
    if !dir.is_dir() {
        return Err(Error::Bundle {
            path: dir.to_owned(),
            message: "not a folder: a platform snapshot is a folder of CSV files".into(),
        });
    }
    let mut d = PlatformData::default();
    table(dir, "organizations", false, |r| {
        d.organizations.push(organization(r)?);
        Ok(())
    })?;
    table(dir, "students", false, |r| {
        d.students.push(Student {
            id: req(r, "id")?,
            sourced_id: req(r, "sourced_id")?,
            organization_id: req(r, "organization_id")?,
            first_name: req(r, "first_name")?,
            last_name: req(r, "last_name")?,
            email: r.opt("email")?,
            grade: r.opt("grade")?,
            student_number: r.opt("student_number")?,
            status: status(r)?,
        });
        Ok(())
    })?;
    table(dir, "parents", false, |r| {
        d.parents.push(Parent {
            id: req(r, "id")?,
            sourced_id: req(r, "sourced_id")?,
            first_name: req(r, "first_name")?,
            last_name: req(r, "last_name")?,
            email: r.opt("email")?,
            phone: r.opt("phone")?,
            status: status(r)?,
        });
        Ok(())
    })?;
    table(dir, "parent_students", false, |r| {
        d.parent_students.push(ParentStudent {
            parent_id: req(r, "parent_id")?,
            student_id: req(r, "student_id")?,
        });
        Ok(())
    })?;
    table(dir, "classes", false, |r| {
        d.classes.push(Class {
            id: req(r, "id")?,
            sourced_id: req(r, "sourced_id")?,
            organization_id: req(r, "organization_id")?,
            title: req(r, "title")?,
            course_sourced_id: r.opt("course_sourced_id")?,
            term_sourced_id: r.opt("term_sourced_id")?,
            status: status(r)?,
        });
        Ok(())
    })?;
    table(dir, "enrollments", false, |r| {
        d.enrollments.push(Enrollment {
            id: req(r, "id")?,
            sourced_id: req(r, "sourced_id")?,
            class_id: req(r, "class_id")?,
            user_id: req(r, "user_id")?,
            role: req(r, "role")?,
            status: status(r)?,
        });
        Ok(())
    })?;
    table(dir, "import_runs", true, |r| {
        d.import_runs.push(ImportRun {
            id: req(r, "id")?,
            organization_id: req(r, "organization_id")?,
            source: req(r, "source")?,
            started_at: req(r, "started_at")?,
            finished_at: r.opt("finished_at")?,
            status: req(r, "status")?,
        });
        Ok(())
    })?;
    table(dir, "import_errors", true, |r| {
        d.import_errors.push(ImportError {
            id: req(r, "id")?,
            import_run_id: req(r, "import_run_id")?,
            entity_type: req(r, "entity_type")?,
            sourced_id: req(r, "sourced_id")?,
            message: req(r, "message")?,
        });
        Ok(())
    })?;
    Ok(d)
}

/// Writes platform data as a snapshot folder. Each file is written to a temporary
/// name and renamed, so a failure never leaves a half-written table behind.
pub fn write_snapshot(dir: &Path, data: &PlatformData) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    write_table(
        dir,
        "organizations",
        data.organizations.iter().map(|r| {
            vec![
                r.id.clone(),
                r.sourced_id.clone(),
                r.name.clone(),
                r.org_type.clone(),
                o(&r.parent_id),
            ]
        }),
    )?;
    write_table(
        dir,
        "students",
        data.students.iter().map(|r| {
            vec![
                r.id.clone(),
                r.sourced_id.clone(),
                r.organization_id.clone(),
                r.first_name.clone(),
                r.last_name.clone(),
                o(&r.email),
                o(&r.grade),
                o(&r.student_number),
                r.status.as_str().to_owned(),
            ]
        }),
    )?;
    write_table(
        dir,
        "parents",
        data.parents.iter().map(|r| {
            vec![
                r.id.clone(),
                r.sourced_id.clone(),
                r.first_name.clone(),
                r.last_name.clone(),
                o(&r.email),
                o(&r.phone),
                r.status.as_str().to_owned(),
            ]
        }),
    )?;
    write_table(
        dir,
        "parent_students",
        data.parent_students
            .iter()
            .map(|r| vec![r.parent_id.clone(), r.student_id.clone()]),
    )?;
    write_table(
        dir,
        "classes",
        data.classes.iter().map(|r| {
            vec![
                r.id.clone(),
                r.sourced_id.clone(),
                r.organization_id.clone(),
                r.title.clone(),
                o(&r.course_sourced_id),
                o(&r.term_sourced_id),
                r.status.as_str().to_owned(),
            ]
        }),
    )?;
    write_table(
        dir,
        "enrollments",
        data.enrollments.iter().map(|r| {
            vec![
                r.id.clone(),
                r.sourced_id.clone(),
                r.class_id.clone(),
                r.user_id.clone(),
                r.role.clone(),
                r.status.as_str().to_owned(),
            ]
        }),
    )?;
    write_table(
        dir,
        "import_runs",
        data.import_runs.iter().map(|r| {
            vec![
                r.id.clone(),
                r.organization_id.clone(),
                r.source.clone(),
                r.started_at.clone(),
                o(&r.finished_at),
                r.status.clone(),
            ]
        }),
    )?;
    write_table(
        dir,
        "import_errors",
        data.import_errors.iter().map(|r| {
            vec![
                r.id.clone(),
                r.import_run_id.clone(),
                r.entity_type.clone(),
                r.sourced_id.clone(),
                r.message.clone(),
            ]
        }),
    )?;
    Ok(())
}

fn write_table(dir: &Path, name: &str, rows: impl Iterator<Item = Vec<String>>) -> Result<()> {
    let path = dir.join(format!("{name}.csv"));
    let tmp = dir.join(format!(".{name}.csv.tmp"));
    let werr = |e: csv::Error| Error::csv(&format!("{name}.csv"), None, None, format!("write failed: {e}"));
    {
        let mut w = csv::Writer::from_path(&tmp).map_err(werr)?;
        w.write_record(columns(name)).map_err(werr)?;
        for row in rows {
            w.write_record(&row).map_err(werr)?;
        }
        w.flush().map_err(|e| Error::io(&tmp, e))?;
    }
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))
}
