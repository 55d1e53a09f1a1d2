-- Functions, procedures and simple aggregates (a state function, maybe a final function and
-- an initial value; nothing else) of one schema, not an extension's. Aggregates have no
-- pg_get_functiondef: their CREATE is rendered here. Depends on: domains of the schema in the
-- signature, an aggregate's own functions, and tables whose row type the signature uses.
-- Run with search_path = pg_catalog, so every name is qualified.
SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS signature,
       p.prokind                                              AS kind,
       CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid)
            ELSE format('CREATE OR REPLACE AGGREGATE %%s(%%s) (SFUNC = %%s, STYPE = %%s%%s%%s)',
                        p.oid::regproc, pg_get_function_identity_arguments(p.oid),
                        a.aggtransfn::regproc, format_type(a.aggtranstype, NULL),
                        CASE WHEN a.aggfinalfn <> 0 THEN ', FINALFUNC = ' || a.aggfinalfn::regproc ELSE '' END,
                        CASE WHEN a.agginitval IS NOT NULL THEN ', INITCOND = ' || quote_literal(a.agginitval) ELSE '' END)
       END                                                    AS definition,
       ARRAY(
           SELECT DISTINCT t.typname
           FROM pg_depend d JOIN pg_type t ON t.oid = d.refobjid
           WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
             AND d.refclassid = 'pg_type'::regclass AND t.typtype = 'd' AND t.typnamespace = n.oid
           UNION
           SELECT f.proname || '(' || pg_get_function_identity_arguments(f.oid) || ')'
           FROM pg_proc f
           WHERE f.oid IN (a.aggtransfn, a.aggfinalfn) AND f.pronamespace = n.oid
           UNION  -- a table's (or view's) row type in the signature: RETURNS SETOF customer
           SELECT r.relname
           FROM pg_depend d JOIN pg_type t ON t.oid = d.refobjid JOIN pg_class r ON r.oid = t.typrelid
           WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
             AND d.refclassid = 'pg_type'::regclass AND r.relnamespace = n.oid
             AND r.relkind IN ('r', 'p', 'v', 'm')
       )::text[]                                              AS depends_on
FROM pg_proc p
JOIN pg_namespace n     ON n.oid = p.pronamespace
LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid
WHERE n.nspname = %(schema)s
  AND (p.prokind IN ('f', 'p')
       OR (p.prokind = 'a' AND a.aggkind = 'n' AND a.aggcombinefn = 0 AND a.aggmtransfn = 0
           AND a.aggserialfn = 0 AND a.aggsortop = 0 AND a.aggtransspace = 0))
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY 1
