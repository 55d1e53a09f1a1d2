"""Shapes that broke earlier versions (found in review), from a PostgreSQL source into both
engines: enums defined in another schema, generated columns, FKs to a unique index, one-to-one
self references, jsonb and interval NOT NULL, money, sentinel dates, schema-qualified defaults, and
--replace next to objects dbsynth does not own."""

from __future__ import annotations

import pytest
from conftest import run_sql

import dbsynth
from dbsynth.errors import UnsafeTargetError

EDGE_SQL = """
CREATE SCHEMA shop;
CREATE TYPE public.color AS ENUM ('red', 'green', 'blue');
CREATE TYPE shop.status AS ENUM ('new', 'paid');
CREATE TABLE shop.sku (
    sku_id   integer PRIMARY KEY,
    code     text NOT NULL,
    fav      public.color,
    status   shop.status NOT NULL DEFAULT 'new'::shop.status,
    price    numeric(8,2) NOT NULL,
    qty      integer NOT NULL,
    total    numeric GENERATED ALWAYS AS (price * qty) STORED,
    attrs    jsonb NOT NULL,
    lead     interval NOT NULL,
    valid_to date NOT NULL,
    fee      money NOT NULL
);
CREATE UNIQUE INDEX sku_code_idx ON shop.sku (code);
CREATE TABLE shop.sale (
    sale_id integer PRIMARY KEY,
    code    text NOT NULL REFERENCES shop.sku (code),
    next_id integer UNIQUE REFERENCES shop.sale (sale_id)
);
INSERT INTO shop.sku (sku_id, code, fav, price, qty, attrs, lead, valid_to, fee)
SELECT i, 'C-' || lpad(i::text, 4, '0'), (ARRAY['red','green','blue'])[1 + i % 3]::public.color,
       (i % 17) + 0.5, i % 5 + 1, jsonb_build_object('size', i % 4), make_interval(days => i % 9),
       CASE WHEN i % 10 = 0 THEN DATE '9999-12-31' ELSE DATE '2024-01-01' + i END,
       (1000 + i * 2.5)::numeric::money
FROM generate_series(1, 60) AS i;
INSERT INTO shop.sale (sale_id, code) SELECT i, 'C-' || lpad((1 + i % 60)::text, 4, '0')
FROM generate_series(1, 80) AS i;
UPDATE shop.sale SET next_id = sale_id + 1 WHERE sale_id < 40;
"""


@pytest.fixture
def edge_source(pg_database_factory) -> str:  # type: ignore[no-untyped-def]
    url = pg_database_factory("edge")
    run_sql(url, EDGE_SQL)
    return url


@pytest.mark.postgres
@pytest.mark.parametrize("target_kind", ["postgres", "duckdb"])
def test_edge_shapes_round_trip(edge_source: str, target_kind: str, pg_database_factory,
                                duckdb_path_factory) -> None:  # type: ignore[no-untyped-def]
    target = (pg_database_factory("edge_copy") if target_kind == "postgres"
              else f"duckdb:///{duckdb_path_factory('edge_copy')}")
    schema = dbsynth.inspect(edge_source, schema="shop").schema
    assert ("code",) in [u.columns for u in schema.table("sku").uniques]  # the unique index
    assert schema.table("sku").column("total").generated is not None
    result = dbsynth.synth(edge_source, target, source_schema="shop",
                           target_schema="shop_copy" if target_kind == "postgres" else None)
    assert result.integrity.ok
    table = "shop_copy.sku" if target_kind == "postgres" else "sku"
    sale = "shop_copy.sale" if target_kind == "postgres" else "sale"
    rows = run_sql(target, f"SELECT count(*), count(DISTINCT code), "
                           f"sum(CASE WHEN total = price * qty THEN 1 ELSE 0 END) FROM {table}")[0]
    assert rows[0] == 60 and rows[1] == 60 and rows[2] == 60  # generated column computed
    dup_next = run_sql(target, f"SELECT count(*) - count(DISTINCT next_id) FROM {sale} "
                               "WHERE next_id IS NOT NULL")[0][0]
    assert dup_next == 0
    assert run_sql(target, f"SELECT count(*) FROM {table} WHERE attrs IS NULL OR lead IS NULL")[0][0] == 0
    # money (which the driver reads as locale text, '$1,002.50') is learned as a number (and
    # stays money in a PostgreSQL copy: read back as numeric)
    low, high = run_sql(target, f"SELECT CAST(min(fee) AS numeric), CAST(max(fee) AS numeric) "
                                f"FROM {table}")[0]
    assert 1000 <= float(low) <= float(high) <= 1150


@pytest.mark.postgres
def test_replace_refuses_to_drop_what_depends_on_our_tables(edge_source: str,
                                                            pg_database_factory) -> None:  # type: ignore[no-untyped-def]
    target = pg_database_factory("edge_deps")
    dbsynth.synth(edge_source, target, source_schema="shop", target_schema="shop")
    run_sql(target, "CREATE VIEW shop.cheap AS SELECT * FROM shop.sku WHERE price < 5")
    with pytest.raises(UnsafeTargetError, match=r"depends on them: view shop\.cheap"):
        dbsynth.synth(edge_source, target, source_schema="shop", target_schema="shop", replace=True)
    assert run_sql(target, "SELECT count(*) FROM shop.cheap")[0][0] >= 0  # the view survived


def test_not_null_copy_of_a_parent_column_without_parent_on_copy_on_write(tmp_path) -> None:
    """A NOT NULL column that repeats its parent's column, on rows whose FK is NULL, gets
    fresh values: pandas 3's copy-on-write hands out read-only arrays (this crashed with
    'assignment destination is read-only')."""
    import duckdb

    source, target = tmp_path / "s.duckdb", tmp_path / "t.duckdb"
    con = duckdb.connect(str(source))
    con.execute("CREATE TABLE parent (id INT PRIMARY KEY, code INT NOT NULL)")
    con.execute("INSERT INTO parent SELECT i, i * 7 FROM range(1, 201) t(i)")
    con.execute("CREATE TABLE child (id INT PRIMARY KEY, pid INT REFERENCES parent (id), "
                "code INT NOT NULL)")
    con.execute("INSERT INTO child SELECT i, CASE WHEN i % 5 = 0 THEN NULL ELSE i % 200 + 1 END, "
                "i FROM range(1, 1001) t(i)")
    con.execute("UPDATE child SET code = (SELECT p.code FROM parent p WHERE p.id = child.pid) "
                "WHERE pid IS NOT NULL")
    con.close()
    result = dbsynth.synth(f"duckdb:///{source}", f"duckdb:///{target}")
    assert result.integrity.ok
    nulls = run_sql(f"duckdb:///{target}", "SELECT count(*), count(*) FILTER (WHERE pid IS NULL) "
                                            "FROM child WHERE code IS NULL")[0]
    assert nulls[0] == 0
    assert run_sql(f"duckdb:///{target}", "SELECT count(*) FROM child WHERE pid IS NULL")[0][0] > 0
