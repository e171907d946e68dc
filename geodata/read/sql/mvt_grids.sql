-- One MVT tile of grids with their dispute counts under the filter. ST_AsMVTGeom clips to the
-- tile plus the buffer and drops what falls outside (NULL).
-- Returns: one row (the encoded tile bytes, features in it).
-- Binds: :z, :x, :y (the tile), :margin (buffer / extent), :limit (features at most)
-- Fills: {extent} {buffer} tiles.MVT_EXTENT and MVT_BUFFER; {filter} DisputeFilter.sql("d")
-- and the district, if any
WITH b AS (SELECT ST_TileEnvelope(:z, :x, :y) AS e,
                  ST_TileEnvelope(:z, :x, :y, margin => :margin) AS m)
SELECT ST_AsMVT(t, 'grids', {extent}, 'geom'), count(*) FROM (
    SELECT g.code, g.name, g.community_code, g.residents,
           (SELECT count(*) FROM dispute d
             WHERE d.grid_code = g.code {filter})::int AS disputes,
           ST_AsMVTGeom(ST_Transform(g.geom, 3857), b.e, {extent}, {buffer}) AS geom
    FROM grid g, b
    WHERE g.geom && ST_Transform(b.m, 4326)
    ORDER BY g.code
    LIMIT :limit
) t WHERE t.geom IS NOT NULL
