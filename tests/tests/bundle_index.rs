//! The bundle index (`cdt_connectors::oneroster::index`): a single-ticket fetch through
//! it gives exactly the roster a full read gives (tables, order, warnings, invalid
//! records, validation findings), on every demo case and on lookups drawn from the
//! district; it follows a changed bundle, and a broken or planted index file is never
//! trusted.

use std::path::{Path, PathBuf};

use cdt_connectors::OneRosterCsv;
use cdt_connectors::oneroster::IndexPolicy;
use cdt_core::{Inputs, Lookup, Registry, RunContext, SourceConnector, diagnose};
use cdt_tests::conformance::roster_lookups_from;
use cdt_tests::{demo_cases, demo_lookups, root};

/// A copy of the demo bundle, `users.csv` rewritten by `change`.
fn bundle_copy(dir: &Path, change: impl Fn(&str) -> String) -> PathBuf {
    let out = dir.join("bundle");
    std::fs::create_dir_all(&out).unwrap();
    for e in std::fs::read_dir(root().join("demo/oneroster")).unwrap() {
        let e = e.unwrap();
        let text = std::fs::read_to_string(e.path()).unwrap();
        let name = e.file_name();
        let text = if name == "users.csv" { change(&text) } else { text };
        std::fs::write(out.join(name), text).unwrap();
    }
    out
}

fn index_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sqlite"))
        .collect();
    v.sort();
    v
}

/// Every lookup drawn from the roster, the demo cases' lookups and the edge cases:
/// the indexed fetch equals the full read's slice, field for field.
async fn assert_same_slices(full: &OneRosterCsv, indexed: &OneRosterCsv, extra: &[(String, Lookup)]) -> usize {
    let roster = full.load().await.unwrap();
    let drawn = roster_lookups_from(&roster, 40);
    for (story, lookup) in extra.iter().chain(&drawn) {
        let want = full.fetch(lookup).await.unwrap();
        let got = indexed.fetch(lookup).await.unwrap_or_else(|e| panic!("{story}: {e}"));
        assert_eq!(got, want, "{story} ({lookup:?})");
    }
    extra.len() + drawn.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_indexed_fetch_is_the_full_reads_slice_on_every_lookup() {
    let cache = tempfile::tempdir().unwrap();
    let bundle = root().join("demo/oneroster");
    let full = OneRosterCsv::new(&bundle).with_index(IndexPolicy::Off, cache.path());
    let indexed = OneRosterCsv::new(&bundle).with_index(IndexPolicy::On, cache.path());

    // The first fetch reads the bundle and writes the index; later ones read it.
    let first = indexed.fetch(&Lookup::default().person("Mateo")).await.unwrap();
    assert!(!first.users.is_empty());
    let files = index_files(cache.path());
    assert_eq!(files.len(), 1, "one index for one bundle: {files:?}");
    // A rewrite is a new file renamed into place (a hit only touches the time).
    let inode = |p: &Path| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap());
    let written = inode(&files[0]);

    let checked = assert_same_slices(&full, &indexed, &demo_lookups().await).await;
    assert!(checked > 150, "{checked} lookups");
    assert_eq!(index_files(cache.path()), files);
    assert_eq!(inode(&files[0]), written, "a fresh index is read, never rewritten");
}

/// The index carries what validation said: records from rows that failed it and the
/// findings about records reach the result as they do from a full read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_findings_survive_the_index() {
    let dir = tempfile::tempdir().unwrap();
    // A bad boolean on the first student, and a second row with the same sourcedId.
    let bundle = bundle_copy(dir.path(), |text| {
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        lines[1] = lines[1].replacen(",true,", ",maybe,", 1);
        let dup = lines[2].clone();
        lines.push(dup);
        lines.join("\n") + "\n"
    });
    let cache = dir.path().join("cache");
    let full = OneRosterCsv::new(&bundle).with_index(IndexPolicy::Off, &cache);
    let indexed = OneRosterCsv::new(&bundle).with_index(IndexPolicy::On, &cache);
    let roster = full.load().await.unwrap();
    assert!(!roster.invalid_records.is_empty(), "the planted row fails validation");
    assert!(!roster.record_findings.is_empty());
    let first = &roster.users[0];
    let lookups = vec![
        (
            "the invalid student".to_owned(),
            Lookup::default().sourced_id(&first.sourced_id),
        ),
        (
            "the duplicated student".to_owned(),
            Lookup::default().sourced_id(&roster.users[1].sourced_id),
        ),
    ];
    indexed.fetch(&lookups[0].1).await.unwrap();
    assert_eq!(index_files(&cache).len(), 1);
    let got = indexed.fetch(&lookups[0].1).await.unwrap();
    assert!(
        got.invalid_records.contains_key(&first.sourced_id),
        "{:?}",
        got.invalid_records
    );
    assert_same_slices(&full, &indexed, &lookups).await;
}

/// Every demo case diagnosed on the bundle through its index gives the result the
/// full read gives, warnings included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_demo_case_gives_the_same_result_through_the_index() {
    cdt_tools::link();
    let registry = Registry::builtin().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let bundle = root().join("demo/oneroster");
    let full = OneRosterCsv::new(&bundle).with_index(IndexPolicy::Off, cache.path());
    let indexed = OneRosterCsv::new(&bundle).with_index(IndexPolicy::On, cache.path());
    let platform = cdt_connectors::factory::platform_from_path(&root().join("demo/platform.sqlite"), "bm-org-0001")
        .await
        .unwrap();
    let ctx = RunContext::new("bm-org-0001", chrono::Utc::now());
    let cases = demo_cases();
    assert!(cases.len() >= 30);
    for case in &cases {
        let tool = registry.get(&case.tool_id).unwrap();
        let inputs = Inputs(case.inputs.clone());
        let mut want = diagnose(tool.as_ref(), &inputs, &full, platform.as_ref(), &ctx)
            .await
            .unwrap();
        let mut got = diagnose(tool.as_ref(), &inputs, &indexed, platform.as_ref(), &ctx)
            .await
            .unwrap();
        want.timestamp = chrono::DateTime::UNIX_EPOCH;
        got.timestamp = chrono::DateTime::UNIX_EPOCH;
        assert_eq!(got, want, "{}", case.story);
        assert_eq!(got.status, case.expected_status, "{}", case.story);
    }
    assert_eq!(index_files(cache.path()).len(), 1);
}

/// A bundle changed after its index was written is read again: the next fetch sees
/// the change, and the index is replaced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_bundle_is_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = bundle_copy(dir.path(), str::to_owned);
    let cache = dir.path().join("cache");
    let indexed = OneRosterCsv::new(&bundle).with_index(IndexPolicy::On, &cache);
    let roster = OneRosterCsv::new(&bundle)
        .with_index(IndexPolicy::Off, &cache)
        .read()
        .unwrap();
    let student = roster.users.iter().find(|u| u.email.is_some()).unwrap();
    let old = student.email.clone().unwrap();
    let by_id = Lookup::default().sourced_id(&student.sourced_id);
    assert_eq!(
        indexed.fetch(&by_id).await.unwrap().users[0].email.as_deref(),
        Some(old.as_str())
    );
    let files = index_files(&cache);
    assert_eq!(files.len(), 1);

    let text = std::fs::read_to_string(bundle.join("users.csv")).unwrap();
    std::fs::write(
        bundle.join("users.csv"),
        text.replacen(&old, "changed.address@example.org", 1),
    )
    .unwrap();
    let after = indexed.fetch(&by_id).await.unwrap();
    assert_eq!(after.users[0].email.as_deref(), Some("changed.address@example.org"));
    assert!(
        indexed
            .fetch(&Lookup::default().email(&old))
            .await
            .unwrap()
            .users
            .iter()
            .all(|u| u.sourced_id != student.sourced_id),
        "the old email no longer finds the student"
    );
    assert_eq!(index_files(&cache), files, "the same index file, replaced");
}

/// An index file that is not one (garbage, another SQLite file, a symbolic link
/// planted in its place) is never trusted: the fetch reads the bundle and answers
/// right.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_or_planted_index_is_not_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = root().join("demo/oneroster");
    let cache = dir.path().join("cache");
    let full = OneRosterCsv::new(&bundle).with_index(IndexPolicy::Off, &cache);
    let indexed = OneRosterCsv::new(&bundle).with_index(IndexPolicy::On, &cache);
    let lookup = Lookup::default().person("mateo quispe huaman");
    let want = full.fetch(&lookup).await.unwrap();
    indexed.fetch(&lookup).await.unwrap();
    let file = index_files(&cache).pop().unwrap();

    std::fs::write(&file, b"not a database at all").unwrap();
    assert_eq!(indexed.fetch(&lookup).await.unwrap(), want, "garbage");

    // Another SQLite file (a platform store) where the index was.
    std::fs::remove_file(&file).unwrap();
    std::fs::copy(root().join("demo/platform.sqlite"), &file).unwrap();
    assert_eq!(indexed.fetch(&lookup).await.unwrap(), want, "a foreign database");

    // A symbolic link to a valid index of another bundle.
    let other_dir = dir.path().join("other");
    let other_bundle = bundle_copy(dir.path(), |t| t.replace("Mateo", "Matias"));
    let other = OneRosterCsv::new(&other_bundle).with_index(IndexPolicy::On, &other_dir);
    other.fetch(&lookup).await.unwrap();
    let other_file = index_files(&other_dir).pop().unwrap();
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink(&other_file, &file).unwrap();
    assert_eq!(indexed.fetch(&lookup).await.unwrap(), want, "a planted link");
}

/// The index folder keeps the most recently used indexes: writing one more than it
/// keeps removes the one used longest ago, and a hit counts as a use.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_folder_keeps_the_indexes_used_last() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let lookup = Lookup::default().person("mateo quispe huaman");
    let keep = cdt_connectors::oneroster::index::KEEP;
    let bundles: Vec<OneRosterCsv> = (0..=keep)
        .map(|i| {
            let d = dir.path().join(format!("b{i}"));
            OneRosterCsv::new(bundle_copy(&d, str::to_owned)).with_index(IndexPolicy::On, &cache)
        })
        .collect();
    let pause = || std::thread::sleep(std::time::Duration::from_millis(20));
    for b in &bundles[..keep] {
        b.fetch(&lookup).await.unwrap();
        pause();
    }
    let first_files = index_files(&cache);
    assert_eq!(first_files.len(), keep);
    // The first bundle's index is used again: the second's is now the oldest.
    bundles[0].fetch(&lookup).await.unwrap();
    pause();
    let before: std::collections::BTreeSet<PathBuf> = first_files.into_iter().collect();
    bundles[keep].fetch(&lookup).await.unwrap();
    let after: std::collections::BTreeSet<PathBuf> = index_files(&cache).into_iter().collect();
    assert_eq!(after.len(), keep, "{after:?}");
    let gone: Vec<_> = before.difference(&after).collect();
    assert_eq!(gone.len(), 1, "{gone:?}");
    // The removed index is the second bundle's: fetching it writes it again.
    bundles[1].fetch(&lookup).await.unwrap();
    assert!(
        index_files(&cache).contains(gone[0]),
        "the second bundle's index was the one removed"
    );
}
