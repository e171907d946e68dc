-- The given grids, simplified, as a GeoJSON FeatureCollection rendered by the database.
-- Returns: one json value, features ordered by code with properties code, name.
-- Binds: :codes (text[]), :tol (simplification tolerance, degrees)
SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(
    json_build_object('type', 'Feature', 'id', g.code,
        'properties', json_build_object('code', g.code, 'name', g.name),
        'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(g.geom, :tol), 6)::json)
    ORDER BY g.code), '[]'::json))
FROM grid g WHERE g.code = ANY(:codes)
