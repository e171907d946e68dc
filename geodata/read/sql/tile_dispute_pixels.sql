-- Disputes per pixel of a buffered heat tile. The tile's envelope comes from the database
-- (ST_TileEnvelope); Web Mercator is computed from lon/lat with the spherical formulas, not
-- ST_Transform (per-row PROJ calls were ~20x slower).
-- Returns: one row (pixel indexes py * :span + px, counts), in matching order.
-- Binds: :z, :x, :y (the tile), :buf (buffer pixels), :span (tile + 2 buffers, pixels),
-- :qw, :qs, :qe, :qn (the query box, degrees)
-- Fills: {half} half the Mercator world (m), {r} the Earth radius (m), {size} tile pixels:
-- module constants; {filter} DisputeFilter.sql("d")
WITH t AS (SELECT ST_TileEnvelope(:z, :x, :y) AS e)
SELECT array_agg(py * :span + px), array_agg(n) FROM (
SELECT px, py, count(*)::int AS n FROM (
    SELECT floor((ST_X(d.geom) * {half} / 180.0 - ST_XMin(t.e))
                 / (ST_XMax(t.e) - ST_XMin(t.e)) * {size})::int + :buf AS px,
           floor((ST_YMax(t.e) - ln(tan(pi() / 4 + radians(ST_Y(d.geom)) / 2)) * {r})
                 / (ST_YMax(t.e) - ST_YMin(t.e)) * {size})::int + :buf AS py
    FROM t, dispute d
    -- The grids meeting the box first: under row-level security only leakproof conditions
    -- (text equality, not PostGIS's &&) may use an index ahead of the policy.
    WHERE d.grid_code = ANY (CAST((SELECT array_agg(g.code) FROM grid g
                                   WHERE g.geom && ST_MakeEnvelope(:qw, :qs, :qe, :qn, 4326))
                                  AS text[]))
      AND d.geom && ST_MakeEnvelope(:qw, :qs, :qe, :qn, 4326) {filter}
) p
WHERE px >= 0 AND px < :span AND py >= 0 AND py < :span
GROUP BY px, py
) c
