"""What every connector offers, as a protocol; what its engine can do is its
:class:`~dbsynth.dialects.Dialect` (capabilities as data).

A connector hides one database engine: it reads the schema and table data, and it opens a
:class:`TargetSession` — one transaction in which a synthetic copy is written. Driver errors
are translated to :mod:`dbsynth.errors` here, at the boundary, never deeper in the pipeline.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from importlib import resources
from typing import TYPE_CHECKING, Any, Protocol

from dbsynth.dialects import Dialect, qualified, quote_ident
from dbsynth.errors import SchemaError
from dbsynth.schema.model import Schema, Table, UniqueConstraint

if TYPE_CHECKING:  # pandas and numpy load where data is read: `dbsynth --help` needs neither
    import pandas as pd

#: What the engine can do, as data: the connector's dialect (the former name, kept).
Capabilities = Dialect

__all__ = ["Capabilities", "Connector", "Dependent", "Dialect", "TargetSession", "is_null_value", "own_rows",
           "first_line", "qualified", "quote_ident", "read_sql", "short_sql"]


@dataclass(frozen=True)
class Dependent:
    """An object a ``DROP TABLE`` of ours would touch: ``blocks`` when it lives outside our
    tables (a view, another table's foreign key) and the drop would fail or break it; else
    it goes with the table (a trigger, an index)."""

    description: str
    blocks: bool
    #: the object as :mod:`dbsynth.schema.objects` names it (``view``, ``v_customer``), when
    #: known: a dependent dbsynth mirrors is dropped and created again instead of blocking
    kind: str | None = None
    name: str | None = None


class TargetSession(Protocol):
    """One open transaction on a target. Nothing is visible to others until :meth:`commit`."""

    capabilities: Dialect
    schema_name: str

    def execute(self, sql: str) -> None: ...

    def query(self, sql: str) -> list[tuple[Any, ...]]: ...

    def try_execute(self, sql: str) -> str | None:
        """Run one statement the engine may refuse (a translation): its error, one line, or
        None; either way the transaction stays usable and holds only what succeeded."""
        ...

    def existing_tables(self) -> Mapping[str, int]:
        """Tables already in the target schema, with their row counts (which may be counted
        only when looked up)."""
        ...

    def existing_enums(self) -> dict[str, tuple[str, ...]]:
        """Enum types already in the target schema, with their labels in order."""
        ...

    def dependents(self, tables: list[str]) -> list[Dependent]:
        """What dropping ``tables`` (of the target schema) would drop or break besides them."""
        ...

    def grants_on(self, relations: list[str]) -> list[str]:
        """GRANT statements giving again what the target grants on ``relations`` now (none
        where the engine has no privileges)."""
        ...

    def load(self, table: Table, frame: pd.DataFrame) -> None:
        """Bulk-insert ``frame`` (columns in the table's order) into ``table``."""
        ...

    def update_columns(self, table: Table, key: tuple[str, ...], frame: pd.DataFrame) -> None:
        """Set the non-key columns of ``frame`` on the rows matched by ``key``."""
        ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def close(self) -> None: ...


class Connector(Protocol):
    dialect: str
    capabilities: Dialect
    schema_name: str

    @property
    def location(self) -> str:
        """Identity of the database *and* schema (no password), to refuse writing into a source."""
        ...

    @property
    def display_url(self) -> str:
        """The URL with any password masked; the only form a URL is ever printed in."""
        ...

    def engine_version(self) -> str:
        """The engine and its version as it reports them (``PostgreSQL 16.4``)."""
        ...

    def introspect(self) -> Schema: ...

    def read_table(self, table: Table, limit: int | None = None, seed: int = 0) -> pd.DataFrame:
        """All rows, or a repeatable random sample of about ``limit`` rows."""
        ...

    def begin_target(self) -> TargetSession: ...

    def probe(self, sql: str) -> str | None:
        """Run a query that reads no rows (can a CHECK's condition be evaluated here?);
        the engine's error, one line, or None. Never writes, never creates a file."""
        ...

    def query(self, sql: str) -> list[tuple[Any, ...]]: ...

    def close(self) -> None: ...


def own_rows(connector: Connector, schema: Schema, table: str) -> str:
    """How a query's FROM names the table's own rows in ``connector``'s schema: a table
    others inherit from returns their rows too unless read alone (``ONLY``), which would
    size it and train it on rows that are not its own."""
    name = qualified(connector.schema_name, table)
    return connector.capabilities.own_rows.format(name) if schema.inherited(table) else name


def probe_by_query(query: Callable[[str], object], display_url: str, sql: str) -> str | None:
    """Run ``sql`` as a read through a connector's ``query``: the engine's error (one line,
    without the connector's prefix) or None. What every querying connector's ``probe`` is."""
    try:
        query(sql)
    except SchemaError as exc:
        return exc.message.removeprefix(f"query failed on {display_url}: ")
    return None


def read_sql(dialect: str, name: str) -> str:
    """Load a SQL file shipped under ``sql/<dialect>/<name>.sql`` (``sql/<name>.sql`` for
    portable SQL, with ``dialect=""``)."""
    folder = resources.files("dbsynth.sql")
    return (folder.joinpath(dialect, f"{name}.sql") if dialect else folder.joinpath(f"{name}.sql")).read_text()


def is_null_value(value: Any) -> bool:
    """None, NaN, NaT, pd.NA; a container (array, JSON object, bytes) is a value. For the
    bulk loaders, which render values one by one only where Arrow cannot."""
    import numpy as np
    import pandas as pd

    if value is None:
        return True
    if isinstance(value, (str, list, tuple, dict, bytes, bytearray, memoryview, np.ndarray)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def first_line(exc: BaseException) -> str:
    """A driver error's first line (its name when it has no text): what errors quote."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def short_sql(sql: str) -> str:
    """A statement on one line, at most 160 characters, to name it in an error."""
    flat = " ".join(sql.split())
    return flat if len(flat) <= 160 else flat[:157] + "..."


def expression_unique(name: str, parts: list[str], columns: tuple[str, ...],
                      dialect: str, where: str | None = None) -> UniqueConstraint | None:
    """A unique index on expressions or over some rows as the columns its key parts read
    (``lower(email)``: email, case-folded; ``(tenant_id, lower(email))``): the generator
    makes those unique, which the index then holds. None where a part reads no column
    (an index on a constant, or SQL sqlglot cannot read: nothing to generate apart)."""
    import sqlglot
    from sqlglot import exp

    by_folded = {c.casefold(): c for c in columns}
    found: list[str] = []
    folded = null_equal = lossy = False
    reads: list[str] = []
    for part in parts:
        try:
            tree = sqlglot.parse_one(part, read=dialect)
        except sqlglot.errors.SqlglotError:
            return None
        named = [by_folded.get(c.name.casefold()) for c in tree.find_all(exp.Column)]
        if not named or None in named:
            return None
        lossy |= not _keeps_values_apart(tree)
        reads.append(_as_duckdb(tree, by_folded))
        found += [c for c in named if c is not None and c not in found]
        folded |= any(node.find(exp.Column) is not None
                      for node in tree.find_all(exp.Lower, exp.Upper)) or any(
            node.expression.name.upper() == "NOCASE" for node in tree.find_all(exp.Collate))
        # coalesce(folder_id, 0) / ifnull(…): NULL is a value there, two NULLs collide
        null_equal |= any(node.find(exp.Column) is not None for node in tree.find_all(exp.Coalesce))
    return UniqueConstraint(tuple(found), name, index=True, source="indexes", folded=folded,
                            null_equal=null_equal, only_when=_flag_of(where, by_folded, dialect),
                            reads=tuple(reads) if lossy else ())


def _keeps_values_apart(tree: Any) -> bool:
    """Whether an index key part tells rows apart as its columns do, up to case and NULL
    (a column, ``lower(email)``, ``coalesce(folder_id, 0)``, ``name COLLATE NOCASE``): the
    generator then compares the columns. Anything else (``at::date``, ``doc->>'sku'``,
    ``substr(code, 1, 3)``) may make two different rows one key."""
    from sqlglot import exp

    while isinstance(tree, (exp.Paren, exp.Lower, exp.Upper, exp.Collate)):
        tree = tree.this
    if isinstance(tree, exp.Coalesce):
        return all(_keeps_values_apart(e) or isinstance(e, exp.Literal)
                   for e in [tree.this, *tree.expressions])
    return isinstance(tree, exp.Column)


def _as_duckdb(tree: Any, by_folded: dict[str, str]) -> str:
    """A key part as DuckDB SQL over the table's columns, named exactly (quoted)."""
    from sqlglot import exp

    def named(node: Any) -> Any:
        if isinstance(node, exp.Column):
            return exp.column(by_folded[node.name.casefold()], quoted=True)
        return node

    return str(tree.copy().transform(named).sql(dialect="duckdb"))


def _flag_of(where: str | None, by_folded: dict[str, str], dialect: str) -> str | None:
    """The column a partial index's WHERE is the truth of (``is_default``, ``active = true``,
    ``is_primary = 1``, ``flag IS TRUE``), or None: another predicate (``deleted_at IS
    NULL``), whose rows are then made unique over the whole table, which holds it too."""
    import sqlglot
    from sqlglot import exp

    if not where:
        return None
    try:
        tree = sqlglot.parse_one(where, read=dialect)
    except sqlglot.errors.SqlglotError:
        return None
    while isinstance(tree, exp.Paren):
        tree = tree.this
    if isinstance(tree, (exp.EQ, exp.Is)) and (
            isinstance(tree.expression, exp.Boolean) and tree.expression.this is True
            or isinstance(tree.expression, exp.Literal) and tree.expression.name == "1"):
        tree = tree.this
    return by_folded.get(tree.name.casefold()) if isinstance(tree, exp.Column) else None


def add_index_unique(uniques: list[UniqueConstraint], unique: UniqueConstraint
                     ) -> list[UniqueConstraint]:
    """``uniques`` with an expression or partial unique index's columns: a set already
    unique stays as it is, case-folded where the index folds it (UNIQUE (email) beside a
    ``lower(email)`` index: 'Ann' and 'ann' would break the index)."""
    for i, have in enumerate(uniques):
        if have.columns == unique.columns:
            stricter = replace(have, folded=have.folded or unique.folded,
                               null_equal=have.null_equal or unique.null_equal,
                               only_when=have.only_when if have.only_when == unique.only_when else None,
                               reads=have.reads or unique.reads)  # distinct readings: distinct rows
            return uniques if stricter == have else [*uniques[:i], stricter, *uniques[i + 1:]]
    return [*uniques, unique]
