-- DDL to drop and re-create the secondary (non-unique, non-primary) indexes of one table.
-- On a partitioned table the catalogue says "ON ONLY": that would re-create an invalid parent
-- index with none on the partitions. Without ONLY it cascades.
-- Returns: rows (DROP INDEX statement, CREATE INDEX statement).
-- Binds: :t (the table's name)
SELECT format('DROP INDEX %I', c.relname),
       replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON ')
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = CAST(:t AS regclass) AND NOT i.indisunique AND NOT i.indisprimary
