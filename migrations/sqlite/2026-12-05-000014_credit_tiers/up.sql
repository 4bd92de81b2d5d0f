-- Credit terms by tier (issue 19): the regime (order58 before 2026-04-01,
-- order36 from then) and the Order 36 tier a record was decided under, the
-- bounds of its publication term in months, and the dispatcher's reason for
-- an end later than the default (the minimum).
ALTER TABLE punishments ADD COLUMN credit_regime TEXT;
ALTER TABLE punishments ADD COLUMN credit_tier TEXT;
ALTER TABLE punishments ADD COLUMN term_min_months INTEGER;
ALTER TABLE punishments ADD COLUMN term_max_months INTEGER;
ALTER TABLE punishments ADD COLUMN term_reason TEXT;

-- Records decided before this migration were decided with Order 58's one
-- term (3 to 36 months, at least 12 for a safety case): so they stay.
UPDATE punishments
SET credit_regime = 'order58',
    term_min_months = CASE
        WHEN (SELECT ',' || cases.dimensions || ',' FROM cases WHERE cases.id = punishments.case_id)
            LIKE '%,safety,%' THEN 12
        ELSE 3
    END,
    term_max_months = 36
WHERE starts_on IS NOT NULL;
