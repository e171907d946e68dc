-- Every building of one grid with its visits in [:start, :end), fewest visits first. Only visits
-- recorded in this grid count, which lets the (grid_code, visited_at) index answer it.
-- Returns: rows (id, code, address, visits, anomalies, last_visit).
-- Binds: :grid, :start, :end
SELECT b.id, b.code, b.address, count(v.building_id) AS visits,
       count(v.anomaly_type) AS anomalies, max(v.visited_at) AS last_visit
FROM building b LEFT JOIN patrol_visit v ON v.building_id = b.id
     AND v.grid_code = :grid AND v.visited_at >= :start AND v.visited_at < :end
WHERE b.grid_code = :grid GROUP BY b.id ORDER BY visits, b.code
