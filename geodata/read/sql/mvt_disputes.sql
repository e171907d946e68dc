-- One MVT tile of dispute points under the filter, newest first, so a capped tile keeps the
-- recent cases. No party, title or key-person data. ST_AsMVTGeom clips to the tile plus the
-- buffer and drops what falls outside (NULL).
-- Returns: one row (the encoded tile bytes, features in it).
-- Binds: :z, :x, :y (the tile), :margin (buffer / extent), :limit (features at most)
-- Fills: {extent} {buffer} tiles.MVT_EXTENT and MVT_BUFFER; {filter} DisputeFilter.sql("d")
-- and the district, if any
WITH b AS (SELECT ST_TileEnvelope(:z, :x, :y) AS e,
                  ST_TileEnvelope(:z, :x, :y, margin => :margin) AS m)
SELECT ST_AsMVT(t, 'disputes', {extent}, 'geom', 'id'), count(*) FROM (
    SELECT d.id, d.type_code, d.source, d.status, d.risk_level,
           to_char(d.reported_at AT TIME ZONE 'Asia/Shanghai',
                   'YYYY-MM-DD"T"HH24:MI:SS"+08:00"') AS reported_at,
           ST_AsMVTGeom(ST_Transform(d.geom, 3857), b.e, {extent}, {buffer}) AS geom
    FROM dispute d, b
    -- Grids meeting the tile first (a leakproof, indexable test under row-level security).
    WHERE d.grid_code = ANY (CAST((SELECT array_agg(g.code) FROM grid g, b
                                   WHERE g.geom && ST_Transform(b.m, 4326)) AS text[]))
      AND d.geom && ST_Transform(b.m, 4326) {filter}
    ORDER BY d.reported_at DESC, d.id DESC
    LIMIT :limit
) t WHERE t.geom IS NOT NULL
