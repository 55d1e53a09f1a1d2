"""Composite values written back by PostgreSQL COPY (connectors/pg_records.py
``composite_text``, by the shape the target's catalog gives): each rendering is read by the real server and must give back the JSON
object (``to_json``) it came from — quotes, backslashes, commas, parentheses, empty strings
and NULL attributes, nested records, arrays inside records, arrays of records."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest

from conftest import pg_conninfo, run_sql
from dbsynth.connectors.pg_records import Shape, column_shape, composite_text

pytestmark = pytest.mark.postgres

TYPES = """
CREATE TYPE inner_t AS (label text, n integer);
CREATE TYPE outer_t AS (name text, tags text[], inner_v inner_t, items inner_t[], flag boolean);
CREATE TABLE probe (id integer PRIMARY KEY, v outer_t, vs outer_t[]);
CREATE TYPE doc_t AS (title text, meta jsonb, parts json, nested outer_t);
CREATE TABLE docs (d doc_t);
"""

TRICKY = ['say "hi"', "back\\slash", "a,b", "(paren)", "", " spaced ", "{brace}", "x\\\"y",
          "NULL", "semi;colon", "tab\there"]


def _shape(url: str, table: str, column: str) -> Shape:
    with psycopg.connect(pg_conninfo(url)) as conn:
        return column_shape(lambda sql, params: conn.execute(sql, params).fetchall(),
                            table, column)


def _round_trip(url: str, column: str, value: Any, table: str = "probe") -> Any:
    """Write ``value`` as COPY would (its text, cast by the server), read it back as JSON."""
    text = composite_text(value, _shape(url, table, column))
    literal = "NULL" if text is None else "'" + text.replace("'", "''") + "'"
    cast = {"vs": "outer_t[]", "v": "outer_t", "d": "doc_t"}[column]
    return run_sql(url, f"SELECT to_json({literal}::{cast})")[0][0]


@pytest.mark.parametrize("text", TRICKY)
def test_a_record_with_awkward_text_comes_back_as_it_was(pg_database_factory, text: str) -> None:
    url = pg_database_factory("records")
    run_sql(url, TYPES)
    value = {"name": text, "tags": [text, None, "plain"], "inner_v": {"label": text, "n": None},
             "items": [{"label": text, "n": 1}, None, {"label": None, "n": 2}], "flag": False}
    assert _round_trip(url, "v", value) == value


def test_null_and_empty_attributes_differ(pg_database_factory) -> None:
    url = pg_database_factory("records")
    run_sql(url, TYPES)
    value = {"name": "", "tags": [], "inner_v": None, "items": None, "flag": None}
    assert _round_trip(url, "v", value) == value


def test_an_array_of_records_round_trips(pg_database_factory) -> None:
    """An array of a composite type: a JSON list of objects, written as an array literal of
    record literals (it was written NULL)."""
    url = pg_database_factory("records")
    run_sql(url, TYPES)
    values = [{"name": t, "tags": [t], "inner_v": {"label": t, "n": 3}, "items": [],
               "flag": True} for t in TRICKY[:4]] + [None]
    assert _round_trip(url, "vs", values) == values
    assert _round_trip(url, "vs", json.dumps(values)) == values


def test_a_json_attribute_is_written_as_json(pg_database_factory) -> None:
    """A json/jsonb attribute holding an object or a list is JSON text in the record, not a
    nested record or an array literal (to_json gives both alike; the target's catalog says
    which): it was written as a record, and COPY refused the row."""
    url = pg_database_factory("records")
    run_sql(url, TYPES)
    value = {"title": "a", "meta": {"k": [1, 'x,"y\\'], "z": None}, "parts": [1, {"q": 2}],
             "nested": {"name": "n", "tags": None, "inner_v": {"label": "(", "n": 4},
                        "items": [{"label": "i", "n": 5}], "flag": True}}
    assert _round_trip(url, "d", value, "docs") == value
