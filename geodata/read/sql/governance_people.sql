-- The grid workers and the building and unit chiefs of one community, names and phones masked
-- unless the caller is cleared; chiefs only for the roles row-level security shows them to.
-- Returns: rows (role, name, phone, grid_code, address, unit_no)
-- Binds: :community, :limit
-- Fills: {w_name} {w_phone} {c_name} {c_phone} the masks of geodata.read.features, binding :cleared
(SELECT 'grid_worker' AS role, {w_name} AS name, {w_phone} AS phone, w.grid_code,
        NULL::text AS address, NULL::smallint AS unit_no
 FROM grid_worker w WHERE w.grid_code LIKE :community || '%'
 ORDER BY w.grid_code, w.code LIMIT :limit)
UNION ALL
(SELECT c.kind, {c_name}, {c_phone}, b.grid_code, b.address, c.unit_no
 FROM building_chief c JOIN building b ON b.id = c.building_id
 WHERE b.grid_code LIKE :community || '%'
 ORDER BY b.grid_code, b.code, c.kind, c.unit_no LIMIT :limit)
