-- Rows with NULL in a column that must not hold NULL.
SELECT count(*) FROM {table} WHERE {column} IS NULL
