SELECT index_name, table_name FROM duckdb_indexes()
WHERE database_name = current_database() AND schema_name = ?
ORDER BY index_name
