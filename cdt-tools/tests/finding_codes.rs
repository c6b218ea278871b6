//! `docs/finding-codes.md` is generated from the catalogue of findings; this test fails
//! when it is stale. Regenerate with `UPDATE_DOCS=1 cargo test -p cdt-tools --test finding_codes`.

// The test reads and writes the generated document; the crate itself does no I/O.
#![allow(clippy::disallowed_methods)]

use std::path::Path;

#[test]
fn the_finding_codes_document_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/finding-codes.md");
    let want = cdt_tools::findings::markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).expect("writes docs/finding-codes.md");
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/finding-codes.md is stale: run `UPDATE_DOCS=1 cargo test -p cdt-tools --test finding_codes`"
    );
}

#[test]
fn every_code_is_kebab_case_and_unique() {
    let catalogue = cdt_tools::findings::catalogue();
    let mut seen = std::collections::BTreeSet::new();
    for e in &catalogue {
        assert!(seen.insert(e.code), "duplicate code {}", e.code);
        let kebab = e
            .code
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        assert!(kebab, "`{}` does not match ^[a-z0-9]+(-[a-z0-9]+)*$", e.code);
    }
}
