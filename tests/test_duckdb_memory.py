"""A new DuckDB target is written under a memory cap, checkpointed as it fills (issue 19)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dbsynth.connectors.registry import connect
from dbsynth.dialects.duckdb import WRITE_MEMORY_LIMIT
from dbsynth.schema.model import Column, PrimaryKey, SqlType, Table


def _write_session_limit(path: Path) -> str:
    """The memory limit a write session on ``path`` runs under."""
    target = connect(f"duckdb:///{path}", role="target")
    session = target.begin_target()
    try:
        return str(session.query("SELECT current_setting('memory_limit')")[0][0])
    finally:
        session.rollback()
        session.close()
        target.close()


def test_a_target_without_a_cap_in_its_url_gets_the_write_default(tmp_path: Path) -> None:
    limit = _write_session_limit(tmp_path / "t.duckdb")
    assert WRITE_MEMORY_LIMIT == "512MB" and limit == "488.2 MiB"  # DuckDB's spelling of 512MB


def test_an_existing_file_keeps_duckdbs_own_limit(tmp_path: Path) -> None:
    """An existing file is written in one transaction, where nothing is checkpointed: its
    keys' indexes must fit in memory until the commit, so no smaller cap is set for it
    (25M keys need ~400 MB in one transaction: over a 1GB cap at ~60M rows)."""
    import duckdb

    path = tmp_path / "there.duckdb"
    duckdb.connect(str(path)).close()
    default = duckdb.connect(":memory:").execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert _write_session_limit(path) == default != "488.2 MiB"


def test_a_new_file_is_checkpointed_once_the_engine_holds_more_than_allowed(tmp_path: Path) -> None:
    """Past the threshold a load ends with a CHECKPOINT: the rows leave the WAL for the file."""
    table = Table("t", (Column("id", SqlType("bigint"), False), Column("v", SqlType("text"), True)),
                  PrimaryKey(("id",)))
    frame = pd.DataFrame({"id": range(50_000), "v": [f"value {i}" for i in range(50_000)]})
    wal_sizes = {}
    for above, name in ((10**12, "never"), (0, "always")):
        target = connect(f"duckdb:///{tmp_path / name}.duckdb", role="target")
        session = target.begin_target()
        try:
            session._checkpoint_above = above  # the cap's share, made extreme either way
            session.execute('CREATE TABLE "t" ("id" BIGINT PRIMARY KEY, "v" VARCHAR)')
            session.load(table, frame)
            building = session._new_file[0]
            wal = building.with_name(building.name + ".wal")
            wal_sizes[name] = wal.stat().st_size if wal.exists() else 0
        finally:
            session.rollback()
            session.close()
            target.close()
    assert wal_sizes["never"] > 100_000  # the 50k rows wait in the WAL
    assert wal_sizes["always"] == 0


def _keyed_after_load(url: str, rows: int) -> None:
    """A new file: rows loaded in chunks, then its primary key built in one statement."""
    import numpy as np

    table = Table("t", (Column("id", SqlType("bigint"), False),), PrimaryKey(("id",)))
    target = connect(url, role="target")
    session = target.begin_target()
    try:
        session.execute('CREATE TABLE "t" ("id" BIGINT NOT NULL)')
        for start in range(0, rows, 1_000_000):
            ids = np.arange(start, min(rows, start + 1_000_000), dtype=np.int64)
            np.random.default_rng(start).shuffle(ids)
            session.load(table, pd.DataFrame({"id": ids}))
        session.execute('ALTER TABLE "t" ADD PRIMARY KEY ("id")')
        session.commit()
    finally:
        session.close()
        target.close()


def test_a_key_too_big_for_the_default_cap_lifts_it_and_a_cap_of_the_url_says_so(
        tmp_path: Path, monkeypatch, caplog) -> None:
    """Building a primary key must fit in memory: over the default cap DuckDB runs out,
    so the cap is lifted (with a warning) instead of failing a write that fits the machine;
    a cap the URL set stays, and the error names it."""
    import duckdb

    from dbsynth.connectors import duckdb as connector
    from dbsynth.errors import LoadError

    monkeypatch.setattr(connector, "WRITE_MEMORY_LIMIT", "16MB")
    monkeypatch.setattr(connector, "KEY_BUILD_MEMORY_LIMIT", "16MB")
    with caplog.at_level("WARNING"):
        _keyed_after_load(f"duckdb:///{tmp_path / 'lifted.duckdb'}", 4_000_000)
    assert any("cap is lifted" in r.getMessage() for r in caplog.records)
    con = duckdb.connect(str(tmp_path / "lifted.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 4_000_000
        assert con.execute("SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = "
                           "'PRIMARY KEY'").fetchone()[0] == 1
    finally:
        con.close()
    try:
        _keyed_after_load(f"duckdb:///{tmp_path / 'capped.duckdb'}?memory_limit=16MB", 4_000_000)
    except LoadError as exc:
        assert "memory_limit" in exc.message
    else:
        raise AssertionError("a 16MB cap of the URL held a 4M-row key build")


def test_a_key_built_after_the_load_runs_under_the_key_cap_then_the_load_cap_again(
        tmp_path: Path, monkeypatch, caplog) -> None:
    """Loads run under a small cap (DuckDB keeps cached blocks up to it); the key's index,
    which must fit in memory whole, is built under the bigger key cap, without lifting it,
    and the loads after it are under the small cap again."""
    import duckdb

    from dbsynth.connectors import duckdb as connector

    monkeypatch.setattr(connector, "WRITE_MEMORY_LIMIT", "16MB")  # a 4M-row key fails under it
    limits: list[str] = []
    table = Table("t", (Column("id", SqlType("bigint"), False),), PrimaryKey(("id",)))
    target, session = _loaded_with_shuffled_ids(tmp_path / "keyed.duckdb", table)
    try:
        with caplog.at_level("WARNING"):
            session.execute('ALTER TABLE "t" ADD PRIMARY KEY ("id")')
        limits.append(str(session.query("SELECT current_setting('memory_limit')")[0][0]))
        session.commit()
    finally:
        session.close()
        target.close()
    assert not any("cap is lifted" in r.getMessage() for r in caplog.records)
    assert limits == ["15.2 MiB"]  # DuckDB's spelling of 16MB
    con = duckdb.connect(str(tmp_path / "keyed.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = "
                           "'PRIMARY KEY'").fetchone()[0] == 1
    finally:
        con.close()


def test_a_key_build_whose_commit_finds_no_block_lifts_the_cap_as_a_load_does(
        tmp_path: Path, caplog) -> None:
    """DuckDB reports running out of memory at a statement's commit as a TransactionException
    ('could not allocate block'), which a load already counts as out of memory; a key built
    after the load must too (it failed the write with a LoadError). The error is injected at
    the first key build; the rest runs in a real new file."""
    import duckdb

    class CommitFindsNoBlock:  # the session's connection, with one failing key build
        def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
            self.conn, self.failed = conn, False

        def execute(self, sql: str, *args: object) -> duckdb.DuckDBPyConnection:
            if "PRIMARY KEY" in sql and not self.failed:
                self.failed = True
                raise duckdb.TransactionException(
                    "TransactionContext Error: Failed to commit: could not allocate block of "
                    "size 256.0 KiB (488.2 MiB/488.2 MiB used)")
            return self.conn.execute(sql, *args)

        def __getattr__(self, name: str) -> object:
            return getattr(self.conn, name)

    path = tmp_path / "keyed.duckdb"
    table = Table("t", (Column("id", SqlType("bigint"), False),), PrimaryKey(("id",)))
    target = connect(f"duckdb:///{path}", role="target")
    session = target.begin_target()
    try:
        session.conn = CommitFindsNoBlock(session.conn)  # type: ignore[assignment]
        session.execute('CREATE TABLE "t" ("id" BIGINT NOT NULL)')
        session.load(table, pd.DataFrame({"id": list(range(1000))}))
        with caplog.at_level("WARNING"):
            session.execute('ALTER TABLE "t" ADD PRIMARY KEY ("id")')
        session.commit()
    finally:
        session.close()
        target.close()
    assert any("cap is lifted" in r.getMessage() for r in caplog.records)
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = "
                           "'PRIMARY KEY'").fetchone()[0] == 1
    finally:
        con.close()


def test_a_translated_unique_index_is_built_under_the_key_cap_too(tmp_path: Path, monkeypatch) -> None:
    """A source's unique index translated for DuckDB is tried (try_execute), not run: on a
    new file it must get the key cap as an ALTER TABLE ADD PRIMARY KEY does, not fail under
    the load cap and be reported as not created."""
    import duckdb

    from dbsynth.connectors import duckdb as connector

    monkeypatch.setattr(connector, "WRITE_MEMORY_LIMIT", "16MB")  # a 4M-row key fails under it
    path = tmp_path / "indexed.duckdb"
    table = Table("t", (Column("id", SqlType("bigint"), False),))
    target, session = _loaded_with_shuffled_ids(path, table)
    try:
        problem = session.try_execute('CREATE UNIQUE INDEX "t_id" ON "t" ("id")')
        session.commit()
    finally:
        session.close()
        target.close()
    assert problem is None
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM duckdb_indexes() WHERE index_name = 't_id'").fetchone()[0] == 1
    finally:
        con.close()


def _loaded_with_shuffled_ids(path: Path, table: Table):  # type: ignore[no-untyped-def]
    """A write session on a new DuckDB file whose table ``t`` holds 4M shuffled ids, loaded
    (under the load cap) and not committed: the key built next needs more than that cap."""
    import numpy as np

    target = connect(f"duckdb:///{path}", role="target")
    session = target.begin_target()
    session.execute('CREATE TABLE "t" ("id" BIGINT NOT NULL)')
    ids = np.arange(4_000_000, dtype=np.int64)
    np.random.default_rng(0).shuffle(ids)
    session.load(table, pd.DataFrame({"id": ids}))
    return target, session
