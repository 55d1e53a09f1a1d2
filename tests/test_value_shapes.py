"""Databases whose data, not their schema, has the shapes samples hide: floats at ±Infinity,
numeric(38,10) at its limits, dates of year 1 and 9999, times to the microsecond. Each test
asserts on what lands in the target (values, their meaning, the run's outcome)."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import run_sql
from test_adversarial_shapes import duckdb_file

import dbsynth
from dbsynth import pipeline

INFINITE_FLOATS = (
    "CREATE TABLE reading (id INTEGER PRIMARY KEY, x DOUBLE, y REAL NOT NULL)",
    "INSERT INTO reading SELECT i, CASE WHEN i % 10 = 1 THEN 'inf'::DOUBLE "
    "WHEN i % 10 = 2 THEN '-inf'::DOUBLE WHEN i % 10 = 3 THEN -0.0 WHEN i % 10 = 4 THEN 5e-324 "
    "WHEN i % 10 = 5 THEN NULL ELSE i * 1.5 END, CASE WHEN i % 4 = 0 THEN 'inf'::REAL ELSE i END "
    "FROM range(1, 201) r(i)",
)


@pytest.fixture(scope="module")
def infinite_source(tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    return f"duckdb:///{duckdb_file(tmp_path_factory.mktemp('inf') / 'src.duckdb', *INFINITE_FLOATS)}"


def _infinities_kept(target: str, rows: int) -> None:
    """x: 10% each of -inf and +inf, 10% NULL, the rest finite in the source's range; y
    (NOT NULL): a quarter +inf. Shares within a few points, never a NULL column."""
    x, pos, neg, low, high, y, y_inf = run_sql(target, (
        "SELECT count(x), count(*) FILTER (WHERE x = 'inf'), count(*) FILTER (WHERE x = '-inf'), "
        "min(x) FILTER (WHERE x > '-inf' AND x < 'inf'), max(x) FILTER (WHERE x > '-inf' AND x < 'inf'), "
        "count(y), count(*) FILTER (WHERE y = 'inf') FROM reading"))[0]
    assert 0.8 * rows <= x <= 0.97 * rows and y == rows
    assert 0.04 * rows <= pos <= 0.18 * rows and 0.04 * rows <= neg <= 0.18 * rows
    assert 0.0 <= low <= high <= 300.0
    assert 0.15 * rows <= y_inf <= 0.35 * rows


def test_infinite_floats_keep_their_column(infinite_source: str, duckdb_path_factory) -> None:  # type: ignore[no-untyped-def]
    """A float column holding ±Infinity (an open bound, a sensor's overflow): its quantiles
    were NaN (inf - inf), and every synthetic value of the column was NULL, exit 0."""
    target = f"duckdb:///{duckdb_path_factory('inf_out')}"
    assert dbsynth.synth(infinite_source, target).integrity.ok
    _infinities_kept(target, 200)


def test_infinite_floats_through_a_model_file(infinite_source: str, duckdb_path_factory,
                                              tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The shares of infinities travel in the model file (train, then generate at scale 3)."""
    path = tmp_path / "inf.dbsynth"
    pipeline.save(pipeline.train(infinite_source), path)
    target = f"duckdb:///{duckdb_path_factory('inf_gen')}"
    assert pipeline.generate(pipeline.load(path), target, scale=3).integrity.ok
    _infinities_kept(target, 600)


EDGE_VALUES = (
    "CREATE TABLE span (id INTEGER PRIMARY KEY, valid_from DATE NOT NULL, valid_to DATE, "
    "seen TIMESTAMP, at_time TIME, amount DECIMAL(38,10))",
    "INSERT INTO span SELECT i, CASE WHEN i % 4 = 0 THEN DATE '0001-01-01' WHEN i % 4 = 1 "
    "THEN DATE '1969-07-20' WHEN i % 4 = 2 THEN DATE '2024-02-29' ELSE DATE '1500-06-15' END, "
    "CASE WHEN i % 2 = 0 THEN DATE '9999-12-31' ELSE DATE '2030-01-01' + i::INTEGER END, "
    "CASE WHEN i % 3 = 0 THEN TIMESTAMP '9999-12-31 23:59:59' "
    "ELSE TIMESTAMP '1950-01-01 10:00:00.123456' + i * INTERVAL '1 day' END, "
    "TIME '23:59:58' + (i * 3) * INTERVAL '1 microsecond', "
    "CASE WHEN i % 2 = 0 THEN 9999999999999999999999999999.9999999999 "
    "ELSE -9999999999999999999999999999.9999999999 + i END FROM range(1, 201) r(i)",
    # a calendar past 2262, keyed by its day
    "CREATE TABLE future_day (day DATE PRIMARY KEY, note VARCHAR)",
    "INSERT INTO future_day SELECT DATE '2300-01-01' + i::INTEGER, 'n' || (i % 4) FROM range(0, 60) r(i)",
)


@pytest.fixture(scope="module")
def edge_values_source(tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    return f"duckdb:///{duckdb_file(tmp_path_factory.mktemp('edge') / 'src.duckdb', *EDGE_VALUES)}"


def _edge_values_kept(target: str) -> None:
    (first, last, to_first, to_last, sentinels, seen_last, times, fractions,
     low, high) = run_sql(target, (
        "SELECT min(valid_from), max(valid_from), min(valid_to), max(valid_to), "
        "count(*) FILTER (WHERE valid_to = DATE '9999-12-31'), max(seen), "
        "count(DISTINCT at_time), count(*) FILTER (WHERE extract(microsecond FROM at_time) % 1000000 > 0), "
        "min(amount), max(amount) FROM span"))[0]
    # the sentinels stay themselves: not clamped to 1678-01-01 and 2261-12-31
    assert (first, last) == (date(1, 1, 1), date(2024, 2, 29))
    assert to_first >= date(2030, 1, 1) and to_last == date(9999, 12, 31) and 60 <= sentinels <= 140
    assert seen_last.year == 9999
    # 23:59:58.000003 … 23:59:58.000600: microseconds kept, not cut to one whole second
    assert times > 150 and fractions == 200
    assert Decimal("-1e28") < low < high < Decimal("1e28") and high > Decimal("9.9e27")
    days = run_sql(target, "SELECT count(*), count(DISTINCT day), min(day), max(day) FROM future_day")[0]
    assert days == (60, 60, date(2300, 1, 1), date(2300, 3, 1))


@pytest.mark.parametrize("target_kind", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_values_at_the_ends_of_their_types_keep_their_meaning(
        target_kind: str, edge_values_source: str, request) -> None:  # type: ignore[no-untyped-def]
    """Dates of year 1 and 9999 (open-ended validity), timestamps to the microsecond, times
    at 23:59:58.000003, numeric(38,10) at its largest: dates outside 1678–2261 were clamped
    into it (a 9999-12-31 'until further notice' became 2261-12-31, a date key past 2262 one
    value repeated), times lost their microseconds, and numeric(38,10)'s largest value, a
    float 1e28, was refused by the target (exit 1)."""
    if target_kind == "duckdb":
        target = f"duckdb:///{request.getfixturevalue('duckdb_path_factory')('edge_out')}"
    else:
        target = request.getfixturevalue("pg_database_factory")("edge_out")
    result = dbsynth.synth(edge_values_source, target)
    assert result.integrity.ok
    _edge_values_kept(target)


INFINITE_DATES_SQL = """
CREATE TABLE licence (id int PRIMARY KEY, valid_from date NOT NULL, valid_to date,
                      revoked_at timestamptz);
INSERT INTO licence SELECT g, DATE '2020-01-01' + g, CASE WHEN g % 3 = 0 THEN 'infinity'::date
    ELSE DATE '2025-01-01' + g END, CASE WHEN g % 4 = 0 THEN '-infinity'::timestamptz
    ELSE TIMESTAMPTZ '2024-06-01 00:00+00' + g * INTERVAL '1 hour' END
FROM generate_series(1, 120) g;
"""


@pytest.mark.postgres
def test_postgresql_infinite_dates_are_read(pg_database_factory, duckdb_path_factory,
                                            caplog) -> None:  # type: ignore[no-untyped-def]
    """A PostgreSQL date or timestamp of 'infinity' (a licence valid until further notice):
    psycopg cannot make it a Python date, and the source could not be read at all ('date
    too small (before year 1)', exit 1). Read as 9999-12-31 / 0001-01-01, and said."""
    source = pg_database_factory("infinite_dates")
    run_sql(source, INFINITE_DATES_SQL)
    target = f"duckdb:///{duckdb_path_factory('infinite_dates')}"
    assert dbsynth.synth(source, target).integrity.ok
    open_ended, earliest = run_sql(target, (
        "SELECT count(*) FILTER (WHERE valid_to = DATE '9999-12-31'), "
        "min(revoked_at) FROM licence"))[0]
    assert open_ended >= 20 and earliest.year == 1
    assert "licence.valid_to holds infinity or -infinity" in caplog.text
    assert "licence.revoked_at holds infinity or -infinity" in caplog.text
