"""JSON, arrays, binary strings and intervals: modelled by their shape, never copied.

A JSON column is learnt as a tree of *paths*: at each path, which JSON types occur and how
often; for objects, each key's presence share and its value's own path; for arrays, the
length distribution and one path for their items; for leaves, a per-path summary (numbers:
quantiles and integer-ness; strings: frequent categories, ISO dates as dates, or fake values
when personal or free text; booleans: the share of ``true``). SQL arrays are the same tree
with an array at the root. Binary strings keep their length distribution (random bytes);
intervals their distribution as durations. Values are drawn per path, so key structure and
value types survive while rows are not replayed.

What cannot be modelled — an array of dates, a type dbsynth does not know — is NULL where the
column allows it, and otherwise a neutral generated value (an empty array, a zero interval;
generated text for unknown types, which every target declares as text); :func:`unmodelled_notes` names them.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dbsynth.model.quantiles import from_quantiles
from dbsynth.errors import ModelError
from dbsynth.model import checked
from dbsynth.model.pii import FakeValues, pii_kind
from dbsynth.schema.model import Column, SqlType

if TYPE_CHECKING:
    from dbsynth.model.columns import ColumnSummary
    from dbsynth.schema.model import Table

N_QUANTILES = 101
MAX_CATEGORIES = 200
MAX_KEYS = 64  # keys kept per object path (most frequent): a dict keyed by ids is not a shape
MAX_DEPTH = 8  # JSON nesting kept; deeper objects/arrays are written empty
MAX_NODES = 400  # paths kept per column (the model file stays small)
FREE_TEXT_SHARE = 0.5  # strings mostly distinct at a path are generated, not drawn
STRUCTURED_TYPES = frozenset({"json", "array", "bytes", "interval"})
JSON_TYPES = ("object", "array", "number", "string", "boolean", "null")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?P<sep>[T ])?(?(sep)\d{2}:\d{2}:\d{2}(\.\d+)?(?P<tz>Z|[+-]\d{2}:?\d{2})?)$")
#: array item types drawn as JSON values are (not json[]: its items would need JSON text)
_ELEMENT_OK = ("smallint", "integer", "bigint", "numeric", "real", "double", "boolean", "text",
               "varchar", "char", "enum")


@dataclass
class Node:
    """One JSON path (or the items of an array): the types seen there and their summaries."""

    types: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # objects: keys in first-seen order
    presence: list[float] = field(default_factory=list)  # share of objects holding each key
    children: dict[str, Node] = field(default_factory=dict)
    lengths: list[float] = field(default_factory=list)  # arrays: quantiles of their length
    item: Node | None = None  # arrays: their items
    quantiles: list[float] = field(default_factory=list)  # numbers
    integer: bool = False
    scale: int | None = None  # numbers: decimal places seen
    categories: list[str] = field(default_factory=list)  # strings that repeat
    frequencies: list[float] = field(default_factory=list)
    pii: str | None = None  # strings faked: a personal kind, or "text"
    text_lengths: list[float] = field(default_factory=list)
    date_format: str | None = None  # strings that are ISO dates, drawn as dates
    dates: list[float] = field(default_factory=list)  # their quantiles (epoch seconds)
    date_step: float | None = None  # the coarsest of day/hour/minute/second they all sit on
    true_share: float = 0.0


@dataclass
class StructuredSummary:
    """``kind``: json | array | bytes | interval | neutral (a NOT NULL column filled with
    generated values of its ``fill``: ``text``, ``array`` or ``interval``)."""

    kind: str
    node: Node | None = None
    lengths: list[float] = field(default_factory=list)  # bytes: lengths; neutral text: lengths
    quantiles: list[float] = field(default_factory=list)  # intervals: seconds
    step: float | None = None  # intervals: the coarsest of day/hour/minute/second all sit on
    element_length: int | None = None  # arrays of varchar(n): items cut to n
    fill: str | None = None


_KINDS = ("json", "array", "bytes", "interval", "neutral")


# ================================================================================== fit
def models(sql_type: SqlType) -> bool:
    """Whether this module learns columns of the type (the rest stay with columns.py)."""
    return sql_type.name in STRUCTURED_TYPES


def fit(column: Column, present: pd.Series) -> StructuredSummary | None:
    """The summary of a json/array/bytes/interval column's non-NULL values; None when its
    values are not what the type says (then it is not modelled)."""
    t = column.type
    values = present.tolist()
    if t.name == "json":
        return StructuredSummary("json", node=_fit_node([_parse_json(v) for v in values],
                                                        column.name, 0, [0]))
    if t.name == "array":
        if t.element is None or t.element.name not in _ELEMENT_OK:
            return None
        lists = [_as_list(v) for v in values]
        if any(v is None or any(isinstance(i, list) for i in v) for v in lists):
            return None  # multi-dimensional: sub-arrays must match, which items drawn apart do not
        return StructuredSummary("array", node=_fit_node(lists, column.name, 0, [0]),
                                 element_length=t.element.length)
    if t.name == "bytes":
        lengths = [_byte_length(v) for v in values]
        return StructuredSummary("bytes", lengths=_quantiles([n for n in lengths if n is not None]))
    if t.name == "interval":
        seconds = np.array([s for s in (_seconds(v) for v in values) if s is not None], dtype=float)
        if len(values) and not len(seconds):
            return None
        return StructuredSummary("interval", quantiles=_quantiles(seconds), step=_step(seconds))
    return None


def neutral(column: Column, present: pd.Series) -> StructuredSummary:
    """For a NOT NULL column dbsynth cannot model: generated values of no source row (an
    empty array for arrays; otherwise text, which is how every target declares the type)."""
    if column.type.name in ("array", "interval"):  # an empty array, a zero duration
        return StructuredSummary("neutral", fill=column.type.name)
    lengths = present.astype(str).str.len().to_numpy(float)
    return StructuredSummary("neutral", fill="text", lengths=_quantiles(lengths) or [8.0])


def _fit_node(values: list[Any], name: str, depth: int, budget: list[int]) -> Node:
    """The summary of the values found at one path (``budget`` counts paths made)."""
    budget[0] += 1
    node = Node()
    groups: dict[str, list[Any]] = {}
    for v in values:
        groups.setdefault(_json_type(v), []).append(v)
    total = sum(len(g) for g in groups.values())
    node.types = [t for t in JSON_TYPES if t in groups]
    node.weights = [len(groups[t]) / total for t in node.types]
    deeper = depth < MAX_DEPTH and budget[0] < MAX_NODES
    if "object" in groups:
        objects = groups["object"]
        counts: dict[str, int] = {}
        for obj in objects:
            for key in obj:
                counts[str(key)] = counts.get(str(key), 0) + 1
        kept = sorted(counts, key=lambda k: -counts[k])[:MAX_KEYS] if deeper else []
        node.keys = [k for k in counts if k in set(kept)]  # first-seen order
        node.presence = [counts[k] / len(objects) for k in node.keys]
        for key in node.keys:
            found = [obj[key] for obj in objects if key in obj]
            node.children[key] = _fit_node(found, key, depth + 1, budget)
    if "array" in groups:
        arrays = groups["array"]
        node.lengths = _quantiles([len(a) for a in arrays]) if deeper else [0.0]
        items = [item for a in arrays for item in a]
        if deeper and items:
            node.item = _fit_node(items, name, depth + 1, budget)
    if "number" in groups:
        numbers = groups["number"]
        node.integer = all(isinstance(v, (int, np.integer)) or
                           (isinstance(v, decimal.Decimal) and v == v.to_integral_value())
                           for v in numbers)
        node.quantiles = _quantiles([float(v) for v in numbers])
        node.scale = None if node.integer else _decimals(numbers)
    if "string" in groups:
        _fit_strings(node, [str(v) for v in groups["string"]], name)
    if "boolean" in groups:
        node.true_share = sum(bool(v) for v in groups["boolean"]) / len(groups["boolean"])
    return node


def _fit_strings(node: Node, texts: list[str], name: str) -> None:
    """Personal (by key name or email shape) or free text: faked; ISO dates: drawn as dates
    of the same layout; otherwise the frequent strings with their shares."""
    lengths = [len(s) for s in texts]
    kind = pii_kind(name)
    if kind is None and sum(bool(_EMAIL.match(s)) for s in texts) >= 0.8 * len(texts):
        kind = "email"
    if kind is None:
        dates = [_ISO.match(s) for s in texts]
        if all(dates):
            stamps = pd.to_datetime(pd.Series(texts), errors="coerce", utc=True, format="ISO8601")
            if stamps.notna().all():
                node.date_format = _date_format(dates[0])  # type: ignore[arg-type]
                epoch = pd.Timestamp(0, tz="UTC")  # unit-free: pandas may hold ns or µs
                secs = ((stamps - epoch) / pd.Timedelta(seconds=1)).to_numpy(float)
                node.dates, node.date_step = _quantiles(secs), _step(secs)
                return
    distinct = len(set(texts)) / len(texts)
    if kind is None and len(texts) >= 5 and distinct > FREE_TEXT_SHARE:
        kind = "text"
    if kind is not None:
        node.pii, node.text_lengths = kind, _quantiles(lengths)
        return
    counts = pd.Series(texts).value_counts().iloc[:MAX_CATEGORIES]
    node.categories = [str(c) for c in counts.index]
    node.frequencies = (counts / counts.sum()).tolist()


def _date_format(match: re.Match[str]) -> str:
    if not match["sep"]:
        return "%Y-%m-%d"
    tz = match["tz"]
    return f"%Y-%m-%d{match['sep']}%H:%M:%S" + ("Z" if tz == "Z" else "+00:00" if tz else "")


_TYPE_OF = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number",
            type(None): "null"}  # the common exact types: one lookup (this runs per value)


def _json_type(value: Any) -> str:
    kind = _TYPE_OF.get(type(value))
    if kind is not None:
        return kind
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, (bool, np.bool_)):
        return "boolean"
    if isinstance(value, (int, float, decimal.Decimal, np.integer, np.floating)):
        return "null" if isinstance(value, (float, np.floating)) and not np.isfinite(value) else "number"
    return "string"


def _parse_json(value: Any) -> Any:
    """A JSON value as Python: drivers give parsed values (psycopg) or JSON text (DuckDB,
    SQLite); text that does not parse is a string value."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        value = bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, np.ndarray):
        return [_parse_json(v) for v in value.tolist()]
    return value


def _as_list(value: Any) -> list[Any] | None:
    """An array cell as a list (DuckDB gives numpy arrays, psycopg lists, nested for
    multi-dimensional arrays; arrays stored as JSON text arrive as text)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, str):
        value = _parse_json(value)
    if isinstance(value, (list, tuple)):
        return [_as_list(v) if isinstance(v, (list, tuple, np.ndarray)) else v for v in value]
    return None


def _byte_length(value: Any) -> int | None:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return len(bytes(value))
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    return None


def _seconds(value: Any) -> float | None:
    """An interval as seconds (months as 30 days, as PostgreSQL's drivers count them)."""
    if isinstance(value, pd.DateOffset):
        kw = value.kwds
        days = 30 * (kw.get("months", 0) + 12 * kw.get("years", 0)) + kw.get("days", 0) + 7 * kw.get("weeks", 0)
        return (days * 86400.0 + kw.get("hours", 0) * 3600.0 + kw.get("minutes", 0) * 60.0
                + kw.get("seconds", 0) + kw.get("microseconds", 0) / 1e6 + kw.get("nanoseconds", 0) / 1e9)
    if isinstance(value, (dt.timedelta, np.timedelta64)):
        return pd.Timedelta(value).total_seconds()
    return None


_STEPS = (86400.0, 3600.0, 60.0, 1.0)


def _step(seconds: np.ndarray) -> float | None:
    if not len(seconds):
        return None
    for step in _STEPS:
        if np.allclose(seconds / step, np.rint(seconds / step), rtol=0, atol=1e-6):
            return step
    return None


def _quantiles(values: list[float] | np.ndarray) -> list[float]:
    values = np.asarray(values, dtype=float)
    return np.quantile(values, np.linspace(0, 1, N_QUANTILES)).tolist() if len(values) else []


def _decimals(numbers: list[Any]) -> int | None:
    places = 0
    for v in numbers[:500]:
        text = format(v, "f") if isinstance(v, decimal.Decimal) else repr(float(v))
        if "e" in text or "E" in text:
            return None
        places = max(places, len(text.split(".")[1].rstrip("0")) if "." in text else 0)
    return min(places, 12)


# =============================================================================== sample
def draw(s: StructuredSummary, n: int, rng: np.random.Generator, fake: FakeValues) -> pd.Series:
    """``n`` values (no NULLs: the caller places those)."""
    if s.kind == "bytes":
        lengths = np.rint(from_quantiles(s.lengths, n, rng)).astype(int) if s.lengths else np.zeros(n, int)
        data = rng.integers(0, 256, size=int(lengths.sum()), dtype=np.uint8).tobytes()
        ends = np.cumsum(lengths)
        return pd.Series([data[e - k:e] for e, k in zip(ends, lengths)], dtype=object)
    if s.kind == "interval":
        if not s.quantiles:
            return pd.Series([dt.timedelta(0)] * n, dtype=object)
        secs = from_quantiles(s.quantiles, n, rng)
        secs = np.rint(secs / s.step) * s.step if s.step else np.round(secs, 6)
        return pd.Series([dt.timedelta(seconds=float(v)) for v in secs], dtype=object)
    if s.kind == "neutral":
        if s.fill == "array":
            return pd.Series([[] for _ in range(n)], dtype=object)
        if s.fill == "interval":
            return pd.Series([dt.timedelta(0)] * n, dtype=object)
        lengths = np.maximum(1, from_quantiles(s.lengths, n, rng)) if s.lengths else None
        return pd.Series(fake.draw("text", n, lengths), dtype=object)
    assert s.node is not None
    values = _draw_node(s.node, n, rng, fake, s.element_length)
    if s.kind == "json":  # as JSON text, which every engine parses (a bare string too)
        return pd.Series([json.dumps(v, ensure_ascii=False) for v in values], dtype=object)
    return pd.Series(values, dtype=object)


def _draw_node(node: Node, n: int, rng: np.random.Generator, fake: FakeValues,
               cut: int | None = None) -> list[Any]:
    out: list[Any] = [None] * n
    if not n or not node.types:
        return out
    picks = rng.choice(len(node.types), size=n, p=_normed(node.weights))
    for code, kind in enumerate(node.types):
        rows = np.flatnonzero(picks == code)
        if not len(rows):
            continue
        for row, value in zip(rows, _draw_type(node, kind, len(rows), rng, fake, cut)):
            out[row] = value
    return out


def _draw_type(node: Node, kind: str, m: int, rng: np.random.Generator, fake: FakeValues,
               cut: int | None) -> list[Any]:
    if kind == "object":
        objects: list[dict[str, Any]] = [{} for _ in range(m)]
        for key, share in zip(node.keys, node.presence):
            holders = np.flatnonzero(rng.random(m) < share)
            for row, value in zip(holders, _draw_node(node.children[key], len(holders), rng, fake)):
                objects[row][key] = value
        return objects
    if kind == "array":
        lengths = (np.maximum(0, np.rint(from_quantiles(node.lengths, m, rng))).astype(int)
                   if node.lengths else np.zeros(m, int))
        items = (_draw_node(node.item, int(lengths.sum()), rng, fake, cut) if node.item
                 else [None] * int(lengths.sum()))
        ends = np.cumsum(lengths)
        return [items[e - k:e] for e, k in zip(ends, lengths)]
    if kind == "number":
        x = from_quantiles(node.quantiles, m, rng) if node.quantiles else np.zeros(m)
        if node.integer:
            return [int(v) for v in np.rint(x)]
        return [float(v) for v in (np.round(x, node.scale) if node.scale is not None else x)]
    if kind == "string":
        return [v[:cut] if cut else v for v in _draw_strings(node, m, rng, fake)]
    if kind == "boolean":
        return [bool(v) for v in rng.random(m) < node.true_share]
    return [None] * m


def _draw_strings(node: Node, m: int, rng: np.random.Generator, fake: FakeValues) -> list[str]:
    if node.date_format:
        secs = from_quantiles(node.dates, m, rng) if node.dates else np.zeros(m)
        step = 86400.0 if node.date_format == "%Y-%m-%d" else node.date_step or 1.0
        secs = np.rint(secs / step) * step
        stamps = pd.to_datetime(np.rint(secs).astype("int64"), unit="s")
        return [s.strftime(node.date_format) for s in stamps]
    if node.pii:
        lengths = np.maximum(1, from_quantiles(node.text_lengths, m, rng)) if node.text_lengths else None
        return fake.draw(node.pii, m, lengths)
    if not node.categories:
        return [""] * m
    idx = rng.choice(len(node.categories), size=m, p=_normed(node.frequencies))
    return [node.categories[i] for i in idx]


def _normed(weights: list[float]) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return w / w.sum()


# =============================================================================== checks
def check(s: StructuredSummary, at: str) -> None:
    """Ranges a model file must respect before sampling trusts them (see model.checked)."""
    checked.one_of(s.kind, _KINDS, f"{at}.kind")
    if s.kind in ("json", "array") and s.node is None:
        raise ModelError(f"{at}.node: missing")
    if s.kind == "neutral":
        checked.one_of(str(s.fill), ("text", "array", "interval"), f"{at}.fill")
    if s.kind in ("bytes", "neutral"):
        for i, v in enumerate(s.lengths):
            checked.in_range(v, 0, 2**31 - 1, f"{at}.lengths[{i}]")
    for i, v in enumerate(s.quantiles):
        checked.in_range(v, -1e12, 1e12, f"{at}.quantiles[{i}]")
    if s.step is not None:
        checked.in_range(s.step, 1.0, 86400.0, f"{at}.step")
    stack = [(s.node, f"{at}.node")] if s.node is not None else []
    while stack:
        node, where = stack.pop()
        for t in node.types:
            checked.one_of(t, JSON_TYPES, f"{where}.types")
        checked.length(node.weights, len(node.types), f"{where}.weights")
        checked.weights(node.weights, f"{where}.weights")
        if node.types and sum(node.weights) <= 0:
            raise ModelError(f"{where}.weights: all zero")
        checked.length(node.presence, len(node.keys), f"{where}.presence")
        checked.shares(node.presence, f"{where}.presence")
        checked.in_range(node.true_share, 0.0, 1.0, f"{where}.true_share")
        checked.length(node.frequencies, len(node.categories), f"{where}.frequencies")
        checked.weights(node.frequencies, f"{where}.frequencies")
        if node.categories and sum(node.frequencies) <= 0:
            raise ModelError(f"{where}.frequencies: all zero")
        for name in ("lengths", "text_lengths"):
            for i, v in enumerate(getattr(node, name)):
                checked.in_range(v, 0, 10**6, f"{where}.{name}[{i}]")
        for name in ("quantiles", "dates"):
            for i, v in enumerate(getattr(node, name)):
                checked.in_range(v, -1e300, 1e300, f"{where}.{name}[{i}]")  # finite
        if node.pii is not None:
            checked.one_of(node.pii, ("text", *_pii_kinds()), f"{where}.pii")
        if node.date_step is not None:
            checked.in_range(node.date_step, 1.0, 86400.0, f"{where}.date_step")
        if node.date_format is not None:
            checked.one_of(node.date_format, _DATE_FORMATS, f"{where}.date_format")
        if set(node.children) != set(node.keys):
            raise ModelError(f"{where}.children: do not match its keys")
        stack += [(c, f"{where}.children.{k}") for k, c in node.children.items()]
        if node.item is not None:
            stack.append((node.item, f"{where}.item"))


_DATE_FORMATS = tuple(f"%Y-%m-%d{sep}%H:%M:%S{tz}" for sep in "T " for tz in ("", "Z", "+00:00")
                      ) + ("%Y-%m-%d",)


def _pii_kinds() -> tuple[str, ...]:
    from dbsynth.schema.naming import PII_KINDS

    return PII_KINDS


# ================================================================================ notes
def unmodelled_notes(table: Table, summaries: dict[str, ColumnSummary], rows: int) -> list[str]:
    """One line per column of ``table`` written without a model of its values: NULL in every
    row (nullable, type not modelled) or generated neutral values (NOT NULL)."""
    notes = []
    for column in table.columns:
        summary = summaries.get(column.name)
        if summary is None or column.kind == "skip":
            continue
        type_text = column.type.native or column.type.name
        if summary.kind == "unsupported" and summary.null_share < 1.0:
            notes.append(f"{table.name}.{column.name} ({type_text}): dbsynth does not model this "
                         f"type; written NULL in all {rows} rows")
        elif summary.kind == "structured" and summary.structured is not None \
                and summary.structured.kind == "neutral":
            what = {"array": "empty arrays", "interval": "zero durations"}.get(
                str(summary.structured.fill), "generated text")
            notes.append(f"{table.name}.{column.name} ({type_text}, NOT NULL): dbsynth does not "
                         f"model this type; {rows} rows hold {what}, no source values")
    return notes
