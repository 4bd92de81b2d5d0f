-- 回访 and 评价 (国办发〔2020〕53号): a reporter rates the outcome of a closed
-- case once per tip, through the status page or a relay's own call-back.
-- A dissatisfied rating waits for the dispatcher's review: reopened for
-- 二次办理, or declined with a reason.
CREATE TABLE tip_ratings (
    tip_id BIGINT PRIMARY KEY NOT NULL REFERENCES tips (id),
    rating TEXT NOT NULL,
    comment TEXT,
    source TEXT NOT NULL,
    rated_at TIMESTAMP NOT NULL,
    review TEXT,
    review_note TEXT,
    reviewed_by TEXT,
    reviewed_at TIMESTAMP
);
CREATE INDEX tip_ratings_waiting ON tip_ratings (rating, review);

-- How many times a closed case was reopened for 二次办理.
ALTER TABLE cases ADD COLUMN reopen_count INTEGER NOT NULL DEFAULT 0;
