-- Whether a CHECK's function call resolves in the target: a qualified name in its schema,
-- else any function the search path makes visible.
SELECT EXISTS (
    SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE p.proname = %(name)s
      AND (n.nspname = %(qualifier)s OR (%(qualifier)s IS NULL AND pg_function_is_visible(p.oid)))
)
