-- EXCLUDE constraints of one schema's tables (EXCLUDE USING gist (room WITH =, during WITH &&)):
-- not copied, since the rows are not generated to hold them; named in a warning.
SELECT c.relname AS table_name, k.conname AS constraint_name, pg_get_constraintdef(k.oid) AS definition
FROM pg_constraint k
JOIN pg_class c     ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND k.contype = 'x' AND NOT c.relispartition
ORDER BY 1, 2
