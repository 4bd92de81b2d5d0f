-- The enterprise registry. Codes that fail the GB 32100-2015 check are kept,
-- flagged, because real registries contain them.
-- former_names and aliases hold one name per line.
-- rev is the registry_version at the row's last write: a process that has
-- seen version V reloads only rows with rev > V.
CREATE TABLE enterprises (
    id INTEGER PRIMARY KEY NOT NULL,
    credit_code TEXT NOT NULL UNIQUE,
    credit_code_valid BOOLEAN NOT NULL,
    name TEXT NOT NULL,
    former_names TEXT NOT NULL,
    aliases TEXT NOT NULL,
    address TEXT,
    district TEXT,
    industry TEXT,
    status TEXT NOT NULL,
    list_status TEXT NOT NULL,
    rev BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX enterprises_rev ON enterprises (rev);

-- One row: bumped in the same transaction as every registry write, so every
-- process notices imports and edits made by any other.
CREATE TABLE registry_version (
    id INTEGER PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL
);
INSERT INTO registry_version (id, version) VALUES (1, 0);

ALTER TABLE tips ADD COLUMN enterprise_id BIGINT REFERENCES enterprises (id);
-- The match result for this tip (best, confidence, top 5 candidates), JSON.
ALTER TABLE tips ADD COLUMN matching TEXT;
ALTER TABLE cases ADD COLUMN enterprise_id BIGINT REFERENCES enterprises (id);
-- The candidates kept for the dispatcher, JSON.
ALTER TABLE cases ADD COLUMN candidates TEXT NOT NULL DEFAULT '[]';
-- The normalised address of the first tip, for grouping tips without an enterprise.
ALTER TABLE cases ADD COLUMN place_key TEXT;
CREATE INDEX cases_enterprise ON cases (enterprise_id, status);
CREATE INDEX cases_place ON cases (place_key, status);
