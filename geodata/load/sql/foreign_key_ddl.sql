-- DDL to drop and re-create every foreign key of one table, from the catalogue.
-- Returns: rows (DROP CONSTRAINT statement, ADD CONSTRAINT statement).
-- Binds: :t (the table's name)
SELECT format('ALTER TABLE %I DROP CONSTRAINT %I', CAST(:t AS text), conname),
       format('ALTER TABLE %I ADD CONSTRAINT %I %s', CAST(:t AS text), conname, pg_get_constraintdef(oid))
FROM pg_constraint WHERE conrelid = CAST(:t AS regclass) AND contype = 'f'
