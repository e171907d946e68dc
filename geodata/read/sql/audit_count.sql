-- How many rows of the audit trail a search matches, counted up to a cap (a count of millions
-- would read them all; the page says "more than" instead).
-- Returns: one row (n), at most :cap.
-- Binds: :cap
-- Fills: {where} audit.AuditQuery.sql(), binding its own values
SELECT count(*) AS n FROM (SELECT 1 FROM audit_log WHERE {where} LIMIT :cap) s
