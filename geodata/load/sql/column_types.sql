-- The columns of one table with their type and, for varchar(n), the length n.
-- Returns: rows (name, type name, length or NULL).
-- Binds: :t (the table's name)
SELECT attname, format_type(atttypid, NULL),
       CASE WHEN atttypid = 'varchar'::regtype AND atttypmod > 4
       THEN atttypmod - 4 END
FROM pg_attribute WHERE attrelid = CAST(:t AS regclass)
AND attnum > 0 AND NOT attisdropped
