DROP TABLE tip_ratings;
ALTER TABLE cases DROP COLUMN reopen_count;
