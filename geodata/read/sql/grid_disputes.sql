-- Dispute counts of one grid under the filter, per type, status and risk.
-- Returns: rows (type_code, type_name, status, risk_level, n).
-- Binds: :code (the grid's code)
-- Fills: {filter} DisputeFilter.sql("d")
SELECT d.type_code, t.name AS type_name, d.status, d.risk_level, count(*) AS n
FROM dispute d JOIN dispute_type t ON t.code = d.type_code
WHERE d.grid_code = :code {filter}
GROUP BY d.type_code, t.name, d.status, d.risk_level
