SELECT table_name FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = ? AND NOT temporary
ORDER BY table_name
