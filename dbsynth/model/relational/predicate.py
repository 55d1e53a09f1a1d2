"""Evaluating a parsed ``--where`` condition (see :mod:`.conditions`) on generated rows.

SQL's three-valued logic on a pandas frame: comparisons give TRUE, FALSE or NULL per row
(NULL where a side is NULL), combined by pandas' nullable booleans (Kleene AND/OR/NOT).
Values compare by the column's SQL type: numbers, booleans and temporal columns as numbers
(a temporal column as seconds since 1970, UTC), everything else as text. A construct
outside the supported set, or values of different kinds, is a :class:`UsageError`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal as TypingLiteral

import numpy as np
import pandas as pd
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


def evaluate(tree: exp.Expression, frame: pd.DataFrame, table: Table, flag: str,
             column_of: Callable[[str], Column]) -> pd.Series:
    """Per row of ``frame``, the condition's truth (nullable booleans); errors start with
    ``flag``, ``column_of`` finds a named column of ``table`` (or says there is none)."""
    return _Evaluator(frame, table, flag, column_of).truth(tree)


class _Evaluator:
    """One evaluation of a condition's tree on a frame."""

    def __init__(self, frame: pd.DataFrame, table: Table, flag: str,
                 column_of: Callable[[str], Column]) -> None:
        self.frame, self.table, self.flag, self.column_of = frame, table, flag, column_of
        self.n = len(frame)

    def fail(self, message: str) -> UsageError:
        return UsageError(f"{self.flag}: {message}")

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
            column = self.column_of(node.name)
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
