-- Small shared facts of one deployment (issue 15): the fingerprint of the
-- master secret every process must share, and the row /readyz writes to
-- prove the database takes writes.
CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Idempotent intake: a client retrying a POST with the same Idempotency-Key
-- (or the form its hidden key) gets the first answer again, from any
-- process, for 24 hours. The key and the request are stored as keyed
-- hashes; the answer (it holds a receipt) sealed.
CREATE TABLE idempotency (
    key_hash BLOB PRIMARY KEY NOT NULL,
    request_hash BLOB NOT NULL,
    answer_sealed BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
