-- Full-text search over tips (issue 20): FTS5 with the trigram tokenizer,
-- which indexes every three characters, so Chinese needs no word segmenter
-- and any query of three or more characters is a substring match.
--
-- One row per tip that is in a case. Its rowid is case_id * 2^32 + tip_id
-- (tip ids stay below 2^32), so the index's own rowid order is the queue's
-- order, newest case first: `ORDER BY rowid DESC LIMIT n` on a MATCH walks
-- the posting lists backwards and stops early, a broad query included, and a
-- case-id cursor is a rowid bound. A tip moved to another case (merge,
-- split) gets a new rowid; the triggers below do that.
--
-- The document: what the tip says (description, address, enterprise name
-- and credit code as written), its relay work-order numbers, and the case's
-- linked enterprise (registry name and credit code) and recorded credit code.
-- Fields are joined by a newline; queries never contain one (the service
-- refuses control characters), so no match spans two fields.
CREATE VIRTUAL TABLE tip_search USING fts5(doc, tokenize = 'trigram');

CREATE VIEW tip_search_source AS
SELECT t.id AS tip_id,
       t.case_id AS case_id,
       (t.case_id << 32) + t.id AS key,
       t.description || char(10) || coalesce(t.address, '') || char(10)
         || coalesce(t.enterprise_name, '') || char(10)
         || coalesce(t.enterprise_credit_code, '') || char(10)
         || coalesce((SELECT group_concat(r.ticket_id, ' ') FROM relay_tickets r
                      WHERE r.tip_id = t.id), '') || char(10)
         || coalesce(e.name, '') || char(10) || coalesce(e.credit_code, '') || char(10)
         || coalesce(c.enterprise_credit_code, '') AS doc
FROM tips t
JOIN cases c ON c.id = t.case_id
LEFT JOIN enterprises e ON e.id = c.enterprise_id;

INSERT INTO tip_search (rowid, doc) SELECT key, doc FROM tip_search_source;

-- Kept in step inside the writing transaction, whatever code path writes:
-- intake, relay tickets, merges and splits (case_id), enterprise linking and
-- findings (cases), registry renames (enterprises), retention deletes.
CREATE TRIGGER tip_search_tip_insert AFTER INSERT ON tips
WHEN new.case_id IS NOT NULL BEGIN
  INSERT INTO tip_search (rowid, doc) SELECT key, doc FROM tip_search_source WHERE tip_id = new.id;
END;

CREATE TRIGGER tip_search_tip_update
AFTER UPDATE OF case_id, description, address, enterprise_name, enterprise_credit_code ON tips
BEGIN
  DELETE FROM tip_search WHERE rowid = (old.case_id << 32) + old.id;
  INSERT INTO tip_search (rowid, doc) SELECT key, doc FROM tip_search_source WHERE tip_id = new.id;
END;

CREATE TRIGGER tip_search_tip_delete AFTER DELETE ON tips BEGIN
  DELETE FROM tip_search WHERE rowid = (old.case_id << 32) + old.id;
END;

CREATE TRIGGER tip_search_ticket_insert AFTER INSERT ON relay_tickets BEGIN
  DELETE FROM tip_search WHERE rowid = (SELECT key FROM tip_search_source WHERE tip_id = new.tip_id);
  INSERT INTO tip_search (rowid, doc) SELECT key, doc FROM tip_search_source WHERE tip_id = new.tip_id;
END;

CREATE TRIGGER tip_search_ticket_delete AFTER DELETE ON relay_tickets BEGIN
  DELETE FROM tip_search WHERE rowid = (SELECT key FROM tip_search_source WHERE tip_id = old.tip_id);
  INSERT INTO tip_search (rowid, doc) SELECT key, doc FROM tip_search_source WHERE tip_id = old.tip_id;
END;

-- A case's rows are one rowid range, so the delete is a range scan.
CREATE TRIGGER tip_search_case_update
AFTER UPDATE OF enterprise_id, enterprise_credit_code ON cases
WHEN old.enterprise_id IS NOT new.enterprise_id
  OR old.enterprise_credit_code IS NOT new.enterprise_credit_code
BEGIN
  DELETE FROM tip_search WHERE rowid >= (new.id << 32) AND rowid < ((new.id + 1) << 32);
  INSERT INTO tip_search (rowid, doc) SELECT key, doc FROM tip_search_source WHERE case_id = new.id;
END;

CREATE TRIGGER tip_search_enterprise_update AFTER UPDATE OF name, credit_code ON enterprises
WHEN old.name IS NOT new.name OR old.credit_code IS NOT new.credit_code
BEGIN
  DELETE FROM tip_search WHERE rowid IN (
    SELECT s.key FROM cases c JOIN tip_search_source s ON s.case_id = c.id
    WHERE c.enterprise_id = new.id);
  INSERT INTO tip_search (rowid, doc)
    SELECT s.key, s.doc FROM cases c JOIN tip_search_source s ON s.case_id = c.id
    WHERE c.enterprise_id = new.id;
END;
