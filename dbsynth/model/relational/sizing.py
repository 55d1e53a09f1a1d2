"""How many rows each table gets: ``--scale`` for the whole database, and per table
``--rows TABLE=N`` (a size) and ``--table-scale TABLE=F`` (children per parent times F);
and which rows: ``--where 'TABLE: condition'`` (see :mod:`.conditions`), which leaves the
sizes as they are (the conditioned table gets its planned rows, all of them matching).

Sizes travel down the primary links (see :mod:`.links`): every table has a *ratio*, its rows
relative to the source's. A root's is the scale; a child's is its primary parent's (the same
children per parent), times its ``--table-scale``. ``--rows`` sets a table's ratio to N over
its source rows; for a child, its per-parent counts are rescaled to that total (their shape
kept, see :func:`.counts.calibrated_counts`). Descendants of a resized table follow it.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from dbsynth.errors import UsageError
from dbsynth.model.relational.conditions import Condition, check_where_tables
from dbsynth.model.relational.fit import TableModel, is_code_list
from dbsynth.model.relational.links import likely_primary_parents
from dbsynth.schema.graph import build_plan
from dbsynth.schema.model import Schema

T = TypeVar("T")


@dataclass(frozen=True)
class Sizing:
    """The sizes (and conditions) asked for one run; :meth:`check` and :meth:`check_tables`
    validate them."""

    scale: float = 1.0
    #: per table, its rows (the table's per-parent counts rescaled to add up to this)
    rows: Mapping[str, int] = field(default_factory=dict)
    #: per table, a factor on its children per parent (on a root: on its rows)
    table_scale: Mapping[str, float] = field(default_factory=dict)
    #: per table, the condition each of its synthetic rows satisfies (rejection at sampling)
    where: Mapping[str, Condition] = field(default_factory=dict)
    #: per child of a conditioned root, its children per parent under the condition relative
    #: to all parents (drawn by the model, see RelationalModel.settled): the copy of "German
    #: customers with all their orders" has as many orders as German customers have
    where_factors: Mapping[str, float] = field(default_factory=dict)
    #: with ``where``: the tables not below a conditioned one keep only the rows it references
    only_related: bool = False
    #: lookup lists whose codes are kept, where no model says so (a report, a refresh's
    #: plan): their rows stay as in the source (see :func:`.fit.is_code_list`)
    fixed: frozenset[str] = frozenset()

    @classmethod
    def of(cls, sizing: float | Sizing) -> Sizing:
        """A bare scale (the older API) as a sizing."""
        return sizing if isinstance(sizing, Sizing) else cls(scale=float(sizing))

    @property
    def per_table(self) -> bool:
        """Whether any table is sized on its own (not just by the scale)."""
        return bool(self.rows or self.table_scale)

    def check(self) -> None:
        """Values that make no sense whatever the schema: N < 0, F <= 0, a table sized twice."""
        for table, n in self.rows.items():
            if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
                raise UsageError(f"--rows {table}={n}: the rows must be a whole number >= 0")
        for table, f in self.table_scale.items():
            if isinstance(f, bool) or not isinstance(f, numbers.Real) or not math.isfinite(f) or f <= 0:
                raise UsageError(f"--table-scale {table}={f}: the factor must be a number > 0")
        if self.only_related and not self.where:
            raise UsageError("--only-related keeps the rows a --where selects: give a --where")
        both = sorted(set(self.rows) & set(self.table_scale))
        if both:
            raise UsageError(f"{both[0]} has both --rows and --table-scale: give one of them")

    def check_tables(self, schema: Schema, settled: bool = True) -> None:
        """Every table named exists (else a "did you mean"); once the schema is ``settled``
        (keys and table modes known), none is a copied table or empty in the source."""
        self.check()
        names = schema.table_names
        for flag, tables in (("--rows", self.rows), ("--table-scale", self.table_scale)):
            for name in tables:
                if name not in names:
                    close = difflib.get_close_matches(name, list(names), n=1)
                    hint = f"; did you mean {close[0]!r}?" if close else ""
                    raise UsageError(f"{flag} {name}=…: no table {name!r}{hint}")
                if not settled:
                    continue
                table = schema.table(name)
                if table.mode == "copy":
                    raise UsageError(f"{flag} {name}=…: {name} is copied as it is (mode copy), "
                                     "its rows cannot be sized; leave it out or change its mode")
                if table.row_count == 0:
                    raise UsageError(f"{flag} {name}=…: {name} is empty in the source, "
                                     "there is nothing to size")
        check_where_tables(self.where, names)
        for name, condition in self.where.items():
            table = schema.table(name)
            condition.check(table)
            if settled and table.mode == "copy":
                raise UsageError(f"{condition.flag}: {name} is copied as it is (mode copy), "
                                 "its rows cannot be chosen; leave it out or change its mode")

    def ratios(self, schema: Schema, tables: Mapping[str, TableModel],
               sample_rows: int | None = None) -> dict[str, float]:
        """Each table's rows relative to the source's (a copied table's: what its children
        follow, its own rows stay as they are). Without ``tables`` (before training), tables
        follow the primary parents training would most likely choose reading at most about
        ``sample_rows`` rows per table (see :func:`.links.likely_primary_parents`)."""
        out: dict[str, float] = {}
        guessed = (likely_primary_parents(schema, build_plan(schema), sample_rows)
                   if self.per_table and not tables else {})

        def ratio(name: str) -> float:
            if name in out:
                return out[name]
            tm = tables.get(name)
            parent = (tm.primary.parent if tm.primary is not None else None) if tm is not None \
                else guessed.get(name)
            if name in self.rows:
                value = self.rows[name] / max(_source_rows(schema, tables, name), 1)
            elif name not in self.table_scale and (
                    name in self.fixed or (tm is not None and is_code_list(schema.table(name), tm.keys))):
                value = 1.0  # a vocabulary of codes: as in the source at any scale
            else:
                inherited = ratio(parent) if parent is not None else self.scale
                value = inherited * self.table_scale.get(name, 1.0) * self.where_factors.get(name, 1.0)
            out[name] = value
            return value

        for table in schema.tables:
            ratio(table.name)
        return out

    def planned_rows(self, schema: Schema, tables: Mapping[str, TableModel],
                     sample_rows: int | None = None) -> dict[str, int]:
        """Rows asked for per table (copied tables: as they are), as the size check expects;
        ``sample_rows``: see :meth:`ratios`."""
        ratios = self.ratios(schema, tables, sample_rows)
        out: dict[str, int] = {}
        for table in schema.tables:
            source = _source_rows(schema, tables, table.name)
            out[table.name] = source if table.mode == "copy" else round(source * ratios[table.name])
        return out


def _source_rows(schema: Schema, tables: Mapping[str, TableModel], name: str) -> int:
    """The source's rows of a table, as the model counted them (else as the schema did)."""
    tm = tables.get(name)
    return tm.row_count if tm is not None else schema.table(name).row_count


def parse_rows(pairs: Iterable[str]) -> dict[str, int]:
    """``--rows TABLE=N`` strings as a dict."""
    return _pairs(pairs, "--rows", "TABLE=N", int, "a whole number")


def parse_table_scale(pairs: Iterable[str]) -> dict[str, float]:
    """``--table-scale TABLE=F`` strings as a dict."""
    return _pairs(pairs, "--table-scale", "TABLE=F", float, "a number")


def _pairs(pairs: Iterable[str], flag: str, form: str, convert: Callable[[str], T],
           wanted: str) -> dict[str, T]:
    """Bad syntax, a bad number or a table given twice is one clear error (the values
    themselves are checked by :meth:`Sizing.check`)."""
    out: dict[str, T] = {}
    for pair in pairs:
        table, sep, value = pair.rpartition("=")
        table, value = table.strip(), value.strip()
        if not sep or not table or not value:
            raise UsageError(f"{flag} wants {form}, got {pair!r}")
        try:
            number = convert(value)
        except ValueError:
            raise UsageError(f"{flag} {pair}: {value!r} is not {wanted}") from None
        if table in out:
            raise UsageError(f"{flag} names {table} twice")
        out[table] = number
    return out
