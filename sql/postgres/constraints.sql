-- Primary keys (p), unique (u), foreign keys (f) and checks (c) with their columns in key order;
-- a foreign key's ON DELETE / ON UPDATE actions as pg_constraint codes (a, r, c, n, d), and
-- when it is checked (DEFERRABLE …).
SELECT c.relname  AS table_name,
       con.conname AS constraint_name,
       con.contype AS constraint_type,
       ARRAY(SELECT a.attname
             FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
             ORDER BY k.ord)::text[] AS columns,
       rc.relname AS ref_table,
       rn.nspname AS ref_schema,
       ARRAY(SELECT a.attname
             FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
             ORDER BY k.ord)::text[] AS ref_columns,
       pg_get_constraintdef(con.oid) AS definition,
       con.confdeltype AS on_delete,
       con.confupdtype AS on_update,
       CASE WHEN NOT con.condeferrable THEN 'NOT DEFERRABLE'
            WHEN con.condeferred THEN 'DEFERRABLE INITIALLY DEFERRED'
            ELSE 'DEFERRABLE INITIALLY IMMEDIATE' END AS timing
FROM pg_constraint con
JOIN pg_class c      ON c.oid = con.conrelid
JOIN pg_namespace n  ON n.oid = c.relnamespace
LEFT JOIN pg_class rc     ON rc.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE n.nspname = %(schema)s
  AND con.contype IN ('p', 'u', 'f', 'c')
ORDER BY c.relname, con.conname
