-- Unique indexes on expressions (lower(email)) or over some rows (WHERE deleted_at IS NULL):
-- mirrored with the schema objects, and the rows must hold them, so their key parts are read
-- one by one (a column's name, or an expression's text). Tables and partitioned tables.
SELECT c.relname AS table_name,
       i.relname AS index_name,
       ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true)
             FROM generate_series(1, x.indnkeyatts) AS k ORDER BY k)::text[] AS parts,
       pg_get_expr(x.indpred, x.indrelid, true) AS predicate
FROM pg_index x
JOIN pg_class c     ON c.oid = x.indrelid
JOIN pg_class i     ON i.oid = x.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s
  AND c.relkind IN ('r', 'p')
  AND x.indisunique AND NOT x.indisprimary
  AND (x.indexprs IS NOT NULL OR x.indpred IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con
                  WHERE con.conindid = x.indexrelid AND con.contype IN ('p', 'u', 'x'))
ORDER BY c.relname, i.relname
