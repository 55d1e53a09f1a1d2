"""Synthesis of databases whose keys were stripped (tables loaded from CSV or Parquet): the
copy must keep the keys that hold in the source, whatever inference found of them.

Each test builds a small key-less DuckDB source, synthesizes it into a new DuckDB file with
key inference on, and checks in the target by SQL: no orphan of a reference that holds in the
source, no duplicate of a key that is unique in the source, and the row counts.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from dbsynth import pipeline


def _synth(tmp_path: Path, sql: str, scale: float = 1.0) -> duckdb.DuckDBPyConnection:
    source, target = tmp_path / "source.duckdb", tmp_path / "copy.duckdb"
    con = duckdb.connect(str(source))
    con.execute(sql)
    con.close()
    result = pipeline.synth(f"duckdb:///{source}", f"duckdb:///{target}", scale=scale, seed=0)
    assert result.integrity.ok
    return duckdb.connect(str(target), read_only=True)


def _orphans(con: duckdb.DuckDBPyConnection, child: str, column: str, parent: str, key: str) -> int:
    return int(con.execute(
        f'SELECT count(*) FROM "{child}" c WHERE c."{column}" IS NOT NULL AND NOT EXISTS '
        f'(SELECT 1 FROM "{parent}" p WHERE p."{key}" = c."{column}")').fetchone()[0])


def _duplicates(con: duckdb.DuckDBPyConnection, table: str, *columns: str) -> int:
    listed = ", ".join(f'"{c}"' for c in columns)
    return int(con.execute(f'SELECT count(*) FROM (SELECT {listed} FROM "{table}" GROUP BY {listed} '
                           'HAVING count(*) > 1)').fetchone()[0])


ALTERNATE = """
CREATE TABLE grape (id INTEGER, grape VARCHAR, colour VARCHAR);
CREATE TABLE product (product_id INTEGER, sku VARCHAR, price DOUBLE);
CREATE TABLE pupil (pupil_no INTEGER, surname VARCHAR, age INTEGER);
CREATE TABLE wine (grape VARCHAR, product_sku VARCHAR, pupil_no INTEGER, year INTEGER);
INSERT INTO grape SELECT i, 'grape ' || i, CASE WHEN i % 2 = 0 THEN 'red' ELSE 'white' END
  FROM range(1, 21) t(i);
INSERT INTO product SELECT i, 'SKU-' || (1000 + 7 * i), i * 1.5 FROM range(1, 31) t(i);
INSERT INTO pupil SELECT 1000 + 3 * i, 'name ' || i, 10 + i % 8 FROM range(1, 41) t(i);
INSERT INTO wine SELECT 'grape ' || (1 + (i * 7) % 17), 'SKU-' || (1000 + 7 * (1 + (i * 5) % 23)),
  1000 + 3 * (1 + (i * 11) % 37), 1990 + i % 30 FROM range(1, 301) t(i);
"""


def test_references_to_alternate_keys_keep_their_parents(tmp_path: Path) -> None:
    """A child column naming a parent's column unique in the data but not its primary key
    (``grape`` → ``grape.grape``, ``product_sku`` → ``product.sku``, ``pupil_no`` in a
    table keyed by nothing else): the parent column stays unique and every child value is one."""
    con = _synth(tmp_path, ALTERNATE)
    assert _orphans(con, "wine", "grape", "grape", "grape") == 0
    assert _orphans(con, "wine", "product_sku", "product", "sku") == 0
    assert _orphans(con, "wine", "pupil_no", "pupil", "pupil_no") == 0
    assert _duplicates(con, "grape", "grape") == 0
    assert _duplicates(con, "product", "sku") == 0
    assert _duplicates(con, "pupil", "pupil_no") == 0
    rows = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
            for t in ("grape", "product", "pupil", "wine")}
    assert rows == {"grape": 20, "product": 30, "pupil": 40, "wine": 300}
