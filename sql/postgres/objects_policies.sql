-- Row-level security of the tables of one schema: each table's ENABLE (and FORCE) ROW LEVEL
-- SECURITY, and its policies as CREATE POLICY (roles by name: PUBLIC, or roles that must
-- exist on the target's server).
SELECT c.relname AS table_name,
       NULL::text AS policy_name,
       format('ALTER TABLE %%I.%%I ENABLE ROW LEVEL SECURITY', n.nspname, c.relname)
       || CASE WHEN c.relforcerowsecurity
               THEN format('; ALTER TABLE %%I.%%I FORCE ROW LEVEL SECURITY', n.nspname, c.relname)
               ELSE '' END AS definition
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND c.relrowsecurity
  AND NOT c.relispartition
UNION ALL
SELECT c.relname, p.polname,
       format('CREATE POLICY %%I ON %%I.%%I AS %%s FOR %%s TO %%s', p.polname, n.nspname, c.relname,
              CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,
              CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                            WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
              (SELECT string_agg(CASE WHEN r = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r)) END,
                                 ', ')
               FROM unnest(p.polroles) AS r))
       || coalesce(' USING (' || pg_get_expr(p.polqual, p.polrelid) || ')', '')
       || coalesce(' WITH CHECK (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')', '')
FROM pg_policy p
JOIN pg_class c     ON c.oid = p.polrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND NOT c.relispartition
ORDER BY 1, 2 NULLS FIRST
