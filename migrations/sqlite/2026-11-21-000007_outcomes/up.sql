-- Issue 7: joint punishment (联合惩戒). Lists are derived from case_measures
-- and case_records by query; only punishment needs rows of its own.

-- One record per case: proposed by the daily job when the exit deadline
-- passes without an accepted exit; applied only by a dispatcher.
CREATE TABLE punishments (
    id INTEGER PRIMARY KEY NOT NULL,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    enterprise_id BIGINT,
    credit_code TEXT,
    enterprise_name TEXT NOT NULL,
    -- proposed | active | rejected | repaired | expired
    status TEXT NOT NULL,
    -- Pack measure keys, comma-separated.
    measures TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    issuing_bureau TEXT,
    starts_on DATE,
    ends_on DATE,
    missed_due_on DATE NOT NULL,
    proposed_at TIMESTAMP NOT NULL,
    decided_by TEXT,
    decided_at TIMESTAMP,
    ended_on DATE,
    end_reason TEXT,
    end_approver TEXT,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX punishments_case ON punishments (case_id);
CREATE INDEX punishments_status ON punishments (status);
-- The lists read measures and records by kind.
CREATE INDEX case_measures_measure ON case_measures (measure, case_id);
CREATE INDEX case_records_kind ON case_records (kind, case_id);
