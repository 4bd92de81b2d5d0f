-- Small shared facts of one deployment (issue 15): the fingerprint of the
-- master secret every process must share, and the row /readyz writes to
-- prove the database takes writes.
CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Idempotent intake (see the SQLite migration).
CREATE TABLE idempotency (
    key_hash BYTEA PRIMARY KEY NOT NULL,
    request_hash BYTEA NOT NULL,
    answer_sealed BYTEA NOT NULL,
    created_at TIMESTAMP NOT NULL
);
