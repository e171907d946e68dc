-- The "needs location" queue (待定位): open cases with no point (an address no building
-- matched, or none), oldest first; only what the caller may see (row-level security).
-- Returns: rows (id, source, source_ref, type_code, title, address, reported_at, status).
-- Binds: :limit
SELECT id, source, source_ref, type_code, title, address, reported_at, status
FROM dispute
WHERE geom IS NULL AND status IN ('received', 'assigned', 'in_progress')
ORDER BY reported_at, id
LIMIT :limit
