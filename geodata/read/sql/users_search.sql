-- Users for the administrator's list, filtered, with their jurisdiction's name and their
-- last sign-in (the newest auth.login row, one probe of ix_audit_log_user_action each).
-- Returns: at most :limit rows (username, display_name, role, area_code, area_name,
-- department_code, department_name, active, created_at, last_sign_in, total), by user name;
-- total is the count of every matching user.
-- Binds: :role, :area (an area code: users bound inside it), :text (in the user name or the
-- display name, any case), :limit
SELECT u.username, u.display_name, u.role, u.area_code,
       coalesce(a.name, g.name) AS area_name,
       u.department_code, d.name AS department_name, u.active, u.created_at,
       (SELECT max(l.at) FROM audit_log l
         WHERE l.user_name = u.username AND l.action = 'auth.login') AS last_sign_in,
       count(*) OVER () AS total
FROM app_user u
LEFT JOIN admin_area a ON a.code = u.area_code
LEFT JOIN grid g ON g.code = u.area_code
LEFT JOIN department d ON d.code = u.department_code
WHERE (CAST(:role AS text) IS NULL OR u.role = :role)
  AND (CAST(:area AS text) IS NULL OR starts_with(u.area_code, :area))
  AND (CAST(:text AS text) IS NULL
       OR strpos(lower(u.username), lower(:text)) > 0
       OR strpos(lower(u.display_name), lower(:text)) > 0)
ORDER BY u.username
LIMIT :limit
