-- Joint consultations (商办) from zz_consult, their case found by source_ref.
-- Returns: nothing (rowcount = consultations inserted).
-- Binds: none
INSERT INTO consultation (dispute_id, district_code, held_at, departments, participants,
                          minutes, outcome, created_by)
SELECT d.id, d.district_code, c.held_at,
       ARRAY(SELECT jsonb_array_elements_text(c.departments))::varchar(16)[],
       c.participants, c.minutes, c.outcome, c.created_by
FROM zz_consult c JOIN dispute d ON d.source_ref = c.source_ref
ORDER BY d.id, c.held_at
