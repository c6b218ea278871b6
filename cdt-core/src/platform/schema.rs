//! The platform tables, described once: each table's name and columns (in order, with
//! nullability), and [`PlatformRow`], which ties a row type to its table, gives its
//! values in column order and builds it back from column values.
//!
//! The snapshot reader and writer, the SQL row mapping and the SQL inserts are all
//! driven from here. The SQL migrations stay SQL files; a test checks that each one
//! creates exactly the columns described here.

use super::PlatformData;
use super::{Class, Enrollment, ImportError, ImportRun, Organization, Parent, ParentStudent, PlatformStatus, Student};

/// A column of a platform table. Every column holds text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// The column's name, as in SQL and in snapshot headers.
    pub name: &'static str,
    /// Whether the column may be empty (`NULL` in SQL, a blank cell in a snapshot).
    pub nullable: bool,
}

const fn req(name: &'static str) -> Column {
    Column { name, nullable: false }
}

const fn opt(name: &'static str) -> Column {
    Column { name, nullable: true }
}

/// A platform table: its name, its columns in order, and the columns that name a row.
#[derive(Debug, PartialEq, Eq)]
pub struct Table {
    /// The table's name (`students`), also the snapshot file's stem.
    pub name: &'static str,
    /// The columns, in order.
    pub columns: &'static [Column],
    /// The columns that identify a row (`id`, or both ids of a link).
    pub key: &'static [&'static str],
}

impl Table {
    /// The column names, in order.
    pub fn column_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.columns.iter().map(|c| c.name)
    }

    /// The position of a column.
    #[must_use]
    pub fn position(&self, column: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == column)
    }

    /// How a person names one row of this table: its key values (`` `s-1` ``, or
    /// `` `p-1`/`s-1` `` for a link) when all are readable, else its position
    /// (1-based) among the rows read, when known.
    #[must_use]
    pub fn row_label(key: &[Option<&str>], position: Option<usize>) -> String {
        if !key.is_empty() && key.iter().all(|k| k.is_some_and(|v| !v.is_empty())) {
            let parts: Vec<String> = key.iter().map(|k| format!("`{}`", k.unwrap_or_default())).collect();
            parts.join("/")
        } else if let Some(n) = position {
            format!("number {n}")
        } else {
            "with an unreadable key".into()
        }
    }
}

/// `organizations`.
pub const ORGANIZATIONS: Table = Table {
    name: "organizations",
    columns: &[req("id"), req("sourced_id"), req("name"), req("type"), opt("parent_id")],
    key: &["id"],
};

/// `students`.
pub const STUDENTS: Table = Table {
    name: "students",
    columns: &[
        req("id"),
        req("sourced_id"),
        req("organization_id"),
        req("first_name"),
        req("last_name"),
        opt("email"),
        opt("grade"),
        opt("student_number"),
        req("status"),
    ],
    key: &["id"],
};

/// `parents`.
pub const PARENTS: Table = Table {
    name: "parents",
    columns: &[
        req("id"),
        req("sourced_id"),
        req("first_name"),
        req("last_name"),
        opt("email"),
        opt("phone"),
        req("status"),
    ],
    key: &["id"],
};

/// `parent_students`.
pub const PARENT_STUDENTS: Table = Table {
    name: "parent_students",
    columns: &[req("parent_id"), req("student_id")],
    key: &["parent_id", "student_id"],
};

/// `classes`.
pub const CLASSES: Table = Table {
    name: "classes",
    columns: &[
        req("id"),
        req("sourced_id"),
        req("organization_id"),
        req("title"),
        opt("course_sourced_id"),
        opt("term_sourced_id"),
        req("status"),
    ],
    key: &["id"],
};

/// `enrollments`.
pub const ENROLLMENTS: Table = Table {
    name: "enrollments",
    columns: &[
        req("id"),
        req("sourced_id"),
        req("class_id"),
        req("user_id"),
        req("role"),
        req("status"),
    ],
    key: &["id"],
};

/// `import_runs`.
pub const IMPORT_RUNS: Table = Table {
    name: "import_runs",
    columns: &[
        req("id"),
        req("organization_id"),
        req("source"),
        req("started_at"),
        opt("finished_at"),
        req("status"),
    ],
    key: &["id"],
};

/// `import_errors`.
pub const IMPORT_ERRORS: Table = Table {
    name: "import_errors",
    columns: &[
        req("id"),
        req("import_run_id"),
        req("entity_type"),
        req("sourced_id"),
        req("message"),
    ],
    key: &["id"],
};

/// Every platform table, in an order where a row's references come before it.
pub const TABLES: [&Table; 8] = [
    &ORGANIZATIONS,
    &STUDENTS,
    &PARENTS,
    &PARENT_STUDENTS,
    &CLASSES,
    &ENROLLMENTS,
    &IMPORT_RUNS,
    &IMPORT_ERRORS,
];

/// A value a column cannot hold, naming the column. The reader adds the table and
/// the row (file and row number for a snapshot, row id for SQL).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadValue {
    /// The column.
    pub column: &'static str,
    /// What is wrong, for a person.
    pub message: String,
}

/// A row type of a platform table.
pub trait PlatformRow: Sized {
    /// The table the rows belong to.
    const TABLE: &'static Table;

    /// The row's values in column order; `None` for an empty nullable column.
    fn values(&self) -> Vec<Option<&str>>;

    /// Builds a row from its values in column order (`None` for an empty one).
    ///
    /// # Errors
    /// A required column is empty, a value is not one the column allows (a status),
    /// or the number of values is not the number of columns.
    fn from_values(values: Vec<Option<String>>) -> Result<Self, BadValue>;
}

/// Column values being taken, by name, into a row's fields.
struct Values {
    table: &'static Table,
    values: Vec<Option<String>>,
}

impl Values {
    fn new(table: &'static Table, values: Vec<Option<String>>) -> Result<Self, BadValue> {
        if values.len() == table.columns.len() {
            Ok(Self { table, values })
        } else {
            Err(BadValue {
                column: table.columns.get(values.len()).map_or("", |c| c.name),
                message: format!(
                    "{} values for the {} columns of {}",
                    values.len(),
                    table.columns.len(),
                    table.name
                ),
            })
        }
    }

    fn opt(&mut self, column: &'static str) -> Option<String> {
        self.table
            .position(column)
            .and_then(|i| self.values.get_mut(i))
            .and_then(Option::take)
    }

    fn text(&mut self, column: &'static str) -> Result<String, BadValue> {
        self.opt(column).ok_or_else(|| BadValue {
            column,
            message: "required value is blank".into(),
        })
    }

    fn status(&mut self) -> Result<PlatformStatus, BadValue> {
        let v = self.text("status")?;
        PlatformStatus::parse(&v).ok_or_else(|| BadValue {
            column: "status",
            message: format!("`{v}` is not a status; expected active or deleted"),
        })
    }
}

impl PlatformRow for Organization {
    const TABLE: &'static Table = &ORGANIZATIONS;

    fn values(&self) -> Vec<Option<&str>> {
        vec![
            Some(&self.id),
            Some(&self.sourced_id),
            Some(&self.name),
            Some(&self.org_type),
            self.parent_id.as_deref(),
        ]
    }

    fn from_values(values: Vec<Option<String>>) -> Result<Self, BadValue> {
        let mut v = Values::new(Self::TABLE, values)?;
        Ok(Self {
            id: v.text("id")?,
            sourced_id: v.text("sourced_id")?,
            name: v.text("name")?,
            org_type: v.text("type")?,
            parent_id: v.opt("parent_id"),
        })
    }
}

impl PlatformRow for Student {
    const TABLE: &'static Table = &STUDENTS;

    fn values(&self) -> Vec<Option<&str>> {
        vec![
            Some(&self.id),
            Some(&self.sourced_id),
            Some(&self.organization_id),
            Some(&self.first_name),
            Some(&self.last_name),
            self.email.as_deref(),
            self.grade.as_deref(),
            self.student_number.as_deref(),
            Some(self.status.as_str()),
        ]
    }

    fn from_values(values: Vec<Option<String>>) -> Result<Self, BadValue> {
        let mut v = Values::new(Self::TABLE, values)?;
        Ok(Self {
            id: v.text("id")?,
            sourced_id: v.text("sourced_id")?,
            organization_id: v.text("organization_id")?,
            first_name: v.text("first_name")?,
            last_name: v.text("last_name")?,
            email: v.opt("email"),
            grade: v.opt("grade"),
            student_number: v.opt("student_number"),
            status: v.status()?,
        })
    }
}

impl PlatformRow for Parent {
    const TABLE: &'static Table = &PARENTS;

    fn values(&self) -> Vec<Option<&str>> {
        vec![
            Some(&self.id),
            Some(&self.sourced_id),
            Some(&self.first_name),
            Some(&self.last_name),
            self.email.as_deref(),
            self.phone.as_deref(),
            Some(self.status.as_str()),
        ]
    }

    fn from_values(values: Vec<Option<String>>) -> Result<Self, BadValue> {
        let mut v = Values::new(Self::TABLE, values)?;
        Ok(Self {
            id: v.text("id")?,
            sourced_id: v.text("sourced_id")?,
            first_name: v.text("first_name")?,
            last_name: v.text("last_name")?,
            email: v.opt("email"),
            phone: v.opt("phone"),
            status: v.status()?,
        })
    }
}

impl PlatformRow for ParentStudent {
    const TABLE: &'static Table = &PARENT_STUDENTS;

    fn values(&self) -> Vec<Option<&str>> {
        vec![Some(&self.parent_id), Some(&self.student_id)]
    }

    fn from_values(values: Vec<Option<String>>) -> Result<Self, BadValue> {
        let mut v = Values::new(Self::TABLE, values)?;
        Ok(Self {
            parent_id: v.text("parent_id")?,
            student_id: v.text("student_id")?,
        })
    }
}

impl PlatformRow for Class {
    const TABLE: &'static Table = &CLASSES;

    fn values(&self) -> Vec<Option<&str>> {
        vec![
            Some(&self.id),
            Some(&self.sourced_id),
            Some(&self.organization_id),
            Some(&self.title),
            self.course_sourced_id.as_deref(),
            self.term_sourced_id.as_deref(),
            Some(self.status.as_str()),
        ]
    }

    fn from_values(values: Vec<Option<String>>) -> Result<Self, BadValue> {
        let mut v = Values::new(Self::TABLE, values)?;
        Ok(Self {
            id: v.text("id")?,
            sourced_id: v.text("sourced_id")?,
            organization_id: v.text("organization_id")?,
            title: v.text("title")?,
            course_sourced_id: v.opt("course_sourced_id"),
            term_sourced_id: v.opt("term_sourced_id"),
            status: v.status()?,
        })
    }
}

impl PlatformRow for Enrollment {
    const TABLE: &'static Table = &ENROLLMENTS;

    fn values(&self) -> Vec<Option<&str>> {
        vec![
            Some(&self.id),
            Some(&self.sourced_id),
            Some(&self.class_id),
            Some(&self.user_id),
            Some(&self.role),
            Some(self.status.as_str()),
        ]
    }

    fn from_values(values: Vec<Option<String>>) -> Result<Self, BadValue> {
        let mut v = Values::new(Self::TABLE, values)?;
        Ok(Self {
            id: v.text("id")?,
            sourced_id: v.text("sourced_id")?,
            class_id: v.text("class_id")?,
            user_id: v.text("user_id")?,
            role: v.text("role")?,
            status: v.status()?,
        })
    }
}

impl PlatformRow for ImportRun {
    const TABLE: &'static Table = &IMPORT_RUNS;

    fn values(&self) -> Vec<Option<&str>> {
        vec![
            Some(&self.id),
            Some(&self.organization_id),
            Some(&self.source),
            Some(&self.started_at),
            self.finished_at.as_deref(),
            Some(&self.status),
        ]
    }

    fn from_values(values: Vec<Option<String>>) -> Result<Self, BadValue> {
        let mut v = Values::new(Self::TABLE, values)?;
        Ok(Self {
            id: v.text("id")?,
            organization_id: v.text("organization_id")?,
            source: v.text("source")?,
            started_at: v.text("started_at")?,
            finished_at: v.opt("finished_at"),
            status: v.text("status")?,
        })
    }
}

impl PlatformRow for ImportError {
    const TABLE: &'static Table = &IMPORT_ERRORS;

    fn values(&self) -> Vec<Option<&str>> {
        vec![
            Some(&self.id),
            Some(&self.import_run_id),
            Some(&self.entity_type),
            Some(&self.sourced_id),
            Some(&self.message),
        ]
    }

    fn from_values(values: Vec<Option<String>>) -> Result<Self, BadValue> {
        let mut v = Values::new(Self::TABLE, values)?;
        Ok(Self {
            id: v.text("id")?,
            import_run_id: v.text("import_run_id")?,
            entity_type: v.text("entity_type")?,
            sourced_id: v.text("sourced_id")?,
            message: v.text("message")?,
        })
    }
}

/// The rows of one table of a [`PlatformData`], as values in column order.
pub struct TableRows<'a> {
    /// The table.
    pub table: &'static Table,
    /// Its rows, in order, each as [`PlatformRow::values`].
    pub rows: Box<dyn ExactSizeIterator<Item = Vec<Option<&'a str>>> + 'a>,
}

fn rows_of<T: PlatformRow>(rows: &[T]) -> TableRows<'_> {
    TableRows {
        table: T::TABLE,
        rows: Box::new(rows.iter().map(PlatformRow::values)),
    }
}

impl PlatformData {
    /// Every table's rows, in the order of [`TABLES`] (references first).
    #[must_use]
    pub fn table_rows(&self) -> [TableRows<'_>; 8] {
        [
            rows_of(&self.organizations),
            rows_of(&self.students),
            rows_of(&self.parents),
            rows_of(&self.parent_students),
            rows_of(&self.classes),
            rows_of(&self.enrollments),
            rows_of(&self.import_runs),
            rows_of(&self.import_errors),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distinct values for every column (`status` must be a status), so a field read
    /// from or written to the wrong column shows.
    fn distinct(table: &Table) -> Vec<Option<String>> {
        table
            .columns
            .iter()
            .map(|c| {
                Some(if c.name == "status" {
                    "deleted".into()
                } else {
                    format!("v-{}", c.name)
                })
            })
            .collect()
    }

    fn round_trip<T: PlatformRow>() {
        let values = distinct(T::TABLE);
        let row = T::from_values(values.clone()).unwrap();
        let back: Vec<Option<String>> = row.values().into_iter().map(|v| v.map(str::to_owned)).collect();
        assert_eq!(back, values, "{}", T::TABLE.name);
        for (i, c) in T::TABLE.columns.iter().enumerate() {
            let mut blank = values.clone();
            blank[i] = None;
            match T::from_values(blank) {
                Ok(row) => {
                    assert!(
                        c.nullable,
                        "{}.{} is required but a blank was accepted",
                        T::TABLE.name,
                        c.name
                    );
                    assert_eq!(row.values()[i], None);
                }
                Err(e) => {
                    assert!(!c.nullable, "{}.{} is nullable: {e:?}", T::TABLE.name, c.name);
                    assert_eq!(e.column, c.name);
                }
            }
        }
        let err = T::from_values(values[1..].to_vec()).err().unwrap();
        assert!(err.message.contains("values for the"), "{err:?}");
    }

    #[test]
    fn every_row_type_maps_its_columns_in_order() {
        round_trip::<Organization>();
        round_trip::<Student>();
        round_trip::<Parent>();
        round_trip::<ParentStudent>();
        round_trip::<Class>();
        round_trip::<Enrollment>();
        round_trip::<ImportRun>();
        round_trip::<ImportError>();
    }

    #[test]
    fn the_tables_are_listed_once_in_reference_order() {
        let names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        let data = PlatformData::default();
        let rows: Vec<&str> = data.table_rows().iter().map(|t| t.table.name).collect();
        assert_eq!(names, rows);
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 8);
        for t in TABLES {
            assert!(t.key.iter().all(|k| t.position(k).is_some()), "{}", t.name);
        }
    }

    #[test]
    fn a_bad_status_names_the_column_and_value() {
        let mut values = distinct(&STUDENTS);
        values[8] = Some("gone".into());
        let err = Student::from_values(values).unwrap_err();
        assert_eq!(err.column, "status");
        assert_eq!(err.message, "`gone` is not a status; expected active or deleted");
    }

    #[test]
    fn rows_are_named_by_key_or_position() {
        assert_eq!(Table::row_label(&[Some("s-1")], Some(4)), "`s-1`");
        assert_eq!(Table::row_label(&[Some("p"), Some("s")], Some(4)), "`p`/`s`");
        assert_eq!(Table::row_label(&[None], Some(4)), "number 4");
        assert_eq!(Table::row_label(&[Some("")], None), "with an unreadable key");
    }
}
