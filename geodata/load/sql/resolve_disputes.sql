-- Lookups for staged disputes: the type given by code (property) or by name (房产物业); a given
-- grid code must exist, otherwise the grid (and district) comes from the point; a case without
-- a point waits for its location with the city's code as its district; the case a duplicate
-- was merged into, by its source reference (the same source first; NULL while it is only in
-- this file); and, for a case already there with a workflow history, what that history decided.
-- Returns: rows (rid, type_code, grid_code, district_code, bad_grid = a given grid code unknown,
-- located, merged_into, history, lead_department, due_at).
-- Binds: none
-- Fills: {stage} the staging table; {hit} staging.grid_hit for the rows without a grid code
SELECT s.rid, COALESCE(t1.code, t2.code) AS type_code,
       COALESCE(g.code, hit.grid_code) AS grid_code,
       COALESCE(g.district_code, hit.district_code,
                CASE WHEN s.geom IS NULL
                     THEN (SELECT min(a.code) FROM admin_area a WHERE a.level = 'city') END)
           AS district_code,
       (s.grid_code IS NOT NULL AND g.code IS NULL) AS bad_grid,
       s.geom IS NOT NULL AS located,
       m.id AS merged_into,
       (d.id IS NOT NULL AND EXISTS (SELECT 1 FROM dispute_event e WHERE e.dispute_id = d.id))
           AS history,
       d.lead_department, d.due_at
FROM {stage} s
LEFT JOIN dispute_type t1 ON t1.code = s.type_code
LEFT JOIN dispute_type t2 ON t2.name = s.type_code
LEFT JOIN grid g ON g.code = s.grid_code
LEFT JOIN {hit} ON hit.rid = s.rid
LEFT JOIN dispute d ON d.source = s.source AND d.source_ref = s.source_ref
LEFT JOIN LATERAL (SELECT m.id FROM dispute m WHERE m.source_ref = s.merged_into
                   ORDER BY (m.source = s.source) DESC, m.id LIMIT 1) m ON TRUE
WHERE s.reason IS NULL
