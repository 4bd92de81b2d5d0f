-- Per-client request windows and spent proofs of work, shared by every
-- process so that N processes allow the limit once, not N times (issue 15).
-- UNLOGGED: kept out of the WAL and replicas, emptied after a crash — a rate
-- window can start over. Rows hold only a keyed hash of the client under a
-- salt that changes daily and is stored sealed under the master secret.
CREATE UNLOGGED TABLE rate_windows (
    bucket TEXT NOT NULL,
    client_hash BYTEA NOT NULL,
    opened_ms BIGINT NOT NULL,
    hits INTEGER NOT NULL,
    PRIMARY KEY (bucket, client_hash)
);
CREATE UNLOGGED TABLE spent_proofs (
    proof_hash BYTEA PRIMARY KEY,
    spent_ms BIGINT NOT NULL
);
