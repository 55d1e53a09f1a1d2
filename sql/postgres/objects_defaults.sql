-- Column defaults drawing from a sequence of the schema (Pagila's
-- `DEFAULT nextval('actor_actor_id_seq')` with no OWNED BY, one sequence may feed several
-- tables; a serial column's, the sequence OWNED BY it): set after the load, once the
-- sequence exists, and the sequence moved past the column's loaded values.
-- Partitions take their partitioned table's default. Run with search_path = pg_catalog,
-- so every name is qualified.
SELECT c.relname AS table_name,
       a.attname AS column_name,
       s.relname AS sequence_name,
       format('ALTER TABLE %%I.%%I ALTER COLUMN %%I SET DEFAULT %%s', n.nspname, c.relname,
              a.attname, pg_get_expr(ad.adbin, ad.adrelid))
       || format('; SELECT setval(%%1$L, greatest(nextval(%%1$L), (SELECT max(%%2$I) + 1 FROM %%3$I.%%4$I)), false)',
                 quote_ident(n.nspname) || '.' || quote_ident(s.relname), a.attname,
                 n.nspname, c.relname) AS definition
FROM pg_attrdef ad
JOIN pg_class c      ON c.oid = ad.adrelid
JOIN pg_namespace n  ON n.oid = c.relnamespace
JOIN pg_attribute a  ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
JOIN pg_depend d     ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid
                    AND d.refclassid = 'pg_class'::regclass
JOIN pg_class s      ON s.oid = d.refobjid AND s.relkind = 'S' AND s.relnamespace = n.oid
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_depend o  -- (an identity's sequence: made with it)
                  WHERE o.classid = 'pg_class'::regclass AND o.objid = s.oid
                    AND o.refclassid = 'pg_class'::regclass AND o.deptype = 'i')
ORDER BY 1, 2
