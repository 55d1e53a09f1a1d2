-- Every parent row with its number of children and the mean of some child columns, counted
-- over the whole tables (a report reads samples; a sample of children undercounts parents).
SELECT {parent_keys}, count(c.{first_fk}) AS n{means}
FROM {parent} AS p
LEFT JOIN {child} AS c ON {join}
GROUP BY {parent_keys}
