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


SHARED_PAIR = """
CREATE TABLE documents (document_id INTEGER, title VARCHAR);
CREATE TABLE drafts (document_id INTEGER, draft_number INTEGER, details VARCHAR);
CREATE TABLE draft_copies (document_id INTEGER, draft_number INTEGER, note VARCHAR);
INSERT INTO documents SELECT 100 + i, 'doc ' || i FROM range(1, 31) t(i);
INSERT INTO drafts SELECT 100 + d, n, 'draft ' || d || '.' || n FROM range(1, 31) a(d), range(1, 4) b(n)
  WHERE (d + n) % 2 = 0;
INSERT INTO draft_copies SELECT document_id, draft_number, 'copy' FROM drafts
  WHERE (document_id + 3 * draft_number) % 3 <> 0;
"""


def test_a_table_keyed_like_its_parent_references_it(tmp_path: Path) -> None:
    """``draft_copies`` is keyed by the pair that keys ``drafts`` and holds fewer of them
    (one-to-one, optional): the pair references ``drafts``, so the copy has no orphan pair."""
    con = _synth(tmp_path, SHARED_PAIR)
    orphans = con.execute(
        "SELECT count(*) FROM draft_copies c WHERE NOT EXISTS (SELECT 1 FROM drafts d "
        "WHERE d.document_id = c.document_id AND d.draft_number = c.draft_number)").fetchone()[0]
    assert orphans == 0
    assert _duplicates(con, "draft_copies", "document_id", "draft_number") == 0
    source = duckdb.connect(str(tmp_path / "source.duckdb"), read_only=True)
    expected = source.execute("SELECT count(*) FROM draft_copies").fetchone()[0]
    assert con.execute("SELECT count(*) FROM draft_copies").fetchone()[0] == expected


def test_two_junctions_of_the_same_tables_do_not_reference_each_other(tmp_path: Path) -> None:
    """Both tables keyed by the pair, each column naming another table's key: two facts on
    the same pairs, each referencing the two tables, not one the other."""
    path = tmp_path / "keyless.duckdb"
    con = duckdb.connect(str(path))
    con.execute("""
        CREATE TABLE channel (channel_id INTEGER, name VARCHAR);
        CREATE TABLE program (program_id INTEGER, name VARCHAR);
        CREATE TABLE broadcast (channel_id INTEGER, program_id INTEGER, slot VARCHAR);
        CREATE TABLE broadcast_share (channel_id INTEGER, program_id INTEGER, share DOUBLE);
        INSERT INTO channel SELECT i, 'c' || i FROM range(1, 11) t(i);
        INSERT INTO program SELECT i, 'p' || i FROM range(1, 8) t(i);
        INSERT INTO broadcast SELECT c, p, 'night' FROM range(1, 11) a(c), range(1, 8) b(p) WHERE (c * p) % 3 = 0;
        INSERT INTO broadcast_share SELECT channel_id, program_id, 0.5 FROM broadcast WHERE channel_id % 2 = 0;
    """)
    con.close()
    found = pipeline.inspect(f"duckdb:///{path}")
    fks = {(t.name, fk.columns, fk.ref_table) for t in found.schema.tables for fk in t.foreign_keys}
    assert ("broadcast_share", ("channel_id",), "channel") in fks
    assert ("broadcast_share", ("program_id",), "program") in fks
    assert not any(child == "broadcast_share" and parent == "broadcast" for child, _, parent in fks)


SUBTYPE_BY_VALUES = """
CREATE TABLE documents (document_id INTEGER, kind VARCHAR, created DATE);
CREATE TABLE receipts (document_id INTEGER, amount DOUBLE);
CREATE TABLE statements (statement_id INTEGER, details VARCHAR);
CREATE TABLE accounts (account_id INTEGER, statement_id INTEGER, balance DOUBLE);
CREATE TABLE nurse (employee_id INTEGER, name VARCHAR);
CREATE TABLE room (room_number INTEGER, floor INTEGER);
INSERT INTO documents SELECT 1000 + 13 * i, 'k' || (i % 4), DATE '2020-01-01' + CAST(i AS INTEGER) FROM range(1, 41) t(i);
INSERT INTO receipts SELECT 1000 + 13 * i, i * 2.5 FROM range(1, 41) t(i) WHERE i % 3 <> 0;
INSERT INTO statements SELECT 1000 + 13 * i, 'statement ' || i FROM range(1, 41) t(i) WHERE i > 25 AND i % 2 = 0;
INSERT INTO accounts SELECT i, 1000 + 13 * (26 + 2 * (i % 7)), i * 10.0 FROM range(1, 31) t(i);
INSERT INTO nurse SELECT 100 + i, 'n' || i FROM range(1, 4) t(i);
INSERT INTO room SELECT 100 + i, i % 3 FROM range(1, 21) t(i);
"""


def test_a_subtype_keyed_by_its_parents_key_under_another_name(tmp_path: Path) -> None:
    """``statements.statement_id`` holds document ids (sparse, a subset; also within the
    subtype ``receipts``, which references ``documents``): it references ``documents``, so
    no statement of the copy lacks its document. A run of ids (``nurse`` 101..103) inside
    another key (room numbers) is the table's own sequence, no reference."""
    con = _synth(tmp_path, SUBTYPE_BY_VALUES)
    assert _orphans(con, "statements", "statement_id", "documents", "document_id") == 0
    assert _orphans(con, "accounts", "statement_id", "statements", "statement_id") == 0
    assert _duplicates(con, "statements", "statement_id") == 0
    found = pipeline.inspect(f"duckdb:///{tmp_path / 'source.duckdb'}")
    fks = {(t.name, fk.columns, fk.ref_table) for t in found.schema.tables for fk in t.foreign_keys}
    assert ("statements", ("statement_id",), "documents") in fks
    assert not any(child == "nurse" for child, _, _ in fks)


NESTED_COMPOSITES = """
CREATE TABLE drafts (document_id INTEGER, draft_number INTEGER, details VARCHAR,
                     PRIMARY KEY (document_id, draft_number));
CREATE TABLE printed_copies (document_id INTEGER, draft_number INTEGER, copy_number INTEGER,
                     PRIMARY KEY (document_id, draft_number, copy_number));
CREATE TABLE circulation (document_id INTEGER, draft_number INTEGER, copy_number INTEGER,
                          handed_on DATE);
INSERT INTO drafts SELECT d, n, 'draft' FROM range(1, 21) a(d), range(1, 4) b(n);
INSERT INTO printed_copies SELECT d, n, c FROM range(1, 21) a(d), range(1, 3) b(n), range(1, 5) t(c)
  WHERE (d + n + c) % 2 = 0;
INSERT INTO circulation SELECT document_id, draft_number, copy_number,
  DATE '2024-01-01' + CAST(i AS INTEGER) FROM printed_copies, range(1, 3) r(i)
  WHERE (document_id + copy_number + i) % 3 <> 0;
"""


def test_the_widest_composite_key_a_child_holds_is_its_reference(tmp_path: Path) -> None:
    """``circulation`` holds the columns of both the drafts' pair and the printed copies'
    triple (which reference the drafts): it references the triple, so no circulated copy is
    missing from the synthetic ``printed_copies`` (whichever table the schema lists first)."""
    con = _synth(tmp_path, NESTED_COMPOSITES)
    orphans = con.execute(
        "SELECT count(*) FROM circulation c WHERE NOT EXISTS (SELECT 1 FROM printed_copies p WHERE "
        "p.document_id = c.document_id AND p.draft_number = c.draft_number "
        "AND p.copy_number = c.copy_number)").fetchone()[0]
    assert orphans == 0
    source = duckdb.connect(str(tmp_path / "source.duckdb"), read_only=True)
    for table in ("drafts", "printed_copies", "circulation"):
        expected = source.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == expected


SURROGATE_AND_LINKS = """
CREATE TABLE swimmer (id INTEGER, name VARCHAR);
CREATE TABLE event (id INTEGER, name VARCHAR);
CREATE TABLE record (id INTEGER, result VARCHAR, swimmer_id INTEGER, event_id INTEGER);
CREATE TABLE doctor (employee_id INTEGER, name VARCHAR);
CREATE TABLE procedure (code INTEGER, name VARCHAR, cost DOUBLE);
CREATE TABLE trained_in (doctor INTEGER, treatment INTEGER, certified DATE);
INSERT INTO swimmer SELECT i, 's' || i FROM range(1, 9) t(i);
INSERT INTO event SELECT i, 'e' || i FROM range(1, 6) t(i);
INSERT INTO record SELECT row_number() OVER (), CASE WHEN (s + e) % 2 = 0 THEN 'win' ELSE 'loss' END, s, e
  FROM range(1, 9) a(s), range(1, 6) b(e) WHERE (s * e) % 3 <> 1;
INSERT INTO doctor SELECT i, 'd' || i FROM range(1, 10) t(i);
INSERT INTO procedure SELECT i, 'p' || i, 100.0 * i FROM range(1, 8) t(i);
INSERT INTO trained_in SELECT d, p, DATE '2008-01-01' FROM range(1, 10) a(d), range(1, 8) b(p)
  WHERE d IN (3, 6, 7) AND (d + p) % 4 <> 0;
"""


def test_links_unique_beside_a_surrogate_key_or_no_key_stay_unique(tmp_path: Path) -> None:
    """``record`` is keyed by ``id``; its (swimmer_id, event_id) pairs are unique in the
    source, far beyond chance: they stay unique. ``trained_in`` has no key, references
    ``doctor`` and holds a treatment no name ties to ``procedure``: its pairs stay unique,
    and the copy invents no treatment the source's codes do not hold."""
    con = _synth(tmp_path, SURROGATE_AND_LINKS)
    assert _duplicates(con, "record", "swimmer_id", "event_id") == 0
    assert _duplicates(con, "trained_in", "doctor", "treatment") == 0
    assert _orphans(con, "trained_in", "treatment", "procedure", "code") == 0
    source = duckdb.connect(str(tmp_path / "source.duckdb"), read_only=True)
    for table in ("record", "trained_in"):
        expected = source.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == expected


def test_duplicate_keys_take_values_the_column_holds_before_new_ones() -> None:
    """Redraws that never help (a doctor trained in few treatments): the duplicates get a
    treatment code the column already holds that makes the pair unique, and only when none
    is left a number past the largest."""
    import pandas as pd

    from dbsynth.model.keys import dedupe_rows
    from dbsynth.schema.model import Column, ForeignKey, PrimaryKey, SqlType, Table

    integer = SqlType("integer")
    table = Table("trained_in", (Column("doctor", integer), Column("treatment", integer)),
                  PrimaryKey(("doctor", "treatment")),
                  (ForeignKey(("doctor",), "doctor", ("employee_id",)),))
    frame = pd.DataFrame({"doctor": [3, 3, 3, 3, 6, 6], "treatment": [1, 1, 1, 2, 2, 2]})
    out = dedupe_rows(frame.copy(), table, lambda index, key: frame.loc[index, list(key)])
    assert len(out) == 6 and not out.duplicated().any()
    assert sorted(out[out["doctor"] == 6]["treatment"]) == [1, 2]  # not 3: no code holds it
    assert sorted(out[out["doctor"] == 3]["treatment"]) == [1, 2, 3, 4]  # 1, 2 taken: then new


def test_tables_left_without_any_relationship_are_said(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    """Keys named in a way inference does not read (``purchase.who`` → ``buyer.tag``) leave a
    copy of unrelated tables: that is said, never silent; a database where a relationship is
    found says nothing of the kind."""
    unreadable = """
    CREATE TABLE buyer (tag INTEGER, label VARCHAR, credit DOUBLE);
    CREATE TABLE purchase (ref INTEGER, who INTEGER, total DOUBLE);
    INSERT INTO buyer SELECT i, 'Buyer#' || i, i * 3.5 FROM range(1, 51) t(i);
    INSERT INTO purchase SELECT 1000 + i, 1 + (i * 7) % 50, i * 1.25 FROM range(1, 301) t(i);
    """
    with caplog.at_level("WARNING"):
        _synth(tmp_path, unreadable)
    said = [r.getMessage() for r in caplog.records if "no foreign key between the 2 tables" in r.getMessage()]
    assert len(said) == 1 and "--metadata" in said[0]
    caplog.clear()
    (tmp_path / "named").mkdir()
    with caplog.at_level("WARNING"):
        _synth(tmp_path / "named", ALTERNATE)
    assert not [r for r in caplog.records if "no foreign key between" in r.getMessage()]


PREFIXED = """
CREATE TABLE region (r_regionkey INTEGER, r_name VARCHAR);
CREATE TABLE nation (n_nationkey INTEGER, n_name VARCHAR, n_regionkey INTEGER);
CREATE TABLE customer (c_custkey INTEGER, c_name VARCHAR, c_nationkey INTEGER, c_acctbal DOUBLE);
CREATE TABLE orders (o_orderkey INTEGER, o_custkey INTEGER, o_total DOUBLE);
CREATE TABLE partsupp (ps_partkey INTEGER, ps_suppkey INTEGER, ps_cost DOUBLE);
CREATE TABLE lineitem (l_orderkey INTEGER, l_partkey INTEGER, l_suppkey INTEGER, l_qty INTEGER);
CREATE TABLE store_sales (ss_ticket_sk INTEGER, ss_customer_sk INTEGER, ss_paid DOUBLE);
CREATE TABLE web_customer (wc_customer_sk INTEGER, wc_name VARCHAR);
INSERT INTO region SELECT i, 'region ' || i FROM range(0, 5) t(i);
INSERT INTO nation SELECT i, 'nation ' || i, i % 5 FROM range(0, 25) t(i);
INSERT INTO customer SELECT i, 'Customer#' || i, (i * 7) % 25, i * 3.5 FROM range(1, 201) t(i);
INSERT INTO orders SELECT 1000 + i, 1 + (i * 13) % 200, i * 1.25 FROM range(1, 1001) t(i);
INSERT INTO partsupp SELECT p, s, p * 0.1 + s FROM range(1, 41) a(p), range(1, 5) b(s);
INSERT INTO lineitem SELECT 1000 + 1 + i % 1000, 1 + (i * 7) % 40, 1 + (i * 3) % 4, 1 + i % 9
  FROM range(1, 1501) t(i);
INSERT INTO web_customer SELECT 500 + i, 'web ' || i FROM range(1, 81) t(i);
INSERT INTO store_sales SELECT i, 500 + 1 + (i * 11) % 80, i * 0.5 FROM range(1, 601) t(i);
"""


def test_keys_of_tables_that_prefix_their_columns_are_inferred(tmp_path: Path) -> None:
    """TPC-H and TPC-DS name every column after its table (``c_custkey`` in ``customer``,
    ``o_custkey`` in ``orders``, ``ss_customer_sk`` → ``wc_customer_sk``): the prefix is read
    off, so the keys are found and the copy keeps them."""
    inspection = pipeline.inspect(f"duckdb:///{_source(tmp_path, PREFIXED)}")
    schema = inspection.schema
    pks = {t.name: tuple(t.primary_key.columns) for t in schema.tables if t.primary_key}
    assert pks == {"region": ("r_regionkey",), "nation": ("n_nationkey",), "customer": ("c_custkey",),
                   "orders": ("o_orderkey",), "store_sales": ("ss_ticket_sk",),
                   "partsupp": ("ps_partkey", "ps_suppkey"),
                   "web_customer": ("wc_customer_sk",)}
    fks = {(t.name, fk.columns, fk.ref_table) for t in schema.tables for fk in t.foreign_keys}
    assert fks == {("nation", ("n_regionkey",), "region"), ("customer", ("c_nationkey",), "nation"),
                   ("orders", ("o_custkey",), "customer"), ("lineitem", ("l_orderkey",), "orders"),
                   ("lineitem", ("l_partkey", "l_suppkey"), "partsupp"),
                   ("store_sales", ("ss_customer_sk",), "web_customer")}
    con = _synth(tmp_path / "copy", PREFIXED) if (tmp_path / "copy").mkdir() is None else None
    assert con is not None
    assert _orphans(con, "orders", "o_custkey", "customer", "c_custkey") == 0
    assert _orphans(con, "customer", "c_nationkey", "nation", "n_nationkey") == 0
    assert _orphans(con, "store_sales", "ss_customer_sk", "web_customer", "wc_customer_sk") == 0
    assert _duplicates(con, "customer", "c_custkey") == 0
    assert con.execute('SELECT count(*) FROM lineitem l WHERE NOT EXISTS (SELECT 1 FROM partsupp p '
                       'WHERE p.ps_partkey = l.l_partkey AND p.ps_suppkey = l.l_suppkey)').fetchone()[0] == 0


def _source(tmp_path: Path, sql: str) -> Path:
    path = tmp_path / "inspected.duckdb"
    con = duckdb.connect(str(path))
    con.execute(sql)
    con.close()
    return path
