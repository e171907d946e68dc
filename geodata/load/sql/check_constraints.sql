-- The CHECK constraints of one table, as the catalogue has them.
-- Returns: rows (name, expression, the columns it involves text[] by attnum), by name.
-- Binds: :t (the table's name)
SELECT c.conname, pg_get_expr(c.conbin, c.conrelid),
       ARRAY(SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.conrelid
             AND a.attnum = ANY(c.conkey) ORDER BY a.attnum)
FROM pg_constraint c WHERE c.conrelid = CAST(:t AS regclass) AND c.contype = 'c'
ORDER BY c.conname
