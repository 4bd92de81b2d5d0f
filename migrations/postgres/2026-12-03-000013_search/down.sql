DROP TRIGGER tip_search_enterprises ON enterprises;
DROP TRIGGER tip_search_cases ON cases;
DROP TRIGGER tip_search_tickets ON relay_tickets;
DROP TRIGGER tip_search_tips ON tips;
DROP FUNCTION tip_search_enterprises();
DROP FUNCTION tip_search_cases();
DROP FUNCTION tip_search_tickets();
DROP FUNCTION tip_search_tips();
DROP VIEW tip_search_source;
DROP TABLE tip_search;
-- pg_trgm stays: dropping an extension other objects may use is not this migration's to do.
