-- Head-line figures for the grids inside one area (or one grid).
-- Returns: one row (grids, residents, disputes, open_disputes); disputes under the filter.
-- Binds: :open_statuses (the statuses that count as open)
-- Fills: {scope} scope.grid_scope(level, code); {filter} DisputeFilter.sql("d")
WITH gs AS (SELECT g.code, g.residents FROM grid g WHERE {scope})
SELECT (SELECT count(*) FROM gs) AS grids,
       (SELECT COALESCE(sum(residents), 0) FROM gs) AS residents,
       (SELECT count(*) FROM dispute d JOIN gs ON gs.code = d.grid_code
         WHERE TRUE {filter}) AS disputes,
       (SELECT count(*) FROM dispute d JOIN gs ON gs.code = d.grid_code
         WHERE d.status = ANY(:open_statuses) {filter}) AS open_disputes
