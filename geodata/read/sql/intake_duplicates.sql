-- Open cases a new case may repeat (domain.intake): the same type within :radius_m metres and
-- :days days of it, or, in the same community (the grid code's first 12 digits), a text at
-- least :text_min similar (pg_trgm). Only what the caller may see (row-level security).
-- Returns: rows (id, why 'near' | 'text', score: metres for near, similarity for text),
--          nearest / most similar first, at most :limit.
-- Binds: :id (the new case), :radius_m, :days, :text_min, :limit
WITH n AS (
    SELECT id, type_code, geom, grid_code, description, reported_at FROM dispute WHERE id = :id
), near AS (
    SELECT o.id, 'near' AS why,
           ST_Distance(CAST(o.geom AS geography), CAST(n.geom AS geography)) AS score
      FROM n JOIN dispute o
        ON o.id <> n.id AND o.type_code = n.type_code
       AND o.status IN ('received', 'assigned', 'in_progress')
       AND o.reported_at BETWEEN n.reported_at - make_interval(days => :days)
                             AND n.reported_at + make_interval(days => :days)
       -- The grids near it first (text equality: indexable under row-level security, where
       -- PostGIS operators are not), then the planar box (0.002° ≥ 100 m here), then metres.
       AND o.grid_code = ANY (CAST((SELECT array_agg(g.code) FROM grid g WHERE ST_DWithin(
               g.geom, n.geom, 0.002 * greatest(CAST(:radius_m AS float8) / 100, 1))) AS text[]))
       AND ST_DWithin(o.geom, n.geom, 0.002 * greatest(CAST(:radius_m AS float8) / 100, 1))
       AND ST_DWithin(CAST(o.geom AS geography), CAST(n.geom AS geography), :radius_m)
     WHERE n.geom IS NOT NULL
), same_text AS (
    SELECT o.id, 'text' AS why, similarity(o.description, n.description) AS score
      FROM n JOIN dispute o
        ON o.id <> n.id AND o.status IN ('received', 'assigned', 'in_progress')
       AND o.district_code = left(n.grid_code, 6)  -- an index probe before the prefix test
       AND o.grid_code LIKE left(n.grid_code, 12) || '%'
     WHERE n.grid_code IS NOT NULL AND n.description IS NOT NULL
       AND similarity(o.description, n.description) >= :text_min
)
(SELECT id, why, score FROM near ORDER BY score, id LIMIT :limit)
UNION ALL
(SELECT id, why, score FROM same_text WHERE id NOT IN (SELECT id FROM near)
  ORDER BY score DESC, id LIMIT :limit)
