-- INSERT … ON CONFLICT DO UPDATE of the accepted staging rows, updating a row only when
-- something changed.
-- Returns: one row (inserted, updated).
-- Binds: none
-- Fills: {table} the target (checked against the models); {target} its columns; {select} their
-- expressions over staging alias s; {stage} the staging table; {joins} the plan's lookups;
-- {conflict} the key; {sets}, {old}, {new} the other columns; {returning} the "inserted" test
-- (xmax = 0, or TRUE for a partitioned table, which cannot return xmax)
WITH up AS (
    INSERT INTO "{table}" AS t ({target})
    SELECT {select} FROM {stage} s {joins}
    WHERE s.reason IS NULL
    ORDER BY s.rid
    ON CONFLICT ({conflict}) DO UPDATE SET {sets}
    WHERE ({old}) IS DISTINCT FROM ({new})
    RETURNING {returning} AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up
