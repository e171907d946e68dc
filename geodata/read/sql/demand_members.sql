-- The cases of one concentrated demand that the caller can see, newest first, for its list and map.
-- Returns: rows (id, source_ref, title, status, reported_at, address, grid_code, lon, lat)
-- Binds: :ids
-- Fills: {title} grid_detail._redacted(column), binding :cleared
SELECT d.id, d.source_ref, {title} AS title, d.status, d.reported_at, d.address, d.grid_code,
       ST_X(d.geom) AS lon, ST_Y(d.geom) AS lat
FROM dispute d
WHERE d.id = ANY(CAST(:ids AS bigint[]))
ORDER BY d.reported_at DESC, d.id DESC
