-- Key values (all parts non-NULL) that occur more than once.
SELECT count(*)
FROM (SELECT 1 FROM {table} WHERE {not_null} GROUP BY {columns} HAVING count(*) > 1) AS d
