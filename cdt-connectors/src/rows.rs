//! Row mapping shared by the SQL connectors (SQLite and PostgreSQL): one function a
//! platform table, over any row type that can hand out text columns.

use cdt_core::platform::{
    Class, Enrollment, ImportError, ImportRun, Organization, Parent, ParentStudent, PlatformStatus, Student,
};
use sqlx::Row as _;

type Result<T> = std::result::Result<T, sqlx::Error>;

/// A database row whose columns are read as text by name.
pub(crate) trait Columns {
    /// A `NOT NULL` text column.
    fn text(&self, column: &str) -> Result<String>;
    /// A nullable text column.
    fn opt_text(&self, column: &str) -> Result<Option<String>>;
}

impl Columns for sqlx::sqlite::SqliteRow {
    fn text(&self, column: &str) -> Result<String> {
        self.try_get(column)
    }
    fn opt_text(&self, column: &str) -> Result<Option<String>> {
        self.try_get(column)
    }
}

#[cfg(feature = "postgres")]
impl Columns for sqlx::postgres::PgRow {
    fn text(&self, column: &str) -> Result<String> {
        self.try_get(column)
    }
    fn opt_text(&self, column: &str) -> Result<Option<String>> {
        self.try_get(column)
    }
}

fn status(r: &impl Columns) -> Result<PlatformStatus> {
    let s = r.text("status")?;
    PlatformStatus::parse(&s).ok_or_else(|| sqlx::Error::Decode(format!("unknown status `{s}`").into()))
}

pub(crate) fn organization(r: &impl Columns) -> Result<Organization> {
    Ok(Organization {
        id: r.text("id")?,
        sourced_id: r.text("sourced_id")?,
        name: r.text("name")?,
        org_type: r.text("type")?,
        parent_id: r.opt_text("parent_id")?,
    })
}

pub(crate) fn student(r: &impl Columns) -> Result<Student> {
    Ok(Student {
        id: r.text("id")?,
        sourced_id: r.text("sourced_id")?,
        organization_id: r.text("organization_id")?,
        first_name: r.text("first_name")?,
        last_name: r.text("last_name")?,
        email: r.opt_text("email")?,
        grade: r.opt_text("grade")?,
        student_number: r.opt_text("student_number")?,
        status: status(r)?,
    })
}

pub(crate) fn parent(r: &impl Columns) -> Result<Parent> {
    Ok(Parent {
        id: r.text("id")?,
        sourced_id: r.text("sourced_id")?,
        first_name: r.text("first_name")?,
        last_name: r.text("last_name")?,
        email: r.opt_text("email")?,
        phone: r.opt_text("phone")?,
        status: status(r)?,
    })
}

pub(crate) fn parent_student(r: &impl Columns) -> Result<ParentStudent> {
    Ok(ParentStudent {
        parent_id: r.text("parent_id")?,
        student_id: r.text("student_id")?,
    })
}

pub(crate) fn class(r: &impl Columns) -> Result<Class> {
    Ok(Class {
        id: r.text("id")?,
        sourced_id: r.text("sourced_id")?,
        organization_id: r.text("organization_id")?,
        title: r.text("title")?,
        course_sourced_id: r.opt_text("course_sourced_id")?,
        term_sourced_id: r.opt_text("term_sourced_id")?,
        status: status(r)?,
    })
}

pub(crate) fn enrollment(r: &impl Columns) -> Result<Enrollment> {
    Ok(Enrollment {
        id: r.text("id")?,
        sourced_id: r.text("sourced_id")?,
        class_id: r.text("class_id")?,
        user_id: r.text("user_id")?,
        role: r.text("role")?,
        status: status(r)?,
    })
}

pub(crate) fn import_run(r: &impl Columns) -> Result<ImportRun> {
    Ok(ImportRun {
        id: r.text("id")?,
        organization_id: r.text("organization_id")?,
        source: r.text("source")?,
        started_at: r.text("started_at")?,
        finished_at: r.opt_text("finished_at")?,
        status: r.text("status")?,
    })
}

pub(crate) fn import_error(r: &impl Columns) -> Result<ImportError> {
    Ok(ImportError {
        id: r.text("id")?,
        import_run_id: r.text("import_run_id")?,
        entity_type: r.text("entity_type")?,
        sourced_id: r.text("sourced_id")?,
        message: r.text("message")?,
    })
}
