"""MySQL/MariaDB as source and target on a throwaway MariaDB server (tests/conftest.py):
classicmodels loaded unchanged with the ``mariadb`` client, synthesized into DuckDB; the
Chinook DuckDB copy synthesized into MariaDB; integrity proved in the target each time."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

import dbsynth
from conftest import duckdb_url

CLASSICMODELS = Path(__file__).resolve().parents[2] / "shared/data/classicmodels/mysqlsampledatabase.sql"


@pytest.fixture(scope="module")
def classicmodels_url(maria_cluster) -> str:
    client = shutil.which("mariadb") or shutil.which("mysql")
    if client is None or not CLASSICMODELS.exists():
        pytest.skip("no mariadb client or no classicmodels dump")
    with CLASSICMODELS.open("rb") as dump:
        subprocess.run([client, "-h127.0.0.1", f"-P{maria_cluster.port}", "-uroot"],
                       stdin=dump, check=True, timeout=120)
    return f"{maria_cluster.base_url}/classicmodels"


def test_classicmodels_introspected(classicmodels_url):
    found = dbsynth.inspect(classicmodels_url)
    tables = {t.name: t for t in found.schema.tables}
    assert set(tables) == {"customers", "employees", "offices", "orderdetails", "orders",
                           "payments", "productlines", "products"}
    assert tables["orderdetails"].primary_key.columns == ("orderNumber", "productCode")
    assert {fk.ref_table for fk in tables["orderdetails"].foreign_keys} == {"orders", "products"}
    assert tables["customers"].row_count == 122


def test_classicmodels_to_duckdb(classicmodels_url, tmp_path):
    result = dbsynth.synth(classicmodels_url, duckdb_url(tmp_path / "cm.duckdb"), scale=0.5, seed=1)
    assert result.integrity.ok


def test_chinook_duckdb_to_mariadb(chinook_duckdb_url, maria_database_factory):
    target = maria_database_factory("chinook")
    result = dbsynth.synth(chinook_duckdb_url, target, scale=0.5, seed=3)
    assert result.integrity.ok


def _stages(cluster, url) -> list[str]:
    """What a write into the server staged and left behind (none once it ended)."""
    return [r[0] for r in cluster.run(url, "SELECT schema_name FROM information_schema.schemata "
                                           "WHERE schema_name LIKE 'dbsynth\\_\\_%'")]


def test_replace_swaps_the_staged_tables_in(chinook_duckdb_url, maria_database_factory,
                                            maria_cluster):
    """DDL is not transactional in MySQL: a replace loads a staging database and swaps it in
    by one RENAME TABLE; the old rows are gone, the new ones keyed, nothing staged is left."""
    target = maria_database_factory("replace")
    first = dbsynth.synth(chinook_duckdb_url, target, scale=0.5, seed=3)
    assert first.integrity.ok
    with pytest.raises(dbsynth.errors.UnsafeTargetError, match="--replace"):
        dbsynth.synth(chinook_duckdb_url, target, scale=0.5, seed=4)
    track_sum = 'SELECT sum(milliseconds) FROM track'
    old_sum = maria_cluster.run(target, track_sum)
    second = dbsynth.synth(chinook_duckdb_url, target, scale=0.5, seed=6, replace=True)
    assert second.integrity.ok
    for table, rows in second.rows.items():
        assert maria_cluster.run(target, f'SELECT count(*) FROM "{table}"')[0][0] == rows
    assert maria_cluster.run(target, track_sum) != old_sum
    fks = maria_cluster.run(target, "SELECT count(*) FROM information_schema.referential_constraints "
                                    "WHERE constraint_schema = DATABASE()")[0][0]
    assert fks == sum(len(t.foreign_keys) for t in dbsynth.inspect(chinook_duckdb_url).schema.tables)
    assert _stages(maria_cluster, target) == []


def test_replace_drops_the_triggers_of_the_replaced_tables(chinook_duckdb_url,
                                                           maria_database_factory, maria_cluster):
    """MySQL moves no trigger to another database: a replaced table's trigger is dropped
    with it (as a replace does on every engine) instead of failing the rename."""
    target = maria_database_factory("trigger")
    assert dbsynth.synth(chinook_duckdb_url, target, scale=0.5, seed=6).integrity.ok
    maria_cluster.run(target, 'CREATE TRIGGER genre_name BEFORE INSERT ON genre FOR EACH ROW '
                              'SET NEW.name = upper(NEW.name)')
    assert dbsynth.synth(chinook_duckdb_url, target, scale=0.5, seed=6, replace=True).integrity.ok
    assert maria_cluster.run(target, "SELECT count(*) FROM information_schema.triggers "
                                     "WHERE trigger_schema = DATABASE()")[0][0] == 0
    assert _stages(maria_cluster, target) == []


SOURCE_SQL = """
CREATE TABLE shop (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40) NOT NULL);
CREATE TABLE sale (id INT AUTO_INCREMENT PRIMARY KEY, shop_id INT NOT NULL,
  amount DECIMAL(10,2) NOT NULL, note VARCHAR(60),
  CONSTRAINT sale_shop FOREIGN KEY (shop_id) REFERENCES shop (id));
INSERT INTO shop (name) SELECT concat('shop ', seq) FROM seq_1_to_40;
INSERT INTO sale (shop_id, amount, note)
  SELECT 1 + seq % 40, (seq % 997) / 10, IF(seq % 3 = 0, NULL, concat('n', seq % 50))
  FROM seq_1_to_{rows};
"""


@pytest.fixture(scope="module")
def shop_url(maria_cluster) -> str:
    url = maria_cluster.create_database("shop")
    maria_cluster.run(url, SOURCE_SQL.format(rows=30_000))
    return url


def test_auto_increment_is_kept_and_continues_after_the_synth(shop_url, maria_database_factory,
                                                             maria_cluster):
    found = {t.name: t for t in dbsynth.inspect(shop_url).schema.tables}
    assert found["sale"].column("id").identity is not None
    target = maria_database_factory("autoinc")
    result = dbsynth.synth(shop_url, target, scale=0.1, seed=2)
    assert result.integrity.ok
    extra = maria_cluster.run(target, "SELECT column_name, extra FROM information_schema.columns "
                                      "WHERE table_schema = DATABASE() AND table_name = 'sale'")
    assert dict(extra)["id"] == "auto_increment"
    top = maria_cluster.run(target, 'SELECT max(id) FROM sale')[0][0]
    shop = maria_cluster.run(target, 'SELECT min(id) FROM shop')[0][0]
    new = maria_cluster.run(target, f"INSERT INTO sale (shop_id, amount) VALUES ({shop}, 1); "
                                    "SELECT LAST_INSERT_ID()")[0][0]
    assert new == top + 1


def test_a_kill_mid_load_leaves_the_target_as_it_was(shop_url, maria_database_factory,
                                                     maria_cluster, tmp_path):
    """A replace killed (SIGKILL) while loading its biggest table: the target keeps its rows,
    and the next run drops what the dead one staged."""
    import os
    import sys
    import time

    target = maria_database_factory("killed")
    first = dbsynth.synth(shop_url, target, scale=0.1, seed=1)
    before = maria_cluster.run(target, "SELECT count(*), sum(id), sum(amount) FROM sale")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-m", "dbsynth.cli", "synth", shop_url, target,
                             "--replace", "--scale", "10", "--seed", "5"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    staged_sale = ("SELECT table_schema FROM information_schema.tables WHERE table_name = 'sale' "
                   "AND table_schema LIKE 'dbsynth\\_\\_stage\\_%'")
    deadline = time.monotonic() + 240
    try:
        while not maria_cluster.run(target, staged_sale):
            assert proc.poll() is None, "the run ended before it loaded sale"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.5)  # inside the load of ~300,000 rows
        assert proc.poll() is None, "the run ended before it could be killed mid-load"
    finally:
        proc.kill()
        proc.wait(timeout=30)
    time.sleep(0.5)  # the server notices the dead connection and rolls back
    assert maria_cluster.run(target, "SELECT count(*), sum(id), sum(amount) FROM sale") == before
    assert first.rows["sale"] == before[0][0]
    assert _stages(maria_cluster, target)  # the dead run's stage, until the next run
    again = dbsynth.synth(shop_url, target, scale=0.2, seed=6, replace=True)
    assert again.integrity.ok
    assert maria_cluster.run(target, "SELECT count(*) FROM sale")[0][0] == again.rows["sale"]
    assert _stages(maria_cluster, target) == []


KINDS_SQL = """
CREATE TABLE item (id INT PRIMARY KEY, qty INT NOT NULL, twice INT AS (qty * 2) VIRTUAL,
  label VARCHAR(20) AS (concat('q', qty)) STORED, flags BIT(8) NOT NULL, active BIT(1) NOT NULL);
INSERT INTO item (id, qty, flags, active)
  SELECT seq, seq % 17, seq % 256, seq % 2 FROM seq_1_to_300;
"""


def test_generated_columns_are_left_to_the_engine_and_bits_read_as_numbers(
        maria_database_factory, maria_cluster):
    source = maria_database_factory("kinds")
    maria_cluster.run(source, KINDS_SQL)
    item = dbsynth.inspect(source).schema.table("item")
    assert item.column("twice").generated == '`qty` * 2'
    assert item.column("label").generated is not None
    assert item.column("active").type.name == "boolean"
    assert item.data_columns == ("id", "qty", "flags", "active")
    from dbsynth.connectors.registry import connect

    conn = connect(source, role="source")
    try:
        frame = conn.read_table(item)
    finally:
        conn.close()
    assert sorted(set(frame["active"])) == [False, True]
    assert frame["flags"].max() == 255
    target = maria_database_factory("kinds_copy")
    result = dbsynth.synth(source, target, scale=0.5, seed=1)
    assert result.integrity.ok
    extra = dict(maria_cluster.run(target, "SELECT column_name, extra FROM information_schema.columns "
                                           "WHERE table_schema = DATABASE() AND table_name = 'item'"))
    assert "GENERATED" in extra["twice"].upper() and "GENERATED" in extra["label"].upper()
    wrong = maria_cluster.run(target, "SELECT count(*) FROM item WHERE twice <> qty * 2 "
                                      "OR label <> concat('q', qty)")[0][0]
    assert wrong == 0


def test_a_missing_target_database_is_made_only_by_the_write(chinook_duckdb_url, maria_cluster):
    from dbsynth.connectors.registry import connect

    name = f"dbsynth_absent_{uuid.uuid4().hex[:8]}"
    url = f"{maria_cluster.base_url}/{name}"
    exists = ("SELECT count(*) FROM information_schema.schemata WHERE schema_name = "
              f"'{name}'")
    connect(url, role="target").close()
    assert maria_cluster.run(f"{maria_cluster.base_url}/mysql", exists)[0][0] == 0
    result = dbsynth.synth(chinook_duckdb_url, url, scale=0.5, seed=6)
    assert result.integrity.ok
    assert maria_cluster.run(f"{maria_cluster.base_url}/mysql", exists)[0][0] == 1


def test_foreign_key_checks_are_on_again_after_the_load(maria_database_factory):
    from dbsynth.connectors.registry import connect

    target = connect(maria_database_factory("fkchecks"), role="target")
    try:
        session = target.begin_target()
        assert session.query("SELECT @@foreign_key_checks")[0][0] == 0
        session.commit()
        assert session.query("SELECT @@foreign_key_checks")[0][0] == 1
        assert "NO_AUTO_VALUE_ON_ZERO" not in session.query("SELECT @@sql_mode")[0][0]
        session.close()
    finally:
        target.close()


def test_a_failed_first_write_leaves_nothing_behind(chinook_duckdb_url, maria_database_factory,
                                                    maria_cluster, monkeypatch):
    """The write fails on its fifth table: the target gets no table (a rerun needs no
    --replace), and nothing staged lingers."""
    from dbsynth.connectors.mysql import MySQLSession

    target = maria_database_factory("failed")
    loads = {"n": 0}
    real_load = MySQLSession.load

    def failing_load(self, table, frame):
        loads["n"] += 1
        if loads["n"] == 5:
            raise dbsynth.errors.LoadError("disk full (simulated)")
        real_load(self, table, frame)

    monkeypatch.setattr(MySQLSession, "load", failing_load)
    with pytest.raises(dbsynth.errors.LoadError, match="simulated"):
        dbsynth.synth(chinook_duckdb_url, target, scale=0.5, seed=6)
    monkeypatch.setattr(MySQLSession, "load", real_load)
    assert maria_cluster.run(target, "SHOW TABLES") == []
    assert _stages(maria_cluster, target) == []
    assert dbsynth.synth(chinook_duckdb_url, target, scale=0.5, seed=6).integrity.ok


def test_refresh_dry_run_shows_the_stage_and_the_swap_and_refresh_runs_it(
        chinook_duckdb_url, maria_database_factory, maria_cluster):
    target = maria_database_factory("dryrun")
    assert dbsynth.synth(chinook_duckdb_url, target, scale=0.5, seed=6).integrity.ok
    from dbsynth import pipeline

    plan = pipeline.refresh(chinook_duckdb_url, target, dry_run=True).plan
    kinds = [op.kind for op in plan.operations.operations]
    assert kinds[0] == "create_stage" and "drop_tables" not in kinds
    rename = next(op.sql for op in plan.operations.operations if op.kind == "move_table")
    assert rename.startswith("RENAME TABLE") and '"<replaced>"."track"' in rename
    assert kinds.index("move_table") > max(i for i, k in enumerate(kinds) if k == "load")
    applied = pipeline.refresh(chinook_duckdb_url, target, scale=0.5, seed=6)
    assert applied.applied and applied.synth.integrity.ok
    assert _stages(maria_cluster, target) == []


def test_a_partitioned_run_is_written_through_the_swap(shop_url, maria_database_factory):
    """Partitions cannot publish a stage by transactional DDL here: their rows are gathered
    and written like a one-process run (staged, swapped in)."""
    distributed = pytest.importorskip("distributed")
    from dbsynth.scaleout import ScaleOut

    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  protocol="tcp",
                                  dashboard_address=":0") as cluster:
        executor = "dask://" + cluster.scheduler_address.removeprefix("tcp://")
        result = dbsynth.synth(shop_url, maria_database_factory("parts"), scale=0.1, seed=3,
                               scale_out=ScaleOut(executor=executor, partitions=2))
    assert result.integrity.ok and result.rows["sale"] == 3000


@pytest.mark.postgres
def test_classicmodels_to_postgres(classicmodels_url, pg_database_factory):
    result = dbsynth.synth(classicmodels_url, pg_database_factory("cm"), scale=0.5, seed=1)
    assert result.integrity.ok


@pytest.mark.postgres
def test_chinook_postgres_to_mariadb(chinook_pg_url, maria_database_factory):
    result = dbsynth.synth(chinook_pg_url, maria_database_factory("chinook_pg"), scale=0.5, seed=6)
    assert result.integrity.ok


def test_the_swap_plan_loads_everything_before_one_rename():
    """No database: the plan's order. Tables, loads, keys and foreign keys in the stage;
    then one RENAME moving the replaced tables out before the staged ones in; then drops."""
    from dbsynth.dialects import get_dialect
    from dbsynth.schema.graph import build_plan
    from dbsynth.schema.model import (Column, ForeignKey, PrimaryKey, Schema, SqlType, Table)
    from dbsynth.writer.plan import build_swap_plan

    integer = SqlType("integer")
    parent = Table("parent", (Column("id", integer, nullable=False, identity="by default"),),
                   primary_key=PrimaryKey(("id",)))
    child = Table("child", (Column("id", integer, nullable=False), Column("parent_id", integer)),
                  primary_key=PrimaryKey(("id",)),
                  foreign_keys=(ForeignKey(("parent_id",), "parent", ("id",)),))
    schema = Schema(dialect="mysql", name="app", tables=(parent, child))
    ops = build_swap_plan(schema, build_plan(schema), get_dialect("mysql"), "app", "st", "old",
                          replacing=["parent"]).operations
    sqls = [op.sql or op.kind for op in ops]
    rename = next(i for i, op in enumerate(ops) if op.kind == "move_table")
    assert sqls[:2] == ['CREATE DATABASE "st"', 'CREATE DATABASE "old"']
    assert all(op.kind not in ("load", "add_foreign_key", "advance_identity")
               for op in ops[rename:])
    assert ops[rename].sql == ('RENAME TABLE "app"."parent" TO "old"."parent", '
                               '"st"."parent" TO "app"."parent", "st"."child" TO "app"."child"')
    assert sqls[rename + 1:] == ['DROP DATABASE "old"', 'DROP DATABASE "st"']
    create_parent = next(s for s in sqls if s.startswith('CREATE TABLE "st"."parent"'))
    assert '"id" INT NOT NULL AUTO_INCREMENT' in create_parent and "PRIMARY KEY" in create_parent
    assert any(s.startswith('ALTER TABLE "st"."child" ADD') and "REFERENCES \"st\".\"parent\"" in s
               for s in sqls)


def test_myisam_tables_have_their_keys_inferred(maria_database_factory, maria_cluster):
    """MyISAM keeps no foreign keys (it parses and drops them): the key is inferred."""
    source = maria_database_factory("myisam")
    maria_cluster.run(source, """
CREATE TABLE author (author_id INT PRIMARY KEY, name VARCHAR(40) NOT NULL) ENGINE=MyISAM;
CREATE TABLE book (book_id INT PRIMARY KEY, author_id INT NOT NULL, title VARCHAR(60) NOT NULL)
  ENGINE=MyISAM;
INSERT INTO author SELECT seq, concat('author ', seq) FROM seq_1_to_50;
INSERT INTO book SELECT seq, 1 + seq % 50, concat('title ', seq) FROM seq_1_to_400;
""")
    found = dbsynth.inspect(source)
    book = found.schema.table("book")
    assert [(fk.columns, fk.ref_table, fk.source) for fk in book.foreign_keys] == [
        (("author_id",), "author", "inferred")]
    target = maria_database_factory("myisam_copy")
    assert dbsynth.synth(source, target, seed=1).integrity.ok


def test_a_user_without_the_stage_privileges_is_told_which(chinook_duckdb_url,
                                                           maria_database_factory, maria_cluster):
    target = maria_database_factory("limited")
    db = target.rsplit("/", 1)[1]
    user = f"u{uuid.uuid4().hex[:8]}"
    maria_cluster.run(target, f"CREATE USER '{user}'@'%'; GRANT ALL ON `{db}`.* TO '{user}'@'%'")
    limited = f"mysql://{user}@127.0.0.1:{maria_cluster.port}/{db}"
    with pytest.raises(dbsynth.errors.LoadError, match=r"privileges on databases named "
                                                        r"dbsynth\\_\\_stage\\_%"):
        dbsynth.synth(chinook_duckdb_url, limited, scale=0.5, seed=6)
    assert maria_cluster.run(target, "SHOW TABLES") == []
    maria_cluster.run(target, f"GRANT ALL ON `dbsynth\\_\\_stage\\_%`.* TO '{user}'@'%'; "
                              f"GRANT ALL ON `dbsynth\\_\\_old\\_%`.* TO '{user}'@'%'")
    assert dbsynth.synth(chinook_duckdb_url, limited, scale=0.5, seed=6).integrity.ok


TYPES_SQL = """
SET SESSION sql_mode = REPLACE(REPLACE(REPLACE(@@sql_mode, 'NO_ZERO_DATE', ''),
                                       'NO_ZERO_IN_DATE', ''), 'STRICT_TRANS_TABLES', '');
CREATE TABLE kinds (id INT UNSIGNED PRIMARY KEY, flag TINYINT(1) NOT NULL,
  big BIGINT UNSIGNED NOT NULL, mood ENUM('sad', 'ok', 'happy') NOT NULL,
  tags SET('a', 'b', 'c'), born DATE, seen DATETIME(3), doc JSON);
INSERT INTO kinds SELECT 4294967295 - seq, seq % 2, 18446744073709551615 - seq,
  ELT(1 + seq % 3, 'sad', 'ok', 'happy'), IF(seq % 2, 'a,c', 'b'),
  IF(seq % 10 = 0, '0000-00-00', DATE '2020-01-01' + INTERVAL seq DAY),
  TIMESTAMP '2021-05-06 07:08:09.123' + INTERVAL seq MINUTE, json_object('n', seq)
  FROM seq_1_to_100;
"""


def test_mysql_types_into_duckdb(maria_database_factory, maria_cluster, tmp_path, caplog):
    """TINYINT(1) as boolean, UNSIGNED widened (its top values fit), ENUM as an enum, SET
    as text, zero dates read as NULL with a warning, JSON as JSON, milliseconds kept."""
    import duckdb

    source = maria_database_factory("types")
    maria_cluster.run(source, TYPES_SQL)
    table = dbsynth.inspect(source).schema.table("kinds")
    names = {c.name: c.type.name for c in table.columns}
    assert names == {"id": "bigint", "flag": "boolean", "big": "numeric", "mood": "enum",
                     "tags": "varchar", "born": "date", "seen": "timestamp", "doc": "json"}
    path = tmp_path / "types.duckdb"
    result = dbsynth.synth(source, duckdb_url(path), seed=1)
    assert result.integrity.ok
    assert any("zero date" in r.getMessage() for r in caplog.records)
    con = duckdb.connect(str(path), read_only=True)
    try:
        top, moods, nulls, flags = con.execute(
            "SELECT max(id), list(DISTINCT mood::VARCHAR ORDER BY mood::VARCHAR), "
            "count(*) FILTER (WHERE born IS NULL), list(DISTINCT flag ORDER BY flag) "
            "FROM kinds").fetchone()
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = 'kinds'").fetchall())
    finally:
        con.close()
    assert top > 2**31 and moods == ["happy", "ok", "sad"] and flags == [False, True]
    assert 0 < nulls < 100
    assert types["flag"] == "BOOLEAN" and types["id"] == "BIGINT" and types["doc"] == "JSON"


def test_mysql_types_into_mariadb(maria_database_factory, maria_cluster):
    """Same engine: ENUM stays an ENUM with its labels, UNSIGNED tops fit, JSON is JSON."""
    source = maria_database_factory("types_src")
    maria_cluster.run(source, TYPES_SQL)
    target = maria_database_factory("types_copy")
    assert dbsynth.synth(source, target, seed=1).integrity.ok
    types = dict(maria_cluster.run(target, "SELECT column_name, column_type FROM "
                                           "information_schema.columns WHERE table_schema = "
                                           "DATABASE() AND table_name = 'kinds'"))
    assert types["mood"] == "enum('sad','ok','happy')"
    assert types["flag"] == "tinyint(1)"
    assert dbsynth.inspect(target).schema.table("kinds").column("doc").type.name == "json"
    assert maria_cluster.run(target, "SELECT max(id) > 2147483647 FROM kinds") == [(1,)]


def test_a_foreign_key_of_the_targets_own_onto_ours_stops_a_replace(
        chinook_duckdb_url, maria_database_factory, maria_cluster):
    """After the swap it would point at the old table, which is dropped: refused first."""
    target = maria_database_factory("theirs")
    assert dbsynth.synth(chinook_duckdb_url, target, scale=0.5, seed=6).integrity.ok
    maria_cluster.run(target, 'CREATE TABLE fan (id INT PRIMARY KEY, artist_id INT, '
                              'CONSTRAINT fan_artist FOREIGN KEY (artist_id) '
                              'REFERENCES artist (artist_id))')
    with pytest.raises(dbsynth.errors.UnsafeTargetError, match="fan_artist"):
        dbsynth.synth(chinook_duckdb_url, target, scale=0.5, seed=6, replace=True)
    assert _stages(maria_cluster, target) == []


INDEXES_SQL = """
CREATE TABLE shelf (shelf_id INT PRIMARY KEY, room VARCHAR(20) NOT NULL);
CREATE TABLE item (item_id INT PRIMARY KEY, shelf_id INT NOT NULL, name VARCHAR(60) NOT NULL,
  price DECIMAL(8,2) NOT NULL, note TEXT,
  CONSTRAINT item_shelf FOREIGN KEY (shelf_id) REFERENCES shelf (shelf_id),
  INDEX item_name_price (name(10), price), INDEX item_price (price),
  FULLTEXT INDEX item_note (note)) ENGINE=InnoDB;
INSERT INTO shelf SELECT seq, concat('room ', seq % 4) FROM seq_1_to_20;
INSERT INTO item SELECT seq, 1 + seq % 20, concat('item ', seq), seq % 50 + 0.99,
  concat('a note on item ', seq) FROM seq_1_to_300;
"""
NON_UNIQUE = ("SELECT index_name, group_concat(concat(column_name, coalesce(sub_part, '')) "
              "ORDER BY seq_in_index), index_type FROM information_schema.statistics "
              "WHERE table_schema = DATABASE() AND table_name = 'item' AND non_unique = 1 "
              "GROUP BY index_name, index_type")


def test_ordinary_indexes_are_read_and_mirrored(maria_database_factory, maria_cluster, tmp_path):
    """Non-unique indexes (a prefix, a FULLTEXT one) come from information_schema: MySQL →
    MySQL keeps them as they are (the index InnoDB made for a foreign key comes with the
    key, not twice); into DuckDB the plain one is translated, the prefix and FULLTEXT ones
    listed as not created, with why."""
    source = maria_database_factory("indexes")
    maria_cluster.run(source, INDEXES_SQL)
    names = {o.name for o in dbsynth.inspect(source).schema.objects if o.kind == "index"}
    assert names == {"item.item_name_price", "item.item_price", "item.item_note"}
    target = maria_database_factory("indexes_copy")
    result = dbsynth.synth(source, target, seed=1)
    assert result.integrity.ok
    assert set(maria_cluster.run(target, NON_UNIQUE)) == set(maria_cluster.run(source, NON_UNIQUE))
    duck = duckdb_url(tmp_path / "indexes.duckdb")
    crossed = dbsynth.synth(source, duck, seed=1)
    assert crossed.integrity.ok
    from conftest import run_sql
    assert run_sql(duck, "SELECT index_name FROM duckdb_indexes()") == [("item_price",)]
    assert sorted(n["object"] for n in crossed.objects["not_created"]) == [
        "index item.item_name_price", "index item.item_note"]
