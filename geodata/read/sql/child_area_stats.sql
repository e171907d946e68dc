-- Per child area of a parent: disputes under the filter, residents and km². Disputes and
-- residents are counted through the grids, so the children always add up to the parent.
-- Returns: rows (code, disputes, residents, km2), one per child, zeros included.
-- Binds: none of its own
-- Fills: {kids} the children (code, area_km2), binding the parent's code;
-- {key} and {join} scope.grid_child_key(parent level); {filter} DisputeFilter.sql("d")
WITH kids AS ({kids}),
gk AS (SELECT g.code AS grid_code, {key} AS kid, g.residents FROM grid g {join}
       WHERE {key} IN (SELECT code FROM kids)),
pop AS (SELECT kid, sum(residents) AS residents FROM gk GROUP BY kid),
cnt AS (SELECT gk.kid, count(*) AS n FROM dispute d JOIN gk ON gk.grid_code = d.grid_code
        WHERE TRUE {filter} GROUP BY gk.kid)
SELECT k.code, COALESCE(cnt.n, 0), COALESCE(pop.residents, 0), COALESCE(k.area_km2, 0)
FROM kids k LEFT JOIN pop ON pop.kid = k.code LEFT JOIN cnt ON cnt.kid = k.code
