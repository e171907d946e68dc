-- One source system's cases as Open311 service requests (no personal data: no reporter, and
-- the description is redacted by the caller).
-- Returns: rows (id, source_ref, status, type_code, type_name, agency, description, address,
--          reported_at, updated_at, due_at, lon, lat), newest first, at most :limit.
-- Binds: :source, :ids (bigint[] or NULL: any), :start, :end (reported_at range or NULL),
--        :closed (NULL: any; true: closed only; false: open only), :type (NULL: any), :limit
SELECT d.id, d.source_ref, d.status, d.type_code, t.name AS type_name, dep.name AS agency,
       d.description, d.address, d.reported_at,
       coalesce((SELECT max(e.at) FROM dispute_event e WHERE e.dispute_id = d.id),
                d.reported_at) AS updated_at,
       d.due_at, ST_X(d.geom) AS lon, ST_Y(d.geom) AS lat
FROM dispute d
JOIN dispute_type t ON t.code = d.type_code
LEFT JOIN department dep ON dep.code = coalesce(d.lead_department, t.lead_department)
WHERE d.source = :source
  AND (CAST(:ids AS bigint[]) IS NULL OR d.id = ANY (CAST(:ids AS bigint[])))
  AND (CAST(:start AS timestamptz) IS NULL OR d.reported_at >= CAST(:start AS timestamptz))
  AND (CAST(:end AS timestamptz) IS NULL OR d.reported_at <= CAST(:end AS timestamptz))
  AND (CAST(:closed AS boolean) IS NULL
       OR (d.status NOT IN ('received', 'assigned', 'in_progress')) = CAST(:closed AS boolean))
  AND (CAST(:type AS text) IS NULL OR d.type_code = CAST(:type AS text))
ORDER BY d.reported_at DESC, d.id DESC
LIMIT :limit
