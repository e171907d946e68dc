-- One case as the workflow rules need it, with its locks, the grid of the worker it was handed
-- to and whether a return call (评价) came after the last 化解.
-- Returns: zero or one row (the case's workflow columns, worker_grid, locks as a JSON array).
-- Binds: :id
SELECT d.id, d.status, d.version, d.district_code, d.grid_code, d.type_code, d.risk_level,
       d.lead_department, d.cooperating_departments, d.assignee_kind, d.worker_id,
       w.grid_code AS worker_grid, d.supervision_level, d.reopen_count, d.merged_into,
       d.assigned_at, d.sign_due_at, d.signed_at, d.due_at, d.resolved_at, d.evaluated_at,
       (d.evaluated_at IS NOT NULL AND d.resolved_at IS NOT NULL
        AND d.evaluated_at >= d.resolved_at) AS evaluated,
       coalesce((SELECT json_agg(json_build_object(
                     'id', s.id, 'department_code', s.department_code, 'status', s.status,
                     'created_at', s.created_at, 'due_at', s.due_at,
                     'resolved_at', s.resolved_at) ORDER BY s.id)
                   FROM dispute_sub_case s WHERE s.dispute_id = d.id), '[]') AS locks
FROM dispute d
LEFT JOIN grid_worker w ON w.id = d.worker_id
WHERE d.id = :id
