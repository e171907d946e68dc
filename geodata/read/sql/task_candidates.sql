-- What a grid's worker might go and see today (domain.tasks): recent open cases not yet signed
-- for or handed to the grid's worker, key persons with the days since a patrol visit within 50 m,
-- and the longest-unvisited buildings of each grid; ages in days, NULL beyond :start.
-- Returns: one row per candidate (kind, grid_code, target_id, risk, days_since, label, geom as
--          EWKT of the point to cover).
-- Binds: :today (local date), :start (the earliest visit time looked at), :now,
--        :coverage_per_grid
WITH cases AS (
    SELECT 'case'::text AS kind, d.grid_code, d.id AS target_id, d.risk_level AS risk,
           NULL::int AS days_since, left(d.title, 40) AS label, d.geom
    FROM dispute d
    WHERE d.grid_code IS NOT NULL AND d.status IN ('received', 'assigned')
      AND (d.assignee_kind = 'grid_worker'
           OR (d.signed_at IS NULL AND d.reported_at >= :now - interval '3 days'))
), people AS (
    SELECT 'key_person'::text AS kind, k.grid_code, k.id AS target_id, k.risk_level AS risk,
           (SELECT CAST(:today AS date) - max(timezone('Asia/Shanghai', v.visited_at))::date
              FROM patrol_visit v
             WHERE v.grid_code = k.grid_code AND v.visited_at >= :start AND v.visited_at < :now
               AND v.geom && ST_Expand(k.geom, 0.001)
               AND ST_DWithin(v.geom::geography, k.geom::geography, 50)) AS days_since,
           ''::text AS label, k.geom
    FROM key_person k
    WHERE k.geom IS NOT NULL
), last_visit AS (
    SELECT building_id, max(visited_at) AS at FROM patrol_visit
    WHERE visited_at >= :start AND visited_at < :now AND building_id IS NOT NULL
    GROUP BY 1
), stale AS (
    SELECT b.grid_code, b.id, l.at, coalesce(b.address, b.code) AS label, b.centroid,
           row_number() OVER (PARTITION BY b.grid_code ORDER BY l.at NULLS FIRST, b.id) AS k
    FROM building b LEFT JOIN last_visit l ON l.building_id = b.id
    WHERE l.at IS NULL OR l.at < :now - interval '30 days'
), buildings AS (
    SELECT 'coverage'::text AS kind, grid_code, id AS target_id, NULL::text AS risk,
           CAST(:today AS date) - (timezone('Asia/Shanghai', at))::date AS days_since,
           label, centroid AS geom
    FROM stale WHERE k <= :coverage_per_grid
)
SELECT kind, grid_code, target_id, risk, days_since, label, ST_AsEWKT(geom) AS geom FROM cases
UNION ALL
SELECT kind, grid_code, target_id, risk, days_since, label, ST_AsEWKT(geom) FROM people
UNION ALL
SELECT kind, grid_code, target_id, risk, days_since, label, ST_AsEWKT(geom) FROM buildings
