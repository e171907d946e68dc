-- Department performance (部门绩效): per department, the cases handed to it as lead (交办)
-- within a period, and its load right now. Every figure is a count or a sum; the rates and
-- means are taken in geodata/read/performance.py. Merged duplicates count nowhere.
-- Cohort: cases with this lead department whose assigned_at lies in [:start, :end) (NULL =
-- open-ended), within :area (NULL = every case the caller may see).
-- Returns: one row per department (code, name, cases_led, on_time, on_time_of, closed,
-- resolved, handled, days_sum, workdays_sum, workdays_n, rated, satisfaction_sum, satisfied,
-- reached, reopened, signed_on_time, sign_of, open_now, overdue_now, locks_held), in code order.
--   on_time / on_time_of: resolved at or before due_at / resolve clock stopped (resolved_at set)
--     plus still open past due_at at :now (counted late);
--   resolved / closed: outcome in :resolving / an outcome recorded (化解 done, not reopened);
--   days_sum, workdays_sum (workdays_n cases): assigned_at → resolved_at over handled cases,
--     calendar days and working days (the :cal_days / :cal_n ordinals of domain.workdays);
--   rated, satisfaction_sum, satisfied: return calls, their scores, scores >= :satisfied_from;
--   reopened / reached: reopen_count > 0 / cases that reached 化解 at least once;
--   signed_on_time / sign_of: signed_at <= sign_due_at / signed, or unsigned past sign_due_at;
--   open_now, overdue_now: led cases assigned or in progress now (any period), past due_at;
--   locks_held: open or planned locks (分锁) the department holds now.
-- Binds: :start, :end, :now, :area, :resolving, :handed, :open_locks, :satisfied_from,
-- :cal_days, :cal_n
WITH cal AS (
    SELECT c.day, c.n
    FROM unnest(CAST(:cal_days AS date[]), CAST(:cal_n AS integer[])) AS c(day, n)
),
scoped AS NOT MATERIALIZED (
    SELECT d.id, d.status, d.lead_department, d.assigned_at, d.due_at, d.resolved_at,
           d.outcome_code, d.satisfaction, d.reopen_count, d.sign_due_at, d.signed_at
    FROM dispute d
    WHERE d.status <> 'merged'
      AND (CAST(:area AS text) IS NULL
           OR (d.district_code = left(CAST(:area AS text), 6)
               AND (length(CAST(:area AS text)) = 6
                    OR left(d.grid_code, length(CAST(:area AS text))) = CAST(:area AS text))))
),
cohort AS (
    SELECT s.lead_department AS code, s.status, s.assigned_at, s.due_at, s.resolved_at,
           s.outcome_code, s.satisfaction, s.reopen_count, s.sign_due_at, s.signed_at,
           cr.n - ca.n AS workdays
    FROM scoped s
    LEFT JOIN cal ca ON ca.day = CAST(s.assigned_at AT TIME ZONE 'Asia/Shanghai' AS date)
    LEFT JOIN cal cr ON cr.day = CAST(s.resolved_at AT TIME ZONE 'Asia/Shanghai' AS date)
    WHERE s.lead_department IS NOT NULL
      AND s.assigned_at IS NOT NULL
      AND (CAST(:start AS timestamptz) IS NULL OR s.assigned_at >= CAST(:start AS timestamptz))
      AND (CAST(:end AS timestamptz) IS NULL OR s.assigned_at < CAST(:end AS timestamptz))
),
led AS (
    SELECT code,
           count(*) AS cases_led,
           count(*) FILTER (WHERE resolved_at <= due_at) AS on_time,
           count(*) FILTER (WHERE due_at IS NOT NULL
                              AND (resolved_at IS NOT NULL
                                   OR (status = ANY(CAST(:handed AS text[]))
                                       AND due_at < CAST(:now AS timestamptz)))) AS on_time_of,
           count(*) FILTER (WHERE outcome_code IS NOT NULL) AS closed,
           count(*) FILTER (WHERE outcome_code = ANY(CAST(:resolving AS text[]))) AS resolved,
           count(*) FILTER (WHERE resolved_at IS NOT NULL) AS handled,
           coalesce(sum(extract(epoch FROM greatest(resolved_at - assigned_at, interval '0'))
                        / 86400.0) FILTER (WHERE resolved_at IS NOT NULL), 0) AS days_sum,
           coalesce(sum(greatest(workdays, 0))
                    FILTER (WHERE resolved_at IS NOT NULL AND workdays IS NOT NULL), 0)
               AS workdays_sum,
           count(*) FILTER (WHERE resolved_at IS NOT NULL AND workdays IS NOT NULL) AS workdays_n,
           count(satisfaction) AS rated,
           coalesce(sum(satisfaction), 0) AS satisfaction_sum,
           count(*) FILTER (WHERE satisfaction >= :satisfied_from) AS satisfied,
           count(*) FILTER (WHERE resolved_at IS NOT NULL OR reopen_count > 0) AS reached,
           count(*) FILTER (WHERE reopen_count > 0) AS reopened,
           count(*) FILTER (WHERE signed_at <= sign_due_at) AS signed_on_time,
           count(*) FILTER (WHERE sign_due_at IS NOT NULL
                              AND (signed_at IS NOT NULL
                                   OR sign_due_at < CAST(:now AS timestamptz))) AS sign_of
    FROM cohort
    GROUP BY code
),
load AS (
    SELECT lead_department AS code,
           count(*) AS open_now,
           count(*) FILTER (WHERE due_at < CAST(:now AS timestamptz)) AS overdue_now
    FROM scoped
    WHERE lead_department IS NOT NULL AND status = ANY(CAST(:handed AS text[]))
    GROUP BY lead_department
),
locks AS (
    SELECT k.department_code AS code, count(*) AS locks_held
    FROM dispute_sub_case k
    JOIN scoped s ON s.id = k.dispute_id
    WHERE k.status = ANY(CAST(:open_locks AS text[]))
    GROUP BY k.department_code
)
SELECT dep.code, dep.name,
       coalesce(led.cases_led, 0) AS cases_led,
       coalesce(led.on_time, 0) AS on_time,
       coalesce(led.on_time_of, 0) AS on_time_of,
       coalesce(led.closed, 0) AS closed,
       coalesce(led.resolved, 0) AS resolved,
       coalesce(led.handled, 0) AS handled,
       coalesce(led.days_sum, 0) AS days_sum,
       coalesce(led.workdays_sum, 0) AS workdays_sum,
       coalesce(led.workdays_n, 0) AS workdays_n,
       coalesce(led.rated, 0) AS rated,
       coalesce(led.satisfaction_sum, 0) AS satisfaction_sum,
       coalesce(led.satisfied, 0) AS satisfied,
       coalesce(led.reached, 0) AS reached,
       coalesce(led.reopened, 0) AS reopened,
       coalesce(led.signed_on_time, 0) AS signed_on_time,
       coalesce(led.sign_of, 0) AS sign_of,
       coalesce(load.open_now, 0) AS open_now,
       coalesce(load.overdue_now, 0) AS overdue_now,
       coalesce(locks.locks_held, 0) AS locks_held
FROM department dep
LEFT JOIN led ON led.code = dep.code
LEFT JOIN load ON load.code = dep.code
LEFT JOIN locks ON locks.code = dep.code
ORDER BY dep.code
