-- 微治理 per child area of one area: grid workers, building and unit chiefs, compounds with their
-- party branches, 党小组 and 业委会/物管会, fee collection (and 赛罕区's before/after), 金牌调解室
-- activity and resolved cases, and building chiefs' reports with those settled in the building
-- (domain.governance). People and cases count only what row-level security lets the caller see.
-- Rooms sit at a township or district: a community-level row has none. ``:prefix`` is ''
-- for the city (district codes do not start with the city's).
-- Returns: rows (code, name, grid_workers, building_chiefs, unit_chiefs, compounds,
--          party_branches, party_groups, committees, party_led, fee_rate, fee_changed,
--          fee_before, fee_after, gold_rooms, legal_volunteers, trainings, consultations,
--          gold_resolved, chief_reports, chief_closed, chief_settled)
-- Binds: :parent, :prefix, :len, :gold, :chief, :assignees, :settling
WITH child AS (
    SELECT a.code, a.name FROM admin_area a WHERE a.parent_code = :parent
), workers AS (
    SELECT left(w.grid_code, :len) AS code, count(*) AS n
    FROM grid_worker w WHERE w.grid_code LIKE :prefix || '%' GROUP BY 1
), chiefs AS (
    SELECT left(b.grid_code, :len) AS code,
           count(*) FILTER (WHERE c.kind = 'building') AS building,
           count(*) FILTER (WHERE c.kind = 'unit') AS unit
    FROM building_chief c JOIN building b ON b.id = c.building_id
    WHERE b.grid_code LIKE :prefix || '%' GROUP BY 1
), compounds AS (
    SELECT left(p.community_code, :len) AS code, count(*) AS n,
           count(*) FILTER (WHERE p.party_branch) AS branches,
           sum(p.party_groups) AS groups,
           count(*) FILTER (WHERE p.owners_committee) AS committees,
           count(*) FILTER (WHERE p.committee_party_led) AS party_led,
           avg(p.fee_collection_rate) AS fee_rate,
           count(p.fee_collection_rate_before) AS fee_changed,
           avg(p.fee_collection_rate_before) AS fee_before,
           avg(p.fee_collection_rate) FILTER (WHERE p.fee_collection_rate_before IS NOT NULL)
               AS fee_after
    FROM compound p WHERE p.community_code LIKE :prefix || '%' GROUP BY 1
), rooms AS (
    SELECT left(r.area_code, :len) AS code, count(*) AS n,
           sum(r.legal_volunteers) AS volunteers, sum(r.trainings) AS trainings,
           sum(r.consultations) AS consultations
    FROM mediation_room r
    WHERE r.kind = :gold AND r.area_code LIKE :prefix || '%' AND length(r.area_code) >= :len
    GROUP BY 1
), resolved AS (
    SELECT left(r.area_code, :len) AS code, count(*) AS n
    FROM dispute d JOIN mediation_room r ON r.id = d.mediation_room_id
    WHERE r.kind = :gold AND r.area_code LIKE :prefix || '%' AND length(r.area_code) >= :len
      AND d.outcome_code = ANY(CAST(:settling AS text[]))
    GROUP BY 1
), reports AS (
    SELECT left(d.grid_code, :len) AS code, count(*) AS n,
           count(*) FILTER (WHERE d.outcome_code IS NOT NULL) AS closed,
           count(*) FILTER (WHERE d.assignee_kind = ANY(CAST(:assignees AS text[]))
                            AND d.outcome_code = ANY(CAST(:settling AS text[]))) AS settled
    FROM dispute d
    WHERE d.source = :chief AND d.grid_code LIKE :prefix || '%'
    GROUP BY 1
)
SELECT c.code, c.name,
       coalesce(w.n, 0) AS grid_workers,
       coalesce(ch.building, 0) AS building_chiefs, coalesce(ch.unit, 0) AS unit_chiefs,
       coalesce(p.n, 0) AS compounds, coalesce(p.branches, 0) AS party_branches,
       coalesce(p.groups, 0) AS party_groups, coalesce(p.committees, 0) AS committees,
       coalesce(p.party_led, 0) AS party_led, p.fee_rate, coalesce(p.fee_changed, 0) AS fee_changed,
       p.fee_before, p.fee_after,
       coalesce(r.n, 0) AS gold_rooms, coalesce(r.volunteers, 0) AS legal_volunteers,
       coalesce(r.trainings, 0) AS trainings, coalesce(r.consultations, 0) AS consultations,
       coalesce(rs.n, 0) AS gold_resolved,
       coalesce(rp.n, 0) AS chief_reports, coalesce(rp.closed, 0) AS chief_closed,
       coalesce(rp.settled, 0) AS chief_settled
FROM child c
LEFT JOIN workers w ON w.code = c.code
LEFT JOIN chiefs ch ON ch.code = c.code
LEFT JOIN compounds p ON p.code = c.code
LEFT JOIN rooms r ON r.code = c.code
LEFT JOIN resolved rs ON rs.code = c.code
LEFT JOIN reports rp ON rp.code = c.code
ORDER BY c.code
