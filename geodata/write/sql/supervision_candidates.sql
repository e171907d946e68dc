-- Open cases with a clock near or past its due time: the candidates for automatic 督办.
-- Returns: one row per case (id, version, supervision_level).
-- Binds: :horizon (now + the reminder window), :only (case ids to look at, or NULL for all)
SELECT d.id, d.version, d.supervision_level
FROM dispute d
WHERE d.status IN ('received', 'assigned', 'in_progress')
  AND d.supervision_level < 3
  AND (CAST(:only AS bigint[]) IS NULL OR d.id = ANY (CAST(:only AS bigint[])))
  AND (d.due_at <= :horizon
       OR (d.signed_at IS NULL AND d.sign_due_at <= :horizon)
       OR EXISTS (SELECT 1 FROM dispute_sub_case s
                   WHERE s.dispute_id = d.id AND s.status IN ('open', 'planned')
                     AND s.due_at <= :horizon))
ORDER BY d.id
