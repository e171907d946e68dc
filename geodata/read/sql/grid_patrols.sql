-- Patrol coverage of one grid, in one statement and one scan of patrol_visit. The table is
-- partitioned by month on visited_at: the scan bounds visited_at on both sides with bound
-- values, so only the months in range are touched (and, per month, the grid's index range).
-- Returns: one row (visits, buildings_visited, buildings_total, anomalies_in_period, last_at,
-- last_worker_name, last_worker_code, and the newest anomalies as parallel arrays a_at, a_type,
-- a_finding, a_worker, a_address).
-- Binds: :code (the grid's code), :lookback (start of the scan), :since (start of the period),
-- :anomaly_since (start of the anomaly list), :now (end of all), :limit (anomalies listed)
-- Fills: {finding} grid_detail._redacted(column), binding :cleared
WITH v AS MATERIALIZED (
    SELECT p.visited_at, p.worker_id, p.building_id, p.anomaly_type, p.finding
    FROM patrol_visit p
    WHERE p.grid_code = :code AND p.visited_at >= :lookback AND p.visited_at < :now
),
recent AS (SELECT * FROM v WHERE v.visited_at >= :since),
last AS (SELECT v.visited_at, v.worker_id FROM v ORDER BY v.visited_at DESC LIMIT 1),
anomaly AS (
    SELECT v.visited_at, v.anomaly_type, {finding} AS finding, w.name AS worker_name, b.address
    FROM v
    LEFT JOIN grid_worker w ON w.id = v.worker_id
    LEFT JOIN building b ON b.id = v.building_id
    WHERE v.anomaly_type IS NOT NULL AND v.visited_at >= :anomaly_since
    ORDER BY v.visited_at DESC LIMIT :limit
)
SELECT (SELECT count(*) FROM recent) AS visits,
       (SELECT count(DISTINCT r.building_id) FROM recent r
          JOIN building b ON b.id = r.building_id AND b.grid_code = :code) AS buildings_visited,
       (SELECT count(*) FROM building b WHERE b.grid_code = :code) AS buildings_total,
       (SELECT count(*) FROM recent WHERE recent.anomaly_type IS NOT NULL) AS anomalies_in_period,
       (SELECT last.visited_at FROM last) AS last_at,
       (SELECT w.name FROM last JOIN grid_worker w ON w.id = last.worker_id) AS last_worker_name,
       (SELECT w.code FROM last JOIN grid_worker w ON w.id = last.worker_id) AS last_worker_code,
       ARRAY(SELECT a.visited_at FROM anomaly a ORDER BY a.visited_at DESC) AS a_at,
       ARRAY(SELECT a.anomaly_type FROM anomaly a ORDER BY a.visited_at DESC) AS a_type,
       ARRAY(SELECT a.finding FROM anomaly a ORDER BY a.visited_at DESC) AS a_finding,
       ARRAY(SELECT a.worker_name FROM anomaly a ORDER BY a.visited_at DESC) AS a_worker,
       ARRAY(SELECT a.address FROM anomaly a ORDER BY a.visited_at DESC) AS a_address
