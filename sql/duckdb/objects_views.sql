-- Views of one schema (not DuckDB's own) as DuckDB renders them.
SELECT view_name, sql FROM duckdb_views()
WHERE database_name = current_database() AND schema_name = ? AND NOT internal
  AND NOT temporary
ORDER BY view_name
