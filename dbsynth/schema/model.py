"""The schema as immutable typed data: what the connectors read and everything else consumes.

Order is deterministic everywhere (tables and constraints sorted by name, columns in their
ordinal position) so that the same database always yields the same schema, plan and rows.
Types are dialect-neutral (:class:`SqlType`); each connector maps its native types to and from it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from dbsynth.schema.naming import PII_KINDS
from dbsynth.schema.objects import SchemaObject

#: Dialect-neutral type names. Everything else is ``unknown`` with the native text kept.
TypeName = Literal[
    "smallint", "integer", "bigint", "numeric", "real", "double", "boolean",
    "text", "varchar", "char", "date", "time", "timestamp", "timestamptz", "interval",
    "uuid", "json", "bytes", "enum", "array", "unknown",
]

INTEGER_TYPES = frozenset({"smallint", "integer", "bigint"})
NUMERIC_TYPES = INTEGER_TYPES | {"numeric", "real", "double"}
STRING_TYPES = frozenset({"text", "varchar", "char"})
TEMPORAL_TYPES = frozenset({"date", "time", "timestamp", "timestamptz"})


@dataclass(frozen=True)
class SqlType:
    """A column type independent of any dialect.

    ``length`` is for varchar/char, ``precision``/``scale`` for numeric, ``enum`` names the
    enum type, ``element`` is the item type of an array, ``native`` the source's spelling; a
    ``composite`` (PostgreSQL's ``CREATE TYPE … AS (…)``) is ``json`` to dbsynth.
    """

    name: TypeName
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    enum: str | None = None
    element: SqlType | None = None
    native: str = ""
    composite: bool = False  # PostgreSQL composite type: a JSON object of its attributes

    @property
    def is_integer(self) -> bool:
        return self.name in INTEGER_TYPES

    @property
    def is_numeric(self) -> bool:
        return self.name in NUMERIC_TYPES

    @property
    def is_string(self) -> bool:
        return self.name in STRING_TYPES

    @property
    def is_temporal(self) -> bool:
        return self.name in TEMPORAL_TYPES


#: How a column may be modelled, as a user sets it: ``categorical`` (values drawn from the
#: source's frequencies), ``text`` (fake free text), ``pii:<kind>`` (Faker), ``skip`` (NULL).
COLUMN_KINDS: tuple[str, ...] = ("categorical", "text", "skip") + tuple(f"pii:{k}" for k in PII_KINDS)


@dataclass(frozen=True)
class Column:
    """One column. ``identity`` is ``always``/``by default`` for identity or serial columns;
    ``generated`` holds the expression of a generated (computed) column, never loaded;
    ``kind`` is the user's choice of how to model it (metadata file), None = decided from data."""

    name: str
    type: SqlType
    nullable: bool = True
    default: str | None = None
    identity: Literal["always", "by default"] | None = None
    domain: str | None = None
    generated: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class PrimaryKey:
    columns: tuple[str, ...]
    name: str | None = None
    source: Literal["declared", "inferred", "user"] = "declared"


@dataclass(frozen=True)
class UniqueConstraint:
    """``index``: the source declares a unique index, not a constraint (``CREATE UNIQUE
    INDEX``; the same to the data, not to the catalog): written so where the engine says how."""

    columns: tuple[str, ...]
    name: str | None = None
    index: bool = False
    #: "partitions": declared on (some of) the table's partitions only; the rows are
    #: generated unique over the whole table (which holds it on each partition).
    #: "indexes": a unique index on expressions of the columns (``lower(email)``) or over
    #: some rows only (``WHERE deleted_at IS NULL``): no key (nothing may reference it), it
    #: is mirrored with the schema objects; the rows are generated unique on its columns,
    #: which holds it for any WHERE and for an expression that keeps values apart
    source: Literal["declared", "partitions", "indexes"] = "declared"
    #: the index compares its text case-folded (``lower(email)``): 'Ann' and 'ann' collide
    folded: bool = False
    #: the index reads NULL as a value (``coalesce(folder_id, 0)``): two rows (NULL, 'a') collide
    null_equal: bool = False
    #: a partial index over the rows where this boolean column is true (``UNIQUE (user_id)
    #: WHERE is_default``: one default address per user, any number of others): the rows
    #: are not made unique, a repeated key's flag is made false (see keys.dedupe_rows)
    only_when: str | None = None
    #: the index's key parts as DuckDB SQL over the columns, where a part loses information
    #: (``at::date``: one row a day; ``doc->>'sku'``): rows are compared by what these
    #: evaluate to, as the index compares them; empty: by the columns themselves
    reads: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckConstraint:
    """A CHECK in the source dialect's SQL (``expression`` without the ``CHECK`` keyword).
    ``source`` "partitions": a partition's own CHECK as a condition on the table's rows
    (``NOT (bounds) OR (check)``: it holds for the rows routed there); a partitioned copy
    declares it on the partition, a plain table on itself. ``source`` "domain": the CHECK of
    a column's domain, on that column (the rows hold it); an engine with domains has it
    from the domain, another declares it on the table."""

    expression: str
    name: str | None = None
    dialect: str = "postgres"
    source: Literal["declared", "partitions", "domain"] = "declared"


#: What a foreign key does when its parent row is deleted or its key updated (SQL's
#: referential actions); ``NO ACTION`` is every engine's default.
FkAction = Literal["NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT"]
FK_ACTIONS: frozenset[str] = frozenset({"NO ACTION", "RESTRICT", "CASCADE", "SET NULL",
                                        "SET DEFAULT"})
#: When a foreign key is checked: at each statement (the default), or, DEFERRABLE, where a
#: transaction sets it, at COMMIT when INITIALLY DEFERRED (every key Django makes: a child
#: row may be saved before its parent in one transaction)
FkTiming = Literal["NOT DEFERRABLE", "DEFERRABLE INITIALLY IMMEDIATE", "DEFERRABLE INITIALLY DEFERRED"]
FK_TIMINGS: frozenset[str] = frozenset({"NOT DEFERRABLE", "DEFERRABLE INITIALLY IMMEDIATE",
                                        "DEFERRABLE INITIALLY DEFERRED"})


@dataclass(frozen=True)
class ForeignKey:
    """``columns`` of the owning table reference ``ref_columns`` of ``ref_table``;
    ``on_delete``/``on_update`` are its referential actions, as the source declares them.
    ``source`` "partitions": declared on (some of) the table's partitions, not on the table
    (rows are generated to hold it; a partitioned copy declares it where the source does)."""

    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    name: str | None = None
    source: Literal["declared", "inferred", "user", "partitions"] = "declared"
    on_delete: FkAction = "NO ACTION"
    on_update: FkAction = "NO ACTION"
    timing: FkTiming = "NOT DEFERRABLE"

    def label(self, table: str) -> str:
        """Human-readable name used in messages: ``track(album_id) -> album(album_id)``."""
        return f"{table}({', '.join(self.columns)}) -> {self.ref_table}({', '.join(self.ref_columns)})"


@dataclass(frozen=True)
class EnumType:
    name: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: PrimaryKey | None = None
    foreign_keys: tuple[ForeignKey, ...] = ()
    uniques: tuple[UniqueConstraint, ...] = ()
    checks: tuple[CheckConstraint, ...] = ()
    row_count: int = 0
    mode: Literal["synthesize", "copy"] = "synthesize"  # copy: reference rows kept verbatim

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name}.{name}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def data_columns(self) -> tuple[str, ...]:
        """Columns that hold written values (generated columns are computed by the engine)."""
        return tuple(c.name for c in self.columns if c.generated is None)

    def row_key(self) -> tuple[str, ...] | None:
        """Columns that find one row: the primary key, else a UNIQUE set of NOT NULL columns."""
        if self.primary_key:
            return self.primary_key.columns
        for unique in self.key_uniques:
            if all(not self.column(c).nullable for c in unique.columns):
                return unique.columns
        return None

    @property
    def key_uniques(self) -> tuple[UniqueConstraint, ...]:
        """The UNIQUEs that are keys of the catalog (written as such, referenceable): not a
        unique index on expressions or a partial one (source "indexes", an object)."""
        return tuple(u for u in self.uniques if u.source != "indexes")

    def folded_unique_sets(self) -> set[tuple[str, ...]]:
        """Unique column sets whose text must differ case-folded (a ``lower(email)`` index)."""
        return {u.columns for u in self.uniques if u.folded}

    def null_equal_unique_sets(self) -> set[tuple[str, ...]]:
        """Unique column sets whose NULLs collide (a ``coalesce(folder_id, 0)`` index)."""
        return {u.columns for u in self.uniques if u.null_equal}

    def unique_readings(self) -> dict[tuple[str, ...], tuple[str, ...]]:
        """Unique column sets compared by expressions of them (see ``UniqueConstraint.reads``)."""
        return {u.columns: u.reads for u in self.uniques if u.reads}

    def flagged_uniques(self) -> tuple[UniqueConstraint, ...]:
        """Partial unique indexes over the rows a boolean column flags (see ``only_when``)."""
        return tuple(u for u in self.uniques if u.only_when is not None)

    def unique_column_sets(self) -> list[tuple[str, ...]]:
        """Every column set that must stay unique: the primary key first, then UNIQUEs (not
        those unique only over the rows a flag marks: see :meth:`flagged_uniques`)."""
        sets = [self.primary_key.columns] if self.primary_key else []
        sets += [u.columns for u in self.uniques if u.columns not in sets and u.only_when is None]
        return sets


#: ``Schema.extra`` key: per table, the columns of its foreign keys onto a table outside the
#: schema (another PostgreSQL schema, another MySQL database), see :meth:`Schema.outside_columns`
OUTSIDE_REFERENCES = "outside_references"

#: ``Schema.extra`` key: the tables others inherit from (PostgreSQL's ``INHERITS``, not
#: partitioning), whose own rows are read without their children's: see :meth:`Schema.inherited`
INHERITED_TABLES = "inherited_tables"


def outside_note(table: str, columns: tuple[str, ...], where: str, schema_name: str) -> str:
    """The warning for a foreign key onto ``where`` (``schema.table``), outside the schema."""
    return (f"foreign key {table}({', '.join(columns)}) -> {where} is not mirrored: that table "
            f"is outside schema {schema_name!r}; the column's values are modelled as plain data")


@dataclass(frozen=True)
class Schema:
    """A whole database schema. ``dialect`` is where it was read (``postgres``/``duckdb``)."""

    dialect: str
    name: str
    tables: tuple[Table, ...]
    enums: tuple[EnumType, ...] = ()
    #: indexes, views, functions, triggers, domains, comments… (:mod:`dbsynth.schema.objects`)
    objects: tuple[SchemaObject, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def table(self, name: str) -> Table:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)

    @property
    def table_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tables)

    def row_type_of(self, column: Column) -> str | None:
        """The table of this schema whose row type the column (or its array) has
        (``CREATE TABLE shape (corner spot)``, PostgreSQL), or None: that table must exist
        first, and the column is declared with its row type on the same engine."""
        native = column.type.native
        if not column.type.composite or not native:
            return None
        base = native
        while base.endswith("[]"):
            base = base[:-2]
        owner, _, name = base.rpartition(".")
        unquote = (lambda n: n[1:-1].replace('""', '"') if n.startswith('"') else n)
        if owner and unquote(owner) != self.name:
            return None
        return unquote(name) if unquote(name) in self.table_names else None

    def outside_columns(self, table: str) -> frozenset[str]:
        """The table's columns that reference a table outside this schema: not keys here,
        and not to be taken for references to a table of the same name in it."""
        found: dict[str, frozenset[str]] = self.extra.get(OUTSIDE_REFERENCES, {})
        return found.get(table, frozenset())

    def inherited(self, table: str) -> bool:
        """Other tables inherit from this one: a plain SELECT of it returns their rows too."""
        return table in self.extra.get(INHERITED_TABLES, frozenset())

    def enum(self, name: str) -> EnumType:
        for enum in self.enums:
            if enum.name == name:
                return enum
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("extra", None)
        for table in data["tables"]:  # ``composite`` only where set: older files stay the same
            for column in table["columns"]:
                _drop_unset_composite(column["type"])
            for fk in table["foreign_keys"]:  # ``timing`` only where deferrable
                if fk.get("timing") == "NOT DEFERRABLE":
                    fk.pop("timing")
            for unique in table["uniques"]:  # (``index``, ``folded``, ``null_equal``, ``reads`` too)
                for flag in ("index", "folded", "null_equal", "only_when", "reads"):
                    if not unique.get(flag):
                        unique.pop(flag, None)
            for constraint in (*table["uniques"], *table["checks"]):  # (a partition's: said)
                if constraint.get("source") == "declared":
                    constraint.pop("source")
        return data


def _drop_unset_composite(sql_type: dict[str, Any]) -> None:
    if not sql_type.get("composite"):
        sql_type.pop("composite", None)
    if sql_type.get("element"):
        _drop_unset_composite(sql_type["element"])
