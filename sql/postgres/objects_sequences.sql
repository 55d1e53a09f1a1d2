-- Sequences of one schema that are not an identity's (dbsynth makes those with the column),
-- a serial column's too, with OWNED BY when a column owns one (then also moved past the
-- column's loaded values: they are created after the load, the serial's default with them); they continue from the
-- source's position (pg_sequences.last_value: NULL until the first nextval, or unreadable).
SELECT s.relname AS sequence_name,
       oc.relname AS owner_table,
       format('CREATE SEQUENCE IF NOT EXISTS %%I.%%I AS %%s INCREMENT BY %%s MINVALUE %%s MAXVALUE %%s START WITH %%s CACHE %%s%%s',
              n.nspname, s.relname, format_type(q.seqtypid, NULL), q.seqincrement, q.seqmin,
              q.seqmax, coalesce(v.last_value + q.seqincrement, q.seqstart),
              q.seqcache, CASE WHEN q.seqcycle THEN ' CYCLE' ELSE '' END)
       || CASE WHEN oc.relname IS NOT NULL
               THEN format(' OWNED BY %%I.%%I.%%I', n.nspname, oc.relname, oa.attname)
                    -- created after the load: continue past the loaded values too
                    || format('; SELECT setval(%%L, greatest(%%s, (SELECT max(%%I) + 1 FROM %%I.%%I)), false)',
                              quote_ident(n.nspname) || '.' || quote_ident(s.relname),
                              coalesce(v.last_value + q.seqincrement, q.seqstart),
                              oa.attname, n.nspname, oc.relname)
               ELSE '' END
       AS definition
FROM pg_class s
JOIN pg_namespace n  ON n.oid = s.relnamespace
JOIN pg_sequence q   ON q.seqrelid = s.oid
LEFT JOIN pg_sequences v ON v.schemaname = n.nspname AND v.sequencename = s.relname
LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid
                     AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
LEFT JOIN pg_class oc ON oc.oid = d.refobjid
LEFT JOIN pg_attribute oa ON oa.attrelid = d.refobjid AND oa.attnum = d.refobjsubid
LEFT JOIN pg_attrdef ad ON ad.adrelid = d.refobjid AND ad.adnum = d.refobjsubid
WHERE n.nspname = %(schema)s AND s.relkind = 'S'
  AND coalesce(d.deptype, '') <> 'i'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass
                  AND e.objid = s.oid AND e.deptype = 'e')
ORDER BY s.relname
