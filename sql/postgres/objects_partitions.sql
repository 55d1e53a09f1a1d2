-- Declarative partitioning of one schema's partitioned tables: each top table's partition
-- key (partition_name NULL), then its partitions at every depth, parents before children,
-- as CREATE TABLE … PARTITION OF … FOR VALUES … (PARTITION BY … for a sub-partitioned one).
-- Run with search_path = pg_catalog, so every name is qualified.
WITH RECURSIVE part AS (
    SELECT i.inhrelid AS oid, top.oid AS top, 1 AS depth
    FROM pg_inherits i
    JOIN pg_class top   ON top.oid = i.inhparent
    JOIN pg_namespace n ON n.oid = top.relnamespace
    WHERE n.nspname = %(schema)s AND top.relkind = 'p' AND NOT top.relispartition
    UNION ALL
    SELECT i.inhrelid, p.top, p.depth + 1
    FROM pg_inherits i JOIN part p ON i.inhparent = p.oid
)
SELECT c.relname AS table_name, NULL::text AS partition_name, 0 AS depth,
       pg_get_partkeydef(c.oid) AS definition
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relkind = 'p' AND NOT c.relispartition
UNION ALL
SELECT top.relname, c.relname, part.depth,
       format('CREATE TABLE %%I.%%I PARTITION OF %%I.%%I %%s', cn.nspname, c.relname,
              pn.nspname, pc.relname, pg_get_expr(c.relpartbound, c.oid))
       || CASE WHEN c.relkind = 'p' THEN ' PARTITION BY ' || pg_get_partkeydef(c.oid) ELSE '' END
FROM part
JOIN pg_class c      ON c.oid = part.oid
JOIN pg_namespace cn ON cn.oid = c.relnamespace
JOIN pg_inherits i   ON i.inhrelid = c.oid
JOIN pg_class pc     ON pc.oid = i.inhparent
JOIN pg_namespace pn ON pn.oid = pc.relnamespace
JOIN pg_class top    ON top.oid = part.top
ORDER BY 1, 3, 2
