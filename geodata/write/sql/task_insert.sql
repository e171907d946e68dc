-- One generated task for its grid's worker, unless the same target already has an open task.
-- Returns: zero or one row (id).
-- Binds: :grid, :kind, :target (case, key person or building id, or NULL), :priority, :due_on,
--        :reason, :today, :geom (EWKT or NULL)
INSERT INTO patrol_task (grid_code, district_code, worker_id, due_on, priority, reason, status,
                         kind, building_id, dispute_id, key_person_id, geom, created_on)
SELECT g.code, g.district_code,
       (SELECT w.id FROM grid_worker w WHERE w.grid_code = g.code ORDER BY w.id LIMIT 1),
       :due_on, :priority, :reason, 'open', CAST(:kind AS text),
       CASE WHEN CAST(:kind AS text) = 'coverage' THEN CAST(:target AS bigint) END,
       CASE WHEN CAST(:kind AS text) = 'case' THEN CAST(:target AS bigint) END,
       CASE WHEN CAST(:kind AS text) = 'key_person' THEN CAST(:target AS bigint) END,
       ST_GeomFromEWKT(CAST(:geom AS text)), :today
FROM grid g WHERE g.code = :grid
ON CONFLICT (grid_code, kind, (coalesce(building_id, dispute_id, key_person_id, 0)))
   WHERE status = 'open' AND kind <> 'manual'
DO NOTHING
RETURNING id
