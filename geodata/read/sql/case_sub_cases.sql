-- The sub-cases of one dispute (one per department it was handed to), by id.
-- Returns: rows (id, department_code, department_name, task, status, due_at, resolved_at).
-- Binds: :id (the dispute's id)
-- Fills: {task} grid_detail._redacted(column), binding :cleared
SELECT s.id, s.department_code, dep.name AS department_name,
       {task} AS task, s.status, s.due_at, s.resolved_at
FROM dispute_sub_case s LEFT JOIN department dep ON dep.code = s.department_code
WHERE s.dispute_id = :id
ORDER BY s.id
