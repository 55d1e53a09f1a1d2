-- Pagila's application on the copy (benchmarks/objects_copy.py --app-sql): each statement
-- is run on the target on its own, and its first row printed (or the engine's error).
-- Views, functions, the aggregate, the materialized view:
SELECT count(*) > 0 FROM (SELECT * FROM film_list LIMIT 1) f;
SELECT count(*) > 0 FROM (SELECT * FROM actor_info LIMIT 1) a;
SELECT count(*) > 0 FROM sales_by_store;
SELECT count(*) FROM (SELECT film_in_stock(f, s) FROM generate_series(1, 50) f, generate_series(1, 2) s) t;
SELECT get_customer_balance((SELECT min(customer_id) FROM customer), now()) IS NOT NULL;
SELECT count(*) > 0 FROM rental_by_category;
-- an UPDATE fires the last_updated trigger (the loaded rows kept their own values)
WITH u AS (UPDATE actor SET first_name = first_name
           WHERE actor_id = (SELECT min(actor_id) FROM actor) RETURNING last_update)
SELECT last_update = now() FROM u;
-- an INSERT without a key gets the next value, past the loaded ones
INSERT INTO actor (first_name, last_name) VALUES ('NEW', 'ACTOR')
RETURNING actor_id > (SELECT max(actor_id) FROM actor);
-- a film without fulltext or rating: the trigger fills fulltext, the default rates it G
INSERT INTO film (title, description, language_id)
VALUES ('NEW FILM', 'A test of the copy', (SELECT min(language_id) FROM language))
RETURNING fulltext @@ to_tsquery('english', 'copy') AND rating = 'G';
-- a payment without a key, routed to its partition, its key checked there
INSERT INTO payment (customer_id, staff_id, rental_id, amount, payment_date)
SELECT customer_id, staff_id, rental_id, 1.99, TIMESTAMPTZ '2022-03-15 12:00:00+00'
FROM rental ORDER BY rental_id LIMIT 1
RETURNING tableoid::regclass::text;
INSERT INTO payment (customer_id, staff_id, rental_id, amount, payment_date)
VALUES (-1, 1, 1, 1.99, TIMESTAMPTZ '2022-03-15 12:00:00+00');
-- the full-text index answers
SELECT count(*) >= 0 FROM film WHERE fulltext @@ to_tsquery('english', 'story');
