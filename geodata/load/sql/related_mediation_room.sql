-- Mediation rooms from zz_room, for areas that exist; the district is the code's first 6 digits.
-- Returns: nothing (rowcount = rooms inserted).
-- Binds: none
INSERT INTO mediation_room (name, kind, area_code, district_code, legal_volunteers, trainings,
                            consultations, geom)
SELECT s.name, s.kind, s.area_code, left(s.area_code, 6), s.legal_volunteers, s.trainings,
       s.consultations, ST_SetSRID(s.geom, 4326)
FROM zz_room s JOIN admin_area a ON a.code = s.area_code
