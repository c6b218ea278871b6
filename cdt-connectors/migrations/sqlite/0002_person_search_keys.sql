-- Name search keys: cdt_core::matching::person_search_key of each student's and
-- parent's first and last name, written by `cdt` with the rows (SQLite has no Unicode
-- normalisation, so the keys are computed in Rust). A name lookup filters them in SQL
-- (`instr`) instead of reading every name back; see embedded.rs.
CREATE TABLE person_search_keys (
    person_table TEXT NOT NULL CHECK (person_table IN ('students', 'parents')),
    id           TEXT NOT NULL,
    search_key   TEXT NOT NULL,
    PRIMARY KEY (person_table, id)
) WITHOUT ROWID;

PRAGMA user_version = 2;
