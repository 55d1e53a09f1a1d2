"""Conditional generation: ``--where 'TABLE: SQL condition'``.

A condition is a SQL boolean expression over one table's columns, parsed with sqlglot and
evaluated on generated rows (a pandas frame) with SQL's three-valued logic: a row is kept
only where the condition is TRUE (NULL is not TRUE). What is understood, on purpose a small
and portable part of SQL, so the same text can be run in any target: comparisons
(``= <> != < <= > >=``), ``AND``/``OR``/``NOT``, ``IN (…)``, ``BETWEEN``, ``IS [NOT] NULL``,
``IS [NOT] TRUE/FALSE``, ``[NOT] LIKE``/``ILIKE`` with ``%`` and ``_``, and string, number,
boolean, ``NULL`` and ``DATE '…'``/``TIMESTAMP '…'`` literals. Anything else is refused by
name before anything is read.

Values are compared by the column's SQL type: numbers, booleans and temporal columns as
numbers (a temporal column as seconds since 1970, UTC), everything else as text.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal as TypingLiteral

import numpy as np
import pandas as pd
import sqlglot
from sqlglot import exp

from dbsynth.errors import UsageError
from dbsynth.schema.model import Column, Table

#: how a column's values compare
Kind = TypingLiteral["number", "boolean", "temporal", "time", "text"]

_EPOCH = pd.Timestamp(0, tz="UTC")
_COMPARISONS: dict[type[exp.Expression], Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    exp.EQ: np.equal, exp.NEQ: np.not_equal, exp.LT: np.less, exp.LTE: np.less_equal,
    exp.GT: np.greater, exp.GTE: np.greater_equal,
}
SUPPORTED = ("comparisons (= <> != < <= > >=), AND, OR, NOT, IN (…), BETWEEN, IS [NOT] NULL, "
             "LIKE, string/number/date literals")


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
            truth = _Evaluator(self, frame, table).truth(self.tree)
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


def kind_of(column: Column) -> Kind:
    sql = column.type
    if sql.name == "boolean":
        return "boolean"
    if sql.is_numeric:
        return "number"
    if sql.name == "time":
        return "time"
    if sql.is_temporal:
        return "temporal"
    return "text"


@dataclass
class _Operand:
    """Values of one side of a comparison: per row (``rows``) or one scalar, with their kind
    (None: a bare literal, taking the other side's kind) and where they are NULL."""

    values: np.ndarray | object
    null: np.ndarray | bool
    kind: Kind | None
    rows: bool
    text: str  # as written, for messages


class _Evaluator:
    """One evaluation of a condition's tree on a frame."""

    def __init__(self, condition: Condition, frame: pd.DataFrame, table: Table) -> None:
        self.condition, self.frame, self.table = condition, frame, table
        self.n = len(frame)

    def fail(self, message: str) -> UsageError:
        return UsageError(f"{self.condition.flag}: {message}")

    def truth(self, node: exp.Expression) -> pd.Series:
        """Three-valued truth per row (pandas' nullable boolean: Kleene AND/OR/NOT)."""
        if isinstance(node, exp.Paren):
            return self.truth(node.this)
        if isinstance(node, exp.And):
            return self.truth(node.this) & self.truth(node.expression)
        if isinstance(node, exp.Or):
            return self.truth(node.this) | self.truth(node.expression)
        if isinstance(node, exp.Not):
            return ~self.truth(node.this)
        if type(node) in _COMPARISONS:
            return self.compare(type(node), self.operand(node.this), self.operand(node.expression))
        if isinstance(node, exp.In):
            if node.args.get("query") is not None or node.args.get("unnest") is not None:
                raise self.fail("IN takes a list of values here, not a subquery")
            left = self.operand(node.this)
            out = self._constant(False)
            for item in node.expressions:
                out = out | self.compare(exp.EQ, left, self.operand(item))
            return out
        if isinstance(node, exp.Between):
            value = self.operand(node.this)
            return (self.compare(exp.GTE, value, self.operand(node.args["low"]))
                    & self.compare(exp.LTE, value, self.operand(node.args["high"])))
        if isinstance(node, exp.Is):
            return self.is_(node)
        if isinstance(node, (exp.Like, exp.ILike)):
            out = self.like(node)
            return ~out if node.args.get("negate") else out
        if isinstance(node, exp.Boolean):
            return self._constant(bool(node.this))
        if isinstance(node, exp.Column):
            value = self.operand(node)
            if value.kind != "boolean":
                raise self.fail(f"{value.text} is not a boolean column: compare it with a value")
            return self._rows(np.asarray(value.values) == 1.0, value.null)
        raise self.fail(f"{_name(node)} is not supported ({node.sql()!r}); "
                        f"supported: {SUPPORTED}")

    def _constant(self, value: bool | None) -> pd.Series:
        return pd.Series(pd.array([value] * self.n, dtype="boolean"))

    def _rows(self, values: np.ndarray, null: np.ndarray | bool) -> pd.Series:
        out = pd.array(np.broadcast_to(values, (self.n,)).astype(bool), dtype="boolean")
        out[np.broadcast_to(null, (self.n,))] = pd.NA
        return pd.Series(out)

    def operand(self, node: exp.Expression) -> _Operand:
        text = node.sql()
        if isinstance(node, exp.Paren):
            return self.operand(node.this)
        if isinstance(node, exp.Column):
            table = node.table
            if table and table != self.table.name:
                raise self.fail(f"{text}: a condition names its own table's columns only")
            column = _column_of(self.condition, self.table, node.name)
            kind = kind_of(column)
            values = self.frame[column.name] if column.name in self.frame else \
                pd.Series([None] * self.n, dtype=object)
            converted = _convert(values, kind)
            return _Operand(converted, pd.isna(values).to_numpy() | _nan(converted), kind, True,
                            column.name)
        if isinstance(node, exp.Null):
            return _Operand(None, True, None, False, text)
        if isinstance(node, exp.Boolean):
            return _Operand(1.0 if node.this else 0.0, False, "boolean", False, text)
        if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and not node.this.is_string:
            return _Operand(-float(node.this.this), False, "number", False, text)
        if isinstance(node, exp.Literal):
            if node.is_string:
                return _Operand(node.this, False, None, False, text)
            return _Operand(float(node.this), False, "number", False, text)
        if isinstance(node, exp.Cast) and isinstance(node.this, exp.Literal) and node.this.is_string:
            target = node.to.this
            if target in (exp.DataType.Type.DATE, exp.DataType.Type.TIMESTAMP,
                          exp.DataType.Type.TIMESTAMPTZ, exp.DataType.Type.DATETIME):
                return _Operand(_scalar(self, node.this.this, "temporal", text), False,
                                "temporal", False, text)
        raise self.fail(f"{_name(node)} is not supported as a value ({text!r}); "
                        f"supported: {SUPPORTED}")

    def compare(self, op: type[exp.Expression], left: _Operand, right: _Operand) -> pd.Series:
        if left.kind is None and right.kind is None:
            if not left.rows and not right.rows and (left.values is None or right.values is None):
                return self._constant(None)  # NULL = 'x': NULL
            raise self.fail(f"{left.text} {op.key} {right.text} compares no column")
        kind = left.kind or right.kind
        assert kind is not None
        a, b = (self.coerce(x, kind, other) for x, other in ((left, right), (right, left)))
        null = np.asarray(a.null) | np.asarray(b.null)
        if kind == "text":
            av = np.where(np.broadcast_to(null, (self.n,)), "", np.broadcast_to(a.values, (self.n,)))
            bv = np.where(np.broadcast_to(null, (self.n,)), "", np.broadcast_to(b.values, (self.n,)))
            result = _COMPARISONS[op](av.astype(str), bv.astype(str))
        else:
            av = np.broadcast_to(np.asarray(a.values, dtype=float), (self.n,))
            bv = np.broadcast_to(np.asarray(b.values, dtype=float), (self.n,))
            with np.errstate(invalid="ignore"):
                result = _COMPARISONS[op](np.nan_to_num(av), np.nan_to_num(bv))
        return self._rows(result, null)

    def coerce(self, value: _Operand, kind: Kind, other: _Operand) -> _Operand:
        """A side in the kind of the comparison: a bare literal converted to it, a column or
        a typed literal of another kind refused."""
        if value.values is None and not value.rows:
            return value  # NULL
        if value.kind is None:  # a quoted literal: the column's kind decides what it means
            return _Operand(_scalar(self, str(value.values), kind, value.text), False, kind,
                            False, value.text)
        if value.kind == kind or (kind == "boolean" and value.kind == "number" and not value.rows
                                  and value.values in (0.0, 1.0)):
            return value
        if value.rows and other.rows:
            raise self.fail(f"{other.text} is {_kind_label(other.kind)} and {value.text} is "
                            f"{_kind_label(value.kind)}: they cannot be compared")
        column, literal = (value, other) if value.rows else (other, value)
        hint = " (a text value goes in single quotes)" if column.kind == "text" else ""
        raise self.fail(f"{column.text} is {_kind_label(column.kind)}: it cannot be compared "
                        f"with {literal.text}{hint}")

    def is_(self, node: exp.Is) -> pd.Series:
        value = self.operand(node.this)
        target = node.expression
        null = np.broadcast_to(np.asarray(value.null), (self.n,))
        if isinstance(target, exp.Null):
            return self._rows(null.copy(), False)
        if isinstance(target, exp.Boolean) and value.kind == "boolean":
            wanted = 1.0 if target.this else 0.0
            hit = np.broadcast_to(np.asarray(value.values, dtype=float), (self.n,)) == wanted
            return self._rows(hit & ~null, False)
        raise self.fail(f"IS {target.sql()} is not supported here ({node.sql()!r}); "
                        "IS [NOT] NULL, or IS [NOT] TRUE/FALSE on a boolean column")

    def like(self, node: exp.Expression) -> pd.Series:
        value, pattern = self.operand(node.this), node.expression
        if value.kind != "text" or not value.rows:
            raise self.fail(f"LIKE needs a text column on its left ({node.sql()!r})")
        if node.args.get("escape") is not None or not (
                isinstance(pattern, exp.Literal) and pattern.is_string):
            raise self.fail(f"LIKE takes a quoted pattern with % and _ here ({node.sql()!r})")
        regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch)
                        for ch in pattern.this)
        flags = re.DOTALL | (re.IGNORECASE if isinstance(node, exp.ILike) else 0)
        compiled = re.compile(regex + r"\Z", flags)
        texts = np.broadcast_to(np.asarray(value.values, dtype=object), (self.n,))
        hit = np.array([isinstance(t, str) and compiled.match(t) is not None for t in texts],
                       dtype=bool)
        return self._rows(hit, value.null)


def _convert(values: pd.Series, kind: Kind) -> np.ndarray:
    """A column's values as what they compare as: floats (NaN for NULL) or text."""
    if kind == "number":
        return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    if kind == "boolean":
        null = pd.isna(values).to_numpy()
        out = np.full(len(values), np.nan)
        out[~null] = [float(bool(v)) for v in values.to_numpy(dtype=object)[~null]]
        return out
    if kind == "temporal":
        stamps = pd.to_datetime(values, errors="coerce", utc=True, format="mixed")
        return ((stamps - _EPOCH) / pd.Timedelta(seconds=1)).to_numpy(dtype=float)
    if kind == "time":
        return np.array([_seconds(v) for v in values], dtype=float)
    out = values.to_numpy(dtype=object, copy=True)
    null = pd.isna(values).to_numpy()
    out[null] = None
    if pd.api.types.infer_dtype(out, skipna=True) not in ("string", "empty"):
        out[~null] = [v if isinstance(v, str) else str(v) for v in out[~null]]
    return out


def _nan(converted: np.ndarray) -> np.ndarray | bool:
    return np.isnan(converted) if converted.dtype == float else False


def _seconds(value: object) -> float:
    if isinstance(value, dt.time):
        return value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    if isinstance(value, str):
        try:
            return _seconds(dt.time.fromisoformat(value))
        except ValueError:
            return float("nan")
    return float("nan")


def _scalar(evaluator: _Evaluator, text: str, kind: Kind, written: str) -> float | str:
    """A quoted literal as a value of ``kind`` (a number, a date…), or an error saying so."""
    try:
        if kind == "number":
            return float(text)
        if kind == "boolean":
            lowered = text.strip().lower()
            if lowered not in ("true", "false", "t", "f", "1", "0"):
                raise ValueError(text)
            return 1.0 if lowered in ("true", "t", "1") else 0.0
        if kind == "temporal":
            stamp = pd.Timestamp(text)
            stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
            return float((stamp - _EPOCH) / pd.Timedelta(seconds=1))
        if kind == "time":
            seconds = _seconds(text)
            if seconds != seconds:
                raise ValueError(text)
            return seconds
    except (ValueError, TypeError):
        raise evaluator.fail(f"{written} is not {_kind_label(kind)}") from None
    return text


def _kind_label(kind: Kind | None) -> str:
    return {"number": "a number", "boolean": "a boolean", "temporal": "a date or timestamp",
            "time": "a time of day", "text": "text"}.get(kind or "text", "text")


def _name(node: exp.Expression) -> str:
    """What a user calls the construct: ``Add`` as ``+``, a function by its name."""
    if isinstance(node, exp.Func):
        return f"function {node.sql_name()}"
    if isinstance(node, exp.Binary):
        return f"operator {node.key.upper()}"
    return node.key.upper()
