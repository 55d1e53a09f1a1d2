-- Triggers (not constraint-internal ones) on the tables of one schema, with the function
-- each calls (by signature in this schema; an extension's by its name; pg_catalog's: none).
-- Run with search_path = pg_catalog, so pg_get_triggerdef qualifies every name.
SELECT t.tgname                      AS trigger_name,
       c.relname                     AS table_name,
       pg_get_triggerdef(t.oid)      AS definition,
       CASE WHEN e.extname IS NOT NULL THEN e.extname
            WHEN pn.nspname IN ('pg_catalog', 'information_schema') THEN NULL
            WHEN pn.nspname = n.nspname THEN p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
            ELSE pn.nspname || '.' || p.proname END AS function_name
FROM pg_trigger t
JOIN pg_class c      ON c.oid = t.tgrelid
JOIN pg_namespace n  ON n.oid = c.relnamespace
JOIN pg_proc p       ON p.oid = t.tgfoid
JOIN pg_namespace pn ON pn.oid = p.pronamespace
LEFT JOIN pg_depend ed ON ed.classid = 'pg_proc'::regclass AND ed.objid = p.oid AND ed.deptype = 'e'
LEFT JOIN pg_extension e ON e.oid = ed.refobjid
WHERE n.nspname = %(schema)s AND NOT t.tgisinternal AND c.relkind IN ('r', 'p', 'v')
  AND NOT c.relispartition
ORDER BY c.relname, t.tgname
