-- Name search keys: cdt_core::matching::person_search_key of each student's and
-- parent's first and last name, written by `cdt` with the rows (SQLite has no Unicode
-- normalisation, so the keys are computed in Rust), and a trigram index over them
-- (FTS5, contentless: `person_names.rowid` is `person_search_keys.n`). A name lookup
-- finds the keys holding each query word's key through the trigram index instead of
-- reading every name back; see embedded.rs.
CREATE TABLE person_search_keys (
    n            INTEGER PRIMARY KEY,
    person_table TEXT NOT NULL CHECK (person_table IN ('students', 'parents')),
    id           TEXT NOT NULL,
    search_key   TEXT NOT NULL,
    UNIQUE (person_table, id)
);
CREATE VIRTUAL TABLE person_names USING fts5(search_key, content = '', tokenize = 'trigram');

PRAGMA user_version = 2;
