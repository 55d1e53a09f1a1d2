-- Primary keys, unique, foreign keys and checks (NOT NULL comes from the columns).
SELECT table_name, constraint_name, constraint_type, constraint_column_names,
       referenced_table, referenced_column_names, expression
FROM duckdb_constraints()
WHERE database_name = current_database() AND schema_name = ?
  AND constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY', 'CHECK')
ORDER BY table_name, constraint_name
