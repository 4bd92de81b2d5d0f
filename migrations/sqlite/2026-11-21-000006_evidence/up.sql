-- Evidence files. The file itself is sealed in the blob store under
-- storage_key (random); the original name is not kept. A JSON upload waits
-- with tip_id NULL and only the SHA-256 of its token until a tip claims it.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY NOT NULL,
    tip_id BIGINT REFERENCES tips (id),
    token_hash BLOB UNIQUE,
    storage_key TEXT NOT NULL UNIQUE,
    thumb_key TEXT,
    kind TEXT NOT NULL,
    size BIGINT NOT NULL,
    removed TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX attachments_tip ON attachments (tip_id);
CREATE INDEX attachments_pending ON attachments (created_at) WHERE tip_id IS NULL;

-- Legal holds stop retention. A hold is on a case or on one tip; released
-- holds stay as history.
CREATE TABLE legal_holds (
    id INTEGER PRIMARY KEY NOT NULL,
    case_id BIGINT REFERENCES cases (id),
    tip_id BIGINT REFERENCES tips (id),
    reason TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at TIMESTAMP NOT NULL,
    released_at TIMESTAMP
);
CREATE INDEX legal_holds_case ON legal_holds (case_id);
CREATE INDEX legal_holds_tip ON legal_holds (tip_id);

-- What flood detection compares: the enterprise key (today the folded
-- name) and the folded description, per tip.
CREATE TABLE tip_fingerprints (
    tip_id BIGINT PRIMARY KEY NOT NULL REFERENCES tips (id),
    enterprise_key TEXT NOT NULL,
    text_key TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL
);
CREATE INDEX tip_fingerprints_key ON tip_fingerprints (enterprise_key, received_at);

-- Flags for the dispatcher, one row per flagged case.
CREATE TABLE case_flags (
    case_id BIGINT PRIMARY KEY NOT NULL REFERENCES cases (id),
    flood_suspected BOOLEAN NOT NULL DEFAULT FALSE,
    flood_count INTEGER NOT NULL DEFAULT 0,
    updated_at TIMESTAMP NOT NULL
);
