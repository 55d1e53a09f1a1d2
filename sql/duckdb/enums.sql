-- Named enum types with their labels.
SELECT type_name, labels
FROM duckdb_types()
WHERE logical_type = 'ENUM' AND labels IS NOT NULL
  AND database_name = current_database() AND schema_name = ?
ORDER BY type_name
