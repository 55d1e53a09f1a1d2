-- With --grants: who owns the relations and functions of one schema (where it is not the
-- role dbsynth reads as, whose objects the copy's role owns anyway), and the privileges
-- granted on its functions and procedures (the owner's own come with the function; where
-- PUBLIC's default EXECUTE was revoked, it is revoked too), as statements. Rows: the object as dependencies name it
-- (a relation's name, a function's signature), a label, the statement.
-- Run with search_path = pg_catalog, so every name is qualified.
SELECT c.relname AS object,
       c.relname || ' owned by ' || pg_get_userbyid(c.relowner) AS label,
       format('ALTER %%s %%I.%%I OWNER TO %%I',
              CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                             WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
              n.nspname, c.relname, pg_get_userbyid(c.relowner)) AS definition
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND NOT c.relispartition
  AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype IN ('e', 'i', 'a'))
UNION ALL
SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
       p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') owned by '
           || pg_get_userbyid(p.proowner),
       format('ALTER %%s %%s OWNER TO %%I',
              CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
              p.oid::regprocedure, pg_get_userbyid(p.proowner))
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = %(schema)s
  AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
       p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') to '
           || CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END
           || ': ' || a.privilege_type,
       format('GRANT %%s ON %%s %%s TO %%s%%s', a.privilege_type,
              CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, p.oid::regprocedure,
              CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END,
              CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
CROSS JOIN LATERAL aclexplode(p.proacl) AS a
WHERE n.nspname = %(schema)s AND a.grantee <> p.proowner
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
       p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') from PUBLIC: EXECUTE',
       format('REVOKE EXECUTE ON %%s %%s FROM PUBLIC',
              CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, p.oid::regprocedure)
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = %(schema)s AND p.proacl IS NOT NULL AND p.prokind IN ('f', 'p')
  AND NOT EXISTS (SELECT 1 FROM aclexplode(p.proacl) AS a WHERE a.grantee = 0)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY 1, 2
