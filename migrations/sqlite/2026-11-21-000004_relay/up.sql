-- Relays: the 12345 hotline and upper-level platforms that send us work
-- orders. The key is stored only as its SHA-256; the callback signing secret
-- (derived from the key, see docs/relay.md) only sealed under the server secret.
CREATE TABLE relays (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    key_hash BLOB NOT NULL UNIQUE,
    key_prefix TEXT NOT NULL,
    signing_sealed BLOB NOT NULL,
    callback_url TEXT,
    rate_limit INTEGER NOT NULL,
    revoked_at TIMESTAMP,
    key_created_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- One row per work order (工单). The unique index makes a resent ticket a
-- replay, however many copies arrive at once. The first answer is kept
-- sealed (it holds the receipt) so a resend gets the very same answer.
CREATE TABLE relay_tickets (
    id INTEGER PRIMARY KEY NOT NULL,
    relay_id BIGINT NOT NULL REFERENCES relays (id),
    ticket_id TEXT NOT NULL,
    tip_id BIGINT NOT NULL REFERENCES tips (id),
    channel TEXT NOT NULL,
    content_hash BLOB NOT NULL,
    content TEXT NOT NULL,
    answer_sealed BLOB NOT NULL,
    ticket_received_at TIMESTAMP NOT NULL,
    confidential BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX relay_tickets_ticket ON relay_tickets (relay_id, ticket_id);
CREATE INDEX relay_tickets_tip ON relay_tickets (tip_id);

-- Call-backs to relays, written in the transaction of the change they report.
-- state: pending | delivered | failed. A claimed row's next_attempt_at is
-- pushed forward by a lease, so a crashed worker's row is retried later.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY NOT NULL,
    relay_id BIGINT NOT NULL REFERENCES relays (id),
    tip_id BIGINT NOT NULL REFERENCES tips (id),
    ticket_id TEXT NOT NULL,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);

-- Every delivery attempt, kept.
CREATE TABLE outbox_attempts (
    id INTEGER PRIMARY KEY NOT NULL,
    outbox_id BIGINT NOT NULL REFERENCES outbox (id),
    attempted_at TIMESTAMP NOT NULL,
    http_status INTEGER,
    error TEXT,
    duration_ms BIGINT NOT NULL,
    worker TEXT NOT NULL
);
CREATE INDEX outbox_attempts_entry ON outbox_attempts (outbox_id, id);
