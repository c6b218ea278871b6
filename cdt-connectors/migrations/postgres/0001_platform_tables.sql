-- The Bookmarked platform's roster tables, as the connector reads them.
-- Bookmarked owns the real schema; this file creates the same tables for tests and
-- local copies. Bookmarked ids in `id`; the SIS sourcedId in `sourced_id`; emails
-- lower-cased. The indexes are the ones the connector's queries use.

CREATE TABLE organizations (
    id          text PRIMARY KEY,
    sourced_id  text NOT NULL,
    name        text NOT NULL,
    type        text NOT NULL CHECK (type IN ('district', 'school')),
    parent_id   text REFERENCES organizations (id)
);
CREATE INDEX organizations_parent_id ON organizations (parent_id);

CREATE TABLE students (
    id              text PRIMARY KEY,
    sourced_id      text NOT NULL,
    organization_id text NOT NULL REFERENCES organizations (id),
    first_name      text NOT NULL,
    last_name       text NOT NULL,
    email           text,
    grade           text,
    student_number  text,
    status          text NOT NULL CHECK (status IN ('active', 'deleted'))
);
CREATE INDEX students_sourced_id ON students (sourced_id);
CREATE INDEX students_email ON students (email);
CREATE INDEX students_organization_id ON students (organization_id);

CREATE TABLE parents (
    id          text PRIMARY KEY,
    sourced_id  text NOT NULL,
    first_name  text NOT NULL,
    last_name   text NOT NULL,
    email       text,
    phone       text,
    status      text NOT NULL CHECK (status IN ('active', 'deleted'))
);
CREATE INDEX parents_sourced_id ON parents (sourced_id);
CREATE INDEX parents_email ON parents (email);

CREATE TABLE parent_students (
    parent_id   text NOT NULL REFERENCES parents (id),
    student_id  text NOT NULL REFERENCES students (id),
    PRIMARY KEY (parent_id, student_id)
);
CREATE INDEX parent_students_student_id ON parent_students (student_id);

CREATE TABLE classes (
    id                text PRIMARY KEY,
    sourced_id        text NOT NULL,
    organization_id   text NOT NULL REFERENCES organizations (id),
    title             text NOT NULL,
    course_sourced_id text,
    term_sourced_id   text,
    status            text NOT NULL CHECK (status IN ('active', 'deleted'))
);
CREATE INDEX classes_sourced_id ON classes (sourced_id);
CREATE INDEX classes_organization_id ON classes (organization_id);

CREATE TABLE enrollments (
    id          text PRIMARY KEY,
    sourced_id  text NOT NULL,
    class_id    text NOT NULL REFERENCES classes (id),
    user_id     text NOT NULL REFERENCES students (id),
    role        text NOT NULL,
    status      text NOT NULL CHECK (status IN ('active', 'deleted'))
);
CREATE INDEX enrollments_class_id ON enrollments (class_id);
CREATE INDEX enrollments_user_id ON enrollments (user_id);
CREATE INDEX enrollments_sourced_id ON enrollments (sourced_id);

CREATE TABLE import_runs (
    id              text PRIMARY KEY,
    organization_id text NOT NULL REFERENCES organizations (id),
    source          text NOT NULL,
    started_at      text NOT NULL,
    finished_at     text,
    status          text NOT NULL
);
CREATE INDEX import_runs_organization_id ON import_runs (organization_id);

CREATE TABLE import_errors (
    id              text PRIMARY KEY,
    import_run_id   text NOT NULL REFERENCES import_runs (id),
    entity_type     text NOT NULL,
    sourced_id      text NOT NULL,
    message         text NOT NULL
);
CREATE INDEX import_errors_sourced_id ON import_errors (sourced_id);
CREATE INDEX import_errors_import_run_id ON import_errors (import_run_id);
