-- Bind key persons to the cases around them since :since: a party (the case's reporter phone is
-- theirs) or nearby (within :radius metres of where they live); merged duplicates are left out.
-- Returns: nothing (rowcount = bindings made).
-- Binds: :since, :radius (metres; the bounding box takes 60 km a degree, wider than any here)
INSERT INTO key_person_case (key_person_id, dispute_id, reason, grid_code, district_code)
SELECT k.id, d.id, 'party', k.grid_code, k.district_code
FROM key_person k JOIN dispute d ON d.reporter_phone = k.phone
WHERE k.phone IS NOT NULL AND d.reported_at >= :since AND d.status <> 'merged'
UNION
SELECT k.id, d.id, 'nearby', k.grid_code, k.district_code
FROM key_person k JOIN dispute d
  ON d.geom && ST_Expand(k.geom, :radius / 60000.0)
 AND ST_DWithin(d.geom::geography, k.geom::geography, :radius)
WHERE k.geom IS NOT NULL AND d.reported_at >= :since AND d.status <> 'merged'
ON CONFLICT DO NOTHING
