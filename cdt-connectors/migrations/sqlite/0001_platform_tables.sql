-- The Bookmarked platform's roster tables, as cdt-core's platform::schema describes
-- them (a test checks that this file creates exactly the described columns).
-- Bookmarked ids in `id`; the SIS sourcedId in `sourced_id`; emails lower-cased.

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY NOT NULL,
    sourced_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    type        TEXT NOT NULL CHECK (type IN ('district', 'school')),
    parent_id   TEXT REFERENCES organizations (id)
);
CREATE INDEX organizations_parent_id ON organizations (parent_id);

CREATE TABLE students (
    id              TEXT PRIMARY KEY NOT NULL,
    sourced_id      TEXT NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    first_name      TEXT NOT NULL,
    last_name       TEXT NOT NULL,
    email           TEXT,
    grade           TEXT,
    student_number  TEXT,
    status          TEXT NOT NULL CHECK (status IN ('active', 'deleted'))
);
CREATE INDEX students_sourced_id ON students (sourced_id);
CREATE INDEX students_email ON students (email);
CREATE INDEX students_organization_id ON students (organization_id);

CREATE TABLE parents (
    id          TEXT PRIMARY KEY NOT NULL,
    sourced_id  TEXT NOT NULL,
    first_name  TEXT NOT NULL,
    last_name   TEXT NOT NULL,
    email       TEXT,
    phone       TEXT,
    status      TEXT NOT NULL CHECK (status IN ('active', 'deleted'))
);
CREATE INDEX parents_sourced_id ON parents (sourced_id);
CREATE INDEX parents_email ON parents (email);

CREATE TABLE parent_students (
    parent_id   TEXT NOT NULL REFERENCES parents (id),
    student_id  TEXT NOT NULL REFERENCES students (id),
    PRIMARY KEY (parent_id, student_id)
);
CREATE INDEX parent_students_student_id ON parent_students (student_id);

CREATE TABLE classes (
    id                TEXT PRIMARY KEY NOT NULL,
    sourced_id        TEXT NOT NULL,
    organization_id   TEXT NOT NULL REFERENCES organizations (id),
    title             TEXT NOT NULL,
    course_sourced_id TEXT,
    term_sourced_id   TEXT,
    status            TEXT NOT NULL CHECK (status IN ('active', 'deleted'))
);
CREATE INDEX classes_sourced_id ON classes (sourced_id);
CREATE INDEX classes_organization_id ON classes (organization_id);

CREATE TABLE enrollments (
    id          TEXT PRIMARY KEY NOT NULL,
    sourced_id  TEXT NOT NULL,
    class_id    TEXT NOT NULL REFERENCES classes (id),
    user_id     TEXT NOT NULL REFERENCES students (id),
    role        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('active', 'deleted'))
);
CREATE INDEX enrollments_class_id ON enrollments (class_id);
CREATE INDEX enrollments_user_id ON enrollments (user_id);
CREATE INDEX enrollments_sourced_id ON enrollments (sourced_id);

CREATE TABLE import_runs (
    id              TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    source          TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    status          TEXT NOT NULL
);
CREATE INDEX import_runs_organization_id ON import_runs (organization_id);

CREATE TABLE import_errors (
    id              TEXT PRIMARY KEY NOT NULL,
    import_run_id   TEXT NOT NULL REFERENCES import_runs (id),
    entity_type     TEXT NOT NULL,
    sourced_id      TEXT NOT NULL,
    message         TEXT NOT NULL
);
CREATE INDEX import_errors_sourced_id ON import_errors (sourced_id);
CREATE INDEX import_errors_import_run_id ON import_errors (import_run_id);

-- Every migration ends by recording its number.
PRAGMA user_version = 1;
