-- Building chiefs (楼栋长) and unit chiefs (单元长) from zz_chief, their building found by code.
-- Returns: nothing (rowcount = chiefs inserted).
-- Binds: none
INSERT INTO building_chief (building_id, district_code, name, phone, kind, unit_no)
SELECT b.id, b.district_code, s.name, s.phone, coalesce(s.kind, 'building'), s.unit_no
FROM zz_chief s JOIN building b ON b.code = s.building_code
