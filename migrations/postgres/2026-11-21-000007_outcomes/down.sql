DROP INDEX case_records_kind;
DROP INDEX case_measures_measure;
DROP TABLE punishments;
