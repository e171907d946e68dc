-- Mediation rooms and mediators (调解室, 调解员) as assignees of 交办: per room and per mediator,
-- the cases handed to them (assignee_kind 'mediation') within a period. Counts and sums only;
-- rates and means are taken in geodata/read/performance.py. Merged duplicates count nowhere.
-- Cohort: mediated cases whose assigned_at lies in [:start, :end) (NULL = open-ended), within
-- :area (NULL = every case the caller may see).
-- Listed: every room serving :area (its area contains :area or lies in it, or it is a
-- city-wide room; all rooms when :area is NULL) or holding a case of the cohort, with its
-- mediators.
-- Returns: rows (level 'room' | 'mediator', room_id, room_name, kind, area_code, mediator_id,
-- mediator_name, specialty, cases, open, closed, agreements, handled, days_sum, workdays_sum,
-- workdays_n, rated, satisfaction_sum), rooms first, each in id order.
--   open: still received, assigned or in progress (:open); closed / agreements: an outcome
--   recorded / the outcome is 'agreement' (调解成功); days as in performance_departments.sql.
-- Binds: :start, :end, :area, :open, :cal_days, :cal_n
WITH cal AS (
    SELECT c.day, c.n
    FROM unnest(CAST(:cal_days AS date[]), CAST(:cal_n AS integer[])) AS c(day, n)
),
cohort AS (
    SELECT d.mediation_room_id AS room_id, d.mediator_id, d.status, d.assigned_at,
           d.resolved_at, d.outcome_code, d.satisfaction, cr.n - ca.n AS workdays
    FROM dispute d
    LEFT JOIN cal ca ON ca.day = CAST(d.assigned_at AT TIME ZONE 'Asia/Shanghai' AS date)
    LEFT JOIN cal cr ON cr.day = CAST(d.resolved_at AT TIME ZONE 'Asia/Shanghai' AS date)
    WHERE d.status <> 'merged'
      AND d.assignee_kind = 'mediation'
      AND d.mediation_room_id IS NOT NULL
      AND d.assigned_at IS NOT NULL
      AND (CAST(:start AS timestamptz) IS NULL OR d.assigned_at >= CAST(:start AS timestamptz))
      AND (CAST(:end AS timestamptz) IS NULL OR d.assigned_at < CAST(:end AS timestamptz))
      AND (CAST(:area AS text) IS NULL
           OR (d.district_code = left(CAST(:area AS text), 6)
               AND (length(CAST(:area AS text)) = 6
                    OR left(d.grid_code, length(CAST(:area AS text))) = CAST(:area AS text))))
),
agg AS (
    SELECT room_id, mediator_id, GROUPING(mediator_id) AS whole_room,
           count(*) AS cases,
           count(*) FILTER (WHERE status = ANY(CAST(:open AS text[]))) AS open,
           count(*) FILTER (WHERE outcome_code IS NOT NULL) AS closed,
           count(*) FILTER (WHERE outcome_code = 'agreement') AS agreements,
           count(*) FILTER (WHERE resolved_at IS NOT NULL) AS handled,
           coalesce(sum(extract(epoch FROM greatest(resolved_at - assigned_at, interval '0'))
                        / 86400.0) FILTER (WHERE resolved_at IS NOT NULL), 0) AS days_sum,
           coalesce(sum(greatest(workdays, 0))
                    FILTER (WHERE resolved_at IS NOT NULL AND workdays IS NOT NULL), 0)
               AS workdays_sum,
           count(*) FILTER (WHERE resolved_at IS NOT NULL AND workdays IS NOT NULL) AS workdays_n,
           count(satisfaction) AS rated,
           coalesce(sum(satisfaction), 0) AS satisfaction_sum
    FROM cohort
    GROUP BY GROUPING SETS ((room_id), (room_id, mediator_id))
),
rooms AS (
    SELECT r.id, r.name, r.kind, r.area_code
    FROM mediation_room r
    WHERE CAST(:area AS text) IS NULL
       OR left(r.area_code, length(CAST(:area AS text))) = CAST(:area AS text)
       OR left(CAST(:area AS text), length(r.area_code)) = r.area_code
       OR EXISTS (SELECT 1 FROM admin_area a WHERE a.code = r.area_code AND a.level = 'city')
       OR EXISTS (SELECT 1 FROM cohort c WHERE c.room_id = r.id)
),
listed AS (
    SELECT 'room' AS level, r.id AS room_id, r.name AS room_name, r.kind, r.area_code,
           CAST(NULL AS bigint) AS mediator_id, CAST(NULL AS text) AS mediator_name,
           CAST(NULL AS text) AS specialty,
           a.cases, a.open, a.closed, a.agreements, a.handled, a.days_sum,
           a.workdays_sum, a.workdays_n, a.rated, a.satisfaction_sum
    FROM rooms r
    LEFT JOIN agg a ON a.room_id = r.id AND a.whole_room = 1
    UNION ALL
    SELECT 'mediator', r.id, r.name, r.kind, r.area_code, m.id, m.name, m.specialty,
           a.cases, a.open, a.closed, a.agreements, a.handled, a.days_sum,
           a.workdays_sum, a.workdays_n, a.rated, a.satisfaction_sum
    FROM rooms r
    JOIN mediator m ON m.room_id = r.id
    LEFT JOIN agg a ON a.room_id = r.id AND a.mediator_id = m.id
)
SELECT level, room_id, room_name, kind, area_code, mediator_id, mediator_name, specialty,
       coalesce(cases, 0) AS cases, coalesce(open, 0) AS open, coalesce(closed, 0) AS closed,
       coalesce(agreements, 0) AS agreements, coalesce(handled, 0) AS handled,
       coalesce(days_sum, 0) AS days_sum, coalesce(workdays_sum, 0) AS workdays_sum,
       coalesce(workdays_n, 0) AS workdays_n, coalesce(rated, 0) AS rated,
       coalesce(satisfaction_sum, 0) AS satisfaction_sum
FROM listed
ORDER BY level DESC, room_id, mediator_id NULLS FIRST
