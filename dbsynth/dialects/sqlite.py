"""SQLite: keys and foreign keys inside CREATE TABLE (no ALTER TABLE … ADD CONSTRAINT),
foreign keys checked at COMMIT (``PRAGMA defer_foreign_keys``), the rowid as identity,
declared types as affinities."""

from __future__ import annotations

import re

from dbsynth.dialects.base import Dialect
from dbsynth.schema.model import SqlType

DIALECT = Dialect(
    writes_while_read=True,
    name="sqlite", sqlglot="sqlite", schemes=("sqlite", "sqlite+pysqlite"),
    default_schema="main", fk_after_load=False, add_unique_after_load=False,
    deferred_fk_checks=True, identity_kind="autoincrement", enums=False, arrays=False,
    concurrent_writers=False, case_insensitive_names=True, file_database=True, generated_kind="stored",
    types={
        "smallint": "SMALLINT", "integer": "INTEGER", "bigint": "BIGINT", "real": "REAL",
        "double": "DOUBLE", "boolean": "BOOLEAN", "text": "TEXT", "date": "DATE",
        "time": "TIME", "timestamp": "DATETIME", "timestamptz": "DATETIME",
        "interval": "TEXT", "uuid": "UUID", "json": "JSON", "bytes": "BLOB",
    },
    decimal_word="NUMERIC", numeric_unbounded="NUMERIC", varchar_word="VARCHAR",
    char_word="CHAR", varchar_unbounded="VARCHAR", char_unbounded="CHAR", text_word="TEXT",
    default_in_parentheses=True,
    epoch_seconds="((julianday({}) - 2440587.5) * 86400.0)",
    index_methods=("btree",), index_table_qualified=False,
    fk_timings=frozenset({"NOT DEFERRABLE", "DEFERRABLE INITIALLY IMMEDIATE", "DEFERRABLE INITIALLY DEFERRED"}),
)

_PARAMS = re.compile(r"^(?P<base>[^(]*?)\s*\(\s*(?P<a>[+-]?\d+)\s*(?:,\s*(?P<b>[+-]?\d+)\s*)?\)\s*(?P<rest>.*)$")

#: declared names read as a neutral type before the affinity rules apply
_BY_NAME: dict[str, str] = {
    "BOOLEAN": "boolean", "BOOL": "boolean", "BIT": "boolean",
    "DATE": "date", "DATETIME": "timestamp", "TIMESTAMP": "timestamp", "TIME": "time",
    "TIMESTAMPTZ": "timestamptz", "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "UUID": "uuid", "JSON": "json", "JSONB": "json",
    "BIGINT": "bigint", "INT8": "bigint", "UNSIGNED BIG INT": "bigint",
    "SMALLINT": "smallint", "TINYINT": "smallint", "INT2": "smallint",
    "REAL": "double", "FLOAT": "double", "DOUBLE": "double", "DOUBLE PRECISION": "double",
}


def parse_type(declared: str) -> SqlType:
    """A declared column type by SQLite's affinity rules (section 3.1 of its datatype page),
    keeping the length or precision written (``VARCHAR(20)``, ``DECIMAL(10,2)``) and the
    names that say more than their affinity (DATE, DATETIME, BOOLEAN…)."""
    text = " ".join(declared.strip().upper().split())
    if not text:
        return SqlType("unknown", native=declared)  # no type: any value (BLOB affinity)
    args: list[int] = []
    base = text
    if match := _PARAMS.match(text):
        base = (match["base"] + (" " + match["rest"] if match["rest"] else "")).strip()
        args = [int(match["a"])] + ([int(match["b"])] if match["b"] is not None else [])
    if base in _BY_NAME:
        return SqlType(_BY_NAME[base], native=declared)  # type: ignore[arg-type]
    if "INT" in base:
        return SqlType("integer", native=declared)
    if any(word in base for word in ("CHAR", "CLOB", "TEXT")):
        length = args[0] if args and args[0] > 0 else None
        if "VAR" in base or "CLOB" in base or "TEXT" in base:
            return SqlType("varchar" if length else "text", length=length, native=declared)
        return SqlType("char", length=length, native=declared) if length else SqlType(
            "text", native=declared)
    if "BLOB" in base:
        return SqlType("bytes", native=declared)
    if any(word in base for word in ("REAL", "FLOA", "DOUB")):
        return SqlType("double", native=declared)
    if base in ("DECIMAL", "NUMERIC", "NUMBER", "MONEY") or args:
        precision = args[0] if args and args[0] > 0 else None
        scale = (args[1] if len(args) > 1 else 0) if precision else None
        return SqlType("numeric", precision=precision, scale=scale, native=declared)
    return SqlType("numeric", native=declared)  # NUMERIC affinity
