-- Areas a new user of some role may be bound to: admin areas and grids of the given levels
-- whose code starts with, or whose name contains, the search text.
-- Returns: at most :limit rows (code, name, level), by code.
-- Binds: :levels (city, district, township, community, grid), :search (NULL: any), :limit
SELECT code, name, level FROM (
    SELECT code, name, level FROM admin_area WHERE level = ANY(:levels)
    UNION ALL
    SELECT code, name, 'grid' AS level FROM grid WHERE 'grid' = ANY(:levels)
) area
WHERE CAST(:search AS text) IS NULL OR starts_with(code, :search) OR strpos(name, :search) > 0
ORDER BY code
LIMIT :limit
