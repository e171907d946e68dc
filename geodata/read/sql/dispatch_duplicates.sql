-- Cases linked to one case (both ways stored) and open cases of the same type within 100 m and
-- 7 days of it: the drawer's possible duplicates.
-- Returns: rows (id, source_ref, status, reported_at, kind, metres)
-- Binds: :id, :open_statuses
SELECT o.id, o.source_ref, o.status, o.reported_at, l.kind, NULL::float AS metres
FROM dispute_link l JOIN dispute o ON o.id = l.other_id
WHERE l.dispute_id = :id
UNION ALL
SELECT o.id, o.source_ref, o.status, o.reported_at, 'nearby' AS kind,
       ST_Distance(CAST(o.geom AS geography), CAST(d.geom AS geography)) AS metres
FROM dispute d
JOIN dispute o
  ON o.id <> d.id AND o.type_code = d.type_code AND o.status = ANY(CAST(:open_statuses AS text[]))
 -- Grids near it first (indexable under row-level security), then the distance.
 AND o.grid_code = ANY (CAST((SELECT array_agg(g.code) FROM grid g
                              WHERE ST_DWithin(g.geom, d.geom, 0.002)) AS text[]))
 AND o.reported_at BETWEEN d.reported_at - interval '7 days' AND d.reported_at + interval '7 days'
 AND ST_DWithin(CAST(o.geom AS geography), CAST(d.geom AS geography), 100)
WHERE d.id = :id AND d.geom IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM dispute_link x WHERE x.dispute_id = d.id AND x.other_id = o.id)
ORDER BY kind, metres NULLS FIRST, id
LIMIT 20
