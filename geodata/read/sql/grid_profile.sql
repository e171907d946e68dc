-- One grid with the community, township and district it lies in (NULL where unknown).
-- Returns: zero or one row (code, name, residents, households, area_km2, community_code,
-- community_name, township_code, township_name, district_code, district_name).
-- Binds: :code (the grid's code)
SELECT g.code, g.name, g.residents, g.households, g.area_km2,
       c.code AS community_code, c.name AS community_name,
       t.code AS township_code, t.name AS township_name,
       d.code AS district_code, d.name AS district_name
FROM grid g
LEFT JOIN admin_area c ON c.code = g.community_code
LEFT JOIN admin_area t ON t.code = c.parent_code
LEFT JOIN admin_area d ON d.code = g.district_code
WHERE g.code = :code
