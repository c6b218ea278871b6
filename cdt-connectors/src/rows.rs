//! Row mapping shared by the SQL connectors (SQLite and PostgreSQL): one generic read
//! over the table descriptions of [`cdt_core::platform::schema`], and the `INSERT`
//! statements generated from them.
//!
//! A row that cannot be read is an [`Error::Row`] naming the table, the row (its key
//! when readable, else its position) and the column; never a default.

use cdt_core::platform::schema::{PlatformRow, Table};
use sqlx::Row as _;

use crate::error::{Error, Result};

/// A database row whose columns are read as text by name.
pub trait Columns {
    /// A `NOT NULL` text column.
    ///
    /// # Errors
    /// The column is absent, `NULL` or not text.
    fn text(&self, column: &str) -> sqlx::Result<String>;
    /// A nullable text column.
    ///
    /// # Errors
    /// The column is absent or not text.
    fn opt_text(&self, column: &str) -> sqlx::Result<Option<String>>;
}

impl Columns for sqlx::sqlite::SqliteRow {
    fn text(&self, column: &str) -> sqlx::Result<String> {
        self.try_get(column)
    }
    fn opt_text(&self, column: &str) -> sqlx::Result<Option<String>> {
        self.try_get(column)
    }
}

#[cfg(feature = "postgres")]
impl Columns for sqlx::postgres::PgRow {
    fn text(&self, column: &str) -> sqlx::Result<String> {
        self.try_get(column)
    }
    fn opt_text(&self, column: &str) -> sqlx::Result<Option<String>> {
        self.try_get(column)
    }
}

/// Reads one row of `T`'s table. Without a position, a row whose key is unreadable
/// is named as such.
///
/// # Errors
/// [`Error::Row`] when a column is missing, not text, `NULL` where required, or holds
/// a value the column does not allow.
pub fn read<T: PlatformRow>(row: &impl Columns) -> Result<T> {
    read_row(row, None)
}

/// Reads rows of `T`'s table, in order; an error names an unreadable row by position.
///
/// # Errors
/// As [`read`], for the first row that fails.
pub fn read_all<T: PlatformRow, R: Columns>(rows: &[R]) -> Result<Vec<T>> {
    rows.iter().enumerate().map(|(i, r)| read_row(r, Some(i + 1))).collect()
}

fn read_row<T: PlatformRow>(row: &impl Columns, position: Option<usize>) -> Result<T> {
    let table = T::TABLE;
    let label = || {
        let key: Vec<Option<String>> = table.key.iter().map(|k| row.opt_text(k).ok().flatten()).collect();
        let key: Vec<Option<&str>> = key.iter().map(Option::as_deref).collect();
        Table::row_label(&key, position)
    };
    let error = |column: &str, message: String| Error::Row {
        table: table.name,
        row: label(),
        column: column.to_owned(),
        message,
    };
    let mut values = Vec::with_capacity(table.columns.len());
    for c in table.columns {
        let v = row.opt_text(c.name).map_err(|e| error(c.name, e.to_string()))?;
        values.push(v);
    }
    T::from_values(values).map_err(|bad| error(bad.column, bad.message))
}

/// How a SQL dialect writes bound parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placeholders {
    /// SQLite: `?1, ?2, …`.
    Sqlite,
    /// PostgreSQL: `$1, $2, …`.
    Postgres,
    /// PostgreSQL, one text array a column, inserted with `unnest`: many rows per
    /// statement, in the order given.
    PostgresArrays,
}

/// The `INSERT` statement of one table, with one parameter a column, in column order.
#[must_use]
pub fn insert_sql(table: &Table, style: Placeholders) -> String {
    let columns: Vec<&str> = table.column_names().collect();
    let params: Vec<String> = (1..=columns.len())
        .map(|i| match style {
            Placeholders::Sqlite => format!("?{i}"),
            Placeholders::Postgres => format!("${i}"),
            Placeholders::PostgresArrays => format!("${i}::text[]"),
        })
        .collect();
    let values = match style {
        Placeholders::PostgresArrays => format!("SELECT * FROM unnest({})", params.join(", ")),
        Placeholders::Sqlite | Placeholders::Postgres => format!("VALUES ({})", params.join(", ")),
    };
    format!("INSERT INTO {} ({}) {values}", table.name, columns.join(", "))
}

#[cfg(test)]
mod tests {
    use cdt_core::platform::Student;
    use cdt_core::platform::schema::{PARENT_STUDENTS, STUDENTS};

    use super::*;

    #[test]
    fn inserts_are_generated_in_each_placeholder_style() {
        assert_eq!(
            insert_sql(&PARENT_STUDENTS, Placeholders::Sqlite),
            "INSERT INTO parent_students (parent_id, student_id) VALUES (?1, ?2)"
        );
        assert_eq!(
            insert_sql(&PARENT_STUDENTS, Placeholders::Postgres),
            "INSERT INTO parent_students (parent_id, student_id) VALUES ($1, $2)"
        );
        assert_eq!(
            insert_sql(&PARENT_STUDENTS, Placeholders::PostgresArrays),
            "INSERT INTO parent_students (parent_id, student_id) SELECT * FROM unnest($1::text[], $2::text[])"
        );
        assert!(
            insert_sql(&STUDENTS, Placeholders::Sqlite)
                .ends_with("status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
        );
    }

    /// Rows of a `students` table without the real schema's constraints, read back.
    async fn read_students(rows: &[[Option<&str>; 9]]) -> Result<Vec<Student>> {
        use sqlx::Connection as _;
        let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:").await.unwrap();
        let columns: Vec<&str> = STUDENTS.column_names().collect();
        sqlx::raw_sql(&format!("CREATE TABLE students ({})", columns.join(", ")))
            .execute(&mut conn)
            .await
            .unwrap();
        let sql = insert_sql(&STUDENTS, Placeholders::Sqlite);
        for row in rows {
            let mut q = sqlx::query(&sql);
            for v in row {
                q = q.bind(*v);
            }
            q.execute(&mut conn).await.unwrap();
        }
        let rows = sqlx::query("SELECT * FROM students ORDER BY rowid")
            .fetch_all(&mut conn)
            .await
            .unwrap();
        read_all(&rows)
    }

    const GOOD: [Option<&str>; 9] = [
        Some("s-1"),
        Some("sis-1"),
        Some("o-1"),
        Some("Ana"),
        Some("Lee"),
        None,
        Some("3"),
        None,
        Some("active"),
    ];

    #[tokio::test]
    async fn rows_are_read_by_column_name() {
        let got = read_students(&[GOOD]).await.unwrap();
        assert_eq!(got[0].id, "s-1");
        assert_eq!(got[0].grade.as_deref(), Some("3"));
        assert_eq!(got[0].email, None);
    }

    #[tokio::test]
    async fn a_bad_row_names_table_row_and_column() {
        let mut bad_status = GOOD;
        bad_status[8] = Some("gone");
        let err = read_students(&[GOOD, bad_status]).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "table students, row `s-1`, column status: `gone` is not a status; expected active or deleted"
        );
        let mut null_name = GOOD;
        null_name[0] = None;
        null_name[3] = None;
        let err = read_students(&[GOOD, null_name]).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "table students, row number 2, column id: required value is blank"
        );
        let err: Result<Student> = {
            use sqlx::Connection as _;
            let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:").await.unwrap();
            let row = sqlx::query("SELECT 's-9' AS id").fetch_one(&mut conn).await.unwrap();
            read(&row)
        };
        let err = err.unwrap_err().to_string();
        assert!(
            err.starts_with("table students, row `s-9`, column sourced_id: "),
            "{err}"
        );
    }
}
