DROP TABLE login_throttle;
ALTER TABLE users DROP COLUMN last_failed_at;
ALTER TABLE users ADD COLUMN locked_until TIMESTAMP;
