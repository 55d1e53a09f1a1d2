-- The objects zoo (tests/contract/test_objects.py): an index of each kind, views (one on
-- the other) calling a SQL function, a materialized view, a plpgsql trigger keeping
-- last_update, a domain with a CHECK, a sequence, comments, a simple aggregate.
CREATE EXTENSION IF NOT EXISTS citext;
CREATE DOMAIN positive_amount AS numeric(10,2) CHECK (VALUE >= 0);
CREATE SEQUENCE ticket_seq START WITH 500;
CREATE SEQUENCE payment_no_seq;
CREATE TABLE customer (
  id integer PRIMARY KEY,
  name varchar(40) NOT NULL,
  email varchar(80),
  active boolean NOT NULL,
  tags text[],
  last_update timestamp NOT NULL DEFAULT now()
);
CREATE TABLE payment (
  id integer PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES customer (id),
  amount positive_amount NOT NULL,
  paid date NOT NULL,
  payment_no bigint NOT NULL
);
ALTER SEQUENCE payment_no_seq OWNED BY payment.payment_no;
CREATE INDEX customer_name_idx ON customer (name);
CREATE UNIQUE INDEX customer_email_uidx ON customer (email);  -- an index, not a constraint
CREATE INDEX customer_active_email_idx ON customer (email) WHERE active;
CREATE INDEX customer_lower_name_idx ON customer (lower(name));
CREATE INDEX customer_tags_idx ON customer USING gin (tags);
CREATE INDEX payment_paid_brin ON payment USING brin (paid);
CREATE INDEX payment_customer_incl ON payment (customer_id) INCLUDE (amount);
CREATE FUNCTION cents(numeric) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT ($1 * 100)::bigint $$;
CREATE FUNCTION touch_last_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.last_update := now();
  RETURN NEW;
END $$;
-- typed by a table's row type (Pagila's rewards_report): a replace drops it before the table
CREATE FUNCTION active_customers() RETURNS SETOF customer LANGUAGE sql STABLE
  AS $$ SELECT * FROM customer WHERE active $$;
CREATE FUNCTION sum_sq_step(numeric, numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$ SELECT $1 + $2 * $2 $$;
CREATE AGGREGATE sum_sq(numeric) (SFUNC = sum_sq_step, STYPE = numeric, INITCOND = '0');
CREATE VIEW active_customer AS SELECT id, name, email FROM customer WHERE active;
CREATE VIEW customer_spend AS
  SELECT a.id, a.name, sum(cents(p.amount)) AS spent_cents
  FROM active_customer a JOIN payment p ON p.customer_id = a.id GROUP BY a.id, a.name;
CREATE MATERIALIZED VIEW monthly_total AS
  SELECT date_trunc('month', paid) AS month, sum(amount) AS total, count(*) AS n
  FROM payment GROUP BY 1;
CREATE INDEX monthly_total_month_idx ON monthly_total (month);
CREATE UNIQUE INDEX monthly_total_month_key ON monthly_total (month);  -- (REFRESH … CONCURRENTLY)
ALTER TABLE payment ENABLE ROW LEVEL SECURITY;
CREATE POLICY payment_recent ON payment FOR SELECT USING (paid >= DATE '2024-01-01');
CREATE POLICY payment_positive ON payment AS RESTRICTIVE FOR INSERT TO PUBLIC
  WITH CHECK (amount > 0);
COMMENT ON TABLE customer IS 'people who pay';
COMMENT ON COLUMN customer.email IS 'where receipts go';
COMMENT ON VIEW active_customer IS 'customers that can buy';

INSERT INTO customer (id, name, email, active, tags, last_update)
SELECT g, 'name ' || g, 'c' || g || '@example.com', g % 4 <> 0,
       ARRAY['t' || (g % 3)], TIMESTAMP '2020-01-01' + g * INTERVAL '1 day'
FROM generate_series(1, 60) g;
INSERT INTO payment (id, customer_id, amount, paid, payment_no)
SELECT g, 1 + g % 60, (g % 50) + 0.5, DATE '2024-01-01' + (g % 200), nextval('payment_no_seq')
FROM generate_series(1, 240) g;
REFRESH MATERIALIZED VIEW monthly_total;
-- after the rows, so the source's own last_update values stay as inserted
CREATE TRIGGER customer_last_update BEFORE INSERT OR UPDATE ON customer
  FOR EACH ROW EXECUTE FUNCTION touch_last_update();
