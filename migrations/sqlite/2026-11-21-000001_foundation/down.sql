DROP TABLE tip_messages;
DROP TABLE tip_updates;
DROP TABLE tips;
DROP TABLE dimensions;
DROP TABLE bureaus;
DROP TABLE industries;
DROP TABLE districts;
DROP TABLE packs;
