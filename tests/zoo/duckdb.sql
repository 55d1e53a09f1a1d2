-- Schema zoo, DuckDB flavour. tests/zoo/postgres.sql has the same tables, columns and rows.
-- Load it into an empty DuckDB file in one go (duckdb.connect(path).execute(whole_text)).
--
-- Differences from the PostgreSQL flavour, all forced by DuckDB:
--   * The department <-> person cycle is declared in one direction only. DuckDB has no
--     ALTER TABLE ... ADD FOREIGN KEY and a CREATE TABLE can only reference a table that
--     already exists, so a cycle cannot be declared at all. person.department_id ->
--     department is declared; department.head_person_id is a plain INTEGER column holding
--     the same values as in PostgreSQL (it is an undeclared reference here).
--   * No identity/serial: employee.employee_id and product.product_id take their default
--     from a sequence (DEFAULT nextval(...)).
--   * employee.manager_id references employee. DuckDB checks that per statement, so the
--     employees are inserted one hierarchy level per INSERT (PostgreSQL uses the same
--     statements, which it would not need).
--   * Arrays are DuckDB lists (INTEGER[]), written [1, 2, 3].
CREATE TYPE mood AS ENUM ('happy', 'content', 'neutral', 'grumpy', 'sad');
CREATE SEQUENCE employee_id_seq START 31;  -- continues after the 30 employees inserted below
CREATE SEQUENCE product_id_seq START 1;

CREATE TABLE department (
    department_id  INTEGER PRIMARY KEY,
    code           VARCHAR(8) NOT NULL UNIQUE,
    name           VARCHAR(80) NOT NULL,
    budget         NUMERIC(12,2),
    head_person_id INTEGER  -- refers to person.person_id, but cannot be declared in DuckDB (see top)
);

CREATE TABLE person (
    person_id     INTEGER PRIMARY KEY,
    department_id INTEGER NOT NULL REFERENCES department (department_id),
    first_name    VARCHAR(40) NOT NULL,
    last_name     VARCHAR(40) NOT NULL,
    email         VARCHAR(120) NOT NULL UNIQUE,
    birth_date    DATE,
    mood          mood
);

CREATE TABLE employee (
    employee_id INTEGER PRIMARY KEY DEFAULT nextval('employee_id_seq'),
    person_id   INTEGER NOT NULL UNIQUE REFERENCES person (person_id),
    manager_id  INTEGER REFERENCES employee (employee_id),
    title       VARCHAR(60) NOT NULL,
    hired_on    DATE NOT NULL,
    salary      NUMERIC(10,2) NOT NULL CHECK (salary > 0)
);

CREATE TABLE skill (
    skill_id INTEGER PRIMARY KEY,
    name     VARCHAR(60) NOT NULL UNIQUE,
    category VARCHAR(30) NOT NULL
);

CREATE TABLE person_skill (
    person_id    INTEGER NOT NULL REFERENCES person (person_id),
    skill_id     INTEGER NOT NULL REFERENCES skill (skill_id),
    level        SMALLINT NOT NULL CHECK (level BETWEEN 1 AND 5),
    certified_on DATE,
    PRIMARY KEY (person_id, skill_id)
);

CREATE TABLE product (
    product_id   INTEGER PRIMARY KEY DEFAULT nextval('product_id_seq'),
    sku          VARCHAR(20) NOT NULL UNIQUE,
    name         VARCHAR(100) NOT NULL,
    price        NUMERIC(10,2) NOT NULL CHECK (price > 0),
    ratings      INTEGER[],
    discontinued BOOLEAN NOT NULL DEFAULT false
);

CREATE TABLE "User" (
    user_id      INTEGER PRIMARY KEY,
    "Name"       VARCHAR(60) NOT NULL,
    "select"     VARCHAR(20) NOT NULL,
    person_id    INTEGER REFERENCES person (person_id),
    signed_up_at TIMESTAMP NOT NULL
);

CREATE TABLE "order" (
    order_id     INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES "User" (user_id),
    ordered_at   TIMESTAMP NOT NULL,
    status       VARCHAR(20) NOT NULL,
    shipping_fee NUMERIC(10,2),
    note         TEXT
);

CREATE TABLE order_line (
    order_id    INTEGER NOT NULL REFERENCES "order" (order_id),
    line_no     SMALLINT NOT NULL,
    product_sku VARCHAR(20) NOT NULL REFERENCES product (sku),
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    unit_price  NUMERIC(10,2) NOT NULL,
    PRIMARY KEY (order_id, line_no)
);

-- Stays empty.
CREATE TABLE audit_log (
    audit_id  INTEGER PRIMARY KEY,
    user_id   INTEGER REFERENCES "User" (user_id),
    action    VARCHAR(40) NOT NULL,
    logged_at TIMESTAMP NOT NULL,
    details   TEXT
);

-- Data
INSERT INTO department (department_id, code, name, budget, head_person_id) VALUES
    (1, 'ENG', 'Engineering', 1250000.00, 23),
    (2, 'SAL', 'Sales', 830000.00, 10),
    (3, 'MKT', 'Marketing', 410500.50, 11),
    (4, 'FIN', 'Finance', 260000.00, 35),
    (5, 'HR', 'People & Culture', 185000.00, 13),
    (6, 'OPS', 'Operations', 520000.00, 14),
    (7, 'LEG', 'Legal', NULL, NULL),
    (8, 'RND', 'Research', 975250.75, NULL);

INSERT INTO person (person_id, department_id, first_name, last_name, email, birth_date, mood) VALUES
    (1, 1, 'Amira', 'Bernard', 'abernard@zoo.example', '1987-04-07', 'neutral'),
    (2, 2, 'Bram', 'Nilsson', 'bnilsson@zoo.example', '1971-08-11', 'content'),
    (3, 3, 'Chloé', 'Novak', 'cnovak@zoo.example', '1976-05-25', 'neutral'),
    (4, 4, 'Dmitri', 'Ruiz', 'druiz@zoo.example', '1975-01-05', 'happy'),
    (5, 5, 'Eun-ji', 'Pereira', 'epereira@zoo.example', '1970-05-22', 'neutral'),
    (6, 6, 'Farid', 'Moreau', 'fmoreau@zoo.example', '1986-08-28', 'happy'),
    (7, 7, 'Greta', 'Becker', 'gbecker@zoo.example', '1998-10-11', 'happy'),
    (8, 8, 'Hugo', 'Dubois', 'hdubois@zoo.example', '1978-04-05', 'neutral'),
    (9, 1, 'Ines', 'López', 'ilopez@zoo.example', '1993-08-04', NULL),
    (10, 2, 'Jonas', 'Yilmaz', 'jyilmaz@zoo.example', '1973-06-07', 'sad'),
    (11, 3, 'Kaito', 'Vogel', 'kvogel@zoo.example', '1963-10-11', 'content'),
    (12, 4, 'Lena', 'Park', 'lpark@zoo.example', '1965-08-06', 'happy'),
    (13, 5, 'Mateo', 'Schmidt', 'mschmidt@zoo.example', '1969-02-07', 'neutral'),
    (14, 6, 'Nadia', 'Larsen', 'nlarsen@zoo.example', '1960-02-24', 'content'),
    (15, 7, 'Oskar', 'Fischer', 'ofischer@zoo.example', '1973-06-13', 'neutral'),
    (16, 8, 'Priya', 'Ferrari', 'pferrari@zoo.example', '1997-01-02', 'grumpy'),
    (17, 4, 'Quentin', 'Hassan', 'qhassan@zoo.example', '1969-06-04', 'grumpy'),
    (18, 3, 'Rosa', 'Lindqvist', 'rlindqvist@zoo.example', '1978-07-04', NULL),
    (19, 2, 'Sven', 'Khan', 'skhan@zoo.example', '1998-05-23', 'happy'),
    (20, 2, 'Tamsin', 'Malik', 'tmalik@zoo.example', '1976-08-12', 'neutral'),
    (21, 4, 'Umar', 'Andersson', 'uandersson@zoo.example', '1970-04-01', 'content'),
    (22, 8, 'Vera', 'Campbell', 'vcampbell@zoo.example', '1966-10-11', 'grumpy'),
    (23, 1, 'Wen', 'van Dijk', 'wvandijk@zoo.example', '1996-09-13', 'grumpy'),
    (24, 1, 'Ximena', 'Silva', 'xsilva@zoo.example', '1974-10-04', 'sad'),
    (25, 4, 'Yusuf', 'Sharma', 'ysharma@zoo.example', '1976-03-17', 'happy'),
    (26, 4, 'Zoë', 'Chen', 'zchen@zoo.example', '1992-02-29', 'grumpy'),
    (27, 3, 'Aoife', 'Conti', 'aconti@zoo.example', '1995-05-31', NULL),
    (28, 1, 'Björn', 'Mensah', 'bmensah@zoo.example', '1965-03-23', 'sad'),
    (29, 1, 'Carmen', 'Ivanov', 'civanov@zoo.example', '1990-09-06', 'happy'),
    (30, 2, 'Dario', 'Tanaka', 'dtanaka@zoo.example', '1992-01-07', 'neutral'),
    (31, 2, 'Elif', 'García', 'egarcia@zoo.example', '1983-05-23', 'happy'),
    (32, 3, 'Finn', 'Demir', 'fdemir@zoo.example', '1997-07-18', 'sad'),
    (33, 1, 'Gaia', 'Walsh', 'gwalsh@zoo.example', '1970-08-26', 'content'),
    (34, 3, 'Hamid', 'Kowalski', 'hkowalski@zoo.example', '1976-09-12', 'sad'),
    (35, 4, 'Isla', 'Haddad', 'ihaddad@zoo.example', '1991-04-21', 'happy'),
    (36, 8, 'José', 'Rossi', 'jrossi@zoo.example', '1994-05-23', NULL),
    (37, 1, 'Kofi', 'O''Brien', 'kobrien@zoo.example', '1999-12-18', 'happy'),
    (38, 2, 'Liesel', 'Murphy', 'lmurphy@zoo.example', '1999-01-23', 'neutral'),
    (39, 1, 'Marek', 'Rahimi', 'mrahimi@zoo.example', '1988-01-03', 'grumpy'),
    (40, 2, 'Noor', 'Okafor', 'nokafor@zoo.example', '1987-11-24', 'sad');

-- employee, one hierarchy level per statement (manager before report)
INSERT INTO employee (employee_id, person_id, manager_id, title, hired_on, salary) VALUES
    (1, 35, NULL, 'Chief Executive', '2015-11-21', 221514.40);
INSERT INTO employee (employee_id, person_id, manager_id, title, hired_on, salary) VALUES
    (2, 38, 1, 'VP Sales', '2012-11-21', 172382.05),
    (3, 8, 1, 'VP Sales', '2018-01-20', 172923.92),
    (4, 9, 1, 'VP Operations', '2020-10-21', 160038.53);
INSERT INTO employee (employee_id, person_id, manager_id, title, hired_on, salary) VALUES
    (5, 22, 4, 'Team Lead', '2013-10-27', 134797.11),
    (6, 28, 3, 'Finance Manager', '2017-10-07', 114268.22),
    (7, 17, 3, 'Finance Manager', '2016-03-02', 129455.24),
    (8, 37, 4, 'Engineering Manager', '2021-04-02', 122149.95),
    (9, 26, 2, 'Ops Lead', '2012-02-01', 110473.46),
    (10, 1, 2, 'Sales Manager', '2015-07-18', 126653.44),
    (11, 36, 4, 'Engineering Manager', '2017-02-02', 120977.67),
    (12, 16, 4, 'Ops Lead', '2012-09-08', 133570.92);
INSERT INTO employee (employee_id, person_id, manager_id, title, hired_on, salary) VALUES
    (13, 21, 6, 'Software Engineer', '2016-12-04', 70062.78),
    (14, 7, 5, 'Software Engineer', '2022-05-26', 81037.35),
    (15, 24, 11, 'Designer', '2019-05-06', 73316.25),
    (16, 12, 5, 'Recruiter', '2020-02-15', 86825.86),
    (17, 13, 9, 'Designer', '2014-01-22', 70012.32),
    (18, 3, 11, 'Account Executive', '2012-06-21', 90391.80),
    (19, 33, 6, 'Account Executive', '2012-01-29', 88966.42),
    (20, 34, 9, 'Analyst', '2013-03-07', 82326.97),
    (21, 31, 12, 'Designer', '2016-02-26', 87274.44),
    (22, 18, 9, 'Recruiter', '2016-03-09', 71139.17),
    (23, 2, 10, 'Analyst', '2019-09-16', 69150.78),
    (24, 39, 5, 'Recruiter', '2017-05-30', 91693.40),
    (25, 10, 6, 'Data Scientist', '2019-08-24', 87198.31),
    (26, 27, 11, 'Designer', '2020-03-12', 78194.33),
    (27, 6, 9, 'Technician', '2015-03-06', 69463.59),
    (28, 14, 12, 'Analyst', '2017-03-07', 83066.45),
    (29, 23, 9, 'Technician', '2012-02-11', 90966.82),
    (30, 20, 6, 'Designer', '2012-10-18', 64125.21);

INSERT INTO skill (skill_id, name, category) VALUES
    (1, 'Python', 'engineering'),
    (2, 'SQL', 'engineering'),
    (3, 'Negotiation', 'sales'),
    (4, 'Public speaking', 'communication'),
    (5, 'Statistics', 'analytics'),
    (6, 'Rust', 'engineering'),
    (7, 'Bookkeeping', 'finance'),
    (8, 'Copywriting', 'communication'),
    (9, 'Forklift licence', 'operations'),
    (10, 'Contract law', 'legal'),
    (11, 'Kubernetes', 'engineering'),
    (12, 'Spanish', 'language');

INSERT INTO person_skill (person_id, skill_id, level, certified_on) VALUES
    (1, 5, 3, '2018-05-08'),
    (1, 6, 4, '2020-12-19'),
    (1, 11, 2, NULL),
    (1, 12, 1, NULL),
    (2, 11, 3, '2019-10-30'),
    (3, 8, 5, NULL),
    (4, 2, 3, NULL),
    (5, 8, 5, '2017-01-09'),
    (7, 7, 2, NULL),
    (8, 8, 3, '2022-02-05'),
    (8, 12, 2, NULL),
    (9, 3, 5, '2016-05-22'),
    (11, 1, 4, NULL),
    (11, 8, 3, '2020-03-02'),
    (11, 12, 3, NULL),
    (12, 9, 2, '2017-02-18'),
    (13, 1, 4, '2016-06-01'),
    (13, 8, 3, '2020-02-15'),
    (13, 12, 3, '2019-09-19'),
    (14, 3, 1, NULL),
    (15, 5, 1, '2022-09-28'),
    (15, 12, 5, NULL),
    (16, 8, 5, '2015-04-12'),
    (18, 12, 1, '2022-01-28'),
    (19, 11, 4, NULL),
    (19, 12, 1, '2015-03-10'),
    (20, 2, 4, '2015-01-05'),
    (21, 3, 1, NULL),
    (21, 12, 2, NULL),
    (22, 6, 2, '2022-04-16'),
    (22, 9, 2, NULL),
    (23, 3, 4, '2015-09-11'),
    (23, 7, 5, '2015-05-30'),
    (24, 8, 4, NULL),
    (26, 8, 2, '2016-03-03'),
    (26, 10, 1, '2016-05-05'),
    (29, 9, 4, '2023-03-16'),
    (29, 12, 3, '2019-01-12'),
    (30, 5, 3, '2018-06-29'),
    (30, 10, 5, NULL),
    (32, 2, 1, '2015-07-25'),
    (32, 8, 3, NULL),
    (34, 1, 2, '2020-09-08'),
    (34, 9, 1, NULL),
    (36, 2, 4, NULL),
    (36, 7, 3, NULL),
    (37, 10, 4, '2015-06-03'),
    (38, 11, 4, NULL),
    (39, 3, 2, NULL),
    (39, 8, 5, '2021-01-09');

-- product_id comes from the sequence default
INSERT INTO product (sku, name, price, ratings, discontinued) VALUES
    ('SKU-1007', 'Espresso Machine', 649.00, [4, 4, 2], false),
    ('SKU-1014', 'Burr Grinder', 189.50, [3, 1], false),
    ('SKU-1021', 'Milk Frother', 39.99, [5, 5, 1, 3], false),
    ('SKU-1028', 'Pour-Over Kettle', 54.95, [1, 3], false),
    ('SKU-1035', 'Ceramic Dripper', 24.00, [3, 1], false),
    ('SKU-1042', 'Paper Filters (100)', 6.49, [2, 1, 3, 1, 4, 5], false),
    ('SKU-1049', 'Travel Mug', 19.95, [], false),
    ('SKU-1056', 'Cold Brew Jar', 29.90, [5, 5, 1, 3, 5, 3], false),
    ('SKU-1063', 'Tamper 58mm', 34.00, [3, 3, 5, 3], true),
    ('SKU-1070', 'Knock Box', 22.50, [4, 3, 4, 2], false),
    ('SKU-1077', 'Scale 0.1g', 79.99, NULL, false),
    ('SKU-1084', 'Descaler', 12.95, [4, 4], false),
    ('SKU-1091', 'Cleaning Tablets', 9.99, [1, 3, 3, 2, 2], false),
    ('SKU-1098', 'Latte Art Pitcher', 27.50, [], false),
    ('SKU-1105', 'Moka Pot 6-cup', 44.90, [2, 4, 1], false),
    ('SKU-1112', 'French Press 1L', 32.00, [4, 2, 3, 4], false),
    ('SKU-1119', 'Aeropress', 39.95, [4, 3, 3, 3], false),
    ('SKU-1126', 'Cup Set (4)', 48.00, [5, 4], false),
    ('SKU-1133', 'Bean Canister', 18.75, [1, 5, 4, 1], false),
    ('SKU-1140', 'Siphon Brewer', 129.00, [2, 2, 2, 3, 2, 5], true),
    ('SKU-1147', 'Hand Grinder', 89.00, [], false),
    ('SKU-1154', 'Barista Apron', 25.00, NULL, false),
    ('SKU-1161', 'Portafilter', 59.90, [3, 3, 2], false),
    ('SKU-1168', 'Water Filter', 14.99, [4, 1], false),
    ('SKU-1175', 'Gift Card "Bean There"', 50.00, [5, 4, 2, 4, 1], false);

INSERT INTO "User" (user_id, "Name", "select", person_id, signed_up_at) VALUES
    (1, 'Noor Okafor', 'free', 40, '2021-09-03 11:59:00'),
    (2, 'Vera Campbell', 'plus', 22, '2022-01-01 12:38:00'),
    (3, 'Amira Bernard', 'select', 1, '2022-04-21 12:17:00'),
    (4, 'Lena Park', 'select', 12, '2022-11-18 19:00:00'),
    (5, 'Priya Ferrari', 'basic', 16, '2021-03-01 17:44:00'),
    (6, 'Hamid Kowalski', 'basic', 34, '2021-09-05 21:08:00'),
    (7, 'Tamsin Malik', 'plus', 20, '2022-07-26 11:11:00'),
    (8, 'Finn Demir', 'basic', 32, '2022-01-28 01:41:00'),
    (9, 'Bram Nilsson', 'free', 2, '2021-11-04 21:58:00'),
    (10, 'Jonas Yilmaz', 'plus', 10, '2021-02-11 05:24:00'),
    (11, 'Chloé Novak', 'basic', 3, '2021-05-12 21:00:00'),
    (12, 'Dario Tanaka', 'select', 30, '2022-10-10 01:51:00'),
    (13, 'Carmen Ivanov', 'plus', 29, '2021-08-21 18:57:00'),
    (14, 'Quentin Hassan', 'plus', 17, '2022-09-26 05:42:00'),
    (15, 'M. Curie', 'free', NULL, '2021-06-20 02:14:00'),
    (16, 'Guest Buyer', 'plus', NULL, '2022-08-02 03:10:00'),
    (17, 'Jo Public', 'select', NULL, '2021-02-11 04:43:00'),
    (18, 'Jo Public', 'basic', NULL, '2022-02-22 16:49:00'),
    (19, 'Guest Buyer', 'plus', NULL, '2021-02-17 16:21:00'),
    (20, 'Guest Buyer', 'basic', NULL, '2021-08-27 09:30:00');

INSERT INTO "order" (order_id, user_id, ordered_at, status, shipping_fee, note) VALUES
    (1, 16, '2022-11-21 06:07:00', 'pending', 9.90, NULL),
    (2, 4, '2022-12-28 07:27:00', 'delivered', 0.00, NULL),
    (3, 17, '2021-03-13 20:50:00', 'shipped', 0.00, NULL),
    (4, 4, '2023-07-26 00:54:00', 'cancelled', 0.00, 'gift wrap, please'),
    (5, 14, '2023-01-25 04:21:00', 'paid', NULL, 'leave at door'),
    (6, 1, '2022-01-02 13:40:00', 'delivered', 9.90, NULL),
    (7, 15, '2021-08-24 19:40:00', 'delivered', NULL, 'gift wrap, please'),
    (8, 1, '2021-11-06 17:39:00', 'shipped', 4.95, NULL),
    (9, 14, '2023-05-05 13:07:00', 'delivered', NULL, NULL),
    (10, 11, '2021-09-24 16:26:00', 'delivered', NULL, NULL),
    (11, 6, '2022-04-05 22:45:00', 'pending', 0.00, 'call on arrival'),
    (12, 18, '2022-05-05 17:23:00', 'delivered', 9.90, NULL),
    (13, 9, '2022-03-24 05:22:00', 'delivered', 4.95, 'call on arrival'),
    (14, 18, '2022-06-11 09:23:00', 'pending', 0.00, NULL),
    (15, 18, '2022-09-17 22:18:00', 'shipped', NULL, NULL),
    (16, 8, '2022-08-03 04:00:00', 'delivered', 4.95, NULL),
    (17, 11, '2021-11-14 05:17:00', 'cancelled', 9.90, NULL),
    (18, 14, '2022-10-25 19:08:00', 'delivered', 0.00, 'call on arrival'),
    (19, 5, '2021-03-31 20:44:00', 'shipped', NULL, NULL),
    (20, 7, '2022-10-31 20:24:00', 'delivered', 0.00, NULL),
    (21, 1, '2021-12-19 17:51:00', 'paid', 9.90, 'it''s urgent!'),
    (22, 16, '2023-04-26 13:16:00', 'shipped', NULL, 'leave at door'),
    (23, 6, '2022-01-04 16:14:00', 'delivered', NULL, 'call on arrival'),
    (24, 10, '2021-08-03 11:56:00', 'paid', 9.90, 'gift wrap, please'),
    (25, 8, '2022-11-13 06:41:00', 'delivered', 4.95, NULL),
    (26, 15, '2022-02-09 03:51:00', 'shipped', 4.95, 'call on arrival'),
    (27, 14, '2023-04-04 21:11:00', 'cancelled', 4.95, NULL),
    (28, 2, '2022-02-23 18:07:00', 'shipped', 4.95, NULL),
    (29, 8, '2022-06-12 04:46:00', 'pending', 9.90, NULL),
    (30, 6, '2021-11-01 12:40:00', 'cancelled', 4.95, NULL),
    (31, 11, '2021-07-08 02:14:00', 'cancelled', NULL, 'call on arrival'),
    (32, 17, '2021-10-07 12:19:00', 'shipped', 4.95, 'it''s urgent!'),
    (33, 5, '2021-11-18 20:56:00', 'pending', NULL, 'gift wrap, please'),
    (34, 8, '2022-03-29 09:19:00', 'pending', 9.90, NULL),
    (35, 18, '2022-11-10 15:24:00', 'paid', NULL, 'gift wrap, please'),
    (36, 1, '2022-03-30 20:46:00', 'cancelled', 0.00, NULL),
    (37, 14, '2023-04-03 01:58:00', 'delivered', 9.90, NULL),
    (38, 16, '2023-04-25 21:06:00', 'pending', 0.00, 'gift wrap, please'),
    (39, 18, '2022-06-16 14:35:00', 'delivered', 9.90, 'leave at door'),
    (40, 11, '2021-06-20 15:08:00', 'paid', 4.95, 'it''s urgent!');

INSERT INTO order_line (order_id, line_no, product_sku, quantity, unit_price) VALUES
    (1, 1, 'SKU-1077', 1, 79.99),
    (1, 2, 'SKU-1021', 1, 39.99),
    (2, 1, 'SKU-1098', 1, 27.50),
    (3, 1, 'SKU-1077', 2, 79.99),
    (4, 1, 'SKU-1084', 2, 12.95),
    (4, 2, 'SKU-1175', 3, 50.00),
    (5, 1, 'SKU-1084', 2, 12.95),
    (6, 1, 'SKU-1091', 1, 9.99),
    (7, 1, 'SKU-1028', 6, 54.95),
    (7, 2, 'SKU-1119', 1, 39.95),
    (8, 1, 'SKU-1161', 1, 59.90),
    (8, 2, 'SKU-1105', 2, 44.90),
    (9, 1, 'SKU-1119', 3, 39.95),
    (10, 1, 'SKU-1140', 6, 129.00),
    (11, 1, 'SKU-1070', 2, 22.50),
    (12, 1, 'SKU-1042', 6, 6.49),
    (13, 1, 'SKU-1014', 2, 189.50),
    (13, 2, 'SKU-1070', 3, 22.50),
    (14, 1, 'SKU-1021', 2, 39.99),
    (15, 1, 'SKU-1021', 2, 39.99),
    (16, 1, 'SKU-1021', 1, 39.99),
    (17, 1, 'SKU-1063', 2, 34.00),
    (18, 1, 'SKU-1091', 1, 9.99),
    (19, 1, 'SKU-1007', 2, 649.00),
    (20, 1, 'SKU-1140', 1, 129.00),
    (21, 1, 'SKU-1084', 3, 12.95),
    (21, 2, 'SKU-1112', 3, 32.00),
    (21, 3, 'SKU-1161', 2, 59.90),
    (22, 1, 'SKU-1154', 6, 25.00),
    (23, 1, 'SKU-1091', 6, 9.99),
    (23, 2, 'SKU-1105', 1, 44.90),
    (23, 3, 'SKU-1168', 6, 14.99),
    (24, 1, 'SKU-1056', 2, 29.90),
    (25, 1, 'SKU-1014', 1, 189.50),
    (25, 2, 'SKU-1021', 3, 39.99),
    (26, 1, 'SKU-1126', 1, 48.00),
    (27, 1, 'SKU-1077', 1, 79.99),
    (27, 2, 'SKU-1112', 2, 32.00),
    (27, 3, 'SKU-1140', 2, 129.00),
    (28, 1, 'SKU-1105', 2, 44.90),
    (29, 1, 'SKU-1147', 1, 80.10),
    (29, 2, 'SKU-1014', 1, 189.50),
    (30, 1, 'SKU-1007', 3, 649.00),
    (30, 2, 'SKU-1063', 1, 34.00),
    (31, 1, 'SKU-1042', 1, 6.49),
    (31, 2, 'SKU-1021', 3, 39.99),
    (32, 1, 'SKU-1070', 3, 22.50),
    (32, 2, 'SKU-1084', 1, 12.95),
    (33, 1, 'SKU-1147', 2, 89.00),
    (34, 1, 'SKU-1133', 3, 18.75),
    (34, 2, 'SKU-1098', 2, 27.50),
    (35, 1, 'SKU-1112', 1, 32.00),
    (35, 2, 'SKU-1105', 3, 40.41),
    (35, 3, 'SKU-1168', 6, 14.99),
    (36, 1, 'SKU-1133', 3, 18.75),
    (37, 1, 'SKU-1014', 2, 189.50),
    (38, 1, 'SKU-1154', 6, 25.00),
    (38, 2, 'SKU-1161', 6, 59.90),
    (39, 1, 'SKU-1007', 2, 649.00),
    (40, 1, 'SKU-1042', 2, 5.84);
