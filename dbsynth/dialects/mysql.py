"""MySQL and MariaDB: DDL is not transactional, so a write loads fresh tables into a staging
database and swaps them in by one ``RENAME TABLE`` (atomic; see :mod:`dbsynth.writer.swap`);
no enum types (ENUM is a column type: written as one), no arrays, a server. Sessions run with ``sql_mode``
ANSI_QUOTES so identifiers are double-quoted as everywhere else in dbsynth."""

from __future__ import annotations

import re

from dbsynth.dialects.base import Dialect
from dbsynth.schema.model import SqlType

DIALECT = Dialect(
    writes_while_read=True,
    name="mysql", sqlglot="mysql",
    schemes=("mysql", "mysql+pymysql", "mariadb", "mariadb+pymysql"), default_schema="",
    fk_after_load=True, add_unique_after_load=True, transactional_ddl=False, zero_dates=True,
    multi_table_drop=True, identity_kind="auto_increment", primary_key_at_create=True,
    swap_rename="RENAME TABLE {}", schema_word="DATABASE",
    # a latin1 server default refuses 'ć'; utf8mb4_bin compares text by its bytes, as
    # PostgreSQL, DuckDB and SQLite do, so keys unique there ('Ab', 'ab') stay unique here
    # (but for trailing spaces: a PAD SPACE collation; MariaDB's utf8mb4_nopad_bin and MySQL
    # 8's utf8mb4_0900_bin differ by server, and generated keys do not end in spaces)
    table_options=" DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    stage_lock="SELECT GET_LOCK({}, 0)", stage_lock_free="SELECT IS_FREE_LOCK({})",
    # loading explicit keys moves the counter past them already; this says so (a value at or
    # below the column's maximum sets it to maximum + 1)
    advance_identity="ALTER TABLE {table} AUTO_INCREMENT = 1",
    max_identifier_length=64, enums=False, enum_column="ENUM({})",
    arrays=False, concurrent_writers=True, case_insensitive_names=False,
    generated_kind="stored",
    types={
        "smallint": "SMALLINT", "integer": "INT", "bigint": "BIGINT", "real": "FLOAT",
        "double": "DOUBLE", "boolean": "TINYINT(1)", "text": "LONGTEXT", "date": "DATE",
        "time": "TIME(6)", "timestamp": "DATETIME(6)", "timestamptz": "DATETIME(6)",
        "interval": "VARCHAR(64)", "uuid": "CHAR(36)", "json": "JSON", "bytes": "LONGBLOB",
    },
    cast_types={"LONGTEXT": "CHAR", "TINYINT(1)": "SIGNED", "SMALLINT": "SIGNED",
                "BIGINT": "SIGNED", "JSON": "CHAR", "LONGBLOB": "BINARY"},
    decimal_word="DECIMAL", numeric_unbounded="DECIMAL(65,30)", max_numeric_precision=65,
    varchar_word="VARCHAR", char_word="CHAR", varchar_unbounded="LONGTEXT",
    char_unbounded="CHAR(1)", text_word="LONGTEXT",
    # 255 characters of utf8mb4 (1,020 bytes): three of them fit InnoDB's 3,072-byte keys
    key_text="VARCHAR(255)",
    epoch_seconds="UNIX_TIMESTAMP({})",
    constraint_names=True, materialized_views=False, partial_indexes=False,
    index_methods=("btree", "hash"), comments=False, domains=False,
)

#: ``information_schema.columns.data_type`` -> neutral type names
NATIVE_TYPES: dict[str, str] = {
    "tinyint": "smallint", "smallint": "smallint", "mediumint": "integer", "int": "integer",
    "integer": "integer", "bigint": "bigint", "float": "real", "double": "double",
    "real": "double", "decimal": "numeric", "numeric": "numeric", "bit": "bigint",
    "char": "char", "varchar": "varchar", "tinytext": "text", "text": "text",
    "mediumtext": "text", "longtext": "text", "date": "date", "time": "time",
    "datetime": "timestamp", "timestamp": "timestamptz", "year": "smallint", "json": "json",
    "binary": "bytes", "varbinary": "bytes", "tinyblob": "bytes", "blob": "bytes",
    "mediumblob": "bytes", "longblob": "bytes", "set": "varchar", "uuid": "uuid",
}
#: an UNSIGNED integer is widened to the next type holding its whole range
UNSIGNED_WIDER: dict[str, str] = {"smallint": "integer", "integer": "bigint",
                                  "bigint": "numeric"}
_LENGTH = re.compile(r"\((\d+)(?:,(\d+))?\)")


def parse_type(data_type: str, column_type: str, table: str, column: str) -> SqlType:
    """Turn ``information_schema.columns`` (DATA_TYPE, COLUMN_TYPE) into a neutral type.

    TINYINT(1) and BIT(1) are MySQL's booleans (wider BITs are numbers); UNSIGNED is widened (an INT UNSIGNED holds 2**32 - 1);
    ENUM becomes an enum named ``<table>_<column>``; SET is text (a comma list)."""
    base = data_type.lower()
    full = column_type.lower()
    args = _LENGTH.search(full)
    if (base == "tinyint" and full.startswith("tinyint(1)")) or full == "bit(1)":
        return SqlType("boolean", native=column_type)
    if base == "enum":
        return SqlType("enum", enum=f"{table}_{column}", native=column_type)
    name = NATIVE_TYPES.get(base)
    if name is None:
        return SqlType("unknown", native=column_type)
    if "unsigned" in full and name in UNSIGNED_WIDER:
        name = UNSIGNED_WIDER[name]
        if name == "numeric":
            return SqlType("numeric", precision=20, scale=0, native=column_type)
    if name == "numeric":
        precision = int(args.group(1)) if args else None
        scale = int(args.group(2)) if args and args.group(2) else 0
        return SqlType("numeric", precision=precision, scale=scale, native=column_type)
    if name in ("varchar", "char"):
        length = int(args.group(1)) if args and base != "set" else None
        return SqlType(name, length=length, native=column_type)  # type: ignore[arg-type]
    return SqlType(name, native=column_type)  # type: ignore[arg-type]


def enum_labels(column_type: str) -> tuple[str, ...]:
    """``enum('a','b''c')`` -> ('a', "b'c")."""
    inner = column_type[column_type.index("(") + 1:column_type.rindex(")")]
    return tuple(m.replace("''", "'") for m in re.findall(r"'((?:[^']|'')*)'", inner))


#: MySQL's RESTRICT is its NO ACTION (both checked at once, and its default)
SAME_ACTION: dict[str, str] = {"RESTRICT": "NO ACTION"}
#: MariaDB's JSON column: LONGTEXT with a ``json_valid(column)`` CHECK
JSON_VALID = re.compile(r"json_valid\([`\"]((?:[^`\"])+)[`\"]\)", re.IGNORECASE)
_QUOTED = re.compile(r"'(?:[^'\\]|''|\\.)*'|\"((?:[^\"]|\"\")*)\"")


def backquoted(name: str) -> str:
    """A name as MySQL quotes it without ANSI_QUOTES (the way sqlglot's mysql dialect reads)."""
    return "`" + name.replace("`", "``") + "`"


def native_quotes(expr: str) -> str:
    """An expression as MySQL itself spells it without ANSI_QUOTES (backquoted names), the
    way sqlglot's mysql dialect reads it: under our sessions' ANSI_QUOTES the catalog gives
    ``"price" >= 0``, which sqlglot would read as a string (string literals stay as they are)."""
    def swap(found: re.Match[str]) -> str:
        if found.group(1) is None:
            return found.group(0)
        return backquoted(found.group(1).replace('""', '"'))
    return _QUOTED.sub(swap, expr)
