-- One page of the audit trail under a search, newest first (keyset: the caller's condition
-- on (at, id) is part of {where}); without a limit, every matching row (the CSV export).
-- Returns: at most :limit rows (id, at, user_name, role, action, object, detail), by at and
-- id descending.
-- Binds: :limit (NULL: no limit)
-- Fills: {where} audit.AuditQuery.sql() and the keyset condition, binding their own values
SELECT id, at, user_name, role, action, object, detail
FROM audit_log
WHERE {where}
ORDER BY at DESC, id DESC
LIMIT :limit
