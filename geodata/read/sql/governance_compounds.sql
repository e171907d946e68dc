-- The compounds (小区) of one community with their 微治理: party branch and 党小组, 业委会/物管会
-- and whether the branch leads it, property company and fee collection (before/after where the
-- change is recorded), the chiefs of the buildings inside and the building chiefs' reports made
-- there with those settled in the building (domain.governance). People and cases: what
-- row-level security lets the caller see.
-- Returns: rows (id, name, party_branch, party_groups, committee_kind, committee_party_led,
--          property_company, fee_collection_rate, fee_collection_rate_before,
--          fee_rate_changed_year, building_chiefs, unit_chiefs, chief_reports, chief_closed,
--          chief_settled)
-- Binds: :community, :chief, :assignees, :settling
SELECT p.id, p.name, p.party_branch, p.party_groups, p.committee_kind, p.committee_party_led,
       p.property_company, p.fee_collection_rate, p.fee_collection_rate_before,
       p.fee_rate_changed_year,
       coalesce(ch.building, 0) AS building_chiefs, coalesce(ch.unit, 0) AS unit_chiefs,
       coalesce(rp.n, 0) AS chief_reports, coalesce(rp.closed, 0) AS chief_closed,
       coalesce(rp.settled, 0) AS chief_settled
FROM compound p
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE c.kind = 'building') AS building,
           count(*) FILTER (WHERE c.kind = 'unit') AS unit
    FROM building b JOIN building_chief c ON c.building_id = b.id
    WHERE ST_Intersects(b.centroid, p.geom) AND b.grid_code LIKE :community || '%'
) ch ON true
LEFT JOIN LATERAL (
    SELECT count(*) AS n,
           count(*) FILTER (WHERE d.outcome_code IS NOT NULL) AS closed,
           count(*) FILTER (WHERE d.assignee_kind = ANY(CAST(:assignees AS text[]))
                            AND d.outcome_code = ANY(CAST(:settling AS text[]))) AS settled
    FROM dispute d
    WHERE d.source = :chief AND ST_Intersects(d.geom, p.geom)
      AND d.grid_code LIKE :community || '%'
) rp ON true
WHERE p.community_code = :community
ORDER BY p.name, p.id
