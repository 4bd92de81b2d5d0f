DROP TABLE audit_log;
DROP INDEX tips_case;
ALTER TABLE tips DROP COLUMN routing;
ALTER TABLE tips DROP COLUMN case_id;
DROP TABLE cases;
DROP TABLE sessions;
DROP TABLE users;
