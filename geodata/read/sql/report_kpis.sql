-- The headline figures of an area report: cases in the period and their outcome, what is open
-- and overdue now, satisfaction, patrol visits and anomalies in the period, open whistles and
-- patrol tasks done. Area: grid codes starting with :prefix ('' for the whole city).
-- Returns: one row of figures.
-- Binds: :prefix, :start, :end, :now, plus the dispute filter's own binds
-- Fills: {filter} geodata.read.areas.DisputeFilter.sql("d") (without the period: :start/:end)
WITH cases AS (
    SELECT d.* FROM dispute d
    WHERE (d.grid_code LIKE :prefix || '%' OR (:prefix = '' AND d.grid_code IS NULL))
      AND d.status <> 'merged' {filter}
)
SELECT
    (SELECT count(*) FROM cases) AS cases,
    (SELECT count(*) FROM cases WHERE status IN ('received', 'assigned', 'in_progress')) AS open,
    (SELECT count(*) FROM cases WHERE status IN ('received', 'assigned', 'in_progress')
        AND due_at < :now) AS overdue,
    (SELECT count(*) FROM cases WHERE outcome_code IS NOT NULL OR status IN ('resolved',
        'unresolved', 'archived')) AS closed,
    (SELECT count(*) FROM cases WHERE outcome_code IN ('agreement', 'withdrawn')
        OR (outcome_code IS NULL AND status IN ('resolved', 'archived'))) AS resolved,
    (SELECT avg(satisfaction) FROM cases) AS satisfaction,
    (SELECT count(*) FROM cases WHERE supervision_level >= 2
        AND status IN ('received', 'assigned', 'in_progress')) AS supervised,
    (SELECT count(*) FROM patrol_visit v WHERE v.grid_code LIKE :prefix || '%'
        AND v.visited_at >= :start AND v.visited_at < :end) AS patrol_visits,
    (SELECT count(*) FROM patrol_visit v WHERE v.grid_code LIKE :prefix || '%'
        AND v.visited_at >= :start AND v.visited_at < :end AND v.anomaly_type IS NOT NULL)
        AS anomalies,
    (SELECT count(*) FROM whistle w WHERE w.community_code LIKE :prefix || '%'
        AND w.status IN ('raised', 'responded')) AS open_whistles,
    (SELECT count(*) FROM patrol_task t WHERE t.grid_code LIKE :prefix || '%'
        AND t.status = 'done' AND t.closed_at >= :start AND t.closed_at < :end) AS tasks_done
