-- Comments on the tables, views and materialized views of one schema and on their columns.
SELECT CASE WHEN d.objsubid = 0 THEN c.relname ELSE c.relname || '.' || a.attname END AS target,
       c.relname AS relation,
       format('COMMENT ON %%s %%I.%%I%%s IS %%L',
              CASE WHEN d.objsubid <> 0 THEN 'COLUMN'
                   WHEN c.relkind = 'v' THEN 'VIEW'
                   WHEN c.relkind = 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
              n.nspname, c.relname,
              CASE WHEN d.objsubid = 0 THEN '' ELSE '.' || quote_ident(a.attname) END,
              d.description) AS definition
FROM pg_description d
JOIN pg_class c      ON d.classoid = 'pg_class'::regclass AND c.oid = d.objoid
JOIN pg_namespace n  ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p', 'v', 'm') AND NOT c.relispartition
  AND (d.objsubid = 0 OR a.attname IS NOT NULL)
ORDER BY 1
