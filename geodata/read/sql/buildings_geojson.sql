-- Building footprints in the view (at most :lim) with floors, housing units and residents.
-- Returns: one row (buildings found, capped at :lim_plus; json array of features by id).
-- Binds: :lim, :lim_plus (= :lim + 1, to tell "more" from "exactly :lim")
-- Fills: {envelope} features.ENVELOPE, binding :w, :s, :e, :n
WITH b AS (
    SELECT b.id, b.code, b.address, b.floors, b.grid_code, b.geom
    FROM building b
    WHERE b.geom && {envelope}
    ORDER BY b.id
    LIMIT :lim_plus
), shown AS (SELECT * FROM b ORDER BY id LIMIT :lim)
SELECT (SELECT count(*) FROM b), json_agg(json_build_object(
    'type', 'Feature', 'id', s.id,
    'properties', json_build_object(
        'id', s.id, 'code', s.code, 'address', s.address, 'floors', s.floors,
        'grid_code', s.grid_code, 'units', hu.units, 'residents', hu.residents),
    'geometry', ST_AsGeoJSON(s.geom, 6)::json) ORDER BY s.id)
FROM shown s
CROSS JOIN LATERAL (
    SELECT count(*) AS units, COALESCE(sum(h.residents), 0) AS residents
    FROM housing_unit h WHERE h.building_id = s.id
) hu
