-- Row-level security: run by migration 0013, one statement after each marker line.
--
-- The app connects as ``zongzhi_app`` (not superuser, not owner, no BYPASSRLS). Each request's
-- transaction records its caller with set_config('zongzhi.<key>', …, true) (app/context.py):
--   zongzhi.areas       jurisdiction: comma-separated area codes (the city's own code = all)
--   zongzhi.department  a department user's department
--   zongzhi.role, zongzhi.user
--   zongzhi.session     the SHA-256 of the session cookie being looked up (before the caller
--                       is known), zongzhi.signin the user name being signed in.
-- Unset, empty or malformed settings match no row (fail closed). Policies read each setting
-- once per statement: every call below stands inside (SELECT …), which PostgreSQL evaluates
-- once as an init plan, not per row.

-- statement
CREATE OR REPLACE FUNCTION zongzhi_scope_areas() RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, public AS $$
    SELECT CASE WHEN a ~ '^[0-9]{6}([0-9]{3}){0,3}(,[0-9]{6}([0-9]{3}){0,3}){0,31}$'
                THEN string_to_array(a, ',') END
      FROM (SELECT current_setting('zongzhi.areas', true) AS a) s
$$

-- statement
-- Whole city: the scope names the city's own code.
CREATE OR REPLACE FUNCTION zongzhi_scope_city() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, public AS $$
    SELECT EXISTS (SELECT 1 FROM admin_area
                    WHERE level = 'city' AND code = ANY (zongzhi_scope_areas()))
$$

-- statement
-- The scope's codes of one length (district 6, township 9, community 12, grid 15), not the city.
CREATE OR REPLACE FUNCTION zongzhi_scope_level(n integer) RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, public AS $$
    SELECT coalesce(array_agg(c), '{}')
      FROM unnest(zongzhi_scope_areas()) AS c
     WHERE length(c) = n
       AND NOT EXISTS (SELECT 1 FROM admin_area WHERE level = 'city' AND code = c)
$$

-- statement
-- The districts holding the scope's finer codes (a code's first six digits are its district).
CREATE OR REPLACE FUNCTION zongzhi_scope_districts() RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, public AS $$
    SELECT coalesce(array_agg(DISTINCT left(c, 6)), '{}')
      FROM unnest(zongzhi_scope_areas()) AS c
     WHERE length(c) > 6
$$

-- statement
CREATE OR REPLACE FUNCTION zongzhi_scope_setting(name text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, public AS $$
    SELECT nullif(current_setting('zongzhi.' || name, true), '')
$$

-- statement
-- A case's grid and lead department, read past row security: the policies of sub-cases and
-- events ask them of their case (a policy on dispute reading those tables back would recurse).
CREATE OR REPLACE FUNCTION zongzhi_case_grid(case_id bigint) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT grid_code FROM dispute WHERE id = case_id
$$

-- statement
-- Whether department ``dept`` leads, cooperates on or holds a sub-case of the case.
CREATE OR REPLACE FUNCTION zongzhi_department_case(case_id bigint, dept text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT dept IS NOT NULL AND EXISTS (
        SELECT 1 FROM dispute d JOIN dispute_type t ON t.code = d.type_code
         WHERE d.id = case_id
           AND (d.lead_department = dept OR dept = ANY (t.cooperating_departments)
                OR EXISTS (SELECT 1 FROM dispute_sub_case s
                            WHERE s.dispute_id = case_id AND s.department_code = dept)))
$$
