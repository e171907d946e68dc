-- The grid workers nearest a case (PostGIS KNN over the grids around it), each with the
-- distance from the case to where the worker last patrolled today (else the grid's centre)
-- and their open load (cases handed to them and open patrol tasks).
-- Returns: rows (id, name, grid_code, grid_name, metres, open_cases, open_tasks, own_grid)
-- Binds: :id, :k, :since
WITH c AS (SELECT geom, grid_code FROM dispute WHERE id = :id AND geom IS NOT NULL),
near AS (
    -- Grids with a worker the caller can see (row-level security), nearest first (KNN).
    SELECT g.code, g.name, g.geom FROM grid g, c
    WHERE EXISTS (SELECT 1 FROM grid_worker w WHERE w.grid_code = g.code)
    ORDER BY g.geom <-> c.geom
    LIMIT :k
)
SELECT w.id, w.name, n.code AS grid_code, n.name AS grid_name,
       ST_Distance(CAST(c.geom AS geography),
                   CAST(coalesce(v.geom, ST_PointOnSurface(n.geom)) AS geography)) AS metres,
       (SELECT count(*) FROM dispute x WHERE x.worker_id = w.id
          AND x.status IN ('assigned', 'in_progress')) AS open_cases,
       (SELECT count(*) FROM patrol_task pt WHERE pt.grid_code = n.code
          AND pt.status = 'open') AS open_tasks,
       (n.code = c.grid_code) AS own_grid
FROM near n CROSS JOIN c
JOIN grid_worker w ON w.grid_code = n.code
LEFT JOIN LATERAL (
    SELECT pv.geom FROM patrol_visit pv
    WHERE pv.worker_id = w.id AND pv.visited_at >= :since
    ORDER BY pv.visited_at DESC LIMIT 1
) v ON true
ORDER BY metres, w.id
LIMIT :k
