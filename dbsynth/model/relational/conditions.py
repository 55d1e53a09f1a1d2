"""Conditional generation: ``--where 'TABLE: SQL condition'``.

A condition is a SQL boolean expression over one table's columns, parsed with sqlglot and
evaluated on generated rows (a pandas frame) with SQL's three-valued logic: a row is kept
only where the condition is TRUE (NULL is not TRUE). What is understood, on purpose a small
and portable part of SQL, so the same text can be run in any target: comparisons
(``= <> != < <= > >=``), ``AND``/``OR``/``NOT``, ``IN (…)``, ``BETWEEN``, ``IS [NOT] NULL``,
``IS [NOT] TRUE/FALSE``, ``[NOT] LIKE``/``ILIKE`` with ``%`` and ``_``, and string, number,
boolean, ``NULL`` and ``DATE '…'``/``TIMESTAMP '…'`` literals. Anything else is refused by
name before anything is read. The evaluation itself is in :mod:`.predicate`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlglot
from sqlglot import exp

from dbsynth.errors import UsageError
from dbsynth.model.relational.predicate import evaluate
from dbsynth.schema.model import Column, Table

@dataclass(frozen=True)
class Condition:
    """The condition every synthetic row of ``table`` must satisfy (``text``: as given).
    Holds the text only (pickled to scale-out workers as it is); the tree is parsed once."""

    table: str
    text: str

    @classmethod
    def parse(cls, table: str, text: str) -> Condition:
        """A condition whose syntax is checked (its columns are checked by :meth:`check`)."""
        condition = cls(table.strip(), text.strip())
        if not condition.table or not condition.text:
            raise UsageError(f"--where wants 'TABLE: condition', got {table}: {text}")
        condition.tree  # noqa: B018 - parsed now: a syntax error is refused up front
        return condition

    @property
    def tree(self) -> exp.Expression:
        return _parse(self.table, self.text)

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns the condition names, in order of appearance."""
        return tuple(dict.fromkeys(c.name for c in self.tree.find_all(exp.Column)))

    def check(self, table: Table) -> None:
        """Every column named exists (else a "did you mean") and holds data, not a key; every
        comparison is between values of one kind: evaluated once on no rows."""
        keys = set(table.primary_key.columns if table.primary_key else ())
        keys.update(c for fk in table.foreign_keys for c in fk.columns)
        for name in self.columns:
            column = _column_of(self, table, name)
            if column.name in keys:
                raise UsageError(f"{self.flag}: {column.name} is a key (dbsynth makes its values); "
                                 "a condition can name the table's other columns")
        self.holds(pd.DataFrame({c.name: pd.Series([], dtype=object) for c in table.columns}),
                   table)

    def check_generated(self, drawn: Iterable[str]) -> None:
        """Every column named is drawn by the table's model (not a generated key, a copy of
        the parent's column or a column left NULL), so rejecting rows can meet it."""
        drawn = set(drawn)
        for name in self.columns:
            if name not in drawn:
                raise UsageError(f"{self.flag}: {self.table}.{name} is not drawn by the model "
                                 "(a generated key, a parent's copy or a skipped column); "
                                 "a condition cannot select on it")

    @property
    def flag(self) -> str:
        return f"--where {self.table}"

    def holds(self, frame: pd.DataFrame, table: Table) -> np.ndarray:
        """Per row of ``frame``, whether the condition is TRUE (NULL counts as not)."""
        try:
            truth = evaluate(self.tree, frame, table, self.flag,
                             lambda name: _column_of(self, table, name))
        except RecursionError:
            raise UsageError(f"{self.flag}: the condition nests too deeply") from None
        return truth.fillna(False).to_numpy(dtype=bool)

    def describe(self, frame: pd.DataFrame) -> str:
        """What the model drew for the condition's columns (for an impossible condition)."""
        parts = []
        for name in self.columns:
            if name not in frame:
                continue
            values = frame[name].dropna()
            if values.empty:
                parts.append(f"{name}: only NULL")
            elif pd.api.types.is_numeric_dtype(values.infer_objects()) or isinstance(
                    values.iloc[0], (dt.date, dt.time, pd.Timestamp)):
                parts.append(f"{name}: {values.min()} … {values.max()}")
            else:
                top = values.astype(str).value_counts().index[:5]
                more = ", …" if values.astype(str).nunique() > 5 else ""
                parts.append(f"{name}: " + ", ".join(repr(v) for v in top) + more)
        return "; ".join(parts)


def parse_where(items: Iterable[str]) -> dict[str, str]:
    """``--where 'TABLE: condition'`` strings as {table: condition}; a table given twice or
    no ``TABLE:`` part is one clear error."""
    out: dict[str, str] = {}
    for item in items:
        table, sep, text = item.partition(":")
        table, text = table.strip(), text.strip()
        if not sep or not table or not text or " " in table:
            raise UsageError(f"--where wants 'TABLE: condition', got {item!r}")
        if table in out:
            raise UsageError(f"--where names {table} twice: join its conditions with AND")
        out[table] = text
    return out


def conditions_of(where: Mapping[str, str] | None) -> dict[str, Condition]:
    """{table: condition text} as parsed conditions (syntax checked)."""
    return {table: Condition.parse(table, text) for table, text in (where or {}).items()}


def check_where_tables(where: Mapping[str, Condition], table_names: Iterable[str]) -> None:
    """Each conditioned table exists (else a "did you mean")."""
    names = list(table_names)
    for table in where:
        if table not in names:
            close = difflib.get_close_matches(table, names, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UsageError(f"--where {table}: no table {table!r}{hint}")


@functools.lru_cache(maxsize=128)
def _parse(table: str, text: str) -> exp.Expression:
    flag = f"--where {table}"
    quiet = logging.getLogger("sqlglot")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # "falling back to parsing as a Command": refused below
    try:
        tree = sqlglot.parse_one(text)
    except RecursionError:
        raise UsageError(f"{flag}: the condition nests too deeply") from None
    except sqlglot.errors.SqlglotError as exc:
        errors = getattr(exc, "errors", None) or [{}]
        detail = errors[0].get("description") or str(exc).splitlines()[0]
        detail = re.sub(r" for <class '[^']*'>", "", detail)
        raise UsageError(f"{flag}: cannot parse {text!r}: {detail}") from None
    finally:
        quiet.setLevel(level)
    if tree is None:
        raise UsageError(f"{flag}: an empty condition")
    if isinstance(tree, exp.Block):
        raise UsageError(f"{flag}: one condition, not several statements ({text!r})")
    return tree


def _column_of(condition: Condition, table: Table, name: str) -> Column:
    """The table's column of that name (exact, else the one name that differs only in case)."""
    names = [c.name for c in table.columns]
    if name in names:
        return table.column(name)
    folded = [n for n in names if n.lower() == name.lower()]
    if len(folded) == 1:
        return table.column(folded[0])
    close = difflib.get_close_matches(name, names, n=1)
    hint = (f"; did you mean {close[0]!r}?" if close
            else f" (a text value goes in single quotes: '{name}')")
    raise UsageError(f"{condition.flag}: no column {name!r} in {table.name}{hint}")
