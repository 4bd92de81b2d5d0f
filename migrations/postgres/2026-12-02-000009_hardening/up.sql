-- Hardening the public edge (issue 13); see the SQLite migration for why.
UPDATE tips SET received_at = date_trunc('minute', received_at),
                updated_at = date_trunc('minute', updated_at);
UPDATE tip_updates SET created_at = date_trunc('minute', created_at);
UPDATE tip_messages SET created_at = date_trunc('minute', created_at);
UPDATE attachments SET created_at = date_trunc('minute', created_at);
UPDATE relay_tickets SET ticket_received_at = date_trunc('minute', ticket_received_at);
UPDATE cases SET created_at = date_trunc('minute', created_at),
                 first_seen_at = date_trunc('minute', first_seen_at),
                 last_seen_at = date_trunc('minute', last_seen_at);

ALTER TABLE users DROP COLUMN locked_until;
ALTER TABLE users ADD COLUMN last_failed_at TIMESTAMP;
CREATE TABLE login_throttle (
    key BYTEA PRIMARY KEY NOT NULL,
    attempts INTEGER NOT NULL,
    last_at TIMESTAMP NOT NULL
);
