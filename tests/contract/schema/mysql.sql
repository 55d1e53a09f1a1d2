-- The contract schema (tests/contract) on MySQL/MariaDB (run with sql_mode ANSI_QUOTES).
CREATE TABLE customer (
  id integer AUTO_INCREMENT PRIMARY KEY,
  name varchar(40) NOT NULL,
  email varchar(80) UNIQUE,
  balance numeric(10,2),
  joined date
);
CREATE TABLE product (sku varchar(12) PRIMARY KEY, price numeric(8,2) CHECK (price >= 0));
CREATE TABLE orders (
  id integer PRIMARY KEY,
  customer_id integer NOT NULL,
  ordered date,
  FOREIGN KEY (customer_id) REFERENCES customer (id)
);
CREATE TABLE order_line (
  order_id integer NOT NULL,
  line_no integer NOT NULL,
  sku varchar(12),
  qty integer,
  PRIMARY KEY (order_id, line_no),
  FOREIGN KEY (order_id) REFERENCES orders (id),
  FOREIGN KEY (sku) REFERENCES product (sku)
);
CREATE TABLE shipment (
  id integer PRIMARY KEY,
  order_id integer NOT NULL,
  line_no integer NOT NULL,
  FOREIGN KEY (order_id, line_no) REFERENCES order_line (order_id, line_no)
);
