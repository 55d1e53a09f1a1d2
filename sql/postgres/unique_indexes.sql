-- Unique indexes that are not constraints (CREATE UNIQUE INDEX): plain columns only, not
-- partial, not on expressions. A foreign key may reference them, so they count as UNIQUE.
SELECT c.relname AS table_name,
       i.relname AS index_name,
       ARRAY(SELECT a.attname
             FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
             ORDER BY k.ord)::text[] AS columns
FROM pg_index x
JOIN pg_class c     ON c.oid = x.indrelid
JOIN pg_class i     ON i.oid = x.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s
  AND x.indisunique AND NOT x.indisprimary
  AND x.indexprs IS NULL AND x.indpred IS NULL
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con
                  WHERE con.conindid = x.indexrelid AND con.contype IN ('p', 'u', 'x'))
ORDER BY c.relname, i.relname
