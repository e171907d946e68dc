-- The grids of one community, simplified, as a GeoJSON FeatureCollection rendered by the database.
-- Returns: one json value, features ordered by code with properties code, name, level, residents.
-- Binds: :tol (simplification tolerance, degrees)
-- Fills: {scope} scope.grid_scope(level, code), which binds the area's code
SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(
    json_build_object(
        'type', 'Feature', 'id', g.code,
        'properties', json_build_object('code', g.code, 'name', g.name, 'level', 'grid',
                                        'residents', g.residents),
        'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(g.geom, :tol), 6)::json)
    ORDER BY g.code), '[]'::json))
FROM grid g WHERE {scope}
