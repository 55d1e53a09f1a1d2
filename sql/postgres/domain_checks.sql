-- The CHECKs of the domains the columns of one schema are declared with: a CHECK on the
-- column (VALUE read as the column), which the rows are generated to hold, and which an
-- engine without domains declares on the table instead.
SELECT c.relname AS table_name, a.attname AS column_name, k.conname AS check_name,
       pg_get_constraintdef(k.oid) AS definition
FROM pg_attribute a
JOIN pg_class c      ON c.oid = a.attrelid
JOIN pg_namespace n  ON n.oid = c.relnamespace
JOIN pg_constraint k ON k.contypid = a.atttypid AND k.contype = 'c'
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY 1, a.attnum, 3
