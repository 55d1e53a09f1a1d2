"""Schema objects beyond tables on a copy (issue 17): the zoo of tests/contract/schema/
objects_*.sql copied into the same engine lists the same objects in the target's catalog
(definitions compared as each catalog renders them), its views return the synthetic rows,
its trigger fires on the application's rows (not on the loaded ones), a refresh replaces
tables that views read; PostgreSQL → DuckDB lists what it translated and what it could not."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import dbsynth
from dbsynth import pipeline
from conftest import duckdb_url, run_sql
from contract.conftest import SCHEMA_DIR, run_any, sqlite_url
from dbsynth.pipeline import KeyOptions
from dbsynth.schema.serialize import schema_from_dict

NO_INFER = KeyOptions(infer=False)

PG_CATALOG = {
    "index": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
             "AND indexname NOT LIKE '%_pkey'",
    "view": "SELECT c.relname, c.relkind::text || pg_get_viewdef(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm')",
    "function": "SELECT p.proname, CASE WHEN p.prokind = 'a' THEN 'aggregate' "
                "ELSE pg_get_functiondef(p.oid) END FROM pg_proc p "
                "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'",
    "trigger": "SELECT tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
               "WHERE NOT tgisinternal",
    "domain": "SELECT t.typname, format_type(t.typbasetype, t.typtypmod) || ' ' || "
              "string_agg(pg_get_constraintdef(k.oid), ' ') FROM pg_type t "
              "JOIN pg_constraint k ON k.contypid = t.oid WHERE t.typtype = 'd' AND t.typnamespace = 'public'::regnamespace GROUP BY 1, t.typbasetype, t.typtypmod",
    "comment": "SELECT c.relname || '.' || d.objsubid, d.description FROM pg_description d "
               "JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass",
    "extension": "SELECT extname, extversion FROM pg_extension",
    "policy": "SELECT tablename || '.' || policyname, permissive || cmd || roles::text || "
              "coalesce(qual, '') || coalesce(with_check, '') FROM pg_policies "
              "UNION ALL SELECT relname, relrowsecurity::text FROM pg_class WHERE relrowsecurity",
    "sequence": "SELECT sequencename, data_type || ' ' || increment_by FROM pg_sequences "
                "WHERE schemaname = 'public'",
    # names, kinds and definitions (FK actions too); a unique index stays an index
    "constraint": "SELECT conrelid::regclass::text || '.' || conname, "
                  "contype::text || ' ' || pg_get_constraintdef(oid) FROM pg_constraint "
                  "WHERE connamespace = 'public'::regnamespace",
}


def pg_catalog(url: str) -> dict[str, set[tuple[str, str]]]:
    return {kind: set(run_sql(url, sql)) for kind, sql in PG_CATALOG.items()}


@pytest.fixture
def pg_zoo(pg_database_factory) -> str:
    url = pg_database_factory("zoo")
    run_sql(url, (SCHEMA_DIR / "objects_postgres.sql").read_text())
    return url


@pytest.mark.postgres
def test_postgres_copy_has_the_same_objects(pg_zoo: str, pg_database_factory) -> None:
    target = pg_database_factory("copy")
    result = dbsynth.synth(pg_zoo, target, seed=1, keys=NO_INFER)
    assert result.integrity.ok
    source_catalog, target_catalog = pg_catalog(pg_zoo), pg_catalog(target)
    for kind, objects in source_catalog.items():
        assert target_catalog[kind] == objects, kind
    assert len(source_catalog["index"]) == 9 and len(source_catalog["view"]) == 3
    assert result.objects["not_created"] == []
    assert result.objects["created"]["trigger"] == 1
    # the column keeps its domain, and the domain's CHECK holds on the copy
    assert run_sql(target, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                           "WHERE attrelid = 'payment'::regclass AND attname = 'amount'") \
        == [("positive_amount",)]
    with pytest.raises(Exception, match="positive_amount"):
        run_sql(target, "INSERT INTO payment VALUES (100000, (SELECT min(id) FROM customer), "
                        "-1, DATE '2024-01-01', 1)")
    # the application's queries: views (one on the other, calling a function) return rows,
    # the materialized view holds the synthetic rows, the aggregate runs
    payments = run_sql(target, "SELECT count(*) FROM payment")[0][0]
    assert run_sql(target, "SELECT sum(n) FROM monthly_total")[0][0] == payments
    assert run_sql(target, "SELECT count(*) FROM customer_spend")[0][0] > 0
    assert run_sql(target, "SELECT sum_sq(amount) > 0 FROM payment")[0][0] is True
    # the trigger did not fire on the loaded rows (their last_update is the model's, in
    # the source's 2020 range) and fires on a new row
    assert run_sql(target, "SELECT max(last_update) < TIMESTAMP '2021-01-01' FROM customer")[0][0]
    run_sql(target, "INSERT INTO customer (id, name, active, last_update) "
                    "VALUES (100000, 'new', true, TIMESTAMP '2000-01-01')")
    fresh = run_sql(target, "SELECT last_update > now() - INTERVAL '1 hour' FROM customer "
                            "WHERE id = 100000")
    assert fresh == [(True,)]
    # the standalone sequence continues from the source's position
    assert run_sql(target, "SELECT nextval('ticket_seq')")[0][0] >= 500
    # one a column owns continues past that column's loaded (synthetic) values
    top = run_sql(target, "SELECT max(payment_no) FROM payment")[0][0]
    assert run_sql(target, "SELECT nextval('payment_no_seq')")[0][0] > top


PARTITIONED = """
CREATE TABLE device (id integer PRIMARY KEY, kind text NOT NULL);
CREATE TABLE site (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE reading (
  device_id integer NOT NULL REFERENCES device (id),
  site_id integer NOT NULL,
  taken date NOT NULL,
  value numeric(8,2),
  PRIMARY KEY (device_id, taken)
) PARTITION BY RANGE (taken);
CREATE TABLE reading_2023 PARTITION OF reading FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE reading_2024 PARTITION OF reading FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')
  PARTITION BY RANGE (device_id);
CREATE TABLE reading_2024_low PARTITION OF reading_2024 FOR VALUES FROM (MINVALUE) TO (20);
CREATE TABLE reading_2024_high PARTITION OF reading_2024 FOR VALUES FROM (20) TO (MAXVALUE);
CREATE TABLE reading_other PARTITION OF reading DEFAULT;
CREATE INDEX reading_value_idx ON reading (value);
-- as Pagila's payment: keys and indexes declared on some partitions only, not the parent
ALTER TABLE reading_2023 ADD CONSTRAINT reading_2023_site_fk FOREIGN KEY (site_id)
  REFERENCES site (id) ON DELETE CASCADE;
ALTER TABLE reading_2024_low ADD CONSTRAINT reading_2024_low_site_fk FOREIGN KEY (site_id)
  REFERENCES site (id);
CREATE INDEX reading_2023_site_idx ON reading_2023 (site_id);
CREATE INDEX reading_2024_low_taken_brin ON reading_2024_low USING brin (taken);
INSERT INTO device SELECT g, CASE WHEN g % 3 = 0 THEN 'meter' ELSE 'probe' END
FROM generate_series(1, 40) g;
INSERT INTO site SELECT g, 'site ' || g FROM generate_series(1, 12) g;
INSERT INTO reading SELECT d, 1 + (d * k) % 12, DATE '2023-01-01' + 5 * k, (d * k) % 97 + 0.25
FROM generate_series(1, 40) d, generate_series(0, 145) k;
"""

FOREIGN_KEYS = ("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f'")

PARTITIONS = ("SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), "
              "(SELECT relname FROM pg_class WHERE oid = i.inhparent) FROM pg_class c "
              "JOIN pg_inherits i ON i.inhrelid = c.oid WHERE c.relispartition AND c.relkind IN ('r', 'p')")


@pytest.mark.postgres
def test_postgres_partitions_with_their_bounds_and_rows_routed(pg_database_factory,
                                                               tmp_path: Path) -> None:
    source, target = pg_database_factory("parts"), pg_database_factory("parts_copy")
    run_sql(source, PARTITIONED)
    result = dbsynth.synth(source, target, seed=1, keys=NO_INFER)
    assert result.integrity.ok
    assert set(run_sql(target, PARTITIONS)) == set(run_sql(source, PARTITIONS))
    assert len(run_sql(source, PARTITIONS)) == 5
    assert run_sql(target, "SELECT pg_get_partkeydef('reading'::regclass)") == [("RANGE (taken)",)]
    total = run_sql(target, "SELECT count(*) FROM reading")[0][0]
    assert total > 0
    # every row is in the partition its bounds say (tableoid: where it is stored)
    placed = dict(run_sql(target, "SELECT tableoid::regclass::text, count(*) FROM reading GROUP BY 1"))
    assert sum(placed.values()) == total
    assert placed.get("reading_2023") == run_sql(
        target, "SELECT count(*) FROM reading WHERE taken < DATE '2024-01-01' AND taken >= DATE '2023-01-01'")[0][0]
    assert run_sql(target, "SELECT count(*) FROM reading_2024_low WHERE device_id >= 20") == [(0,)]
    # the parent's index is on every partition, and a partition's own indexes and keys are
    # on it, with their names and actions, as in the source (they were lost)
    indexes = "SELECT indexname, indexdef FROM pg_indexes WHERE indexdef NOT LIKE '%UNIQUE%'"
    assert set(run_sql(target, indexes)) == set(run_sql(source, indexes))
    assert set(run_sql(target, FOREIGN_KEYS)) == set(run_sql(source, FOREIGN_KEYS))
    assert ("reading_2024_low", "reading_2024_low_site_fk", "FOREIGN KEY (site_id) REFERENCES "
            "site(id)") in run_sql(target, FOREIGN_KEYS)
    # generated for the key declared on partitions only: every reading's site exists
    assert run_sql(target, "SELECT count(*) FROM reading r "
                           "WHERE NOT EXISTS (SELECT 1 FROM site s WHERE s.id = r.site_id)") == [(0,)]
    # a replace drops the partitions' own keys with their tables (they blocked it) and makes
    # them again
    again = dbsynth.synth(source, target, seed=2, replace=True, keys=NO_INFER)
    assert again.integrity.ok
    assert set(run_sql(target, FOREIGN_KEYS)) == set(run_sql(source, FOREIGN_KEYS))
    # scaled out (staged in a schema of its own, published in one transaction): the same
    pytest.importorskip("distributed")
    from dbsynth.scaleout import ScaleOut

    parted = pg_database_factory("parts_parted")
    assert dbsynth.synth(source, parted, seed=1, keys=NO_INFER,
                         scale_out=ScaleOut(workers=1, partitions=2)).integrity.ok
    assert set(run_sql(parted, PARTITIONS)) == set(run_sql(source, PARTITIONS))
    # across engines: one plain table, said so
    duck = dbsynth.synth(source, duckdb_url(tmp_path / "parts.duckdb"), seed=1, keys=NO_INFER)
    why = {n["object"]: n["reason"] for n in duck.objects["not_created"]}
    assert "written as one plain table" in why["partition key reading"]
    assert "on partition reading_2023 of reading" in why["index reading_2023_site_idx"]
    assert "the key is declared on it" in why["foreign key reading_2023.reading_2023_site_fk"]


SHARED_SEQUENCE = """
CREATE SEQUENCE doc_id_seq;
CREATE TABLE note (id integer PRIMARY KEY DEFAULT nextval('doc_id_seq'), body text NOT NULL);
CREATE TABLE memo (id integer NOT NULL DEFAULT nextval('doc_id_seq'), at date NOT NULL,
                   PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE memo_2024 PARTITION OF memo FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO note (body) SELECT 'note ' || g FROM generate_series(1, 30) g;
INSERT INTO memo (at) SELECT DATE '2024-01-01' + g FROM generate_series(1, 30) g;
"""

DEFAULTS = ("SELECT c.relname || '.' || a.attname, a.attidentity::text, "
            "coalesce(pg_get_expr(d.adbin, d.adrelid), '') FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_attrdef d ON d.adrelid = "
            "a.attrelid AND d.adnum = a.attnum WHERE c.relnamespace = 'public'::regnamespace "
            "AND c.relkind IN ('r', 'p') AND a.attnum > 0")


@pytest.mark.postgres
def test_postgres_a_default_from_a_sequence_the_column_does_not_own(pg_database_factory,
                                                                    tmp_path: Path) -> None:
    """Pagila's keys: ``DEFAULT nextval('actor_actor_id_seq')``, no OWNED BY, one sequence
    feeding a partitioned table and its partitions. The copy made them identities (each its
    own sequence) beside the standalone one; now the default is the source's, set after the
    load, and the sequence continues past every table it numbers."""
    source, target = pg_database_factory("seqdef"), pg_database_factory("seqdef_copy")
    run_sql(source, SHARED_SEQUENCE)
    result = dbsynth.synth(source, target, seed=1, keys=NO_INFER)
    assert result.integrity.ok and result.objects["not_created"] == []
    assert set(run_sql(target, DEFAULTS)) == set(run_sql(source, DEFAULTS))
    top = run_sql(target, "SELECT greatest((SELECT max(id) FROM note), (SELECT max(id) FROM memo))")
    new = run_sql(target, "INSERT INTO note (body) VALUES ('new') RETURNING id")
    assert new[0][0] > top[0][0]
    memo = run_sql(target, "INSERT INTO memo (at) VALUES (DATE '2024-06-01') RETURNING id")
    assert memo[0][0] > new[0][0]
    # another engine: its own identities, the source's sequence said not portable
    duck = dbsynth.synth(source, duckdb_url(tmp_path / "seq.duckdb"), seed=1, keys=NO_INFER)
    assert duck.integrity.ok
    why = {n["object"]: n["reason"] for n in duck.objects["not_created"]}
    assert "its own identity" in why["default note.id"]


@pytest.mark.postgres
def test_postgres_scaled_out_copy_has_the_same_objects(pg_zoo: str, pg_database_factory) -> None:
    """The staged loader (partitions in a staging schema, published in one transaction)
    creates the domain before its tables and the other objects when it publishes."""
    pytest.importorskip("distributed")
    from dbsynth.scaleout import ScaleOut

    target = pg_database_factory("parted")
    result = dbsynth.synth(pg_zoo, target, seed=1, keys=NO_INFER,
                           scale_out=ScaleOut(workers=1, partitions=2))
    assert result.integrity.ok
    assert pg_catalog(target) == pg_catalog(pg_zoo)


@pytest.mark.postgres
def test_an_object_the_target_refuses_in_a_scaled_out_copy_is_listed(pg_database_factory,
                                                                     tmp_path: Path) -> None:
    """The staged loader lists a translated object the target refuses in the summary, as
    the single-process write does (it used to be logged only): here a SQLite index whose
    name the PostgreSQL target already uses for a table of its own."""
    pytest.importorskip("distributed")
    from dbsynth.scaleout import ScaleOut

    source = tmp_path / "src.db"
    con = sqlite3.connect(source)
    con.executescript("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
                      "CREATE INDEX idx_name ON item (name);")
    con.executemany("INSERT INTO item VALUES (?, ?)", [(i, f"n{i}") for i in range(1, 51)])
    con.commit()
    con.close()
    target = pg_database_factory("refused_copy")
    run_sql(target, "CREATE TABLE idx_name (x integer)")
    result = dbsynth.synth(sqlite_url(source), target, seed=1, keys=NO_INFER,
                           scale_out=ScaleOut(workers=1, partitions=2))
    assert result.integrity.ok
    assert run_sql(target, "SELECT count(*) FROM item") == [(50,)]
    assert [n["object"] for n in result.objects["not_created"]] == ["index idx_name"]
    assert any("idx_name" in note for note in result.notes)


@pytest.mark.postgres
def test_postgres_refresh_recreates_dependent_views(pg_zoo: str, pg_database_factory) -> None:
    """Views and a materialized view read the replaced tables, a function returns a table's
    rows (its row type): they are dropped before and created again after the load (before
    this, the refresh failed and rolled back; with the function, at the DROP TABLE)."""
    target = pg_database_factory("copy")
    assert dbsynth.synth(pg_zoo, target, seed=1, keys=NO_INFER).integrity.ok
    again = dbsynth.synth(pg_zoo, target, seed=2, replace=True, keys=NO_INFER)
    assert again.integrity.ok
    assert pg_catalog(target) == pg_catalog(pg_zoo)
    assert run_sql(target, "SELECT count(*) > 0 FROM active_customers()") == [(True,)]
    payments = run_sql(target, "SELECT count(*) FROM payment")[0][0]
    assert run_sql(target, "SELECT sum(n) FROM monthly_total")[0][0] == payments


@pytest.mark.postgres
def test_postgres_refresh_command_with_dependent_views(pg_zoo: str, pg_database_factory) -> None:
    target = pg_database_factory("copy")
    assert dbsynth.synth(pg_zoo, target, seed=1, keys=NO_INFER).integrity.ok
    result = pipeline.refresh(pg_zoo, target, seed=3, keys=NO_INFER)
    assert result.synth is not None and result.synth.integrity.ok
    assert pg_catalog(target) == pg_catalog(pg_zoo)
    assert run_sql(target, "SELECT count(*) FROM customer_spend")[0][0] > 0


@pytest.mark.postgres
def test_postgres_refresh_still_refuses_an_unmirrored_view(pg_zoo: str,
                                                          pg_database_factory) -> None:
    target = pg_database_factory("copy")
    assert dbsynth.synth(pg_zoo, target, seed=1, keys=NO_INFER).integrity.ok
    run_sql(target, "CREATE VIEW their_report AS SELECT count(*) AS n FROM payment")
    with pytest.raises(dbsynth.errors.UnsafeTargetError, match="their_report"):
        dbsynth.synth(pg_zoo, target, seed=2, replace=True, keys=NO_INFER)


def _store_and_item(url: str, objects: str) -> None:
    """Two unrelated tables (a refresh selects store, keeps item) and ``objects`` on them."""
    run_sql(url, "CREATE TABLE store (id integer PRIMARY KEY, city text NOT NULL);"
                 "CREATE TABLE item (id integer PRIMARY KEY, label text NOT NULL);" + objects
            + "INSERT INTO store SELECT i, 'c' || i FROM generate_series(1, 40) i;"
              "INSERT INTO item SELECT i, 'l' || i FROM generate_series(1, 30) i")


@pytest.mark.postgres
def test_postgres_refresh_of_some_tables_recreates_a_view_reading_one_left_out(
        pg_database_factory) -> None:
    """A view reads a refreshed table and one outside ``--include``: the target keeps the
    latter, so the view is dropped and created again around the replace (it used to block
    the refresh) and the table left out is untouched."""
    source, target = pg_database_factory("beside"), pg_database_factory("beside_copy")
    _store_and_item(source, "CREATE VIEW store_item AS SELECT s.city, i.label FROM store s "
                            "JOIN item i ON i.id = s.id;")
    assert dbsynth.synth(source, target, seed=1, keys=NO_INFER).integrity.ok
    items_before = run_sql(target, "SELECT id, label FROM item ORDER BY id")
    result = pipeline.refresh(source, target, seed=2, include=("store",), keys=NO_INFER)
    assert result.synth is not None and result.synth.integrity.ok
    assert run_sql(target, "SELECT id, label FROM item ORDER BY id") == items_before
    assert pg_catalog(target)["view"] == pg_catalog(source)["view"]
    assert run_sql(target, "SELECT count(*) FROM store_item")[0][0] > 0


@pytest.mark.postgres
def test_postgres_to_duckdb_lists_translated_and_not(pg_zoo: str, tmp_path: Path) -> None:
    target = duckdb_url(tmp_path / "copy.duckdb")
    result = dbsynth.synth(pg_zoo, target, seed=1, keys=NO_INFER)
    assert result.integrity.ok
    created = result.objects["created"]
    assert created == {"index": 2, "view": 1, "materialized view": 1,  # as a view there
                       "comment": 3}
    why = {n["object"]: n["reason"] for n in result.objects["not_created"]}
    assert "index method gin" in why["index customer_tags_idx"]
    assert "index method brin" in why["index payment_paid_brin"]
    assert "INCLUDE" in why["index payment_customer_incl"]
    assert "partial" in why["index customer_active_email_idx"]
    assert "not portable" in why["function cents(numeric)"]
    assert "not portable" in why["trigger customer.customer_last_update"]
    assert "not portable" in why["aggregate sum_sq(numeric)"]
    assert "needs cents(numeric)" in why["view customer_spend"]  # a function not copied
    assert "duckdb refuses" in why["index monthly_total_month_idx"]  # a view there
    assert all(f"{label} is not created" in " ".join(result.notes) for label in why)
    views = dict(run_sql(target, "SELECT view_name, sql FROM duckdb_views() WHERE NOT internal"))
    assert set(views) == {"active_customer", "monthly_total"}
    assert run_sql(target, "SELECT count(*) FROM active_customer")[0][0] > 0
    assert run_sql(target, "SELECT sum(n) FROM monthly_total")[0][0] == \
        run_sql(target, "SELECT count(*) FROM payment")[0][0]
    indexes = {r[0] for r in run_sql(target, "SELECT index_name FROM duckdb_indexes() "
                                             "WHERE sql IS NOT NULL")}
    assert indexes == {"customer_name_idx", "customer_lower_name_idx"}
    assert run_sql(target, "SELECT comment FROM duckdb_tables() WHERE table_name = 'customer'") \
        == [("people who pay",)]
    # into the existing file (one transaction there, which a refused statement would abort:
    # translations are tried on a scratch copy of the DDL first), views made again
    again = dbsynth.synth(pg_zoo, target, seed=2, replace=True, keys=NO_INFER)
    assert again.integrity.ok and again.objects == result.objects
    assert set(dict(run_sql(target, "SELECT view_name, sql FROM duckdb_views() "
                                    "WHERE NOT internal"))) == set(views)


DUCKDB_ZOO = """
CREATE TABLE customer (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, active BOOLEAN NOT NULL);
CREATE TABLE payment (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer (id),
                      amount DECIMAL(10,2) NOT NULL);
INSERT INTO customer SELECT g, 'name ' || g, g % 4 <> 0 FROM range(1, 61) t(g);
INSERT INTO payment SELECT g, 1 + g % 60, (g % 50) + 0.5 FROM range(1, 241) t(g);
CREATE INDEX customer_name_idx ON customer (name);
CREATE INDEX payment_expr_idx ON payment ((amount * 100));
CREATE MACRO cents(x) AS CAST(x * 100 AS BIGINT);
CREATE VIEW active_customer AS SELECT id, name FROM customer WHERE active;
CREATE VIEW customer_spend AS SELECT a.id, sum(cents(p.amount)) AS spent
  FROM active_customer a JOIN payment p ON p.customer_id = a.id GROUP BY a.id;
COMMENT ON TABLE customer IS 'people who pay';
COMMENT ON COLUMN customer.name IS 'as written';
"""

DUCKDB_CATALOG = {
    "index": "SELECT index_name, sql FROM duckdb_indexes() WHERE sql IS NOT NULL",
    "view": "SELECT view_name, sql FROM duckdb_views() WHERE NOT internal",
    "macro": "SELECT function_name, macro_definition FROM duckdb_functions() "
             "WHERE NOT internal AND function_type = 'macro'",
    "comment": "SELECT table_name, comment FROM duckdb_tables() WHERE comment IS NOT NULL "
               "UNION ALL SELECT column_name, comment FROM duckdb_columns() WHERE comment IS NOT NULL",
}


def test_duckdb_copy_has_the_same_objects(tmp_path: Path) -> None:
    source, target = duckdb_url(tmp_path / "zoo.duckdb"), duckdb_url(tmp_path / "copy.duckdb")
    run_sql(source, DUCKDB_ZOO)
    result = dbsynth.synth(source, target, seed=1, keys=NO_INFER)
    assert result.integrity.ok and result.objects["not_created"] == []
    sizes = {"index": 2, "view": 2, "macro": 1, "comment": 2}
    for kind, sql in DUCKDB_CATALOG.items():
        assert set(run_sql(target, sql)) == set(run_sql(source, sql)), kind
        assert len(run_sql(source, sql)) == sizes[kind], kind
    assert run_sql(target, "SELECT count(*) FROM customer_spend")[0][0] > 0
    # a replace: the views (kept by DuckDB across a DROP TABLE) are made again
    assert dbsynth.synth(source, target, seed=2, replace=True, keys=NO_INFER).integrity.ok
    assert set(run_sql(target, DUCKDB_CATALOG["view"])) == set(run_sql(source, DUCKDB_CATALOG["view"]))


SQLITE_ZOO = """
CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT NOT NULL, active INTEGER NOT NULL,
                       last_update TEXT NOT NULL);
CREATE TABLE payment (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer (id),
                      amount NUMERIC(10,2) NOT NULL);
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 60)
INSERT INTO customer SELECT n, 'name ' || n, n % 4 <> 0, '2020-01-' || printf('%02d', 1 + n % 28) FROM g;
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 240)
INSERT INTO payment SELECT n, 1 + n % 60, (n % 50) + 0.5 FROM g;
CREATE INDEX customer_name_idx ON customer (name);
CREATE INDEX customer_active_idx ON customer (name) WHERE active;
CREATE INDEX payment_expr_idx ON payment (amount * 100);
CREATE VIEW active_customer AS SELECT id, name FROM customer WHERE active;
CREATE VIEW customer_spend AS SELECT a.id, sum(p.amount) AS spent
  FROM active_customer a JOIN payment p ON p.customer_id = a.id GROUP BY a.id;
CREATE TRIGGER customer_touch AFTER INSERT ON customer
BEGIN UPDATE customer SET last_update = '2099-01-01' WHERE id = NEW.id; END;
"""


def test_sqlite_copy_has_the_same_objects(tmp_path: Path) -> None:
    source, target = tmp_path / "zoo.db", tmp_path / "copy.db"
    con = sqlite3.connect(source)
    con.executescript(SQLITE_ZOO)
    con.close()
    result = dbsynth.synth(sqlite_url(source), sqlite_url(target), seed=1, keys=NO_INFER)
    assert result.integrity.ok and result.objects["not_created"] == []
    catalog = ("SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'view', "
               "'trigger') AND sql IS NOT NULL")
    assert set(run_any(sqlite_url(target), catalog)) == set(run_any(sqlite_url(source), catalog))
    assert len(run_any(sqlite_url(source), catalog)) == 6  # 3 indexes, 2 views, a trigger
    url = sqlite_url(target)
    assert run_any(url, "SELECT count(*) FROM customer_spend")[0][0] > 0
    assert run_any(url, "SELECT max(last_update) < '2099' FROM customer")[0][0] == 1
    run_any(url, "INSERT INTO customer VALUES (100000, 'new', 1, '2000-01-01')")
    assert run_any(url, "SELECT last_update FROM customer WHERE id = 100000") == [("2099-01-01",)]
    again = dbsynth.synth(sqlite_url(source), url, seed=2, replace=True, keys=NO_INFER)
    assert again.integrity.ok and again.objects["not_created"] == []
    assert set(run_any(url, catalog)) == set(run_any(sqlite_url(source), catalog))


@pytest.mark.postgres
def test_grants_only_when_asked_the_targets_own_kept_missing_roles_named(
        pg_zoo: str, pg_database_factory) -> None:
    from dataclasses import replace

    from dbsynth.schema.objects import SchemaObject

    role = "reader_" + pg_zoo.rsplit("_", 1)[-1][:8]  # roles are the server's: one per test
    run_sql(pg_zoo, f"CREATE ROLE {role}; GRANT SELECT ON customer, active_customer TO {role}")
    can_read = (f"SELECT has_table_privilege('{role}', 'customer', 'SELECT'), "
                f"has_table_privilege('{role}', 'active_customer', 'SELECT'), "
                f"has_table_privilege('{role}', 'payment', 'SELECT')")
    plain = pg_database_factory("plain")
    assert "grant" not in dbsynth.synth(pg_zoo, plain, seed=1, keys=NO_INFER).objects["created"]
    assert run_sql(plain, can_read) == [(False, False, False)]  # off by default
    granted = pg_database_factory("granted")
    result = dbsynth.synth(pg_zoo, granted, seed=1, keys=NO_INFER, grants=True)
    # the two table grants, and whatever the server grants on schema public by default
    assert result.objects["created"]["grant"] == 2 + len(schema_grants(pg_zoo))
    assert run_sql(granted, can_read) == [(True, True, False)]
    # ownership (where it is not the copying role's) and grants on functions come along too
    owner = "owner_" + pg_zoo.rsplit("_", 1)[-1][:8]
    run_sql(pg_zoo, f"CREATE ROLE {owner}; ALTER TABLE payment OWNER TO {owner}; "
                    f"ALTER FUNCTION cents(numeric) OWNER TO {owner}; "
                    f"REVOKE EXECUTE ON FUNCTION sum_sq_step(numeric, numeric) FROM PUBLIC; "
                    f"GRANT EXECUTE ON FUNCTION sum_sq_step(numeric, numeric) TO {role}")
    owned = pg_database_factory("owned")
    result = dbsynth.synth(pg_zoo, owned, seed=1, keys=NO_INFER, grants=True)
    assert result.objects["not_created"] == []
    assert run_sql(owned, "SELECT pg_get_userbyid(relowner) FROM pg_class "
                          "WHERE relname = 'payment'") == [(owner,)]
    assert run_sql(owned, "SELECT pg_get_userbyid(proowner) FROM pg_proc "
                          "WHERE proname = 'cents'") == [(owner,)]
    executes = (f"SELECT has_function_privilege('{role}', 'sum_sq_step(numeric, numeric)', "
                f"'EXECUTE'), has_function_privilege('public', "
                f"'sum_sq_step(numeric, numeric)', 'EXECUTE')")
    assert run_sql(owned, executes) == run_sql(pg_zoo, executes) == [(True, False)]
    # a refresh keeps what the target itself grants on the tables (and views) it replaces
    run_sql(plain, f"GRANT SELECT ON payment, active_customer TO {role}")
    assert dbsynth.synth(pg_zoo, plain, seed=2, replace=True, keys=NO_INFER).integrity.ok
    assert run_sql(plain, can_read) == [(False, True, True)]
    # a role the target's server lacks: the grant is left out, the role named
    model = pipeline.train(pg_zoo, keys=NO_INFER).model
    lacking = SchemaObject("grant", "customer to nobody_here: SELECT",
                           'GRANT SELECT ON TABLE public.customer TO "nobody_here"', "postgres",
                           ("customer",), "customer")
    model.schema = replace(model.schema, objects=model.schema.objects + (lacking,))
    out = pipeline.generate(model, pg_database_factory("lacking"), seed=1, grants=True)
    why = {n["object"]: n["reason"] for n in out.objects["not_created"]}
    assert 'role "nobody_here" does not exist' in why["grant customer to nobody_here: SELECT"]


def schema_grants(url: str, schema: str = "public") -> list[tuple[str, str]]:
    """(grantee, privilege) granted on ``schema``, its owner's left out."""
    return run_sql(url, "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE "
                        "pg_get_userbyid(a.grantee) END, a.privilege_type FROM pg_namespace n, "
                        "aclexplode(n.nspacl) a WHERE n.nspname = '" + schema + "' "
                        "AND a.grantee <> n.nspowner ORDER BY 1, 2")


@pytest.mark.postgres
def test_grants_on_the_schema_follow_it_into_a_target_schema_of_another_name(
        pg_zoo: str, pg_database_factory) -> None:
    role = "user_" + pg_zoo.rsplit("_", 1)[-1][:8]
    run_sql(pg_zoo, f"CREATE ROLE {role}; GRANT USAGE, CREATE ON SCHEMA public TO {role}")
    target = pg_database_factory("staging")
    plain = dbsynth.synth(pg_zoo, target, seed=1, keys=NO_INFER, target_schema="plain")
    assert plain.integrity.ok and schema_grants(target, "plain") == []  # off by default
    granted = dbsynth.synth(pg_zoo, target, seed=1, keys=NO_INFER, target_schema="staging",
                            grants=True)
    assert granted.integrity.ok
    assert (role, "CREATE") in schema_grants(target, "staging")
    assert schema_grants(target, "staging") == schema_grants(pg_zoo)
    assert run_sql(target, f"SELECT has_schema_privilege('{role}', 'staging', 'USAGE'), "
                           f"has_schema_privilege('{role}', 'plain', 'USAGE')") == [(True, False)]


@pytest.mark.postgres
def test_an_extension_the_target_lacks_stops_before_any_work(pg_zoo: str,
                                                             pg_database_factory) -> None:
    from dataclasses import replace

    from dbsynth.connectors.registry import connect
    from dbsynth.schema.objects import SchemaObject

    schema = pipeline.inspect(pg_zoo, keys=NO_INFER).schema
    lacking = SchemaObject("extension", "no_such_ext",
                           "CREATE EXTENSION IF NOT EXISTS no_such_ext", "postgres",
                           after_load=False)
    schema = replace(schema, objects=schema.objects + (lacking,))
    target = connect(pg_database_factory("copy"), role="target")
    try:
        with pytest.raises(dbsynth.errors.SchemaError, match="extension no_such_ext"):
            pipeline.prepare_target(target, schema, replace=False)
    finally:
        target.close()


@pytest.mark.postgres
def test_objects_survive_the_model_file(pg_zoo: str, pg_database_factory,
                                        tmp_path: Path) -> None:
    """generate from a model file creates the objects: they travel in its schema; a schema
    written before objects existed still loads (with none)."""
    trained = pipeline.train(pg_zoo, keys=NO_INFER)
    pipeline.save(trained, tmp_path / "zoo.dbsynth")
    target = pg_database_factory("generated")
    result = pipeline.generate(pipeline.load(tmp_path / "zoo.dbsynth"), target, seed=3)
    assert result.integrity.ok
    assert pg_catalog(target) == pg_catalog(pg_zoo)
    data = trained.model.schema.to_dict()
    assert schema_from_dict(data).objects == trained.model.schema.objects
    data.pop("objects")
    assert schema_from_dict(data).objects == ()


@pytest.mark.postgres
def test_a_refresh_dry_run_lists_the_targets_grants_given_again(pg_zoo: str,
                                                                pg_database_factory) -> None:
    """The dry run is the write plan: the target's own grants on the tables (and mirrored
    views) a replace drops are given again at the end, and the dry run says so."""
    role = "dry_" + pg_zoo.rsplit("_", 1)[-1][:8]
    target = pg_database_factory("dry")
    assert dbsynth.synth(pg_zoo, target, seed=1, keys=NO_INFER).integrity.ok
    run_sql(target, f"CREATE ROLE {role}; GRANT SELECT ON payment, active_customer TO {role}")
    plan = pipeline.refresh(pg_zoo, target, dry_run=True, keys=NO_INFER,
                            on_drift="recreate").plan
    grants = [line for line in plan.ddl if line.startswith("GRANT")]
    assert grants == [f'GRANT SELECT ON TABLE public.active_customer TO {role}',
                      f'GRANT SELECT ON TABLE public.payment TO {role}'], plan.ddl
    assert [op.kind for op in plan.operations.operations if op.sql in grants] == ["grant"] * 2


def test_a_translation_duckdb_refuses_only_in_the_real_file_fails_the_copy_in_one_line(
        tmp_path: Path) -> None:
    """DuckDB has no savepoints: a translated object is rehearsed in a scratch database
    first. One that passes there and fails in the target's file (a name taken by an object
    of the target's own) has aborted the transaction, whose COMMIT would then silently
    write nothing: the copy fails, saying why, and the target is as it was."""
    source = tmp_path / "src.db"
    con = sqlite3.connect(source)
    con.executescript("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
                      "CREATE INDEX idx_name ON item (name);")
    con.executemany("INSERT INTO item VALUES (?, ?)", [(i, f"n{i}") for i in range(1, 51)])
    con.commit()
    con.close()
    target = duckdb_url(tmp_path / "target.duckdb")
    run_sql(target, "CREATE TABLE other (name VARCHAR); CREATE INDEX idx_name ON other (name)")
    with pytest.raises(dbsynth.errors.LoadError, match="idx_name"):
        dbsynth.synth(sqlite_url(source), target, seed=1, keys=NO_INFER)
    assert run_sql(target, "SELECT table_name FROM duckdb_tables()") == [("other",)]


@pytest.mark.postgres
def test_a_view_of_the_targets_own_on_a_mirrored_view_stops_the_replace_before_any_work(
        pg_zoo: str, pg_database_factory) -> None:
    """A replace drops the views dbsynth mirrors and makes them again; a view of the
    target's own that reads one would make that DROP VIEW fail after the training: it is
    judged with the tables, before any work, like a view on a replaced table."""
    from dbsynth.connectors.registry import connect

    target = pg_database_factory("own_view")
    assert dbsynth.synth(pg_zoo, target, seed=1, keys=NO_INFER).integrity.ok
    run_sql(target, "CREATE VIEW mine AS SELECT name FROM active_customer")
    schema = pipeline.inspect(pg_zoo, keys=NO_INFER).schema
    connector = connect(target, role="target")
    try:
        with pytest.raises(dbsynth.errors.UnsafeTargetError, match="mine"):
            pipeline.prepare_target(connector, schema, replace=True)
    finally:
        connector.close()


@pytest.mark.postgres
def test_a_refused_refresh_dry_run_lists_no_source_grants_without_grants(
        pg_zoo: str, pg_database_factory) -> None:
    """Grants are copied only with ``grants``: a dry run refused because an object of the
    target's own blocks the replace shows the same plan, without the source's grants."""
    role = "src_" + pg_zoo.rsplit("_", 1)[-1][:8]
    run_sql(pg_zoo, f"CREATE ROLE {role}; GRANT SELECT ON customer TO {role}")
    target = pg_database_factory("refused")
    assert dbsynth.synth(pg_zoo, target, seed=1, keys=NO_INFER).integrity.ok
    run_sql(target, "CREATE VIEW blocker AS SELECT id FROM customer")
    plan = pipeline.refresh(pg_zoo, target, dry_run=True, keys=NO_INFER,
                            on_drift="recreate").plan
    assert plan.refused is not None and "blocker" in plan.refused
    assert not [line for line in plan.ddl if line.startswith("GRANT")], plan.ddl


@pytest.mark.postgres
def test_a_translated_view_on_postgres_is_replaced_not_blocking(tmp_path: Path,
                                                                 pg_database_factory) -> None:
    """SQLite → PostgreSQL: the view dbsynth translated on the first copy reads the tables a
    second copy replaces; it is dbsynth's own, so the replace drops and makes it again
    instead of stopping (a refresh of such a copy never needs a hand-dropped view)."""
    source = tmp_path / "src.db"
    con = sqlite3.connect(source)
    con.executescript("CREATE TABLE item (id INTEGER PRIMARY KEY, price INTEGER NOT NULL);"
                      "CREATE VIEW cheap AS SELECT id FROM item WHERE price < 10;")
    con.executemany("INSERT INTO item VALUES (?, ?)", [(i, i % 20) for i in range(1, 51)])
    con.commit()
    con.close()
    target = pg_database_factory("translated")
    first = dbsynth.synth(sqlite_url(source), target, seed=1, keys=NO_INFER)
    assert first.objects["created"] == {"view": 1}
    again = dbsynth.synth(sqlite_url(source), target, seed=2, replace=True, keys=NO_INFER)
    assert again.integrity.ok and again.objects["created"] == {"view": 1}
    assert run_sql(target, "SELECT count(*) FROM cheap")[0][0] > 0


COMPOSITE = """
CREATE TYPE address AS (street text, city text, zip varchar(10));
CREATE TYPE money_range AS (low numeric(8,2), high numeric(8,2));
CREATE TABLE shop (id integer PRIMARY KEY, name text NOT NULL, location address,
                   prices money_range, branches address[]);
INSERT INTO shop SELECT g, 'shop ' || g, ROW('street ' || g, 'city', '0' || g)::address,
                        ROW(g, g + 10)::money_range,
                        ARRAY(SELECT ROW('branch ' || k, 'town', NULL)::address
                              FROM generate_series(1, 1 + g % 3) k)
FROM generate_series(1, 50) g;
"""


@pytest.mark.postgres
def test_postgres_composite_types_are_mirrored(pg_database_factory, tmp_path) -> None:
    """A column of a composite type keeps it on a PG -> PG copy: the type is created
    (attributes and their types as declared) before the table that uses it."""
    source, target = pg_database_factory("composite"), pg_database_factory("composite_copy")
    run_sql(source, COMPOSITE)
    result = dbsynth.synth(source, target, seed=1, keys=NO_INFER)
    assert result.integrity.ok
    attributes = ("SELECT t.typname, string_agg(a.attname || ' ' || format_type(a.atttypid, "
                  "a.atttypmod), ', ' ORDER BY a.attnum) FROM pg_type t JOIN pg_attribute a "
                  "ON a.attrelid = t.typrelid WHERE t.typtype = 'c' AND t.typnamespace = "
                  "'public'::regnamespace AND (SELECT relkind FROM pg_class WHERE oid = "
                  "t.typrelid) = 'c' GROUP BY t.typname")
    assert set(run_sql(target, attributes)) == set(run_sql(source, attributes))
    columns = ("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
               "WHERE attrelid = 'shop'::regclass AND attnum > 0 AND NOT attisdropped")
    assert set(run_sql(target, columns)) == set(run_sql(source, columns))
    assert run_sql(target, "SELECT count(*) FROM shop")[0][0] == 50
    # the values are modelled, attribute by attribute (never NULL, each in its own place)
    assert result.notes == [] or not any("location" in n for n in result.notes)
    assert run_sql(target, "SELECT count(*) FROM shop WHERE location IS NULL "
                           "OR prices IS NULL")[0][0] == 0
    assert run_sql(target, "SELECT DISTINCT (location).city FROM shop") == [("city",)]
    assert run_sql(target, "SELECT min((prices).low) >= 1, max((prices).low) <= 50, "
                           "min((prices).high) >= 11, max((prices).high) <= 60, "
                           "count(DISTINCT (location).street) > 1 FROM shop") == [(True,) * 5]
    # an array of a composite: a list of records, modelled like one (it was written NULL)
    assert run_sql(target, "SELECT count(*) FROM shop WHERE branches IS NULL") == [(0,)]
    assert run_sql(target, "SELECT min(cardinality(branches)) >= 1, max(cardinality(branches)) "
                           "<= 3, bool_and(b.city = 'town' AND b.zip IS NULL) FROM shop, "
                           "unnest(branches) b") == [(True, True, True)]
    # into another engine, a JSON object of the attributes
    other = dbsynth.synth(source, f"duckdb:///{tmp_path / 'composite.duckdb'}", seed=1,
                          keys=NO_INFER)
    assert other.integrity.ok
    import duckdb
    with duckdb.connect(str(tmp_path / "composite.duckdb")) as con:
        cities = con.execute("SELECT DISTINCT json_extract_string(location, '$.city') "
                             "FROM shop").fetchall()
        towns = con.execute("SELECT DISTINCT json_extract_string(branches, '$[0].city') "
                            "FROM shop").fetchall()
    assert cities == [("city",)] and towns == [("town",)]


@pytest.mark.postgres
def test_postgres_refresh_of_some_tables_leaves_a_kept_tables_trigger_alone(
        pg_database_factory) -> None:
    """A trigger on a table outside ``--include`` calls a function: the target keeps both,
    so the refresh must not create the trigger again (CREATE TRIGGER fails on the one the
    kept table has); the trigger stays, working."""
    source, target = pg_database_factory("kept_trigger"), pg_database_factory("kept_trigger_copy")
    _store_and_item(source, "CREATE FUNCTION upper_label() RETURNS trigger LANGUAGE plpgsql AS "
                            "$$ BEGIN NEW.label := upper(NEW.label); RETURN NEW; END $$;"
                            "CREATE TRIGGER item_upper BEFORE INSERT ON item FOR EACH ROW "
                            "EXECUTE FUNCTION upper_label();")
    assert dbsynth.synth(source, target, seed=1, keys=NO_INFER).integrity.ok
    items_before = run_sql(target, "SELECT id, label FROM item ORDER BY id")
    result = pipeline.refresh(source, target, seed=2, include=("store",), keys=NO_INFER)
    assert result.synth is not None and result.synth.integrity.ok
    assert run_sql(target, "SELECT id, label FROM item ORDER BY id") == items_before
    run_sql(target, "INSERT INTO item VALUES (1000, 'new')")
    assert run_sql(target, "SELECT label FROM item WHERE id = 1000") == [("NEW",)]
