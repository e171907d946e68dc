-- The child areas of one area, simplified, as a GeoJSON FeatureCollection rendered by the database.
-- Returns: one json value, features ordered by code with properties code, name, level.
-- Binds: :parent (the parent area's code), :tol (simplification tolerance, degrees)
SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(
    json_build_object(
        'type', 'Feature', 'id', a.code,
        'properties', json_build_object('code', a.code, 'name', a.name, 'level', a.level),
        'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(a.geom, :tol), 6)::json)
    ORDER BY a.code), '[]'::json))
FROM admin_area a WHERE a.parent_code = :parent
