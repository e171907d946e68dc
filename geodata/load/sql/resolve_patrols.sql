-- Lookups for staged patrol visits: the worker and building by code, the grid (and district)
-- from the point.
-- Returns: rows (rid, worker_id, building_id, grid_code, district_code), NULL where not found.
-- Binds: none
-- Fills: {stage} the staging table; {hit} staging.grid_hit for every row
SELECT s.rid, w.id AS worker_id, b.id AS building_id, hit.grid_code,
       hit.district_code FROM {stage} s
LEFT JOIN grid_worker w ON w.code = s.worker_code
LEFT JOIN building b ON b.code = s.building_code
LEFT JOIN {hit} ON hit.rid = s.rid
WHERE s.reason IS NULL
