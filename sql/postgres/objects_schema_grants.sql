-- With --grants: the privileges granted on the copied schema itself (USAGE, CREATE), as
-- statements naming the schema bare, which the writer renames to the target schema. The
-- owner's own are left out (the target schema has its own owner). Rows: grantee, privilege,
-- the statement.
SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END AS grantee,
       a.privilege_type,
       format('GRANT %%s ON SCHEMA %%I TO %%s%%s', a.privilege_type, n.nspname,
              CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END,
              CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END) AS definition
FROM pg_namespace n
CROSS JOIN LATERAL aclexplode(n.nspacl) AS a
WHERE n.nspname = %(schema)s AND a.grantee <> n.nspowner
ORDER BY 1, 2
