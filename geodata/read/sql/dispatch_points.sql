-- The open cases the caller can see that have a location, for the desk's map.
-- Returns: rows (id, source_ref, type_name, status, risk_level, risk_colour, due_at, lon, lat)
-- Binds: :statuses, :limit
SELECT d.id, d.source_ref, t.name AS type_name, d.status, d.risk_level, d.risk_colour,
       d.due_at, ST_X(d.geom) AS lon, ST_Y(d.geom) AS lat
FROM dispute d JOIN dispute_type t ON t.code = d.type_code
WHERE d.status = ANY(CAST(:statuses AS text[])) AND d.geom IS NOT NULL
ORDER BY d.due_at ASC NULLS LAST, d.id
LIMIT :limit
