SELECT count(*) FROM pg_namespace WHERE nspname = %(schema)s
