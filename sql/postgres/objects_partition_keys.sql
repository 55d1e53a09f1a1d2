-- Foreign keys declared on a partition itself (not one its parent declares, which every
-- partition inherits), as ALTER TABLE … ADD CONSTRAINT, with what generation needs to keep
-- them: columns, the referenced table (of this schema) and columns, the actions.
-- Run with search_path = pg_catalog, so every name is qualified.
SELECT c.relname AS partition_name,
       con.conname AS constraint_name,
       format('ALTER TABLE %%I.%%I ADD CONSTRAINT %%I %%s', n.nspname, c.relname, con.conname,
              pg_get_constraintdef(con.oid)) AS definition,
       ARRAY(SELECT a.attname
             FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
             ORDER BY k.ord)::text[] AS columns,
       rc.relname AS ref_table,
       ARRAY(SELECT a.attname
             FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
             ORDER BY k.ord)::text[] AS ref_columns,
       con.confdeltype AS on_delete,
       con.confupdtype AS on_update
FROM pg_constraint con
JOIN pg_class c      ON c.oid = con.conrelid
JOIN pg_namespace n  ON n.oid = c.relnamespace
JOIN pg_class rc     ON rc.oid = con.confrelid
JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE n.nspname = %(schema)s AND rn.nspname = %(schema)s AND c.relispartition
  AND con.contype = 'f' AND con.conparentid = 0
ORDER BY c.relname, con.conname
