-- A new case, located in the grid that contains its point; without a point (or outside every
-- grid) it waits for its location with the city's code as its district.
-- Returns: zero rows when (source, source_ref) exists already, else one row (id, grid_code,
--          district_code).
-- Binds: :source, :source_ref, :type_code, :title, :description, :address, :reported_at,
--        :parties, :involves_key_person, :risk_level, :reporter_name, :reporter_phone, :status,
--        :lon, :lat (WGS84, or NULL)
WITH p AS (
    SELECT CASE WHEN CAST(:lon AS float8) IS NULL OR CAST(:lat AS float8) IS NULL THEN NULL
                ELSE ST_SetSRID(ST_MakePoint(CAST(:lon AS float8), CAST(:lat AS float8)), 4326)
           END AS geom
), g AS (
    SELECT g.code, g.district_code FROM grid g, p
     WHERE p.geom IS NOT NULL AND ST_Intersects(g.geom, p.geom)
     ORDER BY g.code LIMIT 1
)
INSERT INTO dispute (source, source_ref, type_code, title, description, address, reported_at,
                     geom, grid_code, district_code, parties, involves_key_person, risk_level,
                     status, reporter_name, reporter_phone)
SELECT :source, :source_ref, CAST(:type_code AS text), :title, :description, :address, :reported_at,
       CASE WHEN g.code IS NULL THEN NULL ELSE p.geom END, g.code,
       coalesce(g.district_code, (SELECT code FROM admin_area WHERE level = 'city' LIMIT 1)),
       :parties, :involves_key_person, :risk_level, :status, :reporter_name, :reporter_phone
FROM p LEFT JOIN g ON true
ON CONFLICT (source, source_ref) DO NOTHING
RETURNING id, grid_code, district_code
