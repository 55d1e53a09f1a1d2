-- Indexes of one schema as DuckDB renders them (CREATE [UNIQUE] INDEX …); constraint
-- indexes have no SQL and are written with their keys.
SELECT index_name, table_name, sql FROM duckdb_indexes()
WHERE database_name = current_database() AND schema_name = ? AND sql IS NOT NULL
ORDER BY index_name
