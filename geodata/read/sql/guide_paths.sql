-- The 类案标准化 catalogue as the public guide draws it: each dispute type's standard path.
-- Returns: one row per type (code, name, category, steps text[], time_limit_days, lead_code,
-- lead_name, cooperating jsonb [{code, name}] in the type's order), in code order.
-- Binds: (none)
SELECT t.code, t.name, t.category, t.steps, t.time_limit_days,
       t.lead_department AS lead_code, lead.name AS lead_name,
       coalesce((SELECT jsonb_agg(jsonb_build_object('code', c.code, 'name', dep.name)
                                  ORDER BY c.i)
                   FROM unnest(t.cooperating_departments) WITH ORDINALITY AS c(code, i)
                   JOIN department dep ON dep.code = c.code), '[]'::jsonb) AS cooperating
FROM dispute_type t
JOIN department lead ON lead.code = t.lead_department
ORDER BY t.code
