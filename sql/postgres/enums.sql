-- Enum types visible to the schema's columns, with labels in their sort order.
SELECT t.typname AS enum_name,
       array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels
FROM pg_type t
JOIN pg_enum e      ON e.enumtypid = t.oid
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = %(schema)s
GROUP BY t.typname
ORDER BY t.typname
