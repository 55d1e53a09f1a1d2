-- Extensions of the database (plpgsql is always there), as CREATE EXTENSION IF NOT EXISTS;
-- one that lives in the schema being read is created in the target's schema.
SELECT e.extname AS extension_name,
       format('CREATE EXTENSION IF NOT EXISTS %%I', e.extname)
       || CASE WHEN n.nspname = %(schema)s THEN format(' WITH SCHEMA %%I', n.nspname) ELSE '' END
       AS definition
FROM pg_extension e
JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname <> 'plpgsql'
ORDER BY e.extname
