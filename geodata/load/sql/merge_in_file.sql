-- Cases merged into a case of the same file: the upsert could not see that case yet, so they
-- went in as received; now they are merged into it (the same source first).
-- Returns: nothing (rowcount = cases merged).
-- Binds: none
-- Fills: {stage} the staging table
UPDATE dispute d SET status = 'merged', merged_into = m.id
FROM {stage} s
CROSS JOIN LATERAL (SELECT m.id FROM dispute m WHERE m.source_ref = s.merged_into
                    ORDER BY (m.source = s.source) DESC, m.id LIMIT 1) m
WHERE s.reason IS NULL AND s.status = 'merged' AND d.source = s.source
  AND d.source_ref = s.source_ref AND d.merged_into IS NULL AND m.id <> d.id
