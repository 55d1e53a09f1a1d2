-- Foreign keys of other tables that point at one of ours (DuckDB refuses to drop their parent).
SELECT table_name, constraint_column_names, referenced_table, referenced_column_names
FROM duckdb_constraints()
WHERE database_name = current_database() AND schema_name = ?
  AND constraint_type = 'FOREIGN KEY'
ORDER BY table_name, constraint_name
