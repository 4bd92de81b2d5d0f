-- The shared rate windows and spent proofs of PostgreSQL deployments
-- (see the PostgreSQL migration). SQLite serves one process, which keeps
-- them in memory; the tables exist so both schemas stay alike.
CREATE TABLE rate_windows (
    bucket TEXT NOT NULL,
    client_hash BLOB NOT NULL,
    opened_ms BIGINT NOT NULL,
    hits INTEGER NOT NULL,
    PRIMARY KEY (bucket, client_hash)
);
CREATE TABLE spent_proofs (
    proof_hash BLOB PRIMARY KEY,
    spent_ms BIGINT NOT NULL
);
