-- The dispute types as Open311 services (类案标准化: lead department, steps, time limit).
-- Returns: rows (code, name, category, lead, steps, time_limit_days), by code.
-- Binds: (none)
SELECT t.code, t.name, t.category, dep.name AS lead, t.steps, t.time_limit_days
FROM dispute_type t
LEFT JOIN department dep ON dep.code = t.lead_department
ORDER BY t.code
