-- What the case risk rules (domain.risk) look at, per case: type, parties, key person, source,
-- the desk's own judgement, 督办 level, 重办 count, overdue, cases of the same type within 200 m
-- in the 30 days up to it (itself included) and the same reporter's cases in 90 days.
-- Returns: one row per case (id and the facts).
-- Binds: :now, and what {where} binds
-- Fills: {where} risk._ONE (d.id = :case_id: one case, by its key) or risk._MANY (:all — every
--        case — or the open ones)
SELECT d.id, d.type_code, d.parties, d.involves_key_person, d.source, d.risk_level AS assessed,
       d.supervision_level, d.reopen_count,
       (d.due_at IS NOT NULL AND d.due_at < :now
        AND d.status IN ('received', 'assigned', 'in_progress')) AS overdue,
       CASE WHEN d.geom IS NULL THEN 1 ELSE (
           SELECT count(*) FROM dispute o
            WHERE o.type_code = d.type_code AND o.status <> 'merged'
              -- Grids near it first: an index test row-level security lets run early.
              AND o.grid_code = ANY (CAST((SELECT array_agg(g.code) FROM grid g
                                           WHERE g.geom && ST_Expand(d.geom, 0.003)) AS text[]))
              AND o.geom && ST_Expand(d.geom, 0.003)
              AND ST_DWithin(o.geom::geography, d.geom::geography, 200)
              AND o.reported_at > d.reported_at - interval '30 days'
              AND o.reported_at <= d.reported_at) END AS same_place,
       CASE WHEN d.reporter_phone IS NULL THEN 1 ELSE (
           SELECT count(*) FROM dispute o
            WHERE o.reporter_phone = d.reporter_phone
              AND o.reported_at > d.reported_at - interval '90 days'
              AND o.reported_at <= d.reported_at) END AS same_reporter
FROM dispute d
WHERE {where}
