-- The read-only role cdt uses to read Bookmarked's PostgreSQL database.
-- Run as the database owner, once per environment (staging and production each get
-- their own role password, kept in that environment's secret store).
--
--   psql -h <host> -U <owner> -d bookmarked -v ro_password="'…'" -f docs/postgres-readonly-role.sql
--
-- What it gives: LOGIN, SELECT on the platform tables, nothing else. Sessions start
-- read-only (default_transaction_read_only), and cdt also opens every session
-- read-only and runs every fetch in a READ ONLY transaction, so a write is refused
-- three times over: by the transaction, by the session and by the privileges.

CREATE ROLE cdt_readonly LOGIN
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS
    CONNECTION LIMIT 20;
SET password_encryption = 'scram-sha-256';
ALTER ROLE cdt_readonly PASSWORD :ro_password;
ALTER ROLE cdt_readonly SET default_transaction_read_only = on;
-- A runaway query is cancelled even if a client forgets its own timeout.
ALTER ROLE cdt_readonly SET statement_timeout = '30s';
ALTER ROLE cdt_readonly SET idle_in_transaction_session_timeout = '30s';

GRANT CONNECT ON DATABASE bookmarked TO cdt_readonly;
GRANT USAGE ON SCHEMA public TO cdt_readonly;
GRANT SELECT ON
    organizations, students, parents, parent_students,
    classes, enrollments, import_runs, import_errors
    TO cdt_readonly;
-- Nothing else: no INSERT, UPDATE, DELETE, TRUNCATE, no CREATE in any schema.
REVOKE CREATE ON SCHEMA public FROM cdt_readonly;

-- pg_hba.conf: ask for the password (scram-sha-256) and TLS, e.g.
--   hostssl  bookmarked  cdt_readonly  10.0.0.0/8  scram-sha-256
--
-- Optional, for fast name search (see cdt-connectors/migrations/postgres/0002_cdt_search.sql):
--   \i cdt-connectors/migrations/postgres/0002_cdt_search.sql
