-- Staff accounts. Passwords are argon2id PHC strings.
CREATE TABLE users (
    id INTEGER PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    bureau TEXT,
    district TEXT,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

-- Sessions: only the SHA-256 of the cookie's token is stored.
CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- A case gathers the tips about one problem at one enterprise. Its routing
-- is proposed by the rules at intake and confirmed by a dispatcher.
-- co_bureaus is stored as ",key1,key2," so one LIKE finds a co-handler.
CREATE TABLE cases (
    id INTEGER PRIMARY KEY NOT NULL,
    status TEXT NOT NULL,
    industry TEXT,
    district TEXT,
    dimensions TEXT NOT NULL,
    lead_bureau TEXT,
    co_bureaus TEXT NOT NULL,
    routing TEXT NOT NULL,
    tip_count INTEGER NOT NULL,
    first_seen_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX cases_status ON cases (status, id);
CREATE INDEX cases_lead ON cases (lead_bureau, id);
CREATE INDEX cases_district ON cases (district, id);

ALTER TABLE tips ADD COLUMN case_id BIGINT REFERENCES cases (id);
-- The routing proposal for this tip alone, with its explanation (JSON).
ALTER TABLE tips ADD COLUMN routing TEXT;
CREATE INDEX tips_case ON tips (case_id);

-- Append-only: no route updates or deletes a row.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_subject ON audit_log (subject, id);
