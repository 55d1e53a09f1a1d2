"""PostgreSQL: keys and foreign keys after the load, identities, enums, arrays, a server."""

from __future__ import annotations

import re

from dbsynth.dialects.base import Dialect
from dbsynth.schema.model import SqlType

DIALECT = Dialect(
    writes_while_read=True,
    name="postgres", sqlglot="postgres",
    schemes=("postgresql", "postgresql+psycopg", "postgres"), default_schema="public",
    fk_after_load=True, add_unique_after_load=True, identity_kind="identity",
    multi_table_drop=True, max_identifier_length=63, concurrent_writers=True, generated_kind="stored",
    types={
        "smallint": "smallint", "integer": "integer", "bigint": "bigint", "real": "real",
        "double": "double precision", "boolean": "boolean", "text": "text", "date": "date",
        "time": "time", "timestamp": "timestamp", "timestamptz": "timestamptz",
        "interval": "interval", "uuid": "uuid", "json": "jsonb", "bytes": "bytea",
    },
    decimal_word="numeric", numeric_unbounded="numeric", varchar_word="varchar",
    char_word="char", varchar_unbounded="text", char_unbounded="char", text_word="text",
    advance_identity=("SELECT setval(pg_get_serial_sequence('{table_literal}', '{column_literal}'), "
                      "COALESCE((SELECT max({column}) FROM {table}), 0) + 1, false)"),
    materialized_views=True, index_methods=("btree", "hash", "gin", "gist", "brin", "spgist"),
    comments=True, domains=True, words_types=frozenset({"tsvector"}),
    unique_index="CREATE UNIQUE INDEX {name} ON {table} ({columns})",
    create_type_if_absent="DO $dbsynth$ BEGIN {}; EXCEPTION WHEN duplicate_object THEN NULL; END $dbsynth$",
    relax_function_bodies="SET LOCAL check_function_bodies = off",
    extension_probe="SELECT 1 / count(*) FROM pg_available_extensions WHERE name = {}",
    own_rows="ONLY {}",
    add_check_not_valid="ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({expression}) NOT VALID",
    fk_timings=frozenset({"NOT DEFERRABLE", "DEFERRABLE INITIALLY IMMEDIATE", "DEFERRABLE INITIALLY DEFERRED"}),
)

#: ``format_type()`` spellings -> neutral type names
NATIVE_TYPES: dict[str, str] = {
    "smallint": "smallint", "integer": "integer", "bigint": "bigint", "real": "real",
    "double precision": "double", "boolean": "boolean", "text": "text", "date": "date",
    "time without time zone": "time", "time with time zone": "time",
    "timestamp without time zone": "timestamp", "timestamp with time zone": "timestamptz",
    "interval": "interval", "uuid": "uuid", "json": "json", "jsonb": "json", "bytea": "bytes",
    "numeric": "numeric", "money": "numeric", "character varying": "varchar",
    "character": "char", "name": "text", "citext": "text",
}
_PARAM = re.compile(r"^(?P<base>[a-z ]+?)\((?P<args>[0-9, ]+)\)(?P<rest>.*)$")


def parse_type(formatted: str, kind: str | None = None, name: str | None = None) -> SqlType:
    """Turn ``format_type()`` output (plus pg_type.typtype) into a dialect-neutral type."""
    if kind == "e":
        return SqlType("enum", enum=name, native=formatted)
    if kind == "c":  # a composite type: read as a JSON object of its attributes, modelled so
        return SqlType("json", native=formatted, composite=True)
    text = formatted.strip()
    match = _PARAM.match(text)
    args: list[int] = []
    if match:
        args = [int(a) for a in match.group("args").split(",")]
        text = (match.group("base") + match.group("rest")).strip()
    base = NATIVE_TYPES.get(text)
    if base is None and text.startswith("interval "):  # its fields: interval day to second
        base = "interval"
    if base is None:
        return SqlType("unknown", native=formatted)
    if base == "numeric":
        return SqlType("numeric", precision=args[0] if args else None,
                       scale=args[1] if len(args) > 1 else (0 if args else None), native=formatted)
    if base in ("varchar", "char"):
        return SqlType(base, length=args[0] if args else None, native=formatted)  # type: ignore[arg-type]
    return SqlType(base, native=formatted)  # type: ignore[arg-type]


def is_composite(sql_type: SqlType) -> bool:
    """A column of a composite type: JSON to dbsynth (read with ``to_json``, modelled as an
    object of its attributes, in their order), a record literal when written back; an array
    of one (``native`` ends with ``[]``) is a JSON list of such objects."""
    return sql_type.composite
