"""Column kinds and per-column summaries: marginals, NULL shares, lengths, and draws from them.

Each sampler learns a compact summary of one column — quantiles, frequencies, null share,
lengths — and draws new values from it. Numeric and temporal values come from interpolated
quantiles (so raw values are not replayed row by row), snapped to the source's grid
(:mod:`dbsynth.model.grids`); categories by frequency (a constant column is a category of
one: its value, exactly); codes from their grammar and personal and free text from Faker,
in the source's format (:mod:`dbsynth.model.text_patterns`).
"""

from __future__ import annotations

import decimal
import logging
import uuid
from dataclasses import dataclass, field
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from dbsynth.model.checked import WideInt
from dbsynth.model.quantiles import from_quantiles
from dbsynth.model import structured, text_patterns
from dbsynth.model.grids import NumberGrid, fit_grid, decimals_of
from dbsynth.model.pii import (CODE_LIKE_KINDS, FakeValues, is_varied, person_name_kind,
                               pii_kind, place_kind)
from dbsynth.model.structured import StructuredSummary
from dbsynth.model.text_patterns import CodeGrammar
from dbsynth.schema.model import Column

log = logging.getLogger(__name__)

N_QUANTILES = 101
MAX_CATEGORIES = 200
#: a column is constant when it has one value on at least this many rows
MIN_CONSTANT_ROWS = 5


@dataclass
class ColumnSummary:
    """What is learnt about one column. ``kind`` decides how it is sampled."""

    name: str
    kind: str  # numeric | datetime | date | time | categorical | text | code | pii | uuid | structured | unsupported
    null_share: float = 0.0
    quantiles: list[float] = field(default_factory=list)
    categories: list[Any] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    integer: bool = False
    scale: int | None = None
    lengths: list[float] = field(default_factory=list)  # quantiles of string lengths
    max_length: int | None = None
    pii: str | None = None
    step: int | None = None  # datetimes: the coarsest unit all values sit on (ns), e.g. a day
    grid: NumberGrid | None = None  # numbers: the value set or step they sit on
    case: str | None = None  # text: upper | lower | title, applied to what is drawn
    words: list[float] = field(default_factory=list)  # prose: quantiles of words per value
    code: CodeGrammar | None = None  # codes (and code-like personal data): their grammar
    text_format: str | None = None  # dates stored as text: their strftime format
    structured: StructuredSummary | None = None  # json, arrays, bytes, intervals (structured.py)
    #: integers beyond a float's exact range (2**53: a BIGINT UNSIGNED near its top, an id
    #: of 19 digits): modelled as their distance from this, the source's least value, exactly
    offset: WideInt | None = None
    #: floats: the shares of -Infinity and +Infinity among the non-NULL values (empty: none);
    #: the quantiles are of the finite values, which infinities would make NaN
    infinite: list[float] = field(default_factory=list)


#: the largest integer a float64 holds exactly: beyond it, integers are modelled from an offset
EXACT_FLOAT_INT = 2**53


def _non_null(values: pd.Series) -> pd.Series:
    return values[values.notna()]  # elementwise on objects: lists and dicts are values


def _is_null(value: Any) -> bool:
    if isinstance(value, (list, tuple, dict, bytes, np.ndarray)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fit_column(column: Column, values: pd.Series, beside: Sequence[str] = ()) -> ColumnSummary:
    """Summarise ``values`` as the kind the column's type and data call for (``beside``: the
    names of the table's other columns)."""
    t = column.type
    present = _non_null(values)
    null_share = 1.0 - len(present) / len(values) if len(values) else 0.0
    base = ColumnSummary(column.name, "unsupported", null_share=null_share,
                         max_length=t.length)
    grid = np.linspace(0, 1, N_QUANTILES)
    if column.kind is not None:
        return _as_chosen(base, column.kind, present)
    # any type, to the last microsecond: the value itself (intervals are durations below: a
    # driver's month interval is a DateOffset, which a model file cannot hold; a type dbsynth
    # does not model is NULL or neutral values, never the source's, as the README says)
    if t.name not in ("interval", "unknown") and _is_constant(present):
        return _categorical(base, present)
    if t.is_numeric:
        base.offset = _integer_offset(present)
        nums = (pd.to_numeric(present.map(float), errors="coerce").dropna().to_numpy(float)
                if base.offset is None else
                np.array([_distance_below(int(v) - base.offset) for v in present], dtype=float))
        base.kind, base.integer, base.scale = "numeric", t.is_integer, t.scale
        finite = np.isfinite(nums)
        if len(nums) and not finite.all():  # ±Infinity (a float's open bound): a share each
            base.infinite = [float((nums == -np.inf).mean()), float((nums == np.inf).mean())]
            nums = nums[finite] if finite.any() else np.zeros(1)
        base.quantiles = np.quantile(nums, grid).tolist() if len(nums) else []
        if base.scale is None and not base.integer and len(nums):
            base.scale = _observed_scale(present)
            if base.scale is None:  # floats written with few decimals (6.4, 205.0)
                base.scale = decimals_of(nums)
        base.grid = fit_grid(nums, 0 if base.integer else base.scale)
        base.quantiles = _within_precision(base.quantiles, t.precision, t.scale)
        return base
    if t.name in ("timestamp", "timestamptz", "date"):
        from dbsynth.model.encoding import to_nanoseconds  # encoding builds on these summaries

        base.kind = "date" if t.name == "date" else "datetime"
        ints = to_nanoseconds(present, utc=t.name == "timestamptz")
        ints = ints[~np.isnan(ints)]
        base.step = _time_step(ints)
        base.quantiles = np.quantile(ints, grid).tolist() if len(ints) else []
        base.integer = t.name == "timestamptz"  # remembers the time zone flag
        return base
    if t.name == "time":
        secs = present.map(seconds_of_day).to_numpy(float)
        base.kind = "time"
        base.step = MICROSECOND_STEP if (secs % 1).any() else None  # 23:59:59.999999 stays so
        base.quantiles = np.quantile(secs, grid).tolist() if len(secs) else []
        return base
    if t.name == "uuid":
        base.kind = "uuid"
        return base
    if t.name in ("boolean", "enum"):
        return _categorical(base, present)
    if t.is_string or (t.name == "bytes" and len(present)
                       and all(isinstance(v, str) for v in present)):  # text in binary strings
        return _fit_text(base, column, present.astype(str), beside)
    if structured.models(t):  # json, arrays, bytes, intervals
        base.structured = structured.fit(column, present)
        if base.structured is not None:
            base.kind = "structured"
            return base
    # types still not modelled: NULL (named in the run's notes), or, NOT NULL, neutral
    # generated values — never copies of the source's
    if not column.nullable:
        base.kind, base.structured = "structured", structured.neutral(column, present)
    return base


def _fit_text(base: ColumnSummary, column: Column, texts: pd.Series,
              beside: Sequence[str]) -> ColumnSummary:
    """A string column as what its values are: personal data (by name), places, categories
    (few distinct values), prose (several words a value), codes (a grammar of shapes), or
    else names of things, always with the source's lengths and letter case.

    A place column beside other place columns (city, state, country) stays a category
    however varied, so each city stays in its country; a lone one with a place per row is
    faked as places of its kind."""
    grid = np.linspace(0, 1, N_QUANTILES)
    lengths = texts.str.len().to_numpy(float)
    base.lengths = np.quantile(lengths, grid).tolist() if len(lengths) else [8.0]
    base.case = text_patterns.case_style(texts)
    kind = pii_kind(column.name)
    varied = is_varied(texts)
    place = place_kind(column.name)
    in_hierarchy = any(place_kind(other) for other in beside if other != column.name)
    if kind is None and place and varied and not in_hierarchy:  # a place per row: faked
        kind = place
    if kind is None and place:
        return _categorical(base, texts)
    fmt = text_patterns.date_format(texts) if kind is None else None
    if fmt:  # dates stored as text: modelled as dates, written back in their format
        from dbsynth.model.encoding import to_nanoseconds  # encoding builds on these summaries

        ints = to_nanoseconds(pd.Series(pd.to_datetime(texts, format=fmt, errors="coerce")), utc=False)
        ints = ints[~np.isnan(ints)]
        base.kind, base.text_format, base.step = "datetime", fmt, _time_step(ints)
        base.quantiles = np.quantile(ints, grid).tolist()
        return base
    if kind in CODE_LIKE_KINDS or (kind is None and varied and not text_patterns.is_prose(texts)):
        # char(n) comes padded from PostgreSQL ('AB-0042   '): the code is what precedes the
        # padding (the target pads again); runs of spaces would make it no code at all
        code = text_patterns.fit_code(texts.str.rstrip(" ") if column.type.name == "char" else texts)
        if code is not None:
            base.kind, base.code = "code", code
            return base
    if kind is None and varied:
        kind = person_name_kind(texts)
    if kind:
        base.kind, base.pii = "pii", kind
        return base
    if not varied:
        return _categorical(base, texts)
    base.kind = "text"
    base.words = np.quantile(text_patterns.word_counts(texts), grid).tolist()
    return base


def _integer_offset(present: pd.Series) -> WideInt | None:
    """The least value of whole numbers some of which a float cannot hold exactly, else None."""
    try:
        if not len(present) or pd.to_numeric(present.map(float)).abs().max() <= EXACT_FLOAT_INT:
            return None
        ints = [int(v) for v in present]
    except (TypeError, ValueError, OverflowError):
        return None
    return WideInt(min(ints)) if all(i == v for i, v in zip(ints, present)) else None


def _distance_below(distance: int) -> float:
    """The float nearest ``distance`` that is not above it: a float rounds 2**63 - 1 up to
    2**63, and a value drawn at the top would come back one past the source's largest (past
    the type's range, for a BIGINT at its top)."""
    near = float(distance)
    return near if int(near) <= distance else float(np.nextafter(near, -np.inf))


def _within_precision(quantiles: list[float], precision: int | None,
                      scale: int | None) -> list[float]:
    """Quantiles inside what numeric(precision, scale) holds: 9999999999999999999999999999.9999999999,
    a numeric(38,10)'s largest, is 1e28 as a float, which the type refuses; so drawn values,
    clipped to the quantiles' ends, stay a float below it."""
    if precision is None or scale is None or precision - scale > 300:
        return quantiles
    bound = float(np.nextafter(10.0 ** (precision - scale), 0.0))
    return [min(max(q, -bound), bound) for q in quantiles]


def seconds_of_day(value: Any) -> float:
    """A time of day as seconds since midnight, its microseconds as the fraction."""
    return (value.hour * 3600 + value.minute * 60 + value.second
            + getattr(value, "microsecond", 0) / 1e6)


def _is_constant(present: pd.Series) -> bool:
    """One value on every non-NULL row (of enough rows that it is the column's, not chance)."""
    if len(present) < MIN_CONSTANT_ROWS:
        return False
    try:
        return bool(present.nunique(dropna=True) == 1)
    except TypeError:  # lists, dicts: not scalar values (modelled elsewhere)
        return False


def _as_chosen(base: ColumnSummary, kind: str, present: pd.Series) -> ColumnSummary:
    """The kind a user set in the metadata file (validated there): categorical, text,
    pii:<kind>, or skip (written as NULL)."""
    if kind == "categorical":
        return _categorical(base, present)
    if kind == "skip":
        return base  # 'unsupported': NULL, no warning (the user asked for it)
    lengths = present.astype(str).str.len().to_numpy(float)
    base.lengths = np.quantile(lengths, np.linspace(0, 1, N_QUANTILES)).tolist() if len(lengths) else [8.0]
    base.kind = "text" if kind == "text" else "pii"
    base.pii = kind.removeprefix("pii:") if kind.startswith("pii:") else None
    return base


_TIME_STEPS = (86_400, 3_600, 60, 1)  # day, hour, minute, second


#: the step of datetimes with fractions of a second: they are kept to the microsecond
MICROSECOND_STEP = 1000


def _time_step(nanos: np.ndarray) -> int | None:
    """The coarsest of day/hour/minute/second (in ns) that every value sits on, or a
    microsecond when some have fractions of a second. Float nanoseconds are not exact near
    1e18, so whole seconds are compared, within a millisecond."""
    if not len(nanos):
        return None
    secs = np.rint(nanos / 1e9)
    if np.abs(nanos - secs * 1e9).max() > 1e6:
        return MICROSECOND_STEP
    whole = secs.astype("int64")
    for step in _TIME_STEPS:
        if not (whole % step).any():
            return step * 10**9
    return None


def _categorical(base: ColumnSummary, present: pd.Series) -> ColumnSummary:
    base.kind = "categorical"
    keyed = present.map(_hashable)
    counts = keyed.value_counts()
    counts = counts.iloc[:MAX_CATEGORIES]
    base.categories = [_unhash(v) for v in counts.index]
    total = counts.sum()
    base.weights = (counts / total).tolist() if total else []
    return base


def _hashable(value: Any) -> Any:
    if isinstance(value, (list, np.ndarray)):
        return ("__list__", tuple(_hashable(v) for v in value))
    if isinstance(value, dict):
        return ("__dict__", tuple(sorted(value.items())))
    return value


def _unhash(value: Any) -> Any:
    if isinstance(value, tuple) and value and value[0] == "__list__":
        return [_unhash(v) for v in value[1]]
    if isinstance(value, tuple) and value and value[0] == "__dict__":
        return dict(value[1])
    return value


def _observed_scale(present: pd.Series) -> int | None:
    sample = present.head(500)
    if all(isinstance(v, decimal.Decimal) for v in sample):
        exps = [-v.as_tuple().exponent for v in sample if isinstance(v.as_tuple().exponent, int)]
        return max(0, max(exps)) if exps else None
    return None


def sample_column(summary: ColumnSummary, n: int, rng: np.random.Generator,
                  fake: FakeValues, nullable: bool) -> pd.Series:
    """Draw ``n`` values; NULLs at the learnt share (never for NOT NULL columns)."""
    values = _draw(summary, n, rng, fake)
    if nullable and summary.null_share > 0 and n:
        mask = rng.random(n) < summary.null_share
        values = values.astype(object)
        values[mask] = None
    return values


def _draw(s: ColumnSummary, n: int, rng: np.random.Generator, fake: FakeValues) -> pd.Series:
    if s.kind in ("numeric", "datetime", "date", "time") and not s.quantiles:
        return pd.Series([None] * n, dtype=object)
    if s.kind in ("numeric", "datetime", "date", "time"):
        from dbsynth.model.encoding import decode  # encoding builds on these summaries

        codes = from_quantiles(s.quantiles, n, rng)
        if s.infinite:  # drawn at their shares, as the stand-ins decode reads back
            from dbsynth.model.encoding import infinity_stand_ins

            low, high = infinity_stand_ins(s)
            u = rng.random(n)
            codes[u < s.infinite[0]] = low
            codes[(u >= s.infinite[0]) & (u < s.infinite[0] + s.infinite[1])] = high
        return decode(s, codes)  # one path back to SQL values
    if s.kind == "categorical":
        if not s.categories:
            return pd.Series([None] * n, dtype=object)
        idx = rng.choice(len(s.categories), size=n, p=np.asarray(s.weights) / sum(s.weights))
        return pd.Series([s.categories[i] for i in idx], dtype=object)
    if s.kind == "uuid":
        return random_uuids(n, rng)
    if s.kind == "structured" and s.structured is not None:
        return structured.draw(s.structured, n, rng, fake)
    if s.kind == "code" and s.code is not None:
        values = text_patterns.draw_codes(s.code, n, rng)
        return pd.Series([v[: s.max_length] for v in values] if s.max_length else values, dtype=object)
    if s.kind in ("pii", "text"):
        lengths = np.maximum(1, from_quantiles(s.lengths, n, rng)) if s.lengths else None
        words = from_quantiles(s.words, n, rng) if s.words else None
        values = text_patterns.apply_case(fake.draw(s.pii or "text", n, lengths, words), s.case)
        if s.max_length:
            values = [v[: s.max_length] for v in values]
        return pd.Series(values, dtype=object)
    return pd.Series([None] * n, dtype=object)  # unsupported and nullable: NULL


def decode_binary_text(columns: Sequence[Column], frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with each binary column that holds only UTF-8 text (MediaWiki's varbinary
    titles and blob comments, whose every value is text) as that text: it is then modelled
    as text, not as random bytes, and written back UTF-8 encoded (writer.load)."""
    decoded = {}
    for column in columns:
        if column.type.name != "bytes" or column.name not in frame.columns:
            continue
        present = _non_null(frame[column.name])
        texts = [_utf8_text(v) for v in present]
        if texts and all(t is not None for t in texts):
            values = frame[column.name].astype(object).where(frame[column.name].notna(), None)
            values.loc[present.index] = texts
            decoded[column.name] = values
    return frame.assign(**decoded) if decoded else frame


def _utf8_text(value: Any) -> str | None:
    """The value as text when it is UTF-8 without control characters (a tab, a newline
    aside), else None: bytes of another kind (an image, a hash, a zero-padded BINARY(n))."""
    if not isinstance(value, (bytes, bytearray, memoryview)):
        return None
    try:
        text = bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if any(ord(c) < 32 and c not in "\t\n\r" or ord(c) == 127 for c in text) else text


def random_uuids(n: int, rng: np.random.Generator) -> pd.Series:
    """Version-4 UUIDs as text, from the caller's generator (repeatable for a seed)."""
    raw = rng.integers(0, 2**63, size=(n, 2), dtype=np.uint64)
    return pd.Series([str(uuid.UUID(int=(int(a) << 64) | int(b), version=4)) for a, b in raw],
                     dtype=object)


