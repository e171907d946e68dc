-- Cases per area, dispute type and local day (merged duplicates left out: they would count one
-- dispute twice), for the early-warning statistic.
-- Returns: one row per (area, type_code, day) with cases: area = the first :digits digits of the
--          grid code (12: community, 9: township), day = days since :start.
-- Binds: :digits, :start (local date), :start_at, :end_at (timestamps, end exclusive)
SELECT left(d.grid_code, :digits) AS area, d.type_code,
       (timezone('Asia/Shanghai', d.reported_at))::date - CAST(:start AS date) AS day,
       count(*) AS cases
FROM dispute d
WHERE d.grid_code IS NOT NULL
  AND d.status <> 'merged'
  AND d.reported_at >= :start_at AND d.reported_at < :end_at
GROUP BY 1, 2, 3
