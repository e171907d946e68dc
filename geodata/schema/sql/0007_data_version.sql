-- Data versions driven by writes: run by migration 0007, one statement after each marker line.
-- Every INSERT, UPDATE, DELETE, COPY or TRUNCATE on a table bumps its family's version in the
-- same transaction (statement triggers), so a cached value keyed by the version is stale
-- exactly when the data it was built from has changed, whoever wrote it.

-- statement
-- One sequence for all families, started at a random point: a version value is never reused,
-- not across families and not by a database dropped and created again under the same name.
CREATE SEQUENCE IF NOT EXISTS data_version_seq

-- statement
SELECT setval('data_version_seq', 1 + floor(random() * 1e12)::bigint)

-- statement
CREATE TABLE IF NOT EXISTS data_version (
    family text PRIMARY KEY,
    version bigint NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
)

-- statement
INSERT INTO data_version (family, version)
SELECT f, nextval('data_version_seq')
FROM unnest(ARRAY['areas', 'people', 'disputes', 'patrols', 'catalogue']) AS f
ON CONFLICT (family) DO NOTHING

-- statement
-- SECURITY DEFINER: the app's own (non-owner) role may write cases without owning this table.
CREATE OR REPLACE FUNCTION zongzhi_bump_data_version() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    UPDATE data_version
       SET version = nextval('data_version_seq'), changed_at = clock_timestamp()
     WHERE family = TG_ARGV[0];
    RETURN NULL;
END
$$
