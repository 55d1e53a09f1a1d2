-- Views and materialized views of one schema with what they read: relations (by name;
-- another schema's as schema.name, which no selection holds) and functions of the schema
-- (by signature; an extension's by the extension's name). pg_catalog's are not listed.
-- Run with search_path = pg_catalog, so pg_get_viewdef qualifies every name.
SELECT c.relname                               AS view_name,
       c.relkind = 'm'                         AS materialized,
       pg_get_viewdef(c.oid)                   AS query,
       coalesce(array_to_string(c.reloptions, ', '), '') AS options,
       ARRAY(
           SELECT DISTINCT CASE WHEN rn.nspname = n.nspname THEN rc.relname
                                ELSE rn.nspname || '.' || rc.relname END
           FROM pg_rewrite r
           JOIN pg_depend d     ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                               AND d.refclassid = 'pg_class'::regclass
           JOIN pg_class rc     ON rc.oid = d.refobjid
           JOIN pg_namespace rn ON rn.oid = rc.relnamespace
           WHERE r.ev_class = c.oid AND rc.oid <> c.oid
           UNION
           SELECT DISTINCT coalesce(e.extname,
                                    CASE WHEN pn.nspname = n.nspname THEN '' ELSE pn.nspname || '.' END
                                    || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')')
           FROM pg_rewrite r
           JOIN pg_depend d     ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                               AND d.refclassid = 'pg_proc'::regclass
           JOIN pg_proc p       ON p.oid = d.refobjid
           JOIN pg_namespace pn ON pn.oid = p.pronamespace
           LEFT JOIN pg_depend ed ON ed.classid = 'pg_proc'::regclass AND ed.objid = p.oid
                                 AND ed.deptype = 'e'
           LEFT JOIN pg_extension e ON e.oid = ed.refobjid
           WHERE r.ev_class = c.oid AND pn.nspname NOT IN ('pg_catalog', 'information_schema')
       )::text[]                               AS depends_on
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s
  AND c.relkind IN ('v', 'm')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY c.relname
