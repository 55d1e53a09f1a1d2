-- Structured values (BLOB; JSON stored as text) and a column with no declared type, NOT NULL
-- and nullable (typed by its values, text here: modelled, not NULL): the contract suite's
-- test_structured.py.
CREATE TABLE doc (
    id       INTEGER PRIMARY KEY,
    body     JSON NOT NULL,
    extra    JSON,
    payload  BLOB NOT NULL,
    odd      NOT NULL,
    odd_null
);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
INSERT INTO doc
SELECT i,
       json_object('name', 'item ' || i, 'qty', i % 7, 'price', (i % 13) + 0.25,
                   'active', json(CASE WHEN i % 2 = 0 THEN 'true' ELSE 'false' END),
                   'email', 'user' || i || '@example.com', 'dims', json_array(i % 3, i % 5),
                   'meta', json_object('color', CASE i % 3 WHEN 0 THEN 'red' WHEN 1 THEN 'green' ELSE 'blue' END,
                                       'since', date('2020-01-01', '+' || i || ' days'))),
       CASE WHEN i % 4 = 0 THEN NULL ELSE json_object('k', i % 3) END,
       randomblob(4 + i % 9),
       'odd ' || i,
       CASE WHEN i % 2 = 0 THEN 'x' || i END
FROM n;
