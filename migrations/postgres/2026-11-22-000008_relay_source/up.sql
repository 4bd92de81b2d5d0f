-- The report column (报表来源) a relay's Open311 requests count under:
-- hotline (12345), platform (provincial) or national. Tickets posted as JSON
-- name their own channel. Relays made before this column were counted as
-- national, so they keep that until `tipline relay configure --source`.
ALTER TABLE relays ADD COLUMN source TEXT NOT NULL DEFAULT 'national';
