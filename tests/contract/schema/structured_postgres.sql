-- Structured values (json, jsonb, arrays, interval, bytea) and a type dbsynth does not model
-- (tsvector), NOT NULL and nullable: the contract suite's test_structured.py.
CREATE TABLE doc (
    id       integer PRIMARY KEY,
    body     jsonb NOT NULL,
    extra    json,
    tags     text[] NOT NULL,
    scores   integer[],
    lag      interval NOT NULL,
    payload  bytea NOT NULL,
    odd      tsvector NOT NULL,
    odd_null tsvector
);
INSERT INTO doc
SELECT i,
       jsonb_build_object('name', 'item ' || i, 'qty', i % 7, 'price', (i % 13) + 0.25,
                          'active', i % 2 = 0, 'email', 'user' || i || '@example.com',
                          'dims', jsonb_build_array(i % 3, i % 5),
                          'meta', jsonb_build_object('color', (ARRAY['red', 'green', 'blue'])[1 + i % 3],
                                                     'since', to_char(DATE '2020-01-01' + i, 'YYYY-MM-DD'))),
       CASE WHEN i % 4 = 0 THEN NULL ELSE json_build_object('k', i % 3) END,
       (ARRAY['a', 'b', 'c', 'd'])[1:1 + i % 4],
       CASE WHEN i % 5 = 0 THEN NULL ELSE ARRAY[i, i * 2, i % 3] END,
       make_interval(hours => 1 + i % 48),
       decode(repeat(lpad(to_hex(i), 2, '0'), 4 + i % 9), 'hex'),
       to_tsvector('simple', 'word' || i || ' other'),
       CASE WHEN i % 2 = 0 THEN to_tsvector('simple', 'w' || i) END
FROM generate_series(1, 40) AS i;
