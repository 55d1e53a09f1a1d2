-- Composite types of one schema (CREATE TYPE … AS (…); not a table's row type), with the
-- types of this schema their attributes use (other composites, domains), so they are made
-- first. Run with search_path = pg_catalog, so every attribute type is qualified.
SELECT t.typname AS type_name,
       format('CREATE TYPE %%I.%%I AS (%%s)', n.nspname, t.typname,
              string_agg(format('%%I %%s', a.attname, format_type(a.atttypid, a.atttypmod))
                         || CASE WHEN a.attcollation <> 0 AND a.attcollation <> at.typcollation
                                 THEN ' COLLATE ' || a.attcollation::regcollation::text ELSE '' END,
                         ', ' ORDER BY a.attnum)) AS definition,
       coalesce(array_agg(DISTINCT at.typname) FILTER (WHERE at.typnamespace = n.oid
                                                       AND at.typtype IN ('c', 'd')),
                '{}') AS depends_on
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type at ON at.oid = a.atttypid
WHERE n.nspname = %(schema)s AND t.typtype = 'c'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                  AND d.objid = t.oid AND d.deptype = 'e')
GROUP BY n.oid, n.nspname, t.oid, t.typname
ORDER BY t.typname
