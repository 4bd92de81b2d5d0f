DROP TABLE spent_proofs;
DROP TABLE rate_windows;
