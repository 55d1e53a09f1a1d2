"""Issue 17, PostgreSQL → PostgreSQL: a partition's own CHECK and UNIQUE constraints (none on
the parent) are on that partition in the copy, with their names, and the generated rows hold
them; across engines the plain table declares them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import dbsynth
from conftest import duckdb_url, run_sql
from dbsynth.pipeline import KeyOptions

NO_INFER = KeyOptions(infer=False)

PARTITION_CONSTRAINTS = """
CREATE TABLE device (id integer PRIMARY KEY, kind text NOT NULL);
CREATE TABLE reading (
  id integer NOT NULL,
  device_id integer NOT NULL REFERENCES device (id),
  taken date NOT NULL,
  value numeric(8,2) NOT NULL,
  code text NOT NULL,
  PRIMARY KEY (id, taken, device_id)
) PARTITION BY RANGE (taken);
CREATE TABLE reading_2023 PARTITION OF reading FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE reading_2024 PARTITION OF reading FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')
  PARTITION BY RANGE (device_id);
CREATE TABLE reading_2024_low PARTITION OF reading_2024 FOR VALUES FROM (MINVALUE) TO (20);
CREATE TABLE reading_2024_high PARTITION OF reading_2024 FOR VALUES FROM (20) TO (MAXVALUE);
CREATE TABLE reading_other PARTITION OF reading DEFAULT;
-- on partitions only: the rows of 2023 are small, those of 2024 (at any depth) not negative,
-- and a code is unique within 2024's low devices
ALTER TABLE reading_2023 ADD CONSTRAINT reading_2023_small CHECK (value < 50);
ALTER TABLE reading_2024 ADD CONSTRAINT reading_2024_positive CHECK (value >= 0);
ALTER TABLE reading_2024_low ADD CONSTRAINT reading_2024_low_code UNIQUE (code);
INSERT INTO device SELECT g, CASE WHEN g % 3 = 0 THEN 'meter' ELSE 'probe' END
FROM generate_series(1, 40) g;
INSERT INTO reading SELECT row_number() OVER (), d, DATE '2023-01-01' + 5 * k,
  CASE WHEN k < 73 THEN (d * k) % 50 ELSE 40 + (d * k) % 60 END, 'c' || d || '-' || k
FROM generate_series(1, 40) d, generate_series(0, 145) k;
"""

CONSTRAINTS = ("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
               "FROM pg_constraint WHERE contype IN ('c', 'u') AND conrelid::regclass::text "
               "LIKE 'reading%'")


@pytest.mark.postgres
def test_postgres_partitions_own_checks_and_uniques(pg_database_factory, tmp_path: Path) -> None:
    source, target = pg_database_factory("pcons"), pg_database_factory("pcons_copy")
    run_sql(source, PARTITION_CONSTRAINTS)
    result = dbsynth.synth(source, target, seed=1, keys=NO_INFER)
    assert result.integrity.ok and result.objects["not_created"] == []
    assert set(run_sql(target, CONSTRAINTS)) == set(run_sql(source, CONSTRAINTS))
    assert ("reading_2023", "reading_2023_small", "CHECK ((value < (50)::numeric))") in \
        run_sql(target, CONSTRAINTS)
    assert ("reading_2024_low", "reading_2024_low_code", "UNIQUE (code)") in \
        run_sql(target, CONSTRAINTS)
    # rows were generated for them: the 2023 rows exist and are small, 2024's are not negative
    assert run_sql(target, "SELECT count(*) > 0, max(value) < 50 FROM reading_2023") == [(True, True)]
    assert run_sql(target, "SELECT count(*) > 0, min(value) >= 0 FROM reading_2024") == [(True, True)]
    assert run_sql(target, "SELECT max(value) >= 50 FROM reading") == [(True,)]  # not on all
    # the top table declares none of them (PostgreSQL would refuse the UNIQUE there)
    assert run_sql(target, "SELECT count(*) FROM pg_constraint WHERE conrelid = 'reading'::regclass "
                           "AND contype IN ('c', 'u')") == [(0,)]
    # a replace makes them again
    assert dbsynth.synth(source, target, seed=2, replace=True, keys=NO_INFER).integrity.ok
    assert set(run_sql(target, CONSTRAINTS)) == set(run_sql(source, CONSTRAINTS))
    # another engine: one plain table, which declares them (said so)
    duck_url = duckdb_url(tmp_path / "pcons.duckdb")
    duck = dbsynth.synth(source, duck_url, seed=1, keys=NO_INFER)
    assert duck.integrity.ok
    why = {n["object"]: n["reason"] for n in duck.objects["not_created"]}
    assert "it is declared on it" in why["constraint reading_2023.reading_2023_small"]
    assert run_sql(duck_url, "SELECT count(*) FROM reading WHERE taken < DATE '2024-01-01' "
                             "AND taken >= DATE '2023-01-01' AND value >= 50") == [(0,)]



ROW_TYPE = """
CREATE TABLE spot (id integer PRIMARY KEY, x integer NOT NULL, label text);
CREATE TABLE shape (id integer PRIMARY KEY, corner spot, name text NOT NULL);
INSERT INTO spot SELECT g, g * 2, 'p' || g FROM generate_series(1, 30) g;
INSERT INTO shape SELECT g, ROW(g, g * 3, 'c' || g)::spot, 's' || g FROM generate_series(1, 30) g;
"""


COLUMN_TYPE = ("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
               "WHERE attrelid = 'shape'::regclass AND attname = 'corner'")


@pytest.mark.postgres
def test_postgres_a_column_of_a_tables_row_type(pg_database_factory, tmp_path: Path) -> None:
    """``shape.corner`` has ``spot``'s row type: the copy declared it json and failed loading
    record literals into it; now it has that row type (``spot`` is created first, though
    ``shape`` sorts before it) and holds the generated records."""
    source, target = pg_database_factory("rowtype"), pg_database_factory("rowtype_copy")
    run_sql(source, ROW_TYPE)
    result = dbsynth.synth(source, target, seed=1, keys=NO_INFER)
    assert result.integrity.ok
    assert run_sql(target, COLUMN_TYPE) == [("spot",)]
    assert run_sql(target, "SELECT count(*), count(corner), count((corner).x) FROM shape") \
        == [(30, 30, 30)]
    assert run_sql(target, "SELECT min((corner).x) > 0 FROM shape") == [(True,)]
    # a replace drops the table typed by the other first
    assert dbsynth.synth(source, target, seed=2, replace=True, keys=NO_INFER).integrity.ok
    assert run_sql(target, COLUMN_TYPE) == [("spot",)]
    # another engine: a JSON object of its attributes, as any composite there
    duck_url = duckdb_url(tmp_path / "rowtype.duckdb")
    assert dbsynth.synth(source, duck_url, seed=1, keys=NO_INFER).integrity.ok
    values = run_sql(duck_url, "SELECT corner FROM shape WHERE corner IS NOT NULL")
    assert len(values) == 30 and all(set(json.loads(v)) == {"id", "x", "label"} for (v,) in values)


SERIALS = """
CREATE TABLE ticket (id serial PRIMARY KEY, code bigserial NOT NULL, title text NOT NULL);
CREATE TABLE badge (id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                    ticket_id integer NOT NULL REFERENCES ticket (id));
INSERT INTO ticket (title) SELECT 'ticket ' || g FROM generate_series(1, 40) g;
INSERT INTO badge (ticket_id) SELECT 1 + g % 40 FROM generate_series(1, 60) g;
"""

SERIAL_CATALOG = ("SELECT c.relname || '.' || a.attname, a.attidentity::text, "
                  "coalesce(pg_get_expr(d.adbin, d.adrelid), ''), "
                  "coalesce(pg_get_serial_sequence(c.relname, a.attname), '') "
                  "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                  "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
                  "WHERE c.relname IN ('ticket', 'badge') AND a.attnum > 0")


@pytest.mark.postgres
def test_postgres_serial_columns_stay_serial(pg_database_factory, tmp_path: Path) -> None:
    """A serial (DEFAULT nextval of a sequence OWNED BY the column) was written as an
    identity; now it is the source's: the sequence of the same name, owned by the column,
    its default, advanced past the loaded keys. An identity stays one."""
    source, target = pg_database_factory("serials"), pg_database_factory("serials_copy")
    run_sql(source, SERIALS)
    result = dbsynth.synth(source, target, seed=1, keys=NO_INFER)
    assert result.integrity.ok and result.objects["not_created"] == []
    assert set(run_sql(target, SERIAL_CATALOG)) == set(run_sql(source, SERIAL_CATALOG))
    assert ("ticket.id", "", "nextval('ticket_id_seq'::regclass)", "public.ticket_id_seq") in \
        run_sql(target, SERIAL_CATALOG)
    assert ("badge.id", "d", "", "public.badge_id_seq") in run_sql(target, SERIAL_CATALOG)
    top = run_sql(target, "SELECT max(id), max(code) FROM ticket")[0]
    new = run_sql(target, "INSERT INTO ticket (title) VALUES ('new') RETURNING id, code")[0]
    assert new[0] > top[0] and new[1] > top[1]
    badge = run_sql(target, "SELECT max(id) FROM badge")[0][0]
    assert run_sql(target, f"INSERT INTO badge (ticket_id) VALUES ({new[0]}) RETURNING id")[0][0] > badge
    # a replace makes them again
    assert dbsynth.synth(source, target, seed=2, replace=True, keys=NO_INFER).integrity.ok
    assert set(run_sql(target, SERIAL_CATALOG)) == set(run_sql(source, SERIAL_CATALOG))
    # another engine: its own identities
    duck_url = duckdb_url(tmp_path / "serials.duckdb")
    duck = dbsynth.synth(source, duck_url, seed=1, keys=NO_INFER)
    assert duck.integrity.ok
    why = {n["object"]: n["reason"] for n in duck.objects["not_created"]}
    assert "its own identity" in why["default ticket.id"]


@pytest.mark.postgres
def test_postgres_a_row_type_of_a_table_outside_the_copy_is_written_as_json(
        pg_database_factory, caplog) -> None:
    """``shape.corner`` has the row type of ``other.spot``, a table of a schema not copied:
    the copy cannot declare that type, so the column is JSON holding every value (COPY got
    record literals for a json column and failed the load), and a warning says so."""
    source, target = pg_database_factory("rt_out"), pg_database_factory("rt_out_copy")
    run_sql(source, "CREATE SCHEMA other; CREATE TABLE other.spot (id integer PRIMARY KEY, x integer, label text);"
                    "CREATE TABLE shape (id integer PRIMARY KEY, corner other.spot, name text NOT NULL);"
                    "INSERT INTO shape SELECT g, ROW(g, g * 3, 'c' || g)::other.spot, 's' || g "
                    "FROM generate_series(1, 30) g;")
    with caplog.at_level("WARNING"):
        result = dbsynth.synth(source, target, seed=1, keys=NO_INFER)
    assert result.integrity.ok
    assert run_sql(target, "SELECT data_type FROM information_schema.columns WHERE table_name = 'shape' "
                           "AND column_name = 'corner'") == [("jsonb",)]
    assert run_sql(target, "SELECT count(*), count(corner) FROM shape") == [(30, 30)]
    keys = run_sql(target, "SELECT DISTINCT jsonb_object_keys(corner) FROM shape ORDER BY 1")
    assert [k[0] for k in keys] == ["id", "label", "x"]
    assert any("other.spot" in r.getMessage() and "written as" in r.getMessage() for r in caplog.records)
