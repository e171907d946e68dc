-- The wall's headline figures for an area (grid codes starting with :prefix, '' = the city):
-- today's new cases, open, overdue and supervised now, the last 30 days' resolution and
-- satisfaction, today's patrol visits and anomalies, open whistles and today's finished tasks.
-- Returns: one row.
-- Binds: :prefix, :today (local midnight), :now, :month (30 days before :now)
SELECT
    (SELECT count(*) FROM dispute d WHERE d.grid_code LIKE :prefix || '%'
        AND d.reported_at >= :today AND d.status <> 'merged') AS new_today,
    (SELECT count(*) FROM dispute d WHERE (d.grid_code LIKE :prefix || '%'
        OR (:prefix = '' AND d.grid_code IS NULL))
        AND d.status IN ('received', 'assigned', 'in_progress')) AS open,
    (SELECT count(*) FROM dispute d WHERE (d.grid_code LIKE :prefix || '%'
        OR (:prefix = '' AND d.grid_code IS NULL))
        AND d.status IN ('received', 'assigned', 'in_progress') AND d.due_at < :now) AS overdue,
    (SELECT count(*) FROM dispute d WHERE (d.grid_code LIKE :prefix || '%'
        OR (:prefix = '' AND d.grid_code IS NULL))
        AND d.status IN ('received', 'assigned', 'in_progress') AND d.supervision_level >= 2)
        AS supervised,
    (SELECT count(*) FROM dispute d WHERE d.grid_code LIKE :prefix || '%'
        AND d.resolved_at >= :month AND d.resolved_at < :now) AS closed_30d,
    (SELECT count(*) FROM dispute d WHERE d.grid_code LIKE :prefix || '%'
        AND d.resolved_at >= :month AND d.resolved_at < :now
        AND coalesce(d.outcome_code, 'agreement') IN ('agreement', 'withdrawn')) AS resolved_30d,
    (SELECT avg(d.satisfaction) FROM dispute d WHERE d.grid_code LIKE :prefix || '%'
        AND d.evaluated_at >= :month AND d.evaluated_at < :now) AS satisfaction_30d,
    (SELECT count(*) FROM patrol_visit v WHERE v.grid_code LIKE :prefix || '%'
        AND v.visited_at >= :today AND v.visited_at < :now) AS visits_today,
    (SELECT count(*) FROM patrol_visit v WHERE v.grid_code LIKE :prefix || '%'
        AND v.visited_at >= :today AND v.visited_at < :now AND v.anomaly_type IS NOT NULL)
        AS anomalies_today,
    (SELECT count(*) FROM whistle w WHERE w.community_code LIKE :prefix || '%'
        AND w.status IN ('raised', 'responded')) AS open_whistles,
    (SELECT count(*) FROM patrol_task t WHERE t.grid_code LIKE :prefix || '%'
        AND t.status = 'done' AND t.closed_at >= :today) AS tasks_done_today
