"""On the same engine every column keeps its declared type, also the types dbsynth does not
model (tsvector, inet, point, ranges): the application's queries on them work on the copy.
Their values are the gaps ``synth`` reports (NULL), unless the engine fills them itself."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import run_sql

import dbsynth
from dbsynth import pipeline

pytestmark = pytest.mark.postgres

DDL = """
CREATE TABLE doc (
  id int PRIMARY KEY,
  body text NOT NULL,
  tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', body)) STORED,
  words tsvector, place point, address inet, span int4range, tags inet[],
  search tsvector NOT NULL);
INSERT INTO doc (id, body, words, place, address, span, tags, search)
SELECT g, 'the quick brown fox ' || g, to_tsvector('english', 'hello world ' || g), point(g, g),
       '10.0.0.1'::inet + g, int4range(g, g + 5), ARRAY['10.0.0.1'::inet],
       to_tsvector('english', 'search me ' || g)
FROM generate_series(1, 40) g;
"""
TYPES = ("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
         "WHERE attrelid = 'doc'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum")


def test_postgres_copy_keeps_every_declared_type(pg_database_factory) -> None:
    source = pg_database_factory("src")
    run_sql(source, DDL)
    target = pg_database_factory("tgt")
    result = pipeline.synth(source, target)
    assert result.integrity.ok
    assert run_sql(target, TYPES) == run_sql(source, TYPES)
    # The generated tsvector is the engine's: filled from the synthetic body, and searchable.
    filled = run_sql(target, "SELECT count(*) FROM doc WHERE tsv = to_tsvector('english', body)")
    assert filled[0][0] == 40
    # A NOT NULL tsvector (Pagila's film.fulltext, filled by a trigger) stays a tsvector
    # (it was text, where the application's GiST index and @@ queries fail), of generated
    # words, not the source's lexemes.
    assert run_sql(target, "SELECT count(*) FROM doc WHERE search @@ to_tsquery('search')") \
        == [(0,)]
    assert run_sql(target, "SELECT count(*) FROM doc WHERE length(search) > 0") == [(40,)]
    # What dbsynth cannot model is said, not hidden.
    gaps = " ".join(result.gaps)
    for column in ("words", "place", "address", "span"):
        assert f"doc.{column}" in gaps


def test_an_enum_columns_default_is_kept(pg_database_factory, tmp_path) -> None:
    """Pagila's ``rating mpaa_rating DEFAULT 'G'::mpaa_rating`` lost its default on the copy
    (a default naming a type stayed behind): a new film without a rating was NULL, not G."""
    from conftest import duckdb_url

    source = pg_database_factory("enum_src")
    run_sql(source, "CREATE TYPE rating AS ENUM ('G', 'PG', 'R');"
                    "CREATE TABLE film (id int PRIMARY KEY, rating rating DEFAULT 'G'::rating);"
                    "INSERT INTO film SELECT g, (ARRAY['G', 'PG', 'R'])[1 + g % 3]::rating "
                    "FROM generate_series(1, 30) g")
    target = pg_database_factory("enum_tgt")
    assert pipeline.synth(source, target).integrity.ok
    run_sql(target, "INSERT INTO film (id) VALUES (1000)")
    assert run_sql(target, "SELECT rating::text FROM film WHERE id = 1000") == [("G",)]
    duck = duckdb_url(tmp_path / "enum.duckdb")
    assert pipeline.synth(source, duck).integrity.ok
    run_sql(duck, "INSERT INTO film (id) VALUES (1000)")
    assert run_sql(duck, "SELECT rating::text FROM film WHERE id = 1000") == [("G",)]


@pytest.mark.postgres
def test_an_interval_with_fields_is_modelled(pg_database_factory) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL: an interval declared with its fields (interval day to second, interval
    hour to minute, interval second(3)) was a type dbsynth does not model: NULL in every row
    of the copy (exit 4). It is an interval, and keeps its declared type."""
    source = pg_database_factory("interval_src")
    run_sql(source, "CREATE TABLE call (id int PRIMARY KEY, took interval day to second NOT NULL, "
                    "slot interval hour to minute, lag interval second(3));"
                    "INSERT INTO call SELECT g, g * INTERVAL '17 seconds', g * INTERVAL '5 minutes', "
                    "g * INTERVAL '1.5 seconds' FROM generate_series(1, 200) g")
    target = pg_database_factory("interval_out")
    result = dbsynth.synth(source, target)
    assert result.integrity.ok and not result.gaps
    counts = run_sql(target, "SELECT count(took), count(slot), count(lag), max(took) FROM call")[0]
    assert counts[:3] == (200, 200, 200) and counts[3] > timedelta(0)
    types = ("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
             "WHERE attrelid = 'call'::regclass AND attnum > 0")
    assert dict(run_sql(target, types)) == dict(run_sql(source, types))
