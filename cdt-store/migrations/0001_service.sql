-- The service's application database. One file for SQLite and PostgreSQL: only types
-- and statements both accept (TEXT, BIGINT, ON CONFLICT, RETURNING); times are Unix
-- milliseconds, flags 0/1, JSON as TEXT.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    permissions   TEXT NOT NULL,
    totp_secret   TEXT,
    disabled      BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    last_login    BIGINT
);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,
    second_factor BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    idle_ms      BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    secret_hash   TEXT NOT NULL,
    csrf          TEXT NOT NULL,
    second_factor BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    last_seen     BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE rate_limits (
    bucket       TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits         BIGINT NOT NULL,
    PRIMARY KEY (bucket, window_start)
);

CREATE TABLE runs (
    id          TEXT PRIMARY KEY,
    created_at  BIGINT NOT NULL,
    user_id     TEXT,
    username    TEXT,
    customer_id TEXT,
    tool_id     TEXT NOT NULL,
    environment TEXT,
    ticket      TEXT,
    inputs      TEXT NOT NULL,
    status      TEXT NOT NULL,
    runtime_ms  BIGINT NOT NULL,
    result      TEXT,
    error       TEXT
);
CREATE INDEX runs_created ON runs (created_at);
CREATE INDEX runs_customer ON runs (customer_id, created_at);

CREATE TABLE security_events (
    id         TEXT PRIMARY KEY,
    at         BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    user_id    TEXT,
    username   TEXT,
    client     TEXT,
    request_id TEXT,
    detail     TEXT NOT NULL
);
CREATE INDEX security_events_at ON security_events (at);
