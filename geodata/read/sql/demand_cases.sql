-- The hotline and petition cases of one area and period that the caller can see: what
-- concentrated-demand clustering reads (``classify.demands``).
-- Returns: rows (id, title, reported_at, type_code)
-- Binds: :sources, :start, :end, :prefix, :limit
SELECT d.id, d.title, d.reported_at, d.type_code
FROM dispute d
WHERE d.source = ANY(CAST(:sources AS text[]))
  AND d.reported_at >= :start AND d.reported_at < :end
  AND d.status <> 'merged'
  AND (CAST(:prefix AS text) = '' OR d.district_code = :prefix OR d.grid_code LIKE :prefix || '%')
ORDER BY d.reported_at DESC, d.id DESC
LIMIT :limit
