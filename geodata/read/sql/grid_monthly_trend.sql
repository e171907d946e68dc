-- Disputes of one grid per calendar month (in :tz) reported in [:lo, :hi).
-- Returns: rows (month 'YYYY-MM', n), months without disputes absent.
-- Binds: :code (the grid's code), :tz (time zone name), :lo, :hi
-- Fills: {filter} DisputeFilter.sql("d") without its period
SELECT to_char(d.reported_at AT TIME ZONE :tz, 'YYYY-MM') AS month, count(*) AS n
FROM dispute d
WHERE d.grid_code = :code AND d.reported_at >= :lo AND d.reported_at < :hi {filter}
GROUP BY 1
