-- Columns of every ordinary/partitioned table in one schema, in ordinal order.
-- Domains are resolved to their base type (a NOT NULL domain makes the column NOT NULL);
-- arrays report their element type.
SELECT c.relname                                   AS table_name,
       a.attname                                   AS column_name,
       format_type(a.atttypid, a.atttypmod)        AS formatted_type,
       t.typtype                                   AS type_kind,
       t.typname                                   AS type_name,
       CASE WHEN t.typtype = 'd' THEN t.typname END AS domain_name,
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS domain_base,
       bt.typtype                                  AS domain_base_kind,
       bt.typname                                  AS domain_base_name,
       et.typtype                                  AS element_kind,
       et.typname                                  AS element_name,
       NOT (a.attnotnull OR coalesce(t.typnotnull, false)) AS nullable,  -- a NOT NULL domain too
       pg_get_expr(d.adbin, d.adrelid)             AS column_default,
       a.attidentity                               AS identity,
       a.attgenerated                              AS generated
FROM pg_attribute a
JOIN pg_class c       ON c.oid = a.attrelid
JOIN pg_namespace n   ON n.oid = c.relnamespace
JOIN pg_type t        ON t.oid = a.atttypid
LEFT JOIN pg_type bt  ON t.typtype = 'd' AND bt.oid = t.typbasetype
LEFT JOIN pg_type et  ON et.oid = t.typelem AND t.typcategory = 'A'
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = %(schema)s
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND a.attnum > 0
  AND NOT a.attisdropped
ORDER BY c.relname, a.attnum
