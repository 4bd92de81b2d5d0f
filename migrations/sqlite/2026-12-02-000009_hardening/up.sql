-- Hardening the public edge (issue 13).
--
-- 1. Times that say when a reporter acted are kept to the minute: the tip,
--    its public updates and messages, its uploads, its case's first and last
--    sighting and the relay ticket. Rows written before are truncated here.
UPDATE tips SET received_at = strftime('%Y-%m-%d %H:%M:00', received_at),
                updated_at = strftime('%Y-%m-%d %H:%M:00', updated_at);
UPDATE tip_updates SET created_at = strftime('%Y-%m-%d %H:%M:00', created_at);
UPDATE tip_messages SET created_at = strftime('%Y-%m-%d %H:%M:00', created_at);
UPDATE attachments SET created_at = strftime('%Y-%m-%d %H:%M:00', created_at);
UPDATE relay_tickets SET ticket_received_at = strftime('%Y-%m-%d %H:%M:00', ticket_received_at);
UPDATE cases SET created_at = strftime('%Y-%m-%d %H:%M:00', created_at),
                 first_seen_at = strftime('%Y-%m-%d %H:%M:00', first_seen_at),
                 last_seen_at = strftime('%Y-%m-%d %H:%M:00', last_seen_at);

-- 2. Logins: no hard lock a stranger can trigger. An account's recent
--    failures slow its answers down; attempts per (account, client) are
--    counted under a keyed hash (never the address) and hold that client
--    back. The count of failures is updated atomically.
ALTER TABLE users DROP COLUMN locked_until;
ALTER TABLE users ADD COLUMN last_failed_at TIMESTAMP;
CREATE TABLE login_throttle (
    key BLOB PRIMARY KEY NOT NULL,
    attempts INTEGER NOT NULL,
    last_at TIMESTAMP NOT NULL
);
