-- Enum types used by the schema's columns (directly or as array items), wherever they are
-- defined, with labels in their sort order. They are mirrored into the target schema.
SELECT t.typname AS enum_name,
       array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels
FROM pg_type t
JOIN pg_enum e ON e.enumtypid = t.oid
WHERE t.oid IN (
    SELECT CASE WHEN at.typcategory = 'A' THEN at.typelem ELSE at.oid END
    FROM pg_attribute a
    JOIN pg_class c      ON c.oid = a.attrelid
    JOIN pg_namespace n  ON n.oid = c.relnamespace
    JOIN pg_type at      ON at.oid = a.atttypid
    WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND a.attnum > 0
      AND NOT a.attisdropped)
GROUP BY t.typname
ORDER BY t.typname
