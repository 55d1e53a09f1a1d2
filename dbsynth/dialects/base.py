"""What differs between database engines, as data: one frozen :class:`Dialect` per engine.

A dialect says what the engine can do (the writer asks its flags instead of comparing engine
names) and how it spells the neutral types of :mod:`dbsynth.schema.model`. It holds no driver
and opens nothing; the connectors do the I/O. Anchors: sqlglot's ``dialects/*.py`` and dlt's
destination capabilities.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from dbsynth.schema.model import FK_ACTIONS, SqlType

IdentityKind = Literal["identity", "sequence", "autoincrement", "auto_increment", "none"]
GeneratedKind = Literal["stored", "virtual", "none"]


def quote_ident(name: str) -> str:
    """Double-quote an identifier (every engine here follows the SQL standard)."""
    return '"' + name.replace('"', '""') + '"'


def qualified(schema_name: str, table: str) -> str:
    return f"{quote_ident(schema_name)}.{quote_ident(table)}"


#: the flags ``inspect`` shows, in this order
NOTABLE_CAPABILITIES = ("transactional_ddl", "swap_by_rename", "fk_after_load", "deferred_fk_checks",
                        "concurrent_writers", "writes_while_read", "identity_kind", "enums",
                        "arrays", "constraint_names", "materialized_views", "domains",
                        "enforces_keys")

@dataclass(frozen=True)
class Dialect:
    """One engine's capabilities and type spellings."""

    name: str
    #: sqlglot's name for it (expression translation)
    sqlglot: str
    #: URL schemes (SQLAlchemy drivernames) that mean this engine
    schemes: tuple[str, ...]
    default_schema: str
    #: ``ALTER TABLE … ADD FOREIGN KEY`` exists (else foreign keys go inside CREATE TABLE)
    fk_after_load: bool
    #: ``ALTER TABLE … ADD PRIMARY KEY / UNIQUE`` exists (else keys go inside CREATE TABLE)
    add_unique_after_load: bool
    #: foreign keys can be checked at COMMIT instead of per statement (SQLite's
    #: ``PRAGMA defer_foreign_keys``): every FK is declared, cut ones too, rows load in any order
    deferred_fk_checks: bool = False
    transactional_ddl: bool = True
    #: ``DROP TABLE a, b`` drops several tables in one statement (cycles among them are fine)
    multi_table_drop: bool = False
    #: how an auto-numbered key is made: ``identity`` (GENERATED … AS IDENTITY), ``sequence``
    #: (a sequence and a nextval default), ``autoincrement`` (the engine's rowid),
    #: ``auto_increment`` (MySQL's column attribute: the column must lead a key), ``none``
    #: (nothing numbers new rows: a folder of files)
    identity_kind: IdentityKind = "identity"
    #: the primary key goes into CREATE TABLE (InnoDB stores rows in key order: a key added
    #: after the load rebuilds the table; an AUTO_INCREMENT column must be a key when made)
    primary_key_at_create: bool = False
    #: DDL is not transactional, but one statement renames many tables atomically (MySQL's
    #: ``RENAME TABLE {}`` with ``a TO b, …``): a write loads fresh tables in a staging
    #: schema and swaps them in by one rename (see :mod:`dbsynth.writer.swap`); None: no swap
    swap_rename: str | None = None
    #: the word CREATE/DROP use for a namespace of tables (MySQL: a database)
    schema_word: str = "SCHEMA"
    #: table options after CREATE TABLE's columns (MySQL: the character set and collation,
    #: so that any text loads whatever the server's default, and compares as in the source)
    table_options: str = ""
    #: a query taking a named lock held by the connection until it closes (``{}``: the
    #: name as a literal; 1 if taken): a staging schema whose lock is free is a dead run's
    stage_lock: str | None = None
    #: a query giving 1 when the named lock ``{}`` is free
    stage_lock_free: str | None = None
    max_identifier_length: int | None = None
    #: CREATE TYPE … AS ENUM; without, enums are text
    enums: bool = True
    #: where there are no enum types, a column type listing the labels (``{}``: them, quoted
    #: and comma-separated; MySQL's ``ENUM('a', 'b')``); None: enums are text
    enum_column: str | None = None
    #: array column types; without, arrays are JSON text
    arrays: bool = True
    #: several processes may load one database at once (a server; a file has one writer)
    concurrent_writers: bool = False
    #: another connection may write the database while dbsynth reads it as a source (a
    #: server; SQLite in WAL mode): the reads must share one snapshot. Without (a DuckDB file
    #: is locked by its reader), the source cannot change during a run.
    writes_while_read: bool = False
    #: table names match whatever their case (DuckDB, SQLite: "Artist" and "artist" are one)
    case_insensitive_names: bool = False
    #: the database is one file (versions go to files, not schemas)
    file_database: bool = False
    #: the engine refuses a row that breaks a declared key (a folder of files only describes
    #: its keys, in ``dbsynth.yaml``: what holds them is dbsynth's integrity check)
    enforces_keys: bool = True
    #: the database keeps views beside its tables (a folder of files holds tables only)
    views: bool = True
    generated_kind: GeneratedKind = "stored"
    #: neutral type name -> native spelling, for the types without parameters
    types: Mapping[str, str] = field(default_factory=dict)
    #: a column type's spelling -> the one CAST takes, where CAST knows fewer types than a
    #: column (MySQL's CAST: CHAR, SIGNED, BINARY…, not LONGTEXT or BIGINT): a CHECK is
    #: probed on NULLs cast to its table's column types
    cast_types: Mapping[str, str] = field(default_factory=dict)
    decimal_word: str = "numeric"
    #: a numeric without precision (DuckDB has none: DOUBLE)
    numeric_unbounded: str = "numeric"
    max_numeric_precision: int | None = None
    varchar_word: str = "varchar"
    char_word: str = "char"
    varchar_unbounded: str = "text"
    char_unbounded: str = "char"
    #: the type for values it has no type for (unknown, and enums/arrays where missing)
    text_word: str = "text"
    #: types dbsynth does not model whose text input takes any words (PostgreSQL's
    #: ``tsvector``: each word a lexeme): on the same engine a NOT NULL column of one keeps
    #: its type, filled with the generated words (others become text: no value is known valid)
    words_types: frozenset[str] = frozenset()
    #: the type of a text column in a key (primary, unique, foreign), where the engine
    #: cannot index an unbounded text (MySQL: ``VARCHAR(255)``); None: as rendered
    key_text: str | None = None
    #: a VARCHAR length survives a round trip through the catalog (DuckDB drops it)
    keeps_varchar_length: bool = True
    #: a DEFAULT that is an expression must be in parentheses (SQLite)
    default_in_parentheses: bool = False
    #: a foreign key column must have exactly its key's type (DuckDB), not just a comparable one
    fk_types_must_match: bool = False
    #: SQL for a timestamp/date expression ``{}`` as seconds since 1970 (a double)
    epoch_seconds: str = "extract(epoch FROM {})"
    #: a statement moving an identity past the loaded keys (``{table}``/``{column}`` quoted,
    #: ``{table_literal}``/``{column_literal}`` inside a string literal); None where it
    #: continues by itself (SQLite's rowid) or is created there (DuckDB's sequences)
    advance_identity: str | None = None
    #: ``CONSTRAINT name …`` is kept in the catalog (DuckDB accepts it, and names the
    #: constraint itself)
    constraint_names: bool = True
    #: referential actions a foreign key can declare (DuckDB: none that changes rows)
    fk_actions: frozenset[str] = FK_ACTIONS
    #: a foreign key's DEFERRABLE … timings the engine declares (NOT DEFERRABLE: its default)
    fk_timings: frozenset[str] = frozenset({"NOT DEFERRABLE"})
    #: a date or datetime may default to the zero date ('0000-00-00 00:00:00', WordPress's
    #: every date column): only MySQL has one, no other engine takes it as a default
    zero_dates: bool = False
    # -- schema objects (dbsynth.writer.objects) -------------------------------------------
    #: CREATE MATERIALIZED VIEW (without, another engine's is created as a plain view)
    materialized_views: bool = False
    #: CREATE INDEX … WHERE (partial indexes)
    partial_indexes: bool = True
    #: index methods CREATE INDEX … USING accepts from another engine (others: not translated)
    index_methods: tuple[str, ...] = ()
    #: CREATE INDEX names its table with the schema (SQLite puts the schema on the index name)
    index_table_qualified: bool = True
    #: COMMENT ON TABLE / COLUMN
    comments: bool = False
    #: how a unique index that is not a constraint is made ({name}, {table}, {columns}
    #: quoted); None: such a key is written as a UNIQUE constraint
    unique_index: str | None = None
    #: CREATE DOMAIN: a column keeps its domain as its type (same engine only)
    domains: bool = False
    #: ``{}`` (a CREATE of a type) made a no-op where the type exists, for refreshes
    create_type_if_absent: str = "{}"
    #: run before creating functions: their bodies may name what is created later
    relax_function_bodies: str | None = None
    #: a query that fails unless the extension named by the literal ``{}`` can be created
    extension_probe: str | None = None
    #: ALTER TABLE adding a CHECK without checking the rows there ({table}, {name},
    #: {expression}): how a CHECK calling a copied function comes after the functions
    add_check_not_valid: str | None = None
    #: how a FROM names a table's own rows, without those of the tables inheriting from it
    #: (``{}``: the qualified name; PostgreSQL's ``ONLY``, where a parent's SELECT returns
    #: its children's rows too)
    own_rows: str = "{}"

    def notable(self) -> dict[str, Any]:
        """The capabilities that change what a copy into this engine is (``inspect`` shows
        them): how safe a failed write is, how keys are added, what types it has."""
        return {name: getattr(self, name) for name in NOTABLE_CAPABILITIES}

    @property
    def swap_by_rename(self) -> bool:
        """A failed write is undone by loading a staging schema swapped in by one rename."""
        return self.swap_rename is not None

    # -- compatibility with the former ``connectors.base.Capabilities`` --------------------
    @property
    def dialect(self) -> str:
        return self.name

    @property
    def add_foreign_key_after_load(self) -> bool:
        return self.fk_after_load

    # -- types -----------------------------------------------------------------------------
    def render_type(self, sql_type: SqlType, schema_name: str | None = None) -> str:
        """This engine's spelling of a neutral type (``unknown`` falls back to text)."""
        t = sql_type
        if t.name == "array":
            assert t.element is not None
            if not self.arrays:
                return self.text_word
            return self.render_type(t.element, schema_name) + "[]"
        if t.name == "enum":
            assert t.enum is not None
            if not self.enums:
                return self.text_word
            return qualified(schema_name, t.enum) if schema_name else quote_ident(t.enum)
        if t.name == "numeric":
            if t.precision is None:
                return self.numeric_unbounded
            precision = t.precision
            if self.max_numeric_precision is not None:
                precision = min(precision, self.max_numeric_precision)
            return f"{self.decimal_word}({precision},{t.scale or 0})"
        if t.name in ("varchar", "char"):
            word = self.varchar_word if t.name == "varchar" else self.char_word
            if t.length:
                return f"{word}({t.length})"
            return self.varchar_unbounded if t.name == "varchar" else self.char_unbounded
        if t.name == "unknown":
            return self.text_word
        return self.types[t.name]

    def render_cast_type(self, sql_type: SqlType, schema_name: str | None = None) -> str:
        """The type of a ``CAST(… AS type)`` for values of a column of ``sql_type``."""
        spelled = self.render_type(sql_type, schema_name)
        return self.cast_types.get(spelled, spelled)

    def identity_type(self, sql_type: SqlType) -> str | None:
        """The type an auto-numbered column must be declared with, where the engine says
        (SQLite: exactly ``INTEGER`` makes a primary key the rowid); None: as rendered."""
        return self.types.get("integer") if self.identity_kind == "autoincrement" else None


#: literals every engine spells as sqlglot writes them (``NULL``, ``-1.5``, ``'text'``):
#: the most common defaults, carried without importing sqlglot (~0.1 s, issue 16)
_PLAIN_NUMBER_OR_TEXT = re.compile(r"-?\d+(\.\d+)?|'[^'\\]*'")


def translate_expression(expr: str, source: str | Dialect, target: str | Dialect) -> str | None:
    """Carry a CHECK/default expression across dialects with sqlglot; None if it cannot."""
    from dbsynth.dialects import find_dialect

    src, dst = find_dialect(source), find_dialect(target)
    if (src.name if src else source) == (dst.name if dst else target):
        return expr
    if src is None or dst is None:
        return None
    if expr.upper() == "NULL":
        return "NULL"
    if _PLAIN_NUMBER_OR_TEXT.fullmatch(expr):
        return expr
    import sqlglot  # lazy: ~0.1 s to import, and most runs translate no expression

    try:
        return sqlglot.transpile(expr, read=src.sqlglot, write=dst.sqlglot)[0]
    except (sqlglot.errors.ParseError, sqlglot.errors.UnsupportedError):
        return None
