-- Full-text search over tips (issue 20): a trigram GIN index (pg_trgm) over
-- one text per tip, queried with ILIKE '%…%', which pg_trgm answers from the
-- index for any pattern holding a trigram.
--
-- CJK under this deployment's locale: pg_trgm keeps only "word" characters
-- (the locale's iswalpha/iswdigit). Under C.UTF-8 and the usual *.UTF-8
-- locales, Chinese characters are letters: show_trgm('中频炉地条钢') gives
-- seven trigrams (two padded, five inner), and EXPLAIN ANALYZE shows a Bitmap
-- Index Scan on tip_search_doc for ILIKE '%中频炉%' (docs/scale.md). Under
-- the plain "C" locale (SQL_ASCII-like ctype) they would not be, and a
-- pattern would give no trigram: the index would be read whole. The service
-- only sends patterns holding three letters or digits in a row to the index
-- (shorter ones take the bounded fallback), so a locale that drops CJK costs
-- speed, never a wrong result, since ILIKE rechecks every row.
--
-- Same logical table as SQLite's FTS5 table: key = case_id * 2^32 + tip_id,
-- so the primary key's order is the queue's order (newest case first) and a
-- broad query walks it backwards and stops at the page; a selective one reads
-- the GIN index and sorts the few rows. The planner picks between them from
-- the column's statistics.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE tip_search (
    key BIGINT PRIMARY KEY NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX tip_search_doc ON tip_search USING gin (doc gin_trgm_ops);

CREATE VIEW tip_search_source AS
SELECT t.id AS tip_id,
       t.case_id AS case_id,
       (t.case_id << 32) + t.id AS key,
       t.description || chr(10) || coalesce(t.address, '') || chr(10)
         || coalesce(t.enterprise_name, '') || chr(10)
         || coalesce(t.enterprise_credit_code, '') || chr(10)
         || coalesce((SELECT string_agg(r.ticket_id, ' ' ORDER BY r.id) FROM relay_tickets r
                      WHERE r.tip_id = t.id), '') || chr(10)
         || coalesce(e.name, '') || chr(10) || coalesce(e.credit_code, '') || chr(10)
         || coalesce(c.enterprise_credit_code, '') AS doc
FROM tips t
JOIN cases c ON c.id = t.case_id
LEFT JOIN enterprises e ON e.id = c.enterprise_id;

INSERT INTO tip_search (key, doc) SELECT key, doc FROM tip_search_source;

-- Kept in step inside the writing transaction (see the SQLite migration).
CREATE FUNCTION tip_search_tips() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.case_id IS NOT NULL THEN
    DELETE FROM tip_search WHERE key = (OLD.case_id << 32) + OLD.id;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO tip_search (key, doc) SELECT key, doc FROM tip_search_source WHERE tip_id = NEW.id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER tip_search_tips
AFTER INSERT OR DELETE OR UPDATE OF case_id, description, address, enterprise_name, enterprise_credit_code
ON tips FOR EACH ROW EXECUTE FUNCTION tip_search_tips();

CREATE FUNCTION tip_search_tickets() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  tid BIGINT := CASE WHEN TG_OP = 'DELETE' THEN OLD.tip_id ELSE NEW.tip_id END;
BEGIN
  DELETE FROM tip_search WHERE key = (SELECT key FROM tip_search_source WHERE tip_id = tid);
  INSERT INTO tip_search (key, doc) SELECT key, doc FROM tip_search_source WHERE tip_id = tid;
  RETURN NULL;
END $$;
CREATE TRIGGER tip_search_tickets AFTER INSERT OR DELETE ON relay_tickets
FOR EACH ROW EXECUTE FUNCTION tip_search_tickets();

-- A case's rows are one key range.
CREATE FUNCTION tip_search_cases() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM tip_search WHERE key >= (NEW.id << 32) AND key < ((NEW.id + 1) << 32);
  INSERT INTO tip_search (key, doc) SELECT key, doc FROM tip_search_source WHERE case_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER tip_search_cases AFTER UPDATE OF enterprise_id, enterprise_credit_code ON cases
FOR EACH ROW
WHEN (OLD.enterprise_id IS DISTINCT FROM NEW.enterprise_id
   OR OLD.enterprise_credit_code IS DISTINCT FROM NEW.enterprise_credit_code)
EXECUTE FUNCTION tip_search_cases();

CREATE FUNCTION tip_search_enterprises() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM tip_search WHERE key IN (
    SELECT s.key FROM cases c JOIN tip_search_source s ON s.case_id = c.id
    WHERE c.enterprise_id = NEW.id);
  INSERT INTO tip_search (key, doc)
    SELECT s.key, s.doc FROM cases c JOIN tip_search_source s ON s.case_id = c.id
    WHERE c.enterprise_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER tip_search_enterprises AFTER UPDATE OF name, credit_code ON enterprises
FOR EACH ROW
WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.credit_code IS DISTINCT FROM NEW.credit_code)
EXECUTE FUNCTION tip_search_enterprises();
