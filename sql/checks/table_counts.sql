-- The table's rows and, in the same scan, the rows with NULL in each column that must not
-- hold NULL (count(*) - count(column)).
SELECT count(*){null_counts} FROM {table}
