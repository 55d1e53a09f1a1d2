-- Child rows whose (non-NULL) foreign key matches no parent row (MATCH SIMPLE semantics).
SELECT count(*)
FROM {child} AS c
WHERE {child_not_null}
  AND NOT EXISTS (SELECT 1 FROM {parent} AS p WHERE {join})
