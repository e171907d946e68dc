-- Close every open generated task a patrol visit of its grid covered inside its window (from the
-- local day it was made to the end of its due day): the same building, within :radius metres of
-- its point, or, for a grid-wide task, any visit in the grid. The first covering visit closes it.
-- Returns: one row per closed task (id).
-- Binds: :radius (metres; the bounding box takes 60 km a degree, wider than any degree here),
--        :now (visits up to now only)
WITH hit AS (
    SELECT t.id, min(v.visited_at) AS at,
           (array_agg(v.id ORDER BY v.visited_at, v.id))[1] AS visit
    FROM patrol_task t
    JOIN patrol_visit v
      ON v.grid_code = t.grid_code
     AND v.visited_at >= timezone('Asia/Shanghai', t.created_on::timestamp)
     AND v.visited_at < timezone('Asia/Shanghai', (t.due_on + 1)::timestamp)
     AND v.visited_at <= :now
     AND (t.geom IS NULL
          OR (t.building_id IS NOT NULL AND v.building_id = t.building_id)
          OR (v.geom && ST_Expand(t.geom, :radius / 60000.0)
              AND ST_DWithin(v.geom::geography, t.geom::geography, :radius)))
    WHERE t.status = 'open' AND t.kind <> 'manual'
    GROUP BY t.id
)
UPDATE patrol_task t
   SET status = 'done', outcome = 'covered', closed_at = hit.at, closed_by = 'visit:' || hit.visit
  FROM hit WHERE t.id = hit.id
RETURNING t.id
