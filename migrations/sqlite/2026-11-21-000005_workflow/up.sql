-- Issue 6: the case workflow. What each step records, the measures with
-- their deadlines, and supervision notices (督办).

-- The enterprise the dispatcher confirmed (reconciled with the enterprise
-- registry when issue 4 merges), the finding, and the current step's due date.
ALTER TABLE cases ADD COLUMN enterprise_credit_code TEXT;
ALTER TABLE cases ADD COLUMN finding TEXT;
-- The open step ('dispatch', 'verify', 'measure') and when it is due.
ALTER TABLE cases ADD COLUMN due_step TEXT;
ALTER TABLE cases ADD COLUMN due_on DATE;
-- Set by the daily job when due_on has passed; cleared by the next step.
ALTER TABLE cases ADD COLUMN overdue BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE cases ADD COLUMN returned_reason TEXT;
ALTER TABLE cases ADD COLUMN public_result TEXT;

-- Enforcement measures (处置措施), one row each.
CREATE TABLE case_measures (
    id INTEGER PRIMARY KEY NOT NULL,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    measure TEXT NOT NULL,
    -- The pack deadline the due date came from, if any.
    rule_key TEXT,
    ordered_on DATE NOT NULL,
    due_on DATE NOT NULL,
    extensions INTEGER NOT NULL DEFAULT 0,
    extended_months INTEGER NOT NULL DEFAULT 0,
    extension_reason TEXT,
    note TEXT NOT NULL,
    is_open BOOLEAN NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX case_measures_case ON case_measures (case_id, id);

-- What a step carries (finding with inspectors and evidence, re-inspection,
-- exit acceptance, return reason), as JSON: the case timeline.
CREATE TABLE case_records (
    id INTEGER PRIMARY KEY NOT NULL,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX case_records_case ON case_records (case_id, id);

-- Supervision notices: 'overdue' from the daily job (one per case, step
-- and due date), 'supervise' (督办) sent by the dispatcher.
CREATE TABLE supervision_notices (
    id INTEGER PRIMARY KEY NOT NULL,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    step TEXT NOT NULL,
    due_on DATE,
    body TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX supervision_notices_case ON supervision_notices (case_id, id);
CREATE UNIQUE INDEX supervision_notices_once ON supervision_notices (case_id, step, due_on)
    WHERE kind = 'overdue';

-- The queue: filters by industry and the overdue and due-date views.
CREATE INDEX cases_industry ON cases (industry, id);
CREATE INDEX cases_due ON cases (due_on, id);
CREATE INDEX cases_overdue ON cases (overdue, id);
CREATE INDEX cases_created ON cases (created_at, id);
CREATE INDEX audit_actor ON audit_log (actor, id);

-- Optional TOTP second factor: the shared secret sealed like a reporter's
-- contact, and the last time step used (a code is accepted once).
CREATE TABLE user_totp (
    user_id BIGINT PRIMARY KEY NOT NULL REFERENCES users (id),
    secret_sealed BLOB NOT NULL,
    last_step BIGINT,
    enrolled_at TIMESTAMP NOT NULL
);

-- Per-role login policy an administrator sets (tipline user require-totp).
CREATE TABLE role_policies (
    role TEXT PRIMARY KEY NOT NULL,
    totp_required BOOLEAN NOT NULL
);
