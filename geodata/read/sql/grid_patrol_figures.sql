-- Patrol visits per grid in [:start, :end) for every grid in scope. Two hash aggregates (grid,
-- building) then grid beat count(DISTINCT), which sorts; the bounds are literal values, so the
-- planner prunes patrol_visit to the months in the window.
-- Returns: rows (code, visits, visited buildings, buildings, anomalies), zeros included.
-- Binds: :start, :end
-- Fills: {visit_scope} "AND v.grid_code IN (the grids in scope)" or nothing;
-- {scope} scope.grid_scope(level, code)
WITH pb AS (
    SELECT v.grid_code, v.building_id, count(*) AS n, count(v.anomaly_type) AS a
    FROM patrol_visit v
    WHERE v.visited_at >= :start AND v.visited_at < :end {visit_scope}
    GROUP BY v.grid_code, v.building_id),
pg AS (
    SELECT grid_code, sum(n) AS visits, count(building_id) AS visited, sum(a) AS anomalies
    FROM pb GROUP BY grid_code),
b AS (SELECT grid_code, count(*) AS buildings FROM building GROUP BY grid_code)
SELECT g.code, COALESCE(pg.visits, 0), COALESCE(pg.visited, 0),
       COALESCE(b.buildings, 0), COALESCE(pg.anomalies, 0)
FROM grid g LEFT JOIN pg ON pg.grid_code = g.code LEFT JOIN b ON b.grid_code = g.code
WHERE {scope}
