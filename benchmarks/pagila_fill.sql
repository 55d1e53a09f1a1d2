-- Plausible rows for an empty Pagila schema (benchmarks/objects_copy.py --schema-sql
-- pagila-schema.sql --fill-sql pagila_fill.sql): a few hundred to a few thousand rows per
-- table, made with generate_series, respecting the schema's foreign keys, its unique indexes
-- (rental's (rental_date, inventory_id, customer_id), store's manager), the `year` domain's
-- CHECK, the mpaa_rating enum, text[] special features, and the payment partitions'
-- bounds (2022-01-01 .. 2022-08-01). film.fulltext is left to the source's own trigger.
-- Keys are given explicitly; the sequences are moved past them at the end.

INSERT INTO public.language (language_id, name)
SELECT g, (ARRAY['English', 'Italian', 'Japanese', 'Mandarin', 'French', 'German'])[g]
FROM generate_series(1, 6) g;

INSERT INTO public.country (country_id, country)
SELECT g, (ARRAY['Argentina', 'Australia', 'Brazil', 'Canada', 'Chile', 'China', 'Egypt',
                 'France', 'Germany', 'India', 'Indonesia', 'Italy', 'Japan', 'Mexico',
                 'Nigeria', 'Peru', 'Poland', 'Spain', 'Turkey', 'United States'])[1 + (g - 1) % 20]
          || CASE WHEN g > 20 THEN ' ' || (g / 20)::text ELSE '' END
FROM generate_series(1, 60) g;

INSERT INTO public.city (city_id, city, country_id)
SELECT g, (ARRAY['Abha', 'Baku', 'Cuman', 'Dhule', 'Ede', 'Fengshan', 'Garland', 'Hino',
                 'Ikerre', 'Jamnagar', 'Kabul', 'Lublin', 'Mysore', 'Nantou', 'Omiya',
                 'Patiala', 'Qomsheh', 'Rampur', 'Sasebo', 'Tama'])[1 + g % 20] || ' ' || g,
       1 + (g * 7) % 60
FROM generate_series(1, 300) g;

INSERT INTO public.address (address_id, address, address2, district, city_id, postal_code, phone)
SELECT g, (100 + g * 13 % 1800)::text || ' '
          || (ARRAY['Main', 'Oak', 'Pine', 'Maple', 'Cedar', 'Elm', 'Lake', 'Hill'])[1 + g % 8]
          || (ARRAY[' Street', ' Avenue', ' Drive', ' Parkway', ' Boulevard'])[1 + g % 5],
       CASE WHEN g % 9 = 0 THEN 'Apt ' || (g % 40 + 1) END,
       (ARRAY['Alberta', 'QLD', 'Buenos Aires', 'California', 'Texas', 'Nagasaki', 'Punjab',
              'Hubei', 'Ontario', 'Attika'])[1 + g % 10],
       1 + (g * 11) % 300,
       CASE WHEN g % 17 <> 0 THEN lpad((g * 7919 % 99999)::text, 5, '0') END,
       lpad((g::bigint * 104729 % 999999999999)::text, 12, '0')
FROM generate_series(1, 620) g;

-- store ↔ staff: a store names its manager (unique, no FK in this schema), a staff member
-- belongs to a store (FK): the stores first, with their managers' ids, then the staff
INSERT INTO public.store (store_id, manager_staff_id, address_id)
VALUES (1, 1, 1), (2, 2, 2);

INSERT INTO public.staff (staff_id, first_name, last_name, address_id, email, store_id, active,
                          username, password, picture)
VALUES (1, 'Mike', 'Hillyer', 3, 'Mike.Hillyer@sakilastaff.com', 1, true, 'Mike',
        md5('mike'), decode('89504e470d0a1a0a', 'hex')),
       (2, 'Jon', 'Stephens', 4, 'Jon.Stephens@sakilastaff.com', 2, true, 'Jon', md5('jon'), NULL);

INSERT INTO public.customer (customer_id, store_id, first_name, last_name, email, address_id,
                             activebool, create_date, active)
SELECT g, 1 + g % 2, f, l, f || '.' || l || '@sakilacustomer.org', 4 + g, g % 40 <> 0,
       DATE '2022-02-14' + (g % 30), CASE WHEN g % 40 <> 0 THEN 1 ELSE 0 END
FROM generate_series(1, 600) g,
     LATERAL (SELECT (ARRAY['MARY', 'PATRICIA', 'LINDA', 'BARBARA', 'ELIZABETH', 'JENNIFER',
                            'MARIA', 'SUSAN', 'JAMES', 'JOHN', 'ROBERT', 'MICHAEL', 'WILLIAM',
                            'DAVID', 'RICHARD', 'JOSEPH', 'THOMAS', 'CHARLES', 'NANCY',
                            'KAREN', 'BETTY', 'HELEN', 'SANDRA', 'DONNA'])[1 + g % 24] AS f,
                     (ARRAY['SMITH', 'JOHNSON', 'WILLIAMS', 'JONES', 'BROWN', 'DAVIS',
                            'MILLER', 'WILSON', 'MOORE', 'TAYLOR', 'ANDERSON', 'THOMAS',
                            'JACKSON', 'WHITE', 'HARRIS', 'MARTIN', 'THOMPSON', 'GARCIA',
                            'MARTINEZ', 'ROBINSON', 'CLARK', 'LEWIS', 'LEE', 'WALKER',
                            'HALL'])[1 + (g * 7) % 25] || CASE WHEN g > 300 THEN 'S' ELSE '' END
                         AS l) names;

INSERT INTO public.actor (actor_id, first_name, last_name)
SELECT g, (ARRAY['PENELOPE', 'NICK', 'ED', 'JENNIFER', 'JOHNNY', 'BETTE', 'GRACE', 'MATTHEW',
                 'JOE', 'CHRISTIAN', 'ZERO', 'KARL', 'UMA', 'VIVIEN', 'CUBA', 'FRED', 'HELEN',
                 'DAN', 'BOB', 'LUCILLE'])[1 + g % 20],
       (ARRAY['GUINESS', 'WAHLBERG', 'CHASE', 'DAVIS', 'LOLLOBRIGIDA', 'NICHOLSON', 'MOSTEL',
              'JOHANSSON', 'SWANK', 'GABLE', 'CAGE', 'BERRY', 'WOOD', 'BERGEN', 'OLIVIER',
              'COSTNER', 'VOIGHT', 'TORN', 'FAWCETT', 'TRACY', 'PESCI', 'HOPKINS'])[1 + (g * 3) % 22]
FROM generate_series(1, 200) g;

INSERT INTO public.category (category_id, name)
SELECT g, (ARRAY['Action', 'Animation', 'Children', 'Classics', 'Comedy', 'Documentary',
                 'Drama', 'Family', 'Foreign', 'Games', 'Horror', 'Music', 'New', 'Sci-Fi',
                 'Sports', 'Travel'])[g]
FROM generate_series(1, 16) g;

-- fulltext: filled by the film_fulltext_trigger (tsvector_update_trigger on title, description)
INSERT INTO public.film (film_id, title, description, release_year, language_id,
                         original_language_id, rental_duration, rental_rate, length,
                         replacement_cost, rating, special_features)
SELECT g, adj || ' ' || noun || CASE WHEN g > 400 THEN ' ' || (g / 400 + 1)::text ELSE '' END,
       'A ' || lower(adj) || ' story of a ' || lower(noun) || ' and a '
            || (ARRAY['dentist', 'monkey', 'cat', 'astronaut', 'teacher', 'pioneer', 'car',
                      'mad scientist'])[1 + g % 8]
            || ' who must ' || (ARRAY['find', 'chase', 'outrace', 'defeat', 'meet', 'build'])[1 + g % 6]
            || ' a ' || (ARRAY['boat', 'crocodile', 'moose', 'robot', 'feminist', 'sumo wrestler'])[1 + (g * 5) % 6]
            || ' in ' || (ARRAY['Ancient China', 'a Shark Tank', 'The Canadian Rockies',
                                'a Baloon', 'Nigeria', 'a U-Boat'])[1 + (g * 7) % 6],
       (2000 + g % 13)::public.year,
       1 + (g % 10 = 0)::int * (g % 5),
       CASE WHEN g % 25 = 0 THEN 1 + g % 6 END,
       3 + g % 5,
       (ARRAY[0.99, 2.99, 4.99])[1 + (g * 7) % 3],
       CASE WHEN g % 50 <> 0 THEN 46 + (g * 37) % 140 END,
       9.99 + (g * 13) % 21,
       (ARRAY['G', 'PG', 'PG-13', 'R', 'NC-17'])[1 + (g * 3) % 5]::public.mpaa_rating,
       CASE g % 7 WHEN 0 THEN ARRAY['Trailers'] WHEN 1 THEN ARRAY['Commentaries']
                  WHEN 2 THEN ARRAY['Deleted Scenes'] WHEN 3 THEN ARRAY['Behind the Scenes']
                  WHEN 4 THEN ARRAY['Trailers', 'Deleted Scenes']
                  WHEN 5 THEN ARRAY['Commentaries', 'Behind the Scenes']
                  ELSE ARRAY['Trailers', 'Commentaries', 'Deleted Scenes'] END
FROM generate_series(1, 1000) g,
     LATERAL (SELECT (ARRAY['ACADEMY', 'ACE', 'ADAPTATION', 'AFFAIR', 'AGENT', 'AIRPLANE',
                            'ALADDIN', 'ALAMO', 'ALASKA', 'ALI', 'AMADEUS', 'AMERICAN',
                            'ANACONDA', 'ANGELS', 'ANNIE', 'APACHE', 'ARABIA', 'ARMAGEDDON',
                            'ARMY', 'ATLANTIS'])[1 + g % 20] AS adj,
                     (ARRAY['DINOSAUR', 'GOLDFINGER', 'SECRETS', 'PREJUDICE', 'TRUMAN',
                            'HUNTER', 'CALENDAR', 'PHANTOM', 'HOLIDAY', 'EXPRESS',
                            'BEHAVIOR', 'CIRCUS', 'RIDER', 'DOLLS', 'CONFIDENTIAL', 'MOTIONS',
                            'PATRIOT', 'DREAMS', 'ROOF', 'CAROUSEL'])[1 + (g / 20) % 20] AS noun
             ) words;

INSERT INTO public.film_actor (actor_id, film_id)
SELECT DISTINCT 1 + (f * 31 + k * 17) % 200, f
FROM generate_series(1, 1000) f, generate_series(1, 1 + f % 7) k;

INSERT INTO public.film_category (film_id, category_id)
SELECT f, 1 + (f * 5) % 16 FROM generate_series(1, 1000) f;

INSERT INTO public.inventory (inventory_id, film_id, store_id)
SELECT g, 1 + (g * 7) % 950, 1 + g % 2 FROM generate_series(1, 3000) g;

-- rentals from 2022-01-01 to 2022-07-30 (inside the payment partitions); ~2% not returned
INSERT INTO public.rental (rental_id, rental_date, inventory_id, customer_id, return_date, staff_id)
SELECT g, d, 1 + (g * 13) % 3000, 1 + (g * 7) % 600,
       CASE WHEN g % 50 <> 0 THEN d + (1 + g % 9) * INTERVAL '1 day' + (g % 600) * INTERVAL '1 minute' END,
       1 + g % 2
FROM generate_series(1, 5000) g,
     LATERAL (SELECT TIMESTAMPTZ '2022-01-01 00:00:00+00' + g * INTERVAL '50 minutes'
                     + (g * 37 % 50) * INTERVAL '1 second' AS d) t;

-- payments routed to their monthly partition by payment_date (the rental's date); numbered
-- apart from the rentals (as Pagila's, from 16050), so no key is inferred between the two
INSERT INTO public.payment (payment_id, customer_id, staff_id, rental_id, amount, payment_date)
SELECT 16049 + row_number() OVER (ORDER BY r.rental_id), r.customer_id, r.staff_id, r.rental_id,
       f.rental_rate + CASE WHEN r.rental_id % 5 = 0 THEN r.rental_id % 4 ELSE 0 END,
       r.rental_date + INTERVAL '3 hours'
FROM public.rental r
JOIN public.inventory i ON i.inventory_id = r.inventory_id
JOIN public.film f ON f.film_id = i.film_id
WHERE r.rental_id % 10 <> 3;

REFRESH MATERIALIZED VIEW public.rental_by_category;

SELECT setval('public.language_language_id_seq', 6), setval('public.country_country_id_seq', 60),
       setval('public.city_city_id_seq', 300), setval('public.address_address_id_seq', 620),
       setval('public.store_store_id_seq', 2), setval('public.staff_staff_id_seq', 2),
       setval('public.customer_customer_id_seq', 600), setval('public.actor_actor_id_seq', 200),
       setval('public.category_category_id_seq', 16), setval('public.film_film_id_seq', 1000),
       setval('public.inventory_inventory_id_seq', 3000), setval('public.rental_rental_id_seq', 5000),
       setval('public.payment_payment_id_seq', (SELECT max(payment_id) FROM public.payment));
