-- Domains of one schema, and those its columns use wherever they are defined (AdventureWorks
-- keeps "Name" and "Flag" in public for tables in person and sales), with their default,
-- NOT NULL and CHECKs, as a CREATE DOMAIN in that schema: they are mirrored into the
-- target's, like enums. Run with search_path = pg_catalog, so every name is qualified.
SELECT t.typname AS domain_name,
       format('CREATE DOMAIN %%I.%%I AS %%s', %(schema)s::text, t.typname, format_type(t.typbasetype, t.typtypmod))
       || CASE WHEN t.typdefault IS NOT NULL THEN ' DEFAULT ' || t.typdefault ELSE '' END
       || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END
       || coalesce((SELECT string_agg(' CONSTRAINT ' || quote_ident(k.conname) || ' '
                                      || pg_get_constraintdef(k.oid), '' ORDER BY k.conname)
                    FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c'), '')
       AS definition
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'd'
  AND (n.nspname = %(schema)s OR t.oid IN (
      SELECT a.atttypid FROM pg_attribute a
      JOIN pg_class c      ON c.oid = a.attrelid
      JOIN pg_namespace cn ON cn.oid = c.relnamespace
      WHERE cn.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND a.attnum > 0
        AND NOT a.attisdropped))
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                  AND d.objid = t.oid AND d.deptype = 'e')
ORDER BY t.typname
