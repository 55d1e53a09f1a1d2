"""PostgreSQL databases shaped like well-known open schemas and applications (pagila,
AdventureWorks, Rails apps such as Mastodon or GitLab), copied into PostgreSQL and the other
engines. Each test builds a small version of the shape that broke a copy and asserts on what
lands in the target: rows per table, keys, constraints, objects mirrored or said."""

from __future__ import annotations

import logging

import pytest
from conftest import run_sql

import dbsynth

# Table inheritance (Rails/Django apps of old, PostGIS-era audit tables): login_events
# INHERITS events, so `SELECT * FROM events` returns both tables' rows.
INHERITS_SQL = """
CREATE TABLE events (id bigserial PRIMARY KEY, kind text NOT NULL,
                     happened_at timestamptz NOT NULL);
CREATE TABLE login_events (ip text NOT NULL) INHERITS (events);
INSERT INTO events (kind, happened_at)
SELECT 'visit', TIMESTAMPTZ '2024-03-01 00:00+00' + g * interval '1 hour' FROM generate_series(1, 60) g;
INSERT INTO login_events (kind, happened_at, ip)
SELECT 'login', TIMESTAMPTZ '2024-03-01 00:00+00' + g * interval '1 hour', '10.1.0.' || g
FROM generate_series(1, 30) g;
"""


@pytest.fixture(scope="module")
def inherits_source(pg_cluster):  # type: ignore[no-untyped-def]
    dbname, url = pg_cluster.create_database("inherits")
    run_sql(url, INHERITS_SQL)
    yield url
    pg_cluster.drop_database(dbname)


@pytest.mark.postgres
def test_a_parent_table_keeps_its_own_rows_and_its_children(inherits_source: str,
                                                             pg_database_factory) -> None:  # type: ignore[no-untyped-def]
    """A parent of INHERITS was read, counted and checked with its children's rows (90
    events where 60 are its own): the copy's events held 90 rows of its own, 30 of them
    made-up logins, and lost the link, silently (exit 0). Its own rows are read FROM ONLY
    it, and the same engine links the child again (ALTER TABLE … INHERIT) after the load."""
    target = pg_database_factory("inherits_out")
    assert dbsynth.synth(inherits_source, target).integrity.ok
    assert run_sql(target, "SELECT (SELECT count(*) FROM ONLY events), (SELECT count(*) FROM events), "
                           "(SELECT count(*) FROM login_events)")[0] == (60, 90, 30)
    assert run_sql(target, "SELECT inhrelid::regclass::text, inhparent::regclass::text "
                           "FROM pg_inherits") == [("login_events", "events")]
    # the application's insert into the child still numbers it from the shared sequence
    run_sql(target, "INSERT INTO login_events (kind, happened_at, ip) VALUES ('login', now(), 'x')")


def test_a_parent_table_keeps_its_own_rows_in_another_engine(inherits_source: str,
                                                             duckdb_path_factory, caplog) -> None:  # type: ignore[no-untyped-def]
    """DuckDB has no inheritance: the child is a table of its own, the parent holds its
    own rows, and the link is said to be left out."""
    target = f"duckdb:///{duckdb_path_factory('inherits')}"
    with caplog.at_level(logging.WARNING):
        assert dbsynth.synth(inherits_source, target).integrity.ok
    assert run_sql(target, "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM login_events)"
                   )[0] == (60, 30)
    assert any("inheritance login_events of events is not created" in r.getMessage()
               for r in caplog.records)
