//! The embedded store: written, reopened read-only, and its `fetch` held to the
//! reference slicing of `load`.

use cdt_connectors::EmbeddedStore;
use cdt_core::platform::schema::TABLES;
use cdt_core::platform::{
    Class, Enrollment, ImportError, ImportRun, Organization, Parent, ParentStudent, PlatformData, PlatformStatus,
    Student,
};
use cdt_core::{Lookup, PlatformConnector};

fn org(id: &str, parent: Option<&str>) -> Organization {
    Organization {
        id: id.into(),
        sourced_id: format!("sis-{id}"),
        name: format!("School {id}"),
        org_type: if parent.is_some() { "school" } else { "district" }.into(),
        parent_id: parent.map(Into::into),
    }
}

fn student(id: &str, org: &str, first: &str, last: &str) -> Student {
    Student {
        id: id.into(),
        sourced_id: format!("sis-{id}"),
        organization_id: org.into(),
        first_name: first.into(),
        last_name: last.into(),
        email: Some(format!("{id}@students.example.org")),
        grade: Some("04".into()),
        student_number: None,
        status: PlatformStatus::Active,
    }
}

fn parent(id: &str, first: &str, last: &str, email: &str) -> Parent {
    Parent {
        id: id.into(),
        sourced_id: format!("sis-{id}"),
        first_name: first.into(),
        last_name: last.into(),
        email: Some(email.into()),
        phone: None,
        status: PlatformStatus::Active,
    }
}

/// Two districts, so scoping is exercised too.
fn data() -> PlatformData {
    let link = |p: &str, s: &str| ParentStudent {
        parent_id: p.into(),
        student_id: s.into(),
    };
    let class = |id: &str, org: &str, title: &str| Class {
        id: id.into(),
        sourced_id: format!("sis-{id}"),
        organization_id: org.into(),
        title: title.into(),
        course_sourced_id: None,
        term_sourced_id: None,
        status: PlatformStatus::Active,
    };
    let enr = |id: &str, class: &str, user: &str| Enrollment {
        id: id.into(),
        sourced_id: format!("sis-{id}"),
        class_id: class.into(),
        user_id: user.into(),
        role: "student".into(),
        status: PlatformStatus::Active,
    };
    PlatformData {
        organizations: vec![
            org("d1", None),
            org("s1", Some("d1")),
            org("s2", Some("d1")),
            org("d2", None),
            org("s9", Some("d2")),
        ],
        students: vec![
            student("st1", "s1", "Mateo", "Ríos"),
            student("st2", "s2", "Lucía", "Ríos"),
            student("st3", "s1", "Sam", "Lee"),
            student("st9", "s9", "Mateo", "Rios"),
        ],
        parents: vec![
            parent("p1", "Ana", "Ríos", "ana@example.org"),
            parent("p2", "Luis", "Ríos", "ana@example.org"),
            parent("p3", "Kim", "Lee", "kim@example.org"),
            parent("p9", "Ana", "Rios", "ana@example.org"),
            parent("p0", "Lonely", "Parent", "lonely@example.org"),
        ],
        parent_students: vec![
            link("p1", "st1"),
            link("p1", "st2"),
            link("p2", "st1"),
            link("p3", "st3"),
            link("p9", "st9"),
        ],
        classes: vec![
            class("c1", "s1", "Grade 4 Homeroom"),
            class("c2", "s2", "Algebra I"),
            class("c9", "s9", "Algebra I"),
        ],
        enrollments: vec![
            enr("e1", "c1", "st1"),
            enr("e2", "c2", "st2"),
            enr("e3", "c1", "st3"),
            enr("e9", "c9", "st9"),
        ],
        import_runs: vec![ImportRun {
            id: "r1".into(),
            organization_id: "d1".into(),
            source: "oneroster-csv".into(),
            started_at: "2026-11-01T02:00:00Z".into(),
            finished_at: Some("2026-11-01T02:05:00Z".into()),
            status: "partial".into(),
        }],
        import_errors: vec![ImportError {
            id: "ie1".into(),
            import_run_id: "r1".into(),
            entity_type: "user".into(),
            sourced_id: "sis-missing".into(),
            message: "email is not valid".into(),
        }],
    }
}

#[tokio::test]
async fn fetch_returns_exactly_the_reference_slice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sqlite");
    EmbeddedStore::create(&path, &data()).await.unwrap();
    let store = EmbeddedStore::open(&path, "d1").await.unwrap();
    let all = store.load().await.unwrap();
    assert_eq!(all, data().scoped_to_district("d1"));
    assert_eq!(all.students.len(), 3, "the other district's student is out of scope");
    let lookups = [
        Lookup::default().email(" ANA@example.org "),
        Lookup::default().person("Mateo Rios"),
        Lookup::default().person("lee"),
        Lookup::default().class("algebra i"),
        Lookup::default().sourced_id("sis-st3").sourced_id("sis-missing"),
        Lookup::default().email("lonely@example.org"),
        Lookup::default().email("nobody@example.org").person("Nobody Atall"),
        Lookup::default(),
    ];
    for lookup in lookups {
        let fetched = store.fetch(&lookup).await.unwrap();
        assert_eq!(fetched, all.slice(&lookup), "lookup {lookup:?}");
    }
    let fetched = store.fetch(&Lookup::default().email("ana@example.org")).await.unwrap();
    let ids: Vec<&str> = fetched.parents.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["p1", "p2"]);
    let kids: Vec<&str> = fetched.students.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(kids, ["st1", "st2"]);
}

#[tokio::test]
async fn the_store_is_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sqlite");
    EmbeddedStore::create(&path, &data()).await.unwrap();
    let before = std::fs::read(&path).unwrap();
    let store = EmbeddedStore::open(&path, "d1").await.unwrap();
    let _ = store.load().await.unwrap();
    drop(store);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "reading must not change the file"
    );
}

#[tokio::test]
async fn opening_names_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.sqlite");
    let err = EmbeddedStore::open(&missing, "d1").await.unwrap_err().to_string();
    assert!(err.contains("none.sqlite") && err.contains("no such file"), "{err}");

    let path = dir.path().join("p.sqlite");
    EmbeddedStore::create(&path, &data()).await.unwrap();
    let err = EmbeddedStore::open(&path, "nope").await.unwrap_err().to_string();
    assert!(err.contains("no district with id `nope`"), "{err}");

    let junk = dir.path().join("junk.sqlite");
    std::fs::write(&junk, b"this is not a database").unwrap();
    let err = EmbeddedStore::open(&junk, "d1").await.unwrap_err().to_string();
    assert!(err.contains("junk.sqlite"), "{err}");
}

#[tokio::test]
async fn a_snapshot_round_trips_and_matches_the_store() {
    let dir = tempfile::tempdir().unwrap();
    cdt_connectors::snapshot::write_snapshot(dir.path(), &data()).unwrap();
    assert_eq!(cdt_connectors::snapshot::read_snapshot(dir.path()).unwrap(), data());
    let snap = cdt_connectors::Snapshot::new(dir.path(), "d1");
    let path = dir.path().join("p.sqlite");
    EmbeddedStore::create(&path, &data()).await.unwrap();
    let store = EmbeddedStore::open(&path, "d1").await.unwrap();
    assert_eq!(snap.load().await.unwrap(), store.load().await.unwrap());
    let lookup = Lookup::default().person("Ríos, Mateo");
    assert_eq!(snap.fetch(&lookup).await.unwrap(), store.fetch(&lookup).await.unwrap());
}

#[test]
fn a_snapshot_missing_a_table_or_a_value_says_where() {
    let dir = tempfile::tempdir().unwrap();
    cdt_connectors::snapshot::write_snapshot(dir.path(), &data()).unwrap();
    std::fs::remove_file(dir.path().join("import_errors.csv")).unwrap();
    assert!(
        cdt_connectors::snapshot::read_snapshot(dir.path()).is_ok(),
        "import tables are optional"
    );
    let students = std::fs::read_to_string(dir.path().join("students.csv")).unwrap();
    std::fs::write(
        dir.path().join("students.csv"),
        students.replacen(",active", ",archived", 1),
    )
    .unwrap();
    let err = cdt_connectors::snapshot::read_snapshot(dir.path())
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "students.csv, row 2, column status: `archived` is not a status; expected active or deleted"
    );
    std::fs::write(dir.path().join("students.csv"), students).unwrap();
    std::fs::remove_file(dir.path().join("parents.csv")).unwrap();
    let err = cdt_connectors::snapshot::read_snapshot(dir.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("parents.csv: missing"), "{err}");
}

#[tokio::test]
async fn the_sqlite_migration_creates_exactly_the_described_columns() {
    use sqlx::Connection as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sqlite");
    EmbeddedStore::create(&path, &PlatformData::default()).await.unwrap();
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .read_only(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&opts).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    // The described tables, besides the store's name search (not platform tables).
    let tables: Vec<String> = tables.into_iter().filter(|t| !t.starts_with("person_")).collect();
    let mut described: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
    described.sort_unstable();
    assert_eq!(tables, described, "the migration's tables");
    for table in TABLES {
        // PRAGMA takes no bound parameters; the names are the described ones.
        let got: Vec<(String, bool)> = sqlx::query_as::<_, (String, i64)>(&format!(
            "SELECT name, \"notnull\" FROM pragma_table_info('{}') ORDER BY cid",
            table.name
        ))
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .map(|(name, notnull)| (name, notnull == 0))
        .collect();
        let want: Vec<(String, bool)> = table.columns.iter().map(|c| (c.name.to_owned(), c.nullable)).collect();
        assert_eq!(got, want, "{}: (column, nullable) in order", table.name);
    }
}

#[tokio::test]
async fn a_bad_row_in_the_store_names_table_row_and_column() {
    use sqlx::Connection as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sqlite");
    EmbeddedStore::create(&path, &data()).await.unwrap();
    {
        let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(&path);
        let mut conn = sqlx::SqliteConnection::connect_with(&opts).await.unwrap();
        // A blob where text is expected: TEXT affinity keeps a blob as it is.
        sqlx::query("UPDATE students SET first_name = x'00ff' WHERE id = 'st2'")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let store = EmbeddedStore::open(&path, "d1").await.unwrap();
    let err = store.load().await.unwrap_err().to_string();
    assert!(
        err.contains("unexpected data from `students`: table students, row `st2`, column first_name: "),
        "{err}"
    );
    // A fetch by name reaches the row through its stored search key, and names it.
    let err = store
        .fetch(&Lookup::default().person("Lucia Rios"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("table students, row `st2`, column first_name"), "{err}");
    // A fetch by a name the row does not have never reads it.
    store.fetch(&Lookup::default().person("Mateo")).await.unwrap();
    // A fetch that reaches the row by id reads it whole.
    let err = store
        .fetch(&Lookup::default().email("ana@example.org"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("table students, row `st2`, column first_name"), "{err}");
}
