-- Children per parent key, counted in the source (used when training reads only a sample).
SELECT {columns}, count(*) AS n
FROM {child}
WHERE {not_null}
GROUP BY {columns}
