ALTER TABLE punishments DROP COLUMN term_reason;
ALTER TABLE punishments DROP COLUMN term_max_months;
ALTER TABLE punishments DROP COLUMN term_min_months;
ALTER TABLE punishments DROP COLUMN credit_tier;
ALTER TABLE punishments DROP COLUMN credit_regime;
