-- Comments on the tables and views of one schema and on their columns.
SELECT table_name, NULL AS column_name, comment FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = ? AND comment IS NOT NULL
UNION ALL
SELECT view_name, NULL, comment FROM duckdb_views()
WHERE database_name = current_database() AND schema_name = ? AND NOT internal AND comment IS NOT NULL
UNION ALL
SELECT table_name, column_name, comment FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = ? AND comment IS NOT NULL
ORDER BY 1, 2 NULLS FIRST
