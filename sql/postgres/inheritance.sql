-- Table inheritance (CREATE TABLE child (…) INHERITS (parent)), not partitioning: each
-- ordinary table of one schema with children (SELECT * FROM it returns theirs too, so its
-- own rows are read FROM ONLY it), and, for a child in the same schema, the link as an
-- ALTER TABLE … INHERIT, which a copy replays once both tables hold their rows.
-- Run with search_path = pg_catalog, so every name is qualified.
SELECT p.relname AS parent_name,
       CASE WHEN cn.nspname = pn.nspname THEN c.relname END AS child_name,
       CASE WHEN cn.nspname = pn.nspname
            THEN format('ALTER TABLE %%I.%%I INHERIT %%I.%%I', cn.nspname, c.relname,
                        pn.nspname, p.relname) END AS definition
FROM pg_inherits i
JOIN pg_class p      ON p.oid = i.inhparent
JOIN pg_namespace pn ON pn.oid = p.relnamespace
JOIN pg_class c      ON c.oid = i.inhrelid
JOIN pg_namespace cn ON cn.oid = c.relnamespace
WHERE pn.nspname = %(schema)s AND p.relkind = 'r' AND NOT c.relispartition
ORDER BY 1, 2
