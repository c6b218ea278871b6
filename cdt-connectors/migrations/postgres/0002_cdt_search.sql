-- Name and title search for cdt, applied by the database's owner (cdt itself never
-- writes). Without it the connector runs the same expressions unindexed.
--
-- Both functions use only built-in functions (no search_path surprises).
-- cdt_text_key(t) is cdt_core::matching::search_key: the ASCII letters and digits of
-- the NFKD form, ASCII-lower-cased. A trigram index on the person key lets
-- `cdt_person_key(first_name, last_name) LIKE '%garcia%'` use an index; the connector
-- then matches the few candidates exactly. Needs pg_trgm (a trusted extension).

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE OR REPLACE FUNCTION cdt_text_key(t text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT regexp_replace(translate(normalize(t, NFKD), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), '[^a-z0-9]', '', 'g') $$;

CREATE OR REPLACE FUNCTION cdt_person_key(first_name text, last_name text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT regexp_replace(translate(normalize(first_name, NFKD), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), '[^a-z0-9]', '', 'g')
              || ' ' ||
              regexp_replace(translate(normalize(last_name, NFKD), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), '[^a-z0-9]', '', 'g') $$;

CREATE INDEX IF NOT EXISTS students_cdt_person_key ON students USING gin (cdt_person_key(first_name, last_name) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS parents_cdt_person_key ON parents USING gin (cdt_person_key(first_name, last_name) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS classes_cdt_title_key ON classes (cdt_text_key(title));
