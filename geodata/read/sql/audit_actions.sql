-- The distinct actions in the audit trail, by a skip scan of ix_audit_log_action_at (one index
-- probe per action instead of reading every row: the log grows to millions of rows).
-- Returns: one row per action (action), in order.
-- Binds: none
WITH RECURSIVE found(action) AS (
    (SELECT action FROM audit_log ORDER BY action LIMIT 1)
    UNION ALL
    SELECT (SELECT l.action FROM audit_log l WHERE l.action > f.action ORDER BY l.action LIMIT 1)
    FROM found f
    WHERE f.action IS NOT NULL
)
SELECT action FROM found WHERE action IS NOT NULL
