-- The newest disputes of one grid under the filter; overdue = still open past its due time.
-- Returns: at most :limit rows (id, source, source_ref, title, type_code, type_name, status,
-- risk_level, reported_at, due_at, resolved_at, overdue), newest first.
-- Binds: :code (the grid's code), :open_statuses, :now, :limit
-- Fills: {filter} DisputeFilter.sql("d"); {title} grid_detail._redacted(column), binding :cleared
SELECT d.id, d.source, d.source_ref, {title} AS title, d.type_code, t.name AS type_name,
       d.status, d.risk_level, d.reported_at, d.due_at, d.resolved_at,
       (d.status = ANY(:open_statuses) AND d.due_at < :now) AS overdue
FROM dispute d JOIN dispute_type t ON t.code = d.type_code
WHERE d.grid_code = :code {filter}
ORDER BY d.reported_at DESC, d.id DESC
LIMIT :limit
