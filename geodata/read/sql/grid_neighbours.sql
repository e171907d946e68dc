-- Queen contiguity of all grids (GiST join): boundaries closer than :tol touch.
-- Returns: rows (code, neighbour codes text[] sorted, '{}' when isolated), one per grid.
-- Binds: :tol (degrees)
SELECT a.code, COALESCE(array_agg(b.code ORDER BY b.code)
       FILTER (WHERE b.code IS NOT NULL), '{}')
FROM grid a LEFT JOIN grid b
ON ST_DWithin(a.geom, b.geom, :tol) AND b.code <> a.code
GROUP BY a.code ORDER BY a.code
