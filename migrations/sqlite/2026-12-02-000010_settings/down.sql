DROP TABLE settings;
DROP TABLE idempotency;
