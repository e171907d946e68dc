-- Events from zz_event into dispute_event: the case by source_ref, the sub-case (if any) by
-- case + sequence number from zz_sub of the same transaction; ``detail`` gets the ids only the
-- database knows, as the workflow writes them: room_id, mediator_id (a 交办 to mediation),
-- worker_id (to the grid's worker), into (the case a duplicate was merged into, the same
-- source first) and a 分锁's lock_ids.
-- Returns: nothing (rowcount = events inserted).
-- Binds: none
INSERT INTO dispute_event (dispute_id, sub_case_id, district_code, action, actor,
                           department_code, at, note, detail)
SELECT d.id, sc.id, d.district_code, e.action, e.actor, e.department_code, e.at, e.note,
       CASE WHEN r.id IS NULL AND w.id IS NULL AND t.id IS NULL AND l.ids IS NULL THEN e.detail
            ELSE coalesce(e.detail, jsonb_build_object())
                 || jsonb_strip_nulls(jsonb_build_object('room_id', r.id, 'mediator_id', m.id,
                                                         'worker_id', w.id, 'into', t.id,
                                                         'lock_ids', l.ids)) END
FROM zz_event e JOIN dispute d ON d.source_ref = e.source_ref
LEFT JOIN zz_sub sc ON sc.source_ref = e.source_ref AND sc.seq = e.sub_case_seq
LEFT JOIN mediation_room r ON r.name = e.room_name
LEFT JOIN LATERAL (SELECT x.id FROM mediator x WHERE x.room_id = r.id
                   AND x.name = e.mediator_name ORDER BY x.id LIMIT 1) m ON TRUE
LEFT JOIN grid_worker w ON w.code = e.worker_code
LEFT JOIN LATERAL (SELECT x.id FROM dispute x WHERE x.source_ref = e.into_ref
                   ORDER BY (x.source = d.source) DESC, x.id LIMIT 1) t ON TRUE
LEFT JOIN (SELECT source_ref, jsonb_agg(id ORDER BY seq) AS ids FROM zz_sub
           GROUP BY source_ref) l ON l.source_ref = e.source_ref AND e.action = 'split'
ORDER BY d.id, e.seq
