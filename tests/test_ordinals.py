"""Line numbers (``(order_id, line_no)`` keys): found at fit time, numbered per parent when
generating, across the chunks of a streamed table.

Before, a line number was drawn from its distribution: an order with more lines than values
drawn collided, and where the lines' order is picked by a secondary link (their primary
parent is another table, as TPC-H's lineitem → partsupp) an order's lines spread over every
chunk, so the redraws grew chunk after chunk (on TPC-H at scale 8: 3,000 redrawn rows in the
first chunk of 200,000, 930,000 in the last; generation time per chunk x4).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from dbsynth import pipeline
from dbsynth.model.relational.ordinals import Numbering, Ordinal, find_ordinals
from dbsynth.schema.model import Column, ForeignKey, PrimaryKey, SqlType, Table

LINE = Table("line", (Column("order_id", SqlType("integer"), False),
                      Column("line_no", SqlType("integer"), False),
                      Column("code", SqlType("integer"), False)),
             PrimaryKey(("order_id", "line_no")),
             foreign_keys=(ForeignKey(("order_id",), "orders", ("id",)),))


def _lines(rng: np.random.Generator, orders: int = 200) -> pd.DataFrame:
    sizes = rng.integers(1, 8, orders)
    return pd.DataFrame({"order_id": np.repeat(np.arange(orders), sizes),
                         "line_no": np.concatenate([np.arange(1, k + 1) for k in sizes]),
                         "code": rng.integers(1, 10_000, int(sizes.sum()))})


def test_a_numbering_is_found_whole_or_sampled_and_a_code_is_not() -> None:
    rng = np.random.default_rng(1)
    lines = _lines(rng)
    assert find_ordinals(LINE, lines) == {"line_no": Ordinal("line_no", ("order_id",), 1)}
    counts = {(k,): int(n) for k, n in lines.groupby("order_id").size().items()}
    sample = lines.sample(frac=0.5, random_state=1)  # gaps: only the true counts tell
    assert find_ordinals(LINE, sample, {("order_id",): counts}) == {
        "line_no": Ordinal("line_no", ("order_id",), 1)}
    assert find_ordinals(LINE, sample) == {}  # without them, a gap is not a numbering
    coded = Table(LINE.name, LINE.columns, PrimaryKey(("order_id", "code")), foreign_keys=LINE.foreign_keys)
    assert find_ordinals(coded, lines.drop_duplicates(["order_id", "code"])) == {}
    zero = lines.assign(line_no=lines["line_no"] - 1)
    assert find_ordinals(LINE, zero)["line_no"].start == 0


def test_numbers_continue_per_parent_across_chunks() -> None:
    numbering = Numbering(Ordinal("line_no", ("order_id",), 1))
    first = pd.DataFrame({"order_id": [5, 5, 7, 5, None], "line_no": [9, 9, 9, 9, 3]})
    numbering.number(first)
    assert first["line_no"].tolist() == [1, 2, 1, 3, 3]  # no parent: the drawn value stays
    second = pd.DataFrame({"order_id": [7, 5, 8], "line_no": [0, 0, 0]})
    numbering.number(second)
    assert second["line_no"].tolist() == [2, 4, 1]


ORDERS_AND_LINES = """
CREATE TABLE part (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, placed DATE NOT NULL);
CREATE TABLE line (order_id INTEGER NOT NULL REFERENCES orders (id), line_no INTEGER NOT NULL,
                   part_id INTEGER NOT NULL REFERENCES part (id), qty INTEGER NOT NULL,
                   PRIMARY KEY (order_id, line_no){unique});
"""


@pytest.mark.parametrize("stream_rows, unique", [(300, ""), (1_000_000, ""),
                                                 (300, ", UNIQUE (order_id, part_id)")])
def test_lines_picked_by_a_secondary_link_are_numbered_per_order(tmp_path, monkeypatch,
                                                                 stream_rows: int, unique: str) -> None:
    """Each part has many lines (its primary parent), each order few: an order's lines come
    from every chunk; they get 1 … n in the copy, the key holds without a redraw. With a
    second key on the order (a part once per order), its redraws move rows to other orders:
    they are numbered once their rows are final (numbered before, the load failed on
    duplicates of (order_id, line_no))."""
    rng = np.random.default_rng(3)
    source = tmp_path / "shop.duckdb"
    con = duckdb.connect(str(source))
    con.execute(ORDERS_AND_LINES.format(unique=unique))
    con.execute("INSERT INTO part SELECT i, 'p' || i FROM range(1, 61) t(i)")
    con.execute("INSERT INTO orders SELECT i, DATE '2024-01-01' + CAST(i % 300 AS INTEGER) FROM range(1, 1201) t(i)")
    sizes = rng.integers(1, 6, 1200)
    lines = pd.DataFrame({"order_id": np.repeat(np.arange(1, 1201), sizes),
                          "line_no": np.concatenate([np.arange(1, k + 1) for k in sizes]),
                          "part_id": np.concatenate([rng.choice(np.arange(1, 61), k, replace=False)
                                                     for k in sizes]),
                          "qty": rng.integers(1, 20, int(sizes.sum()))})
    con.register("lines", lines)
    con.execute("INSERT INTO line SELECT * FROM lines")
    con.close()
    monkeypatch.setattr(pipeline, "STREAM_ROWS", stream_rows)
    trained = pipeline.train(f"duckdb:///{source}", seed=1)
    assert trained.model.tables["line"].ordinals == {"line_no": Ordinal("line_no", ("order_id",), 1)}
    assert trained.model.tables["line"].primary.parent == "part"  # orders: a secondary link
    target = f"duckdb:///{tmp_path / 'copy.duckdb'}"
    result = pipeline.generate(trained.model, target, seed=2, scale=2)
    assert result.integrity.ok
    con = duckdb.connect(str(tmp_path / "copy.duckdb"), read_only=True)
    try:
        orders, off = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE n <> top OR low <> 1 OR numbers <> n) FROM "
            "(SELECT order_id, count(*) n, count(DISTINCT line_no) numbers, max(line_no) top, "
            "min(line_no) low FROM line GROUP BY order_id) t").fetchone()
        written = con.execute("SELECT count(*) FROM line").fetchone()[0]
    finally:
        con.close()
    assert written == result.rows["line"] > 2 * len(lines) * 0.8
    assert orders > 100 and off == 0  # every order's lines numbered 1 … n
