"""DuckDB: foreign keys only inside CREATE TABLE, sequences for identities, one writer."""

from __future__ import annotations

import re

from dbsynth.dialects.base import Dialect
from dbsynth.schema.model import SqlType

# DuckDB cannot ALTER TABLE ... ADD FOREIGN KEY: those are declared at CREATE time.
DIALECT = Dialect(
    name="duckdb", sqlglot="duckdb", schemes=("duckdb",), default_schema="main",
    fk_after_load=False, add_unique_after_load=True, identity_kind="sequence",
    concurrent_writers=False, case_insensitive_names=True, file_database=True, generated_kind="virtual",
    types={
        "smallint": "SMALLINT", "integer": "INTEGER", "bigint": "BIGINT", "real": "REAL",
        "double": "DOUBLE", "boolean": "BOOLEAN", "text": "VARCHAR", "date": "DATE",
        "time": "TIME", "timestamp": "TIMESTAMP", "timestamptz": "TIMESTAMPTZ",
        "interval": "INTERVAL", "uuid": "UUID", "json": "JSON", "bytes": "BLOB",
    },
    decimal_word="DECIMAL", numeric_unbounded="DOUBLE", max_numeric_precision=38,
    varchar_word="VARCHAR", char_word="VARCHAR", varchar_unbounded="VARCHAR",
    char_unbounded="VARCHAR", text_word="VARCHAR", keeps_varchar_length=False,
    # "FOREIGN KEY constraints cannot use CASCADE, SET NULL or SET DEFAULT" (DuckDB 2.0); it
    # accepts RESTRICT but keeps no action in its catalog: every key acts as NO ACTION
    constraint_names=False, fk_actions=frozenset({"NO ACTION"}),
    fk_types_must_match=True, partial_indexes=False, index_methods=("btree", "art"), comments=True,
)

#: The memory cap of a new target file's connection while it loads, when its URL sets none
#: (``?memory_limit=``): DuckDB's own default is 80% of RAM, and a load fills most of it with
#: cached blocks of the rows just written, which it keeps as long as the cap allows (512MB
#: instead of 1GB; under 256MB the foreign keys' indexes of TPC-H's lineitem, in memory until
#: the end, left no room to commit a load at 4.6M rows). See
#: ``KEY_BUILD_MEMORY_LIMIT`` for a key built after the load, and ``WRITE_CHECKPOINT_SHARE``
#: for how indexes built as rows arrive are let go. An existing file (one transaction) and
#: a folder's stage keep DuckDB's own limit.
WRITE_MEMORY_LIMIT = "512MB"
#: The cap of a new file's statement building a key's index (ART) over loaded rows (ALTER
#: TABLE ADD PRIMARY KEY / UNIQUE, CREATE UNIQUE INDEX), which must fit in memory whole:
#: raised to this for the statement, then back to ``WRITE_MEMORY_LIMIT``. Where it does not
#: fit even so, the cap is lifted to DuckDB's own (said so). 768MB: TPC-H's 10.2M-row
#: (l_orderkey, l_linenumber) fits; under 1GB that build alone peaked the run at 2.19 GB.
KEY_BUILD_MEMORY_LIMIT = "768MB"
#: A file written statement by statement is checkpointed after a load once the engine holds
#: more than this share of its cap: an index is held in memory until a checkpoint writes it
#: out (no cap evicts it before), and so are rows not yet checkpointed.
WRITE_CHECKPOINT_SHARE = 0.5

#: ``data_type`` spellings of duckdb_columns() -> neutral type names
NATIVE_TYPES: dict[str, str] = {
    "TINYINT": "smallint", "UTINYINT": "smallint", "SMALLINT": "smallint",
    "USMALLINT": "integer", "INTEGER": "integer", "UINTEGER": "bigint", "BIGINT": "bigint",
    "FLOAT": "real", "DOUBLE": "double", "BOOLEAN": "boolean", "VARCHAR": "varchar",
    "DATE": "date", "TIME": "time", "TIMESTAMP": "timestamp", "TIMESTAMP_NS": "timestamp",
    "TIMESTAMP_MS": "timestamp", "TIMESTAMP_S": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz", "INTERVAL": "interval", "UUID": "uuid",
    "JSON": "json", "BLOB": "bytes",
}
_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")
#: integer types wider than BIGINT: DECIMAL(38,0) to other engines
WIDE_INTEGERS = frozenset({"UBIGINT", "HUGEINT", "UHUGEINT"})


def parse_type(text: str, enums: dict[tuple[str, ...], str], table: str = "",
               column: str = "") -> SqlType:
    """Map DuckDB's ``data_type`` text to a dialect-neutral type."""
    text = text.strip()
    if text.endswith("[]"):
        return SqlType("array", element=parse_type(text[:-2], enums), native=text)
    if text.startswith("ENUM("):
        labels = tuple(re.findall(r"'((?:[^']|'')*)'", text))
        labels = tuple(label.replace("''", "'") for label in labels)
        name = enums.get(labels) or f"{table}_{column}_enum"
        return SqlType("enum", enum=name, native=text)
    if match := _DECIMAL.match(text):
        return SqlType("numeric", precision=int(match[1]), scale=int(match[2]), native=text)
    if text in WIDE_INTEGERS:
        return SqlType("numeric", precision=38, scale=0, native=text)
    if text.startswith("VARCHAR("):
        return SqlType("varchar", length=int(text[8:-1]), native=text)
    name = NATIVE_TYPES.get(text)
    return SqlType(name, native=text) if name else SqlType("unknown", native=text)  # type: ignore[arg-type]
