-- One dispute with the names of its type, lead department, grid and district.
-- Returns: zero or one row (the dispute's columns, free text masked, and overdue).
-- Binds: :id (the dispute's id), :open_statuses, :now
-- Fills: {title} {description} {outcome} grid_detail._redacted(column), binding :cleared
SELECT d.id, d.source, d.source_ref, {title} AS title,
       {description} AS description, d.address,
       d.type_code, t.name AS type_name, d.lead_department,
       dep.name AS lead_department_name, d.grid_code, g.name AS grid_name,
       d.district_code, a.name AS district_name, d.status, d.risk_level, d.parties,
       d.involves_key_person, d.reported_at, d.due_at, d.resolved_at,
       {outcome} AS outcome, d.satisfaction,
       (d.status = ANY(:open_statuses) AND d.due_at < :now) AS overdue
FROM dispute d
JOIN dispute_type t ON t.code = d.type_code
LEFT JOIN department dep ON dep.code = d.lead_department
LEFT JOIN grid g ON g.code = d.grid_code
LEFT JOIN admin_area a ON a.code = d.district_code
WHERE d.id = :id
