-- Columns of the schema's base tables, in ordinal order.
SELECT table_name, column_name, data_type, is_nullable, column_default,
       numeric_precision, numeric_scale, character_maximum_length,
       is_generated, generation_expression
FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = ? AND NOT internal
  AND table_name IN (SELECT table_name FROM duckdb_tables()
                     WHERE database_name = current_database() AND schema_name = ? AND NOT temporary)
ORDER BY table_name, column_index
