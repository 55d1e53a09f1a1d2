-- Structured values (JSON: MariaDB's is LONGTEXT with a json_valid CHECK; BLOB) and a type
-- dbsynth does not model (POINT), NOT NULL and nullable: the contract suite's test_structured.py.
CREATE TABLE doc (
    id       integer PRIMARY KEY,
    body     JSON NOT NULL,
    extra    JSON,
    payload  BLOB NOT NULL,
    odd      POINT NOT NULL,
    odd_null POINT
);
INSERT INTO doc
SELECT seq,
       json_object('name', concat('item ', seq), 'qty', seq % 7, 'price', (seq % 13) + 0.25,
                   'active', IF(seq % 2 = 0, true, false) = 1,
                   'email', concat('user', seq, '@example.com'), 'dims', json_array(seq % 3, seq % 5),
                   'meta', json_object('color', ELT(1 + seq % 3, 'red', 'green', 'blue'),
                                       'since', DATE_FORMAT(DATE '2020-01-01' + INTERVAL seq DAY, '%Y-%m-%d'))),
       IF(seq % 4 = 0, NULL, json_object('k', seq % 3)),
       UNHEX(REPEAT(LPAD(HEX(seq), 2, '0'), 4 + seq % 9)),
       POINT(seq, seq * 2),
       IF(seq % 2 = 0, POINT(seq, 1), NULL)
FROM seq_1_to_40;
