-- DDL to drop and re-create the unique constraints of one table that no foreign key references.
-- Returns: rows (DROP CONSTRAINT statement, ADD CONSTRAINT statement).
-- Binds: :t (the table's name)
SELECT format('ALTER TABLE %I DROP CONSTRAINT %I', CAST(:t AS text), c.conname),
       format('ALTER TABLE %I ADD CONSTRAINT %I %s', CAST(:t AS text), c.conname,
              pg_get_constraintdef(c.oid))
FROM pg_constraint c WHERE c.conrelid = CAST(:t AS regclass) AND c.contype = 'u'
AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f'
                AND f.conindid = c.conindid)
