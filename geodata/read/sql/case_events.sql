-- The event history of one dispute, in time order.
-- Returns: rows (id, at, action, actor, department_code, department_name, note, sub_case_id).
-- Binds: :id (the dispute's id)
-- Fills: {actor} {note} grid_detail._redacted(column), binding :cleared
SELECT e.id, e.at, e.action, {actor} AS actor, e.department_code,
       dep.name AS department_name, {note} AS note, e.sub_case_id
FROM dispute_event e LEFT JOIN department dep ON dep.code = e.department_code
WHERE e.dispute_id = :id
ORDER BY e.at, e.id
