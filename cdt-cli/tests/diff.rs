//! `cdt diff OLD NEW`: added, removed and changed records per file with the fields, and
//! `--max-change` holding a drop that changes too much.

mod common;

use common::{cdt, root, stderr, stdout};

/// A copy of the demo bundle with `edit` applied to its `users.csv` rows.
fn edited(dir: &std::path::Path, edit: impl FnOnce(&mut Vec<Vec<String>>)) -> String {
    let to = dir.join("new");
    std::fs::create_dir_all(&to).unwrap();
    for e in std::fs::read_dir(root().join("demo/oneroster")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
    let users = to.join("users.csv");
    let mut rows: Vec<Vec<String>> = csv::Reader::from_path(&users)
        .unwrap()
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let header: Vec<String> = csv::Reader::from_path(&users)
        .unwrap()
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let given = header.iter().position(|h| h == "givenName").unwrap();
    edit(&mut rows);
    rows[0][given] = "Renamed".into();
    let mut w = csv::Writer::from_path(&users).unwrap();
    w.write_record(&header).unwrap();
    for r in rows {
        w.write_record(&r).unwrap();
    }
    w.flush().unwrap();
    to.display().to_string()
}

#[test]
fn a_drop_is_compared_by_sourced_id_and_held_over_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let new = edited(dir.path(), |rows| {
        rows.drain(10..70);
    });
    let out = cdt(&["diff", "demo/oneroster", &new]);
    assert_eq!(out.status.code(), Some(0), "no threshold, no hold: {}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("fields changed: givenName 1"), "{text}");
    assert!(text.contains("-> \"Renamed\""), "{text}");

    let out = cdt(&["diff", "demo/oneroster", &new, "--max-change", "5", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let users = json["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["entity"] == "users")
        .unwrap();
    assert_eq!(users["removed"], 60);
    assert_eq!(users["changed"], 1);
    assert_eq!(users["added"], 0);
    assert_eq!(json["largest_change"]["entity"], "users");
    assert_eq!(json["over_threshold"], true);

    let out = cdt(&["diff", "demo/oneroster", &new, "--max-change", "50"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("within the 50% threshold"), "{}", stdout(&out));
}

#[test]
fn the_same_drop_twice_changes_nothing() {
    let out = cdt(&["diff", "demo/oneroster", "demo/oneroster", "--max-change", "0"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("0.00%, within the 0% threshold"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_missing_bundle_or_a_bad_threshold_is_refused_by_name() {
    let out = cdt(&["diff", "demo/oneroster", "no/such/bundle"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no/such/bundle"), "{}", stderr(&out));
    let out = cdt(&["diff", "demo/oneroster", "demo/oneroster", "--max-change", "250"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--max-change"), "{}", stderr(&out));
}
