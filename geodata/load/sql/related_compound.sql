-- Compounds from zz_compound, the district from their community.
-- Returns: nothing (rowcount = compounds inserted).
-- Binds: none
INSERT INTO compound (name, community_code, district_code, party_branch,
                      owners_committee, property_company, fee_collection_rate, geom)
SELECT s.name, s.community_code, a.district_code, s.party_branch,
       s.owners_committee, s.property_company, round(s.fee_collection_rate::numeric, 3),
       ST_Multi(ST_SetSRID(s.geom, 4326))
FROM zz_compound s JOIN admin_area a ON a.code = s.community_code
