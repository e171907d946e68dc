-- Building chiefs (楼栋长) from zz_chief, their building found by code.
-- Returns: nothing (rowcount = chiefs inserted).
-- Binds: none
INSERT INTO building_chief (building_id, district_code, name, phone)
SELECT b.id, b.district_code, s.name, s.phone
FROM zz_chief s JOIN building b ON b.code = s.building_code
