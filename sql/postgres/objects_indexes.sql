-- Indexes dbsynth does not already write as keys: non-unique, partial, expression, GIN/GiST/
-- BRIN, INCLUDE (unique indexes on plain columns are written as UNIQUE; constraint indexes
-- with their constraint; a materialized view's and a partition's own are all here: they
-- have no keys of dbsynth's). Tables, partitioned tables, their partitions and
-- materialized views of one schema.
-- Run with search_path = pg_catalog, so pg_get_indexdef qualifies every name.
SELECT i.relname                    AS index_name,
       c.relname                    AS table_name,
       CASE WHEN c.relkind = 'p'  -- a partitioned table's: on every partition, not ONLY
            THEN regexp_replace(pg_get_indexdef(x.indexrelid), ' ON ONLY ', ' ON ')
            ELSE pg_get_indexdef(x.indexrelid) END AS definition
FROM pg_index x
JOIN pg_class i     ON i.oid = x.indexrelid
JOIN pg_class c     ON c.oid = x.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s
  AND c.relkind IN ('r', 'p', 'm')
  -- a partition's own indexes, not those its parent's index made on it
  AND (NOT c.relispartition
       OR NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = x.indexrelid))
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
  AND NOT (x.indisunique AND x.indexprs IS NULL AND x.indpred IS NULL
           AND c.relkind <> 'm' AND NOT c.relispartition)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY i.relname
