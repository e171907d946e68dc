-- The :q quantile of disputes per non-empty Web Mercator cell at :cells cells across the world.
-- Returns: one value (0 without disputes).
-- Binds: :q (the quantile), :cells (cells across the world)
-- Fills: {filter} DisputeFilter.sql("d")
SELECT COALESCE(percentile_disc(:q) WITHIN GROUP (ORDER BY n), 0) FROM (
    SELECT count(*) AS n FROM dispute d WHERE TRUE {filter}
    GROUP BY floor((ST_X(d.geom) + 180.0) / 360.0 * :cells),
             floor((0.5 - ln(tan(pi() / 4 + radians(ST_Y(d.geom)) / 2)) / (2 * pi())) * :cells)
) c
