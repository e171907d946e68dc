-- Mediators from zz_mediator, their room found by name.
-- Returns: nothing (rowcount = mediators inserted).
-- Binds: none
INSERT INTO mediator (name, room_id, district_code, specialty)
SELECT s.name, r.id, r.district_code, s.specialty
FROM zz_mediator s JOIN mediation_room r ON r.name = s.room_name
