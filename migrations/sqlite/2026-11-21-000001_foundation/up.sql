-- Reference data of the active jurisdiction pack (seeds/), replaced on load.
CREATE TABLE packs (
    key TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    loaded_at TIMESTAMP NOT NULL
);
CREATE TABLE districts (
    key TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    short_name TEXT NOT NULL,
    code TEXT,
    citation TEXT NOT NULL
);
CREATE TABLE industries (
    key TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    citation TEXT NOT NULL
);
CREATE TABLE bureaus (
    key TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    citation TEXT NOT NULL
);
CREATE TABLE dimensions (
    key TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    citation TEXT NOT NULL
);

-- One row per tip. The receipt is stored only as HMAC-SHA256 under a key kept
-- outside the database; contact details only sealed (XChaCha20-Poly1305).
CREATE TABLE tips (
    id INTEGER PRIMARY KEY NOT NULL,
    receipt_hash BLOB NOT NULL UNIQUE,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    description TEXT NOT NULL,
    enterprise_name TEXT,
    enterprise_credit_code TEXT,
    address TEXT,
    district TEXT,
    industry TEXT,
    dimensions TEXT NOT NULL,
    occurred_on DATE,
    contact_sealed BLOB,
    received_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX tips_received_at ON tips (received_at);

-- Public progress of a tip, shown to the reporter with the receipt.
CREATE TABLE tip_updates (
    id INTEGER PRIMARY KEY NOT NULL,
    tip_id BIGINT NOT NULL REFERENCES tips (id),
    status TEXT NOT NULL,
    note TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX tip_updates_tip ON tip_updates (tip_id);

-- Questions from staff and the reporter's answers.
CREATE TABLE tip_messages (
    id INTEGER PRIMARY KEY NOT NULL,
    tip_id BIGINT NOT NULL REFERENCES tips (id),
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX tip_messages_tip ON tip_messages (tip_id);
