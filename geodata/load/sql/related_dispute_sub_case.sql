-- Sub-cases (locks) from zz_sub into dispute_sub_case, their case found by source_ref (ids were
-- taken from the sequence beforehand, so events can point at them).
-- Returns: nothing (rowcount = sub-cases inserted).
-- Binds: none
INSERT INTO dispute_sub_case (id, dispute_id, district_code, department_code, task,
                              status, due_at, resolved_at, created_at, time_limit_days, facts,
                              law, plan, planned_at, outcome)
SELECT s.id, d.id, d.district_code, s.department_code, s.task, s.status, s.due_at,
       s.resolved_at, s.created_at, s.time_limit_days, s.facts, s.law, s.plan, s.planned_at,
       s.outcome
FROM zz_sub s JOIN dispute d ON d.source_ref = s.source_ref
