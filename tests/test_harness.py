"""Tests of the test harness itself (tests/conftest.py, tests/zoo, tests/data/chinook)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from conftest import (
    CHINOOK_TABLES,
    ZOO_TABLES,
    duckdb_path,
    duckdb_url,
    run_sql,
    url_kind,
    zoo_sql,
)

CHINOOK_COUNTS = {
    "album": 347, "artist": 275, "customer": 59, "employee": 8, "genre": 25,
    "invoice": 412, "invoice_line": 2240, "media_type": 5, "playlist": 18,
    "playlist_track": 8715, "track": 3503,
}
ZOO_COUNTS = {
    "department": 8, "person": 40, "employee": 30, "skill": 12, "person_skill": 50,
    "product": 25, "User": 20, "order": 40, "order_line": 60, "audit_log": 0,
}


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def schema_of(url: str) -> str:
    return "main" if url_kind(url) == "duckdb" else "public"


def table_names(url: str) -> set[str]:
    rows = run_sql(url, "SELECT table_name FROM information_schema.tables "
                        f"WHERE table_schema = '{schema_of(url)}' AND table_type = 'BASE TABLE'")
    return {r[0] for r in rows}


def row_counts(url: str, tables) -> dict[str, int]:
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {q(t)}" for t in tables)
    return {t: n for t, n in run_sql(url, sql)}


def foreign_keys(url: str) -> set[tuple[str, str]]:
    """{(table, first referencing column)} of the declared foreign keys."""
    if url_kind(url) == "duckdb":
        rows = run_sql(url, "SELECT table_name, constraint_column_names[1] FROM duckdb_constraints() "
                            "WHERE constraint_type = 'FOREIGN KEY'")
    else:
        rows = run_sql(url, """
            SELECT c.conrelid::regclass::text, a.attname
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace""")
    return {(t.strip('"'), c) for t, c in rows}


def all_rows(url: str, table: str) -> list[tuple]:
    return run_sql(url, f"SELECT * FROM {q(table)} ORDER BY 1, 2")


# ------------------------------------------------------------------------------------------
# server and factories
# ------------------------------------------------------------------------------------------

@pytest.mark.postgres
def test_pg_server_answers_select_1(pg_server, pg_cluster):
    assert pg_server.startswith("postgresql://")
    assert pg_server.count("/") == 2  # no database part
    assert run_sql(pg_cluster.admin_url, "SELECT 1") == [(1,)]
    (version,), = run_sql(pg_cluster.admin_url, "SHOW server_version_num")
    assert int(version) >= 130000  # DROP DATABASE ... WITH (FORCE)


@pytest.mark.postgres
def test_pg_database_factory_gives_fresh_isolated_databases(pg_database_factory, pg_server):
    a, b = pg_database_factory("same"), pg_database_factory("same")
    assert a != b and a.startswith(pg_server + "/") and b.startswith(pg_server + "/")
    assert table_names(a) == set()
    run_sql(a, "CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2)")
    assert run_sql(a, "SELECT count(*) FROM t") == [(2,)]
    assert table_names(b) == set()
    # the "+psycopg" driver suffix is accepted
    assert run_sql(a.replace("postgresql://", "postgresql+psycopg://"), "SELECT 7") == [(7,)]


def test_duckdb_path_factory_gives_fresh_paths(duckdb_path_factory, tmp_path):
    a, b = duckdb_path_factory("x"), duckdb_path_factory("x")
    assert a != b and not a.exists() and not b.exists()
    assert a.parent == tmp_path and a.suffix == ".duckdb"
    url = duckdb_url(a)
    assert url == "duckdb:///" + str(a) and url.startswith("duckdb:////")
    assert duckdb_path(url) == a


def test_db_factory_new_runs_ddl_and_run_sql_returns_last_rows(db_factory):
    empty = db_factory.new()
    assert url_kind(empty) == db_factory.kind
    assert table_names(empty) == set()
    url = db_factory.new("CREATE TABLE t (x INTEGER PRIMARY KEY, y VARCHAR(10));"
                         "INSERT INTO t VALUES (1, 'a'), (2, NULL), (3, 'c');", name="ddl")
    assert url != empty
    assert table_names(url) == {"t"}
    rows = run_sql(url, "SELECT 1; SELECT x, y FROM t ORDER BY x")
    assert rows == [(1, "a"), (2, None), (3, "c")]
    if db_factory.kind == "duckdb":
        assert duckdb_path(url).is_file()


@pytest.mark.postgres
def test_db_factory_postgres_ddl_is_one_transaction(db_factory):
    if db_factory.kind != "postgres":
        pytest.skip("PostgreSQL only")
    with pytest.raises(Exception):
        db_factory.new("CREATE TABLE t (x int); INSERT INTO t VALUES ('not a number');")


# ------------------------------------------------------------------------------------------
# schema zoo
# ------------------------------------------------------------------------------------------

def test_zoo_loads_with_expected_tables_and_rows(zoo_url):
    assert table_names(zoo_url) == set(ZOO_TABLES)
    assert row_counts(zoo_url, ZOO_TABLES) == ZOO_COUNTS


def test_zoo_special_columns(zoo_url):
    kind = url_kind(zoo_url)
    cols = {
        (t, c): (dt, udt)
        for t, c, dt, udt in run_sql(zoo_url, "SELECT table_name, column_name, data_type, udt_name "
                                              "FROM information_schema.columns "
                                              f"WHERE table_schema = '{schema_of(zoo_url)}'")
    }
    assert ("User", "Name") in cols and ("User", "select") in cols
    assert ("order", "ordered_at") in cols
    if kind == "postgres":
        assert cols[("product", "ratings")] == ("ARRAY", "_int4")
        assert cols[("person", "mood")] == ("USER-DEFINED", "mood")
        assert cols[("product", "price")][0] == "numeric"
    else:
        assert cols[("product", "ratings")][0] == "INTEGER[]"
        assert cols[("product", "price")][0] == "DECIMAL(10,2)"
        (mood_type,), = run_sql(zoo_url, "SELECT typeof(mood) FROM person LIMIT 1")
        assert mood_type.startswith("ENUM")
    assert run_sql(zoo_url, "SELECT ratings FROM product WHERE sku = 'SKU-1007'") == [([4, 4, 2],)]
    assert run_sql(zoo_url, "SELECT count(*) FROM product WHERE ratings IS NULL") == [(2,)]
    assert run_sql(zoo_url, 'SELECT "Name", "select" FROM "User" WHERE user_id = 1') == [
        ("Noor Okafor", "free")]
    assert run_sql(zoo_url, "SELECT count(*) FROM employee WHERE manager_id IS NULL") == [(1,)]
    assert run_sql(zoo_url, "SELECT count(*) FROM department WHERE head_person_id IS NULL") == [(2,)]

    fks = foreign_keys(zoo_url)
    expected = {
        ("person", "department_id"), ("employee", "person_id"), ("employee", "manager_id"),
        ("person_skill", "person_id"), ("person_skill", "skill_id"), ("User", "person_id"),
        ("order", "user_id"), ("order_line", "order_id"), ("order_line", "product_sku"),
        ("audit_log", "user_id"),
    }
    if kind == "postgres":
        expected.add(("department", "head_person_id"))  # DuckDB cannot declare the cycle
    assert fks == expected


def test_zoo_constraints_are_enforced(zoo_url):
    with pytest.raises(Exception, match="(?i)check"):
        run_sql(zoo_url, "INSERT INTO product (sku, name, price) VALUES ('SKU-X', 'Free', 0)")
    with pytest.raises(Exception, match="(?i)foreign key"):
        run_sql(zoo_url, "INSERT INTO order_line VALUES (1, 99, 'NO-SUCH-SKU', 1, 1.00)")
    with pytest.raises(Exception, match="(?i)(duplicate|primary key|unique)"):
        run_sql(zoo_url, "INSERT INTO order_line SELECT * FROM order_line LIMIT 1")


@pytest.mark.postgres
def test_zoo_has_identical_data_in_both_engines(pg_database_factory, duckdb_path_factory):
    pg = pg_database_factory("zoo")
    run_sql(pg, zoo_sql("postgres"))
    path = duckdb_path_factory("zoo")
    duck = duckdb_url(path)
    run_sql(duck, zoo_sql("duckdb"))
    for table in ZOO_TABLES:
        assert all_rows(pg, table) == all_rows(duck, table), table
    # identity / serial / sequence defaults continue after the loaded rows
    assert run_sql(pg, "SELECT nextval(pg_get_serial_sequence('employee', 'employee_id')), "
                       "nextval(pg_get_serial_sequence('product', 'product_id'))") == [(31, 26)]
    assert run_sql(duck, "SELECT nextval('employee_id_seq'), nextval('product_id_seq')") == [(31, 26)]


# ------------------------------------------------------------------------------------------
# Chinook
# ------------------------------------------------------------------------------------------

@pytest.mark.postgres
def test_chinook_pg_and_duckdb_match(chinook_pg_url, chinook_duckdb_url):
    for url in (chinook_pg_url, chinook_duckdb_url):
        assert table_names(url) == set(CHINOOK_TABLES), url
        assert row_counts(url, CHINOOK_TABLES) == CHINOOK_COUNTS, url
        assert len(foreign_keys(url)) == 11, url
    pg_fks, duck_fks = foreign_keys(chinook_pg_url), foreign_keys(chinook_duckdb_url)
    assert pg_fks == duck_fks
    for table in ("employee", "invoice", "track", "genre"):
        assert all_rows(chinook_pg_url, table) == all_rows(chinook_duckdb_url, table), table
    total = "SELECT sum(total), min(invoice_date) FROM invoice"
    assert run_sql(chinook_pg_url, total) == run_sql(chinook_duckdb_url, total) == [
        (Decimal("2328.60"), datetime.datetime(2021, 1, 1))]
