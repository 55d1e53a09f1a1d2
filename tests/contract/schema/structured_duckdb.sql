-- Structured values (JSON, LIST, INTERVAL, BLOB) and a type dbsynth does not model (STRUCT),
-- NOT NULL and nullable: the contract suite's test_structured.py.
CREATE TABLE doc (
    id       INTEGER PRIMARY KEY,
    body     JSON NOT NULL,
    extra    JSON,
    tags     VARCHAR[] NOT NULL,
    scores   INTEGER[],
    lag      INTERVAL NOT NULL,
    payload  BLOB NOT NULL,
    odd      STRUCT(a INTEGER) NOT NULL,
    odd_null STRUCT(a INTEGER)
);
INSERT INTO doc
SELECT i,
       json_object('name', 'item ' || i, 'qty', i % 7, 'price', (i % 13) + 0.25,
                   'active', i % 2 = 0, 'email', 'user' || i || '@example.com',
                   'dims', json_array(i % 3, i % 5),
                   'meta', json_object('color', ['red', 'green', 'blue'][1 + i % 3],
                                       'since', strftime(DATE '2020-01-01' + i::INTEGER, '%Y-%m-%d'))),
       CASE WHEN i % 4 = 0 THEN NULL ELSE json_object('k', i % 3) END,
       ['a', 'b', 'c', 'd'][1:1 + i % 4],
       CASE WHEN i % 5 = 0 THEN NULL ELSE [i, i * 2, i % 3] END,
       to_hours(1 + i % 48),
       unhex(repeat(lpad(to_hex(i), 2, '0'), 4 + i % 9)),
       {'a': i},
       CASE WHEN i % 2 = 0 THEN {'a': i} END
FROM range(1, 41) AS t(i);
