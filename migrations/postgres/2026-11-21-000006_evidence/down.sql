DROP TABLE case_flags;
DROP TABLE tip_fingerprints;
DROP TABLE legal_holds;
DROP TABLE attachments;
