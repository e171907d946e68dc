-- Compounds from zz_compound, the district from their community.
-- Returns: nothing (rowcount = compounds inserted).
-- Binds: none
INSERT INTO compound (name, community_code, district_code, party_branch,
                      owners_committee, property_company, fee_collection_rate,
                      party_groups, committee_kind, committee_party_led,
                      fee_collection_rate_before, fee_rate_changed_year, geom)
SELECT s.name, s.community_code, a.district_code, s.party_branch,
       s.owners_committee, s.property_company, round(s.fee_collection_rate::numeric, 3),
       coalesce(s.party_groups, 0), s.committee_kind, coalesce(s.committee_party_led, false),
       round(s.fee_collection_rate_before::numeric, 3), s.fee_rate_changed_year,
       ST_Multi(ST_SetSRID(s.geom, 4326))
FROM zz_compound s JOIN admin_area a ON a.code = s.community_code
