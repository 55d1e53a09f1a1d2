INSERT INTO customer (id, name, email, balance, joined) VALUES
  (1, 'Ada', 'ada@example.org', 10.50, '2020-01-02'), (2, 'Bo', 'bo@example.org', 0.00, '2021-03-04'),
  (3, 'Cy', NULL, 99.99, '2022-05-06'), (4, 'Di', 'di@example.org', NULL, NULL),
  (5, 'Ed', 'ed@example.org', 5.25, '2023-07-08'), (6, 'Flo', 'flo@example.org', 1.00, '2020-02-02');
INSERT INTO product (sku, price) VALUES ('A-1', 1.50), ('B-2', 2.00), ('C-3', 0.00), ('D-4', 12.00);
INSERT INTO orders (id, customer_id, ordered) VALUES
  (10, 1, '2023-01-01'), (11, 1, '2023-01-05'), (12, 2, '2023-02-01'), (13, 3, '2023-03-01'),
  (14, 5, '2023-04-01'), (15, 6, '2023-04-02'), (16, 6, '2023-04-03'), (17, 2, '2023-04-04');
INSERT INTO order_line (order_id, line_no, sku, qty) VALUES
  (10, 1, 'A-1', 2), (10, 2, 'B-2', 1), (11, 1, 'C-3', 5), (12, 1, 'A-1', 1), (13, 1, 'D-4', 3),
  (13, 2, 'A-1', 1), (14, 1, 'B-2', 2), (15, 1, 'A-1', 7), (16, 1, 'C-3', 1), (17, 1, 'D-4', 1);
INSERT INTO shipment (id, order_id, line_no) VALUES (1, 10, 1), (2, 10, 2), (3, 13, 1), (4, 15, 1);
