"""A source is read in one snapshot: rows the application writes while dbsynth reads never
appear, so what was read is consistent (no child whose parent was read before it existed)."""

from __future__ import annotations

import pytest

from dbsynth import pipeline
from dbsynth.connectors.registry import connect
from dbsynth.errors import DbsynthError
from dbsynth.progress import Progress
from dbsynth.schema.model import Column, SqlType, Table

NEW_ROWS = ("INSERT INTO customer (id, name, email, balance, joined) "
            "VALUES (7, 'Gus', 'gus@example.org', 3.00, '2024-01-01');"
            "INSERT INTO orders (id, customer_id, ordered) VALUES (18, 7, '2024-01-02')")


def _writable_meanwhile(backend, url: str) -> None:
    if url.startswith("sqlite:///"):  # WAL: a writer goes on while a reader holds a snapshot
        backend.sql(url, "PRAGMA journal_mode=WAL")


def test_reads_after_a_concurrent_write_see_the_first_snapshot(backend):
    backend.require("writes_while_read")
    url = backend.source()
    _writable_meanwhile(backend, url)
    source = connect(url, schema=None, role="source")
    try:
        schema = source.introspect()
        backend.sql(url, NEW_ROWS)  # committed by another connection
        frames = {t.name: source.read_table(t) for t in schema.tables}
        counted = source.query("SELECT count(*) FROM orders")[0][0]
    finally:
        source.close()
    assert {n: len(f) for n, f in frames.items()} == {t.name: t.row_count for t in schema.tables}
    assert 7 not in set(frames["customer"]["id"]) and counted == 8
    again = connect(url, schema=None, role="source")  # a new run sees the new rows
    try:
        assert again.query("SELECT count(*) FROM orders")[0][0] == 9
    finally:
        again.close()


def test_a_failed_read_keeps_the_snapshot(backend):
    backend.require("writes_while_read")
    url = backend.source()
    _writable_meanwhile(backend, url)
    source = connect(url, schema=None, role="source")
    try:
        source.introspect()
        backend.sql(url, NEW_ROWS)
        assert source.probe("SELECT no_such_column FROM orders") is not None
        assert source.query("SELECT count(*) FROM orders")[0][0] == 8
    finally:
        source.close()


def test_training_reads_one_consistent_source(backend):
    """The application inserts a parent and its child while ``train`` reads table by table:
    neither appears, and every order read has its customer."""
    backend.require("writes_while_read")
    url = backend.source()
    _writable_meanwhile(backend, url)
    written: list[str] = []

    def write_once(event: str, table: str, rows: int) -> None:
        if event == "read" and not written:
            backend.sql(url, NEW_ROWS)
            written.append(table)

    progress: Progress = write_once
    trained = pipeline.train(url, progress=progress)
    assert written, "the concurrent write ran"
    customers = set(trained.frames["customer"]["id"])
    orders = trained.frames["orders"]
    assert len(orders) == 8 and 7 not in customers
    assert set(orders["customer_id"].dropna()) <= customers


def test_a_failed_table_read_leaves_the_source_readable(backend):
    """A table read that fails as it runs (here: a view whose cast fails) is one error; the
    next reads of the same source still work (DuckDB aborted its snapshot transaction)."""
    backend.require("views")
    url = backend.source()
    backend.sql(url, "CREATE VIEW bad_cast AS SELECT CAST(name AS INTEGER) AS n FROM customer")
    source = connect(url, schema=None, role="source")
    try:
        schema = source.introspect()
        bad = Table("bad_cast", (Column("n", SqlType("integer")),), row_count=1)
        try:
            source.read_table(bad)
        except DbsynthError:
            pass
        else:  # SQLite and MySQL cast 'Ann' to 0 (MySQL with a warning)
            assert backend.name in ("sqlite", "mysql")
        assert len(source.read_table(schema.table("orders"))) == 8
        assert source.query("SELECT count(*) FROM customer")[0][0] == 6
    finally:
        source.close()


def test_the_servers_idle_in_transaction_timeout_does_not_cut_the_snapshot(backend):
    """Reads of a run can be minutes apart (big samples, inference, the report): a server
    setting ``idle_in_transaction_session_timeout`` must not end the run's snapshot."""
    import time

    if backend.name != "postgres":
        pytest.skip("a PostgreSQL setting")
    url = backend.source()
    database = url.rsplit("/", 1)[1].split("?")[0]
    backend.sql(url, f'ALTER DATABASE "{database}" SET idle_in_transaction_session_timeout = 200')
    source = connect(url, schema=None, role="source")
    try:
        source.introspect()
        time.sleep(0.6)
        assert source.query("SELECT count(*) FROM orders")[0][0] == 8
    finally:
        source.close()


def test_a_sqlite_source_in_rollback_journal_mode_does_not_block_its_writers(backend):
    """Without WAL a read transaction holds SQLite's shared lock, and every writer of the
    application fails with "database is locked" for as long as the run lasts: such a source
    is read statement by statement instead."""
    import sqlite3

    if backend.name != "sqlite":
        pytest.skip("a SQLite journal mode")
    url = backend.source()
    source = connect(url, schema=None, role="source")
    try:
        source.introspect()
        writer = sqlite3.connect(url[len("sqlite:///"):], timeout=0.2)
        try:
            writer.execute("INSERT INTO customer (id, name, email, balance, joined) "
                           "VALUES (7, 'Gus', 'gus@example.org', 3.00, '2024-01-01')")
            writer.commit()
        finally:
            writer.close()
    finally:
        source.close()


def test_the_snapshot_ends_when_reading_ends_not_when_the_job_does(backend):
    """Fitting (and generating, writing, checking) can take hours in a service job: the
    source's snapshot is held only while the source is read. A held PostgreSQL snapshot
    keeps VACUUM from cleaning up; a held SQLite WAL reader keeps checkpoints from ending."""
    backend.require("writes_while_read")  # else nobody writes the source while it is read
    url = backend.source()
    _writable_meanwhile(backend, url)
    seen: list[object] = []

    def at_fit(event: str, table: str, rows: int) -> None:
        if event != "fit":
            return
        if backend.name == "postgres":
            seen.append(backend.sql(url, "SELECT count(*) FROM pg_stat_activity WHERE "
                                         "datname = current_database() AND "
                                         "state LIKE 'idle in transaction%'")[0][0])
        elif backend.name == "mysql":  # the reader's connection (and its snapshot) is gone
            seen.append(backend.sql(url, "SELECT count(*) FROM information_schema.processlist "
                                         "WHERE db = DATABASE() AND id <> CONNECTION_ID()")[0][0])
        else:
            import sqlite3

            backend.sql(url, NEW_ROWS)
            con = sqlite3.connect(url[len("sqlite:///"):], timeout=0.1)
            try:
                seen.append(con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0])
            finally:
                con.close()

    pipeline.train(url, progress=at_fit)
    assert seen == [0]


def test_a_lost_snapshot_is_an_error_not_a_new_snapshot(backend):
    """A source connection that breaks (here: terminated by the server) fails the reads
    after it; reconnecting would read a newer state beside the rows read before."""
    if backend.name != "postgres":
        pytest.skip("a PostgreSQL connection")
    url = backend.source()
    source = connect(url, schema=None, role="source")
    try:
        source.introspect()
        pid = source.query("SELECT pg_backend_pid()")[0][0]
        backend.sql(url, NEW_ROWS)
        backend.sql(url, f"SELECT pg_terminate_backend({int(pid)})")
        assert source.probe("SELECT 1") is not None  # a probe takes the failure as an answer
        try:
            counted = source.query("SELECT count(*) FROM orders")[0][0]
        except DbsynthError as exc:
            assert "snapshot" in exc.message
        else:
            raise AssertionError(f"read {counted} orders from a new snapshot")
    finally:
        source.close()
