-- Privileges granted on the tables, views, materialized views and sequences of one schema
-- (all of them, or those named in %(tables)s), as GRANT statements; the owner's own are left
-- out (they come with ownership). Grantees by name: PUBLIC, or roles of the server.
SELECT c.relname AS relation,
       CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END AS grantee,
       format('GRANT %%s ON %%s %%I.%%I TO %%s%%s', a.privilege_type,
              CASE WHEN c.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, n.nspname, c.relname,
              CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END,
              CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END) AS definition
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL aclexplode(c.relacl) AS a
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND NOT c.relispartition
  AND a.grantee <> c.relowner
  AND (%(tables)s::text[] IS NULL OR c.relname = ANY(%(tables)s::text[]))
ORDER BY 1, 2, 3
