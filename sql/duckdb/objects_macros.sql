-- Macros (scalar and table) of one schema: name, kind, parameters, body.
SELECT function_name, function_type, parameters, macro_definition FROM duckdb_functions()
WHERE database_name = current_database() AND schema_name = ? AND NOT internal
  AND function_type IN ('macro', 'table_macro') AND macro_definition IS NOT NULL
ORDER BY function_name
