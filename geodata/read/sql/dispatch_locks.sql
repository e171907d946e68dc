-- The open locks (分锁 sub-cases) a department holds, earliest due first: its "my queue".
-- Returns: rows (id, dispute_id, source_ref, task, status, created_at, due_at)
-- Binds: :department, :limit
-- Fills: {task} grid_detail._redacted(column), binding :cleared
SELECT s.id, s.dispute_id, d.source_ref, {task} AS task, s.status, s.created_at, s.due_at
FROM dispute_sub_case s JOIN dispute d ON d.id = s.dispute_id
WHERE s.department_code = :department AND s.status IN ('open', 'planned')
ORDER BY s.due_at ASC NULLS LAST, s.id
LIMIT :limit
