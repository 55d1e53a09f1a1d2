-- The contract schema (tests/contract): same tables, keys and rows on every backend.
CREATE TABLE customer (
  id INTEGER PRIMARY KEY,
  name varchar(40) NOT NULL,
  email varchar(80) UNIQUE,
  balance numeric(10,2),
  joined date
);
CREATE TABLE product (sku varchar(12) PRIMARY KEY, price numeric(8,2) CHECK (price >= 0));
CREATE TABLE orders (
  id integer PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES customer (id),
  ordered date
);
CREATE TABLE order_line (
  order_id integer NOT NULL REFERENCES orders (id),
  line_no integer NOT NULL,
  sku varchar(12) REFERENCES product (sku),
  qty integer,
  PRIMARY KEY (order_id, line_no)
);
CREATE TABLE shipment (
  id integer PRIMARY KEY,
  order_id integer NOT NULL,
  line_no integer NOT NULL,
  FOREIGN KEY (order_id, line_no) REFERENCES order_line (order_id, line_no)
);
