-- Links between cases from zz_link (one row per direction), both cases found by source_ref;
-- a link already there stays as it is.
-- Returns: nothing (rowcount = links inserted).
-- Binds: none
INSERT INTO dispute_link (dispute_id, other_id, kind, district_code, score, reason, created_at)
SELECT a.id, b.id, l.kind, a.district_code, l.score, l.reason, l.created_at
FROM zz_link l
JOIN dispute a ON a.source_ref = l.source_ref
JOIN dispute b ON b.source_ref = l.other_ref
ON CONFLICT DO NOTHING
