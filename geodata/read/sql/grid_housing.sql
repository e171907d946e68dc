-- Buildings of one grid, then its housing units per occupancy: one round trip.
-- Returns: rows (occupancy, n): occupancy NULL for the building count, else per occupancy.
-- Binds: :code (the grid's code)
SELECT NULL AS occupancy, count(*) AS n FROM building WHERE grid_code = :code
UNION ALL
SELECT h.occupancy, count(*) FROM building b JOIN housing_unit h ON h.building_id = b.id
WHERE b.grid_code = :code GROUP BY h.occupancy
