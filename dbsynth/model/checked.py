"""Typed, range-checked reading of a model file's parts: a model file may come from anywhere.

Every dataclass stored in a model file is rebuilt by :func:`build`, which checks each field
against its type hints (wrong type, unknown or missing field: one :class:`ModelError` naming
the place), and :func:`check_table` then checks ranges and cross references (row counts,
shares, tree node indices, matrix shapes) that sampling relies on, so a crafted file fails
here with a clear line instead of deep inside generation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import math
import types
import typing
from typing import Any, TypeVar

from dbsynth.errors import ModelError

#: How deep the parsed JSON may nest; real model files stay under 12 levels.
MAX_DEPTH = 32
#: Rows one table of a model may have (and a key may start at): far above real sources,
#: low enough that a crafted file cannot ask for 10**12 rows.
MAX_ROWS = 10**11
MAX_INT = 2**63 - 1

#: a whole number of any width up to :data:`MAX_WIDE_INT` in a model file (a column's
#: :attr:`~dbsynth.model.columns.ColumnSummary.offset`: a BIGINT UNSIGNED, HUGEINT or
#: NUMERIC(38, 0) value); every other integer field is a 64-bit one
WideInt = typing.NewType("WideInt", int)
#: the widest such number: above a UHUGEINT's (2**128) and a NUMERIC(38, 0)'s (10**38)
MAX_WIDE_INT = 10**40

_SCALARS = (str, int, float, bool, decimal.Decimal, dt.date, dt.time, dt.timedelta, bytes)
T = TypeVar("T")


def check_depth(value: Any) -> None:
    """Refuse data nested deeper than :data:`MAX_DEPTH` (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ModelError(f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, (dict, list)))


def build(cls: type[T], data: Any, at: str) -> T:
    """An instance of dataclass ``cls`` from ``data``, every field checked against its type."""
    if not isinstance(data, dict):
        raise ModelError(f"{at}: expected an object, got {_kind(data)}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ModelError(f"{at}: unknown field {unknown[0]!r}")
    values = {}
    for name, f in fields.items():
        if name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ModelError(f"{at}: missing field {name!r}")
            continue
        values[name] = _value(hints[name], data[name], f"{at}.{name}")
    return cls(**values)


def _value(hint: Any, value: Any, at: str) -> Any:
    """``value`` checked against ``hint`` (lists become tuples where the hint says tuple)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        if len(options) == 1:
            return _value(options[0], value, at)
        raise ModelError(f"{at}: unsupported type {hint}")  # not used by stored dataclasses
    if hint is Any or hint is object:
        if value is None or isinstance(value, _SCALARS) or isinstance(value, (list, dict)):
            return value
        raise ModelError(f"{at}: unexpected {_kind(value)}")
    if dataclasses.is_dataclass(hint):
        return build(hint, value, at)  # type: ignore[arg-type]
    if origin is list:
        if not isinstance(value, list):
            raise ModelError(f"{at}: expected a list, got {_kind(value)}")
        (item,) = args
        if item is Any or item is object:
            return value
        return [_value(item, v, f"{at}[{i}]") for i, v in enumerate(value)]
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ModelError(f"{at}: expected a list, got {_kind(value)}")
        return tuple(_value(args[0], v, f"{at}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise ModelError(f"{at}: expected an object, got {_kind(value)}")
        _, item = args
        return {str(k): _value(item, v, f"{at}.{k}") for k, v in value.items()}
    if hint is bool:
        if not isinstance(value, bool):
            raise ModelError(f"{at}: expected true or false, got {_kind(value)}")
        return value
    if hint is WideInt:
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_WIDE_INT:
            raise ModelError(f"{at}: expected an integer of at most 40 digits, got {_kind(value)}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_INT:
            raise ModelError(f"{at}: expected a 64-bit integer, got {_kind(value)}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ModelError(f"{at}: expected a number, got {_kind(value)}")
        return float(value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        if not isinstance(value, str):
            raise ModelError(f"{at}: expected a string, got {_kind(value)}")
        one_of(value, tuple(str(m.value) for m in hint), at)
        return hint(value)
    if hint is str:
        if not isinstance(value, str):
            raise ModelError(f"{at}: expected a string, got {_kind(value)}")
        return value
    raise ModelError(f"{at}: unsupported type {hint}")


def _kind(value: Any) -> str:
    """A short description of a bad value (never the whole of it: files may be huge)."""
    if isinstance(value, (dict, list)):
        return f"{'an object' if isinstance(value, dict) else 'a list'} of {len(value)} items"
    text = repr(value)
    return f"{type(value).__name__} {text[:40] + '…' if len(text) > 40 else text}"


def in_range(value: float, low: float, high: float, at: str) -> None:
    if not (low <= value <= high):  # also refuses NaN
        raise ModelError(f"{at}: {value!r} is outside {low:g}…{high:g}")


def shares(values: list[float], at: str) -> None:
    for i, v in enumerate(values):
        in_range(v, 0.0, 1.0, f"{at}[{i}]")


def weights(values: list[float], at: str) -> None:
    for i, v in enumerate(values):
        if not (0.0 <= v < math.inf):
            raise ModelError(f"{at}[{i}]: {v!r} is not a finite weight ≥ 0")


def one_of(value: str, allowed: tuple[str, ...], at: str) -> None:
    if value not in allowed:
        raise ModelError(f"{at}: {value!r} is not one of {', '.join(allowed)}")


def length(values: list[Any] | tuple[Any, ...], expected: int, at: str) -> None:
    if len(values) != expected:
        raise ModelError(f"{at}: {len(values)} items, expected {expected}")
