-- Patrol tasks from zz_task for grids that exist; the worker (by code) may be unknown.
-- Returns: nothing (rowcount = tasks inserted).
-- Binds: none
INSERT INTO patrol_task (grid_code, district_code, worker_id, due_on, priority,
                         reason, status)
SELECT s.grid_code, g.district_code, w.id, s.due_on, s.priority, s.reason, s.status
FROM zz_task s JOIN grid g ON g.code = s.grid_code
LEFT JOIN grid_worker w ON w.code = s.worker_code
