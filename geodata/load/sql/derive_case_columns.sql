-- The columns of each case that its history decides, set as domain.workflow.decide sets them
-- event by event: the last 交办 (unless 退回 after it) gives the assignee, cooperating
-- departments, the 交办 time and the 签收 (1 working day) and 化解 (its limit_days) due times
-- counted in working days (zz_workday, zz_nth); 签收 after it, the highest 督办 level, the
-- 代办 agent, the last 化解's outcome code (unless 重办 after it), the return call after it,
-- 重办 count, 归档, the case merged into, and version = one per write (a 回访 that reopens is
-- one write with two events). Only cases with events, and only rows that change.
-- Returns: nothing (rowcount = cases changed).
-- Binds: :tz (the centre's time zone)
-- Fills: {cases} a fixed SELECT of the case ids to derive
WITH ev AS (
    SELECT e.dispute_id, e.action, e.at, e.department_code, e.detail,
           row_number() OVER (PARTITION BY e.dispute_id, e.action
                              ORDER BY e.at DESC, e.id DESC) AS back
    FROM dispute_event e
    WHERE e.dispute_id IN ({cases})
), h AS (
    SELECT dispute_id,
           count(*) - count(*) FILTER (WHERE action = 'reopen'
                                       AND (detail ->> 'auto')::boolean) AS version,
           count(*) FILTER (WHERE action = 'reopen') AS reopens,
           max(at) FILTER (WHERE action = 'assign') AS assign_at,
           max(at) FILTER (WHERE action = 'return') AS return_at,
           max(at) FILTER (WHERE action = 'sign') AS sign_at,
           max(at) FILTER (WHERE action = 'resolve') AS resolve_at,
           max(at) FILTER (WHERE action = 'reopen') AS reopen_at,
           max(at) FILTER (WHERE action = 'evaluate') AS evaluate_at,
           max(at) FILTER (WHERE action = 'archive') AS archive_at,
           max(coalesce((detail ->> 'level')::int, 2)) FILTER (WHERE action = 'supervise')
               AS level,
           max(detail ->> 'agent') FILTER (WHERE action = 'proxy' AND back = 1) AS agent,
           max(department_code) FILTER (WHERE action = 'assign' AND back = 1) AS lead,
           (array_agg(detail) FILTER (WHERE action = 'assign' AND back = 1))[1] AS assign,
           max(detail ->> 'outcome') FILTER (WHERE action = 'resolve' AND back = 1) AS outcome,
           max((detail ->> 'into')::bigint) FILTER (WHERE action = 'merge') AS merged_into
    FROM ev
    GROUP BY dispute_id
), x AS (
    SELECT h.*, d.status,
           h.assign_at IS NOT NULL AND (h.return_at IS NULL OR h.return_at < h.assign_at)
               AS assigned,
           coalesce((h.assign ->> 'limit_days')::int, t.time_limit_days) AS limit_days,
           c.idx AS day_idx
    FROM h
    JOIN dispute d ON d.id = h.dispute_id
    JOIN dispute_type t ON t.code = d.type_code
    LEFT JOIN zz_workday c ON c.day = (h.assign_at AT TIME ZONE :tz)::date
), y AS (
    SELECT x.dispute_id, x.version, coalesce(x.lead, d.lead_department) AS lead_department,
           CASE WHEN x.assign IS NULL THEN d.cooperating_departments
                ELSE ARRAY(SELECT jsonb_array_elements_text(x.assign -> 'cooperating'))
                         ::varchar(16)[] END AS cooperating_departments,
           CASE WHEN x.assigned THEN x.assign ->> 'kind' END AS assignee_kind,
           (x.assign ->> 'room_id')::bigint AS mediation_room_id,
           (x.assign ->> 'mediator_id')::bigint AS mediator_id,
           (x.assign ->> 'worker_id')::bigint AS worker_id,
           x.agent,
           CASE WHEN x.assigned THEN x.assign_at END AS assigned_at,
           CASE WHEN x.assigned THEN (w1.day + 1)::timestamp AT TIME ZONE :tz END AS sign_due_at,
           CASE WHEN x.sign_at > x.assign_at THEN x.sign_at END AS signed_at,
           CASE WHEN x.assigned THEN (wn.day + 1)::timestamp AT TIME ZONE :tz END AS due_at,
           coalesce(x.level, 0)::smallint AS supervision_level,
           CASE WHEN x.reopen_at IS NULL OR x.reopen_at < x.resolve_at
                THEN x.outcome END AS outcome_code,
           CASE WHEN x.evaluate_at >= x.resolve_at THEN x.evaluate_at END AS evaluated_at,
           x.reopens::smallint AS reopen_count,
           x.archive_at AS archived_at,
           CASE WHEN x.status = 'merged' THEN coalesce(x.merged_into, d.merged_into) END
               AS merged_into
    FROM x
    JOIN dispute d ON d.id = x.dispute_id
    LEFT JOIN zz_nth w1 ON w1.idx = x.day_idx + 1
    LEFT JOIN zz_nth wn ON wn.idx = x.day_idx + x.limit_days
)
UPDATE dispute d
SET version = y.version, lead_department = y.lead_department,
    cooperating_departments = y.cooperating_departments, assignee_kind = y.assignee_kind,
    mediation_room_id = y.mediation_room_id, mediator_id = y.mediator_id,
    worker_id = y.worker_id, agent = y.agent, assigned_at = y.assigned_at,
    sign_due_at = y.sign_due_at, signed_at = y.signed_at, due_at = y.due_at,
    supervision_level = y.supervision_level, outcome_code = y.outcome_code,
    evaluated_at = y.evaluated_at, reopen_count = y.reopen_count, archived_at = y.archived_at,
    merged_into = y.merged_into
FROM y
WHERE d.id = y.dispute_id
  AND (d.version, d.lead_department, d.cooperating_departments, d.assignee_kind,
       d.mediation_room_id, d.mediator_id, d.worker_id, d.agent, d.assigned_at, d.sign_due_at,
       d.signed_at, d.due_at, d.supervision_level, d.outcome_code, d.evaluated_at,
       d.reopen_count, d.archived_at, d.merged_into)
      IS DISTINCT FROM
      (y.version, y.lead_department, y.cooperating_departments, y.assignee_kind,
       y.mediation_room_id, y.mediator_id, y.worker_id, y.agent, y.assigned_at, y.sign_due_at,
       y.signed_at, y.due_at, y.supervision_level, y.outcome_code, y.evaluated_at,
       y.reopen_count, y.archived_at, y.merged_into)
