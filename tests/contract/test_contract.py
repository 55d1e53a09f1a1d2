"""One behaviour suite over every backend (postgres, duckdb, sqlite): introspect, load and
read back, keys after the load, identities advanced, a cycle, errors, and synth round trips
with integrity proved by SQL in the target. Skips go by capability, never by engine name."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

import dbsynth
from dbsynth.connectors.registry import connect
from dbsynth import pipeline
from dbsynth.pipeline import KeyOptions
from dbsynth.errors import DbsynthError, SchemaError
from contract.conftest import Backend, make_backend, sqlite_url

NO_INFER = KeyOptions(infer=False)
TABLES = {"customer", "product", "orders", "order_line", "shipment"}


def orphans(backend: Backend, url: str, child: str, cols: list[str], parent: str,
            refs: list[str]) -> int:
    """Orphans counted by our own SQL in the target (not dbsynth's check)."""
    join = " AND ".join(f'p."{r}" = c."{c}"' for c, r in zip(cols, refs))
    not_null = " AND ".join(f'c."{c}" IS NOT NULL' for c in cols)
    return backend.sql(url, f'SELECT count(*) FROM "{child}" c WHERE {not_null} AND NOT EXISTS '
                            f'(SELECT 1 FROM "{parent}" p WHERE {join})')[0][0]


def duplicates(backend: Backend, url: str, table: str, cols: list[str]) -> int:
    group = ", ".join(f'"{c}"' for c in cols)
    return backend.sql(url, f'SELECT count(*) FROM (SELECT {group} FROM "{table}" '
                            f'GROUP BY {group} HAVING count(*) > 1) d')[0][0]


def assert_contract_integrity(backend: Backend, url: str) -> None:
    assert orphans(backend, url, "orders", ["customer_id"], "customer", ["id"]) == 0
    assert orphans(backend, url, "order_line", ["order_id"], "orders", ["id"]) == 0
    assert orphans(backend, url, "order_line", ["sku"], "product", ["sku"]) == 0
    assert orphans(backend, url, "shipment", ["order_id", "line_no"], "order_line",
                   ["order_id", "line_no"]) == 0
    assert duplicates(backend, url, "order_line", ["order_id", "line_no"]) == 0
    assert duplicates(backend, url, "customer", ["id"]) == 0


# -- introspection ------------------------------------------------------------------------
def test_introspect_tables_types_and_keys(backend: Backend) -> None:
    found = pipeline.inspect(backend.source(), keys=NO_INFER)
    schema = found.schema
    assert set(schema.table_names) == TABLES
    customer = schema.table("customer")
    assert customer.column("name").type.name == "varchar"
    if backend.caps.keeps_varchar_length:
        assert customer.column("name").type.length == 40
    assert not customer.column("name").nullable
    balance = customer.column("balance").type
    assert (balance.name, balance.precision, balance.scale) == ("numeric", 10, 2)
    assert customer.column("joined").type.name == "date"
    assert customer.column("id").type.is_integer
    if backend.caps.identity_kind != "none":
        assert customer.column("id").identity is not None
    assert customer.primary_key and customer.primary_key.columns == ("id",)
    assert [u.columns for u in customer.uniques] == [("email",)]
    line = schema.table("order_line")
    assert line.primary_key and line.primary_key.columns == ("order_id", "line_no")
    assert {(f.columns, f.ref_table, f.ref_columns) for f in line.foreign_keys} == {
        (("order_id",), "orders", ("id",)), (("sku",), "product", ("sku",))}
    (ship_fk,) = schema.table("shipment").foreign_keys
    assert (ship_fk.columns, ship_fk.ref_table, ship_fk.ref_columns) == (
        ("order_id", "line_no"), "order_line", ("order_id", "line_no"))
    assert len(schema.table("product").checks) == 1
    assert schema.table("orders").row_count == 8


def test_read_back_values(backend: Backend) -> None:
    source = connect(backend.source())
    try:
        schema = source.introspect()
        frame = source.read_table(schema.table("customer"))
    finally:
        source.close()
    assert len(frame) == 6
    assert sorted(frame["name"]) == ["Ada", "Bo", "Cy", "Di", "Ed", "Flo"]
    assert sorted(int(v) for v in frame["id"]) == [1, 2, 3, 4, 5, 6]
    assert frame["balance"].notna().sum() == 5


# -- load into the backend ----------------------------------------------------------------
def test_synth_into_itself_keys_and_identity(backend: Backend) -> None:
    source, target = backend.source(), backend.target()
    result = dbsynth.synth(source, target, seed=1, keys=NO_INFER)
    assert result.integrity.ok
    assert_contract_integrity(backend, target)
    assert backend.sql(target, 'SELECT count(*) FROM "orders"')[0][0] == 8
    # keys after the load: the target declares what the source does
    mirrored = pipeline.inspect(target, keys=NO_INFER).schema
    assert mirrored.table("order_line").primary_key.columns == ("order_id", "line_no")
    assert len(mirrored.table("shipment").foreign_keys) == 1
    assert [u.columns for u in mirrored.table("customer").uniques] == [("email",)]
    if backend.caps.identity_kind == "none":
        return  # nothing numbers the rows an application adds
    # identities advanced: a row the application inserts gets a fresh key
    top = backend.sql(target, 'SELECT max("id") FROM "customer"')[0][0]
    backend.sql(target, "INSERT INTO \"customer\" (\"name\") VALUES ('new')")
    fresh = backend.sql(target, "SELECT \"id\" FROM \"customer\" WHERE \"name\" = 'new'")[0][0]
    assert fresh > top


def test_declared_keys_refuse_bad_rows(backend: Backend) -> None:
    """Foreign keys hold in the target: an orphan insert fails (checked where the engine
    checks: per statement, or at COMMIT)."""
    backend.require("enforces_keys")
    target = backend.target()
    assert dbsynth.synth(backend.source(), target, keys=NO_INFER).integrity.ok
    with pytest.raises(Exception):
        if backend.caps.deferred_fk_checks:  # SQLite checks only with the pragma on
            con = sqlite3.connect(target[len("sqlite:///"):])
            con.execute("PRAGMA foreign_keys = ON")
            con.execute('INSERT INTO "orders" ("id", "customer_id") VALUES (999, 123456)')
            con.commit()
        else:
            backend.sql(target, 'INSERT INTO "orders" ("id", "customer_id") VALUES (999, 123456)')


CYCLE = """
CREATE TABLE dept (id INTEGER PRIMARY KEY, name TEXT, head_id INTEGER REFERENCES emp (id));
CREATE TABLE emp (id INTEGER PRIMARY KEY, dept_id INTEGER NOT NULL REFERENCES dept (id),
                  manager_id INTEGER REFERENCES emp (id), name TEXT);
INSERT INTO dept VALUES (1, 'a', NULL), (2, 'b', NULL), (3, 'c', NULL);
INSERT INTO emp VALUES (10, 1, NULL, 'x'), (11, 1, 10, 'y'), (12, 2, 10, 'z'), (13, 3, 12, 'w'),
                       (14, 2, 13, 'v'), (15, 3, 13, 'u');
UPDATE dept SET head_id = 10 + id;
"""


def test_cycle_and_self_reference(backend: Backend, request, tmp_path) -> None:
    """A cycle (dept <-> emp) and a self reference, from SQLite (which can declare the
    cycle) into the backend: the cut key is loaded NULL, then filled."""
    source = make_backend("sqlite", request, tmp_path).source(CYCLE, rows=None, name="cycle")
    target = backend.target()
    result = dbsynth.synth(source, target, seed=3, keys=NO_INFER)
    assert result.integrity.ok
    filled = backend.sql(target, 'SELECT count(*) FROM "dept" WHERE "head_id" IS NOT NULL')[0][0]
    assert filled > 0
    assert orphans(backend, target, "dept", ["head_id"], "emp", ["id"]) == 0
    assert orphans(backend, target, "emp", ["manager_id"], "emp", ["id"]) == 0
    declared = {(t.name, f.columns) for t in pipeline.inspect(target, keys=NO_INFER).schema.tables
                for f in t.foreign_keys}
    assert ("emp", ("dept_id",)) in declared
    if backend.caps.fk_after_load or backend.caps.deferred_fk_checks:
        assert ("dept", ("head_id",)) in declared  # the cut key is declared too


# -- errors -------------------------------------------------------------------------------
def test_unreachable_database_is_one_line(backend: Backend) -> None:
    with pytest.raises(DbsynthError) as caught:
        pipeline.inspect(backend.missing_url)
    assert "\n" not in str(caught.value) and str(caught.value)


def test_missing_table_is_one_line(backend: Backend) -> None:
    url = backend.source()
    table = pipeline.inspect(url, keys=NO_INFER).schema.table("orders")
    for name in ("shipment", "order_line", "orders"):
        backend.drop_table(url, name)
    source = connect(url)
    try:
        with pytest.raises(SchemaError) as caught:
            source.read_table(table)
    finally:
        source.close()
    assert "\n" not in str(caught.value) and "orders" in str(caught.value)


# -- round trips across engines -----------------------------------------------------------
PAIRS = [("sqlite", "duckdb"), pytest.param("sqlite", "postgres", marks=pytest.mark.postgres),
         ("sqlite", "sqlite"), ("duckdb", "sqlite"),
         pytest.param("postgres", "sqlite", marks=pytest.mark.postgres),
         ("parquet", "csv"), ("csv", "sqlite"), ("sqlite", "parquet")]


@pytest.mark.parametrize(("source_kind", "target_kind"), PAIRS)
def test_round_trip(source_kind: str, target_kind: str, request, tmp_path) -> None:
    source_backend = make_backend(source_kind, request, tmp_path)
    target_backend = make_backend(target_kind, request, tmp_path)
    source, target = source_backend.source(), target_backend.target()
    result = dbsynth.synth(source, target, scale=2.0, seed=5, keys=NO_INFER)
    assert result.integrity.ok
    assert_contract_integrity(target_backend, target)
    assert target_backend.sql(target, 'SELECT count(*) FROM "order_line"')[0][0] >= 10
    mirrored = pipeline.inspect(target, keys=NO_INFER).schema
    assert set(mirrored.table_names) == TABLES
    assert mirrored.table("customer").column("balance").type.name in ("numeric", "double")


def test_sqlite_values_that_break_their_type(request, tmp_path, caplog) -> None:
    """Text in an INTEGER column (SQLite keeps it): read, warned about, never a crash."""
    lite = make_backend("sqlite", request, tmp_path)
    source = lite.source("""
        CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, m INTEGER, d DATE);
        INSERT INTO t VALUES (1, 5, 'x', '2020-01-01'), (2, 'oops', 'y', 'not a date'),
                             (3, 7, 'z', '2020-03-01'), (4, 8, 2, '2020-04-01');
    """, rows=None)
    caplog.set_level("WARNING")
    schema = pipeline.inspect(source, keys=NO_INFER).schema
    assert schema.table("t").column("m").type.name == "text"  # mostly text: read as text
    assert schema.table("t").column("n").type.name == "integer"  # a few misfits: NULL
    assert "t.n" in caplog.text and "t.m" in caplog.text and "t.d" in caplog.text
    target = lite.target()
    assert dbsynth.synth(source, target, keys=NO_INFER).integrity.ok


@pytest.mark.postgres
def test_chinook_through_sqlite(chinook_pg_url: str, backend: Backend, request, tmp_path) -> None:
    """A real schema (Chinook: 11 tables, a self reference, a junction table) written into
    SQLite, then read back from SQLite into the backend, integrity proved both times."""
    lite = make_backend("sqlite", request, tmp_path).target("chinook")
    assert dbsynth.synth(chinook_pg_url, lite, seed=2, keys=NO_INFER).integrity.ok
    target = backend.target("chinook-copy")
    result = dbsynth.synth(lite, target, seed=2, keys=NO_INFER)
    assert result.integrity.ok
    assert orphans(backend, target, "invoice_line", ["track_id"], "track", ["track_id"]) == 0
    assert orphans(backend, target, "employee", ["reports_to"], "employee", ["employee_id"]) == 0


def test_sqlite_lengths_and_key_nulls_the_file_never_checked(tmp_path, backend) -> None:  # type: ignore[no-untyped-def]
    """SQLite checks neither VARCHAR lengths nor NOT NULL in a composite primary key: a copy
    into any backend types the column by its longest value and keeps the key NOT NULL."""
    import sqlite3

    from dbsynth import pipeline

    path = tmp_path / "loose.db"
    con = sqlite3.connect(path)
    con.executescript("CREATE TABLE museum (museum_id INTEGER PRIMARY KEY, name VARCHAR(5));"
                      "CREATE TABLE visit (museum_id INTEGER REFERENCES museum (museum_id), "
                      "  visitor TEXT, PRIMARY KEY (museum_id, visitor));"
                      "INSERT INTO museum VALUES (1, 'much longer than five'), (2, 'short');"
                      "INSERT INTO visit VALUES (1, 'a'), (1, NULL), (2, 'b'), (2, 'c');")
    con.commit()
    con.close()
    target = backend.target("loose_copy")
    result = pipeline.synth(f"sqlite:///{path}", target, seed=1)
    assert result.integrity.ok
    schema = pipeline.inspect(f"sqlite:///{path}", keys=pipeline.KeyOptions(infer=False)).schema
    assert schema.table("museum").column("name").type.length == len("much longer than five")
    assert not schema.table("visit").column("visitor").nullable


# -- values that look like the source's -----------------------------------------------------
def test_constants_grids_and_codes_survive_the_target(backend: Backend) -> None:
    """A constant timestamp with microseconds comes back exact, prices on .99 stay on it,
    codes keep their shape and capitals stay capitals — read back from the target itself."""
    import datetime as dt

    rows = ", ".join(
        f"({i}, '2006-02-15 04:57:20.123456', {[0.99, 2.99, 4.99][i % 3]}, 'AB-{(i * 37) % 10000:04d}', "
        f"'{['SMITH', 'JONES', 'BROWN', 'DAVIS', 'MILLER', 'WILSON', 'MOORE'][i % 7]}')"
        for i in range(1, 61))
    source = backend.source("CREATE TABLE film (film_id INTEGER PRIMARY KEY, "
                            f"last_update {backend.caps.types['timestamp']} NOT NULL, rental_rate DECIMAL(4,2) NOT NULL, "
                            "sku VARCHAR(10) NOT NULL, last_name VARCHAR(20) NOT NULL);\n"
                            f"INSERT INTO film VALUES {rows};", rows=None)
    target = backend.target()
    result = dbsynth.synth(source, target, seed=2, keys=NO_INFER)
    assert result.integrity.ok
    reader = connect(target)
    try:
        frame = reader.read_table(reader.introspect().table("film"))
    finally:
        reader.close()
    assert len(frame) == 60
    assert (pd.to_datetime(frame["last_update"]) == pd.Timestamp(dt.datetime(2006, 2, 15, 4, 57, 20, 123456))).all()
    assert {f"{float(v):.2f}" for v in frame["rental_rate"]} == {"0.99", "2.99", "4.99"}
    assert frame["sku"].astype(str).str.fullmatch(r"AB-\d{4}").all()
    surnames = frame["last_name"].astype(str)  # faked (a personal column), in capitals
    assert (surnames == surnames.str.upper()).all()


def test_names_with_percent_spaces_and_umlauts_load_and_keep_their_keys(backend: Backend) -> None:
    """Real schemas name columns ``%_veränderung_2007`` or ``order date``: a ``%`` is a
    placeholder to drivers that bind with ``%s`` (PyMySQL, psycopg), so every table is written
    in full and its key holds, whatever the name."""
    parents = ", ".join(f"({i}, 'n{i}', {i * 1.5})" for i in range(1, 41))
    children = ", ".join(f"({i}, {1 + i % 40}, 'x{i % 3}')" for i in range(1, 121))
    source = backend.source(
        'CREATE TABLE "flug hafen" ("flughafen_id" INTEGER PRIMARY KEY, "name ä" VARCHAR(20) NOT NULL, '
        '"%_veränderung" REAL NOT NULL);\n'
        'CREATE TABLE "100%_lauf" ("id" INTEGER PRIMARY KEY, "flughafen_id" INTEGER NOT NULL '
        'REFERENCES "flug hafen" ("flughafen_id"), "wert %s" VARCHAR(5));\n'
        f'INSERT INTO "flug hafen" VALUES {parents};\nINSERT INTO "100%_lauf" VALUES {children};', rows=None)
    target = backend.target()
    result = dbsynth.synth(source, target, seed=1, keys=NO_INFER)
    assert result.integrity.ok
    assert backend.sql(target, 'SELECT count(*) FROM "flug hafen"')[0][0] == 40
    assert backend.sql(target, 'SELECT count(*) FROM "100%_lauf"')[0][0] == 120
    assert orphans(backend, target, "100%_lauf", ["flughafen_id"], "flug hafen", ["flughafen_id"]) == 0
    assert backend.sql(target, 'SELECT count(*) FROM "flug hafen" WHERE "%_veränderung" IS NULL')[0][0] == 0


def test_any_text_loads_and_a_null_default_key_column_is_created(backend: Backend, request, tmp_path) -> None:
    """Text beyond Latin-1 ('Đoković', '€') loads whatever the target server's default
    character set (a throwaway MariaDB's is latin1), and a key column SQLite declared
    ``DEFAULT NULL`` is created (MySQL refuses ``DEFAULT NULL NOT NULL``)."""
    names = ["Đoković", "Müller €", "Żółć", "O'Brien", "李小龍"]
    rows = ", ".join(f"({i}, {i % 3}, '{names[i % 5].replace(chr(39), chr(39) * 2)} {i}')"
                     for i in range(1, 51))
    source = make_backend("sqlite", request, tmp_path).source(
        "CREATE TABLE spieler (paper_id INTEGER DEFAULT NULL, set_id INTEGER DEFAULT NULL, "
        "name TEXT NOT NULL, PRIMARY KEY (paper_id, set_id));\n"
        f"INSERT INTO spieler VALUES {rows};", rows=None, name="unicode")
    target = backend.target()
    result = dbsynth.synth(source, target, seed=3, keys=NO_INFER)
    assert result.integrity.ok
    assert backend.sql(target, "SELECT count(*) FROM spieler")[0][0] == 50
    assert duplicates(backend, target, "spieler", ["paper_id", "set_id"]) == 0
    written = {str(r[0]) for r in backend.sql(target, "SELECT name FROM spieler")}
    assert any(ord(ch) > 255 for text in written for ch in text)  # read back as written


@pytest.mark.parametrize("per_query", [500, 1])
def test_integrity_check_counts_every_kind_of_violation(backend: Backend, per_query: int,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The check counts what it claims (by its own SQL, in any engine): duplicate keys, NULLs
    in NOT NULL columns (all of a table's in one scan), orphans (a NULL key is none) and sizes
    off — on a target whose tables declare nothing, against the schema that declares them."""
    from dbsynth.writer import integrity
    from dbsynth.writer.integrity import check_integrity

    monkeypatch.setattr(integrity, "NULL_COUNTS_PER_QUERY", per_query)  # 1: a query per column

    declared = backend.source(
        "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL, code TEXT NOT NULL);\n"
        "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id),"
        " note TEXT);", rows=None, name="declared")
    bare = backend.source(
        "CREATE TABLE parent (id INTEGER, name TEXT, code TEXT);\n"
        "CREATE TABLE child (id INTEGER, parent_id INTEGER, note TEXT);",
        rows="INSERT INTO parent VALUES (1, 'a', 'x'), (1, 'b', NULL), (2, NULL, NULL);\n"
             "INSERT INTO child VALUES (1, 1, NULL), (2, 3, 'x'), (3, NULL, 'y'), (4, 2, 'z');",
        name="bare")
    source, target = connect(declared), connect(bare, role="target")
    try:
        report = check_integrity(target, source.introspect(), expected={"parent": 3, "child": 40})
    finally:
        source.close()
        target.close()
    by_table = {t.table: t for t in report.tables}
    assert (by_table["parent"].rows, by_table["parent"].duplicates,
            by_table["parent"].null_violations) == (3, 1, 3)
    assert (by_table["child"].rows, by_table["child"].orphans,
            by_table["child"].null_violations) == (4, 1, 1)
    kinds = sorted((v.table, v.kind, v.detail, v.count) for v in report.violations
                   if v.kind in ("not_null", "size"))
    assert kinds == [("child", "not_null", "parent_id", 1), ("child", "size", "child: 4 rows, 40 asked", 36),
                     ("parent", "not_null", "code", 2), ("parent", "not_null", "name", 1)]
    assert not report.ok
