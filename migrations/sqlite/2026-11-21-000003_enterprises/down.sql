DROP INDEX cases_place;
DROP INDEX cases_enterprise;
ALTER TABLE cases DROP COLUMN place_key;
ALTER TABLE cases DROP COLUMN candidates;
ALTER TABLE cases DROP COLUMN enterprise_id;
ALTER TABLE tips DROP COLUMN matching;
ALTER TABLE tips DROP COLUMN enterprise_id;
DROP TABLE registry_version;
DROP TABLE enterprises;
