-- CHECK and UNIQUE constraints declared on a partition itself (not inherited from its parent:
-- a CHECK with no inheritance count, a UNIQUE with no parent constraint), as ALTER TABLE …
-- ADD CONSTRAINT, with what generation needs to keep them: the kind, the columns, the
-- condition, and the partition's bounds as a condition on its parent's rows (NULL for a
-- lone default partition: every row).
-- Run with search_path = pg_catalog for the definition (every name qualified).
SELECT c.relname AS partition_name,
       con.conname AS constraint_name,
       con.contype AS constraint_type,
       format('ALTER TABLE %%I.%%I ADD CONSTRAINT %%I %%s', n.nspname, c.relname, con.conname,
              pg_get_constraintdef(con.oid)) AS definition,
       ARRAY(SELECT a.attname
             FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
             ORDER BY k.ord)::text[] AS columns,
       pg_get_constraintdef(con.oid) AS condition,
       pg_get_partition_constraintdef(c.oid) AS bounds
FROM pg_constraint con
JOIN pg_class c      ON c.oid = con.conrelid
JOIN pg_namespace n  ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relispartition
  AND ((con.contype = 'c' AND con.coninhcount = 0)
       OR (con.contype = 'u' AND con.conparentid = 0))
ORDER BY c.relname, con.conname
