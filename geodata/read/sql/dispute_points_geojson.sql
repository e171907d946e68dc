-- Dispute points in the view under the filter as GeoJSON features, newest first.
-- Returns: one json array of features (NULL when none).
-- Binds: none of its own
-- Fills: {where} features._dispute_where: the envelope (:w, :s, :e, :n), DisputeFilter.sql("d")
-- and the district, if any; {title} features.redact_sql(column) unless the caller is cleared
SELECT json_agg(json_build_object(
    'type', 'Feature', 'id', d.id,
    'properties', json_build_object(
        'id', d.id, 'title', {title}, 'type_code', d.type_code, 'type_name', t.name,
        'status', d.status, 'risk_level', d.risk_level, 'source', d.source,
        'source_ref', d.source_ref,
        'reported_at', to_char(d.reported_at AT TIME ZONE 'Asia/Shanghai',
                               'YYYY-MM-DD HH24:MI')),
    'geometry', ST_AsGeoJSON(d.geom, 6)::json) ORDER BY d.reported_at DESC, d.id)
FROM dispute d JOIN dispute_type t ON t.code = d.type_code
WHERE {where}
