-- Domains of one schema with their default, NOT NULL and CHECKs, as a CREATE DOMAIN.
-- Run with search_path = pg_catalog, so every name is qualified.
SELECT t.typname AS domain_name,
       format('CREATE DOMAIN %%I.%%I AS %%s', n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod))
       || CASE WHEN t.typdefault IS NOT NULL THEN ' DEFAULT ' || t.typdefault ELSE '' END
       || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END
       || coalesce((SELECT string_agg(' CONSTRAINT ' || quote_ident(k.conname) || ' '
                                      || pg_get_constraintdef(k.oid), '' ORDER BY k.conname)
                    FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c'), '')
       AS definition
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = %(schema)s AND t.typtype = 'd'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                  AND d.objid = t.oid AND d.deptype = 'e')
ORDER BY t.typname
