-- Disputes per grid and 7-day week before :wend, only (grid, week) pairs with disputes.
-- Returns: rows (grid_code, ago = whole weeks before :wend, count).
-- Binds: :wstart, :wend (the window)
-- Fills: {filter} DisputeFilter.sql("d") without its period;
-- {dispute_scope} "AND d.grid_code IN (the grids in scope)" or nothing
SELECT d.grid_code,
       floor(extract(epoch FROM (CAST(:wend AS timestamptz) - d.reported_at)) / 604800)::int AS ago,
       count(*)
FROM dispute d
WHERE d.grid_code IS NOT NULL AND d.reported_at >= :wstart AND d.reported_at < :wend
      {filter} {dispute_scope}
GROUP BY 1, 2
