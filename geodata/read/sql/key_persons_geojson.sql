-- Key persons in the view, highest risk first, at most :lim, as GeoJSON features.
-- Returns: one row (total matching before the limit, json array of features ordered by id).
-- Binds: :lim
-- Fills: {fields} features._KEY_PERSON_FIELDS (masked or not); {where} conditions over kp,
-- binding the envelope (:w, :s, :e, :n) and the chosen risks, categories, district
WITH hits AS (
    SELECT kp.id, {fields}, kp.category, kp.risk_level,
           kp.grid_code, kp.district_code, kp.geom,
           count(*) OVER () AS total
    FROM key_person kp
    WHERE {where}
    ORDER BY array_position(ARRAY['high', 'medium', 'low'], kp.risk_level::text), kp.id
    LIMIT :lim
)
SELECT max(h.total), json_agg(json_build_object(
    'type', 'Feature', 'id', h.id,
    'properties', json_build_object(
        'id', h.id, 'name', h.name, 'id_number', h.id_number, 'phone', h.phone,
        'category', h.category, 'risk_level', h.risk_level, 'grid_code', h.grid_code,
        'grid_name', g.name, 'district_code', h.district_code),
    'geometry', ST_AsGeoJSON(h.geom, 6)::json) ORDER BY h.id)
FROM hits h LEFT JOIN grid g ON g.code = h.grid_code
