-- What a DROP TABLE (no CASCADE) of the given tables would touch, besides the tables.
-- blocks = true: an object outside those tables that depends on one (a view, another
-- table's foreign key, a function's SQL body...): the drop would fail, so dbsynth refuses.
-- blocks = false: an object the drop removes with its table (trigger, non-constraint index;
-- a policy goes with its table too, unlisted).
-- kind, name: a view's or function's as dbsynth.schema.objects names them (else NULL), so a
-- dependent dbsynth mirrors can be dropped and created again.
WITH RECURSIVE ours AS (  -- the tables and their partitions (dropped with them)
    SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = %(schema)s AND c.relname = ANY(%(tables)s)
    UNION
    SELECT i.inhrelid FROM pg_inherits i JOIN ours o ON o.oid = i.inhparent
    JOIN pg_class p ON p.oid = i.inhrelid WHERE p.relispartition
), dependent AS (
    SELECT CASE d.classid
               WHEN 'pg_rewrite'::regclass THEN 'pg_class'::regclass
               ELSE d.classid END AS classid,
           CASE d.classid
               WHEN 'pg_rewrite'::regclass THEN (SELECT ev_class FROM pg_rewrite WHERE oid = d.objid)
               ELSE d.objid END AS objid,
           CASE d.classid
               WHEN 'pg_rewrite'::regclass THEN (SELECT ev_class FROM pg_rewrite WHERE oid = d.objid)
               WHEN 'pg_constraint'::regclass THEN (SELECT conrelid FROM pg_constraint WHERE oid = d.objid)
               WHEN 'pg_trigger'::regclass THEN (SELECT tgrelid FROM pg_trigger WHERE oid = d.objid)
               WHEN 'pg_policy'::regclass THEN (SELECT polrelid FROM pg_policy WHERE oid = d.objid)
               WHEN 'pg_attrdef'::regclass THEN (SELECT adrelid FROM pg_attrdef WHERE oid = d.objid)
               WHEN 'pg_class'::regclass THEN d.objid
               ELSE NULL END AS owner
    FROM pg_depend d
    WHERE ((d.refclassid = 'pg_class'::regclass AND d.refobjid IN (SELECT oid FROM ours))
           -- or on a table's row type (a function RETURNS SETOF it)
           OR (d.refclassid = 'pg_type'::regclass
               AND d.refobjid IN (SELECT reltype FROM pg_class WHERE oid IN (SELECT oid FROM ours))))
      AND d.deptype = 'n'
)
SELECT DISTINCT pg_describe_object(classid, objid, 0) AS what, true AS blocks,
       CASE WHEN classid = 'pg_class'::regclass THEN
                (SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' END
                 FROM pg_class c WHERE c.oid = objid)
            WHEN classid = 'pg_proc'::regclass THEN
                (SELECT CASE p.prokind WHEN 'f' THEN 'function' WHEN 'p' THEN 'procedure' END
                 FROM pg_proc p WHERE p.oid = objid) END AS kind,
       CASE WHEN classid = 'pg_class'::regclass THEN
                (SELECT c.relname::text FROM pg_class c WHERE c.oid = objid)
            WHEN classid = 'pg_proc'::regclass THEN
                (SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
                 FROM pg_proc p WHERE p.oid = objid) END AS name
FROM dependent WHERE owner IS NULL OR owner NOT IN (SELECT oid FROM ours)
UNION
SELECT pg_describe_object('pg_trigger'::regclass, t.oid, 0), false, NULL, NULL
FROM pg_trigger t WHERE t.tgrelid IN (SELECT oid FROM ours) AND NOT t.tgisinternal
UNION
SELECT pg_describe_object('pg_class'::regclass, i.indexrelid, 0), false, NULL, NULL
FROM pg_index i WHERE i.indrelid IN (SELECT oid FROM ours)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
ORDER BY 2 DESC, 1
