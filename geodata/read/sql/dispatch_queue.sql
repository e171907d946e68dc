-- The desk's queue (调度台): cases the caller can see, highest risk first, then earliest due.
-- Returns: rows (id, version, source, source_ref, title, type_code, type_name, status, risk_level, risk_colour, supervision_level, lead_department, lead_department_name, district_name, grid_code, address, reported_at, due_at, agent, open_locks, lock_due_at, located, total)
-- Binds: :statuses, :types, :risks, :urgency, :now, :soon, :department, :agent, :unlocated, :search, :limit, :offset
-- Fills: {title} grid_detail._redacted(column), binding :cleared
WITH picked AS (
    SELECT d.*
    FROM dispute d
    WHERE d.status = ANY(CAST(:statuses AS text[]))
      AND (cardinality(CAST(:types AS text[])) = 0 OR d.type_code = ANY(CAST(:types AS text[])))
      AND (cardinality(CAST(:risks AS text[])) = 0 OR d.risk_level = ANY(CAST(:risks AS text[])))
      AND (CAST(:urgency AS text) = ''
           OR (:urgency = 'overdue' AND d.due_at < :now)
           OR (:urgency = 'due_soon' AND d.due_at >= :now AND d.due_at < :soon)
           OR (:urgency = 'on_time' AND d.due_at >= :soon)
           OR (:urgency = 'none' AND d.due_at IS NULL))
      AND (CAST(:department AS text) = ''
           OR d.lead_department = :department
           OR :department = ANY(d.cooperating_departments)
           OR EXISTS (SELECT 1 FROM dispute_sub_case s
                      WHERE s.dispute_id = d.id AND s.department_code = :department))
      AND (CAST(:agent AS text) = '' OR d.agent = :agent)
      AND (NOT CAST(:unlocated AS boolean) OR d.geom IS NULL)
      AND (CAST(:search AS text) = '' OR strpos(d.source_ref, :search) > 0
           OR strpos(d.title, :search) > 0 OR strpos(coalesce(d.address, ''), :search) > 0)
)
SELECT p.id, p.version, p.source, p.source_ref, {title} AS title, p.type_code,
       t.name AS type_name, p.status, p.risk_level, p.risk_colour, p.supervision_level,
       p.lead_department, dep.name AS lead_department_name, a.name AS district_name,
       p.grid_code, p.address, p.reported_at, p.due_at, p.agent,
       coalesce(lk.open_locks, 0) AS open_locks, lk.lock_due_at,
       (p.geom IS NOT NULL) AS located,
       count(*) OVER () AS total
FROM picked p
JOIN dispute_type t ON t.code = p.type_code
LEFT JOIN department dep ON dep.code = p.lead_department
LEFT JOIN admin_area a ON a.code = p.district_code
LEFT JOIN LATERAL (
    SELECT count(*) AS open_locks, min(s.due_at) AS lock_due_at
    FROM dispute_sub_case s
    WHERE s.dispute_id = p.id AND s.status IN ('open', 'planned')
) lk ON true
ORDER BY CASE p.risk_colour WHEN 'red' THEN 4 WHEN 'orange' THEN 3 WHEN 'yellow' THEN 2
                            WHEN 'blue' THEN 1 ELSE 0 END DESC,
         CASE p.risk_level WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END DESC,
         p.due_at ASC NULLS LAST, p.reported_at ASC, p.id
LIMIT :limit OFFSET :offset
