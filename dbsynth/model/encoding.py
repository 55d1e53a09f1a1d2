"""Columns ⇄ one numeric matrix, the common currency of every table engine.

Numbers stay numbers, dates and times become nanoseconds/seconds, categories become integer
codes (most frequent first), NULL becomes NaN. Decoding restores each column's SQL shape:
integer-ness, decimal scale, grid, bounds, the date/time type (to the second, or to the
microsecond where the source has fractions), the category values.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from dbsynth.model.columns import ColumnSummary, _hashable, _is_null, seconds_of_day
from dbsynth.model.grids import snap
from dbsynth.model.text_patterns import apply_case

#: kinds the table engines model jointly; other kinds (pii, text, uuid…) are drawn apart
MODELLED_KINDS = frozenset({"numeric", "datetime", "date", "time", "categorical"})


def encode(summary: ColumnSummary, values: pd.Series) -> np.ndarray:
    """One column as float64 (NaN for NULL and for categories outside the learnt list)."""
    kind = summary.kind
    if kind == "numeric":
        if summary.offset is not None:  # exact whole numbers beyond a float's: their distance
            offset = summary.offset
            return values.map(lambda v: np.nan if _is_null(v) else float(int(v) - offset)).to_numpy(dtype=float)
        x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if summary.infinite:  # finite stand-ins beyond the range: trees and copulas take no inf
            low, high = infinity_stand_ins(summary)
            x = np.where(x == -np.inf, low, np.where(x == np.inf, high, x))
        return x
    if kind in ("datetime", "date"):
        if summary.text_format:  # dates stored as text
            values = pd.Series(pd.to_datetime(values, format=summary.text_format, errors="coerce"))
        return to_nanoseconds(values, utc=summary.integer)
    if kind == "time":
        return values.map(lambda v: np.nan if _is_null(v) else seconds_of_day(v)).to_numpy(dtype=float)
    if kind == "categorical":
        try:  # scalar categories: one vectorised lookup
            codes = pd.Index(summary.categories, dtype=object).get_indexer(values.astype(object))
            out = codes.astype(float)
            out[codes < 0] = np.nan
            return out
        except (TypeError, pd.errors.InvalidIndexError):  # lists/dicts (json, arrays): by value
            index = {_hashable(c): i for i, c in enumerate(summary.categories)}
            return values.map(lambda v: np.nan if _is_null(v) else
                              index.get(_hashable(v), np.nan)).to_numpy(dtype=float)
    raise ValueError(f"column kind {kind!r} is not encoded")


def infinity_stand_ins(summary: ColumnSummary) -> tuple[float, float]:
    """Where -Infinity and +Infinity are modelled: one range's width beyond each end of the
    finite values; :func:`decode` reads anything past half of it as the infinity."""
    lo, hi = summary.quantiles[0], summary.quantiles[-1]
    span = max(hi - lo, 1.0)
    return lo - span, hi + span


def to_nanoseconds(values: pd.Series, utc: bool) -> np.ndarray:
    """Datetimes as float nanoseconds since 1970 (NaN for NULL), years 1 to 9999 alike: read
    through microseconds, as pandas' nanosecond timestamps end in 1678 and 2262 (a 9999-12-31
    "until further notice" or 0001-01-01 sentinel was clamped to them, so it changed meaning)."""
    stamps = pd.to_datetime(values, utc=utc, errors="coerce")
    if not utc and getattr(stamps.dt, "tz", None):
        stamps = stamps.dt.tz_localize(None)
    missing = stamps.isna().to_numpy()
    micros = stamps.dt.as_unit("us").to_numpy(dtype="datetime64[us]").astype("int64")
    out = micros.astype(float) * 1000.0
    out[missing] = np.nan
    return out


def nanoseconds_to_micros(nanos: np.ndarray, step: int | None = None) -> np.ndarray:
    """Float nanoseconds as int64 microseconds (which hold years 1–9999), on ``step`` (ns, a
    whole number of microseconds) when given: counted in steps so a day stays a whole day
    where a float's nanoseconds are coarser than a microsecond."""
    if step:
        return np.rint(nanos / step).astype("int64") * (step // 1000)
    return np.floor(nanos / 1000.0).astype("int64")


def decode(summary: ColumnSummary, codes: np.ndarray) -> pd.Series:
    """Back from floats to the column's values (NaN → NULL)."""
    kind = summary.kind
    missing = np.isnan(codes)
    if kind in ("numeric", "datetime", "date", "time") and not summary.quantiles:
        return pd.Series([None] * len(codes), dtype=object)  # nothing was learnt: all NULL
    if kind == "numeric":
        lo, hi = (summary.quantiles[0], summary.quantiles[-1]) if summary.quantiles else (-np.inf, np.inf)
        x = np.clip(codes, lo, hi)
        if summary.grid is not None:  # prices on .99, steps of 0.5: on the source's grid
            x = np.clip(snap(summary.grid, x), lo, hi)
        if summary.offset is not None:  # back from the distance, in exact integers
            offset = summary.offset
            # as Python ints: a distance may exceed int64 (a column from -2**63 to 2**63)
            out = pd.Series([int(v) + offset for v in np.rint(np.nan_to_num(x))], dtype=object)
        elif summary.integer:
            out = pd.Series(np.rint(np.nan_to_num(x)).astype("int64")).astype(object)
        elif summary.scale is not None:
            out = pd.Series(np.round(x, summary.scale)).astype(object)
        else:
            out = pd.Series(x).astype(object)
        if summary.infinite:
            low, high = infinity_stand_ins(summary)
            out[codes < (low + lo) / 2] = -np.inf
            out[codes > (high + hi) / 2] = np.inf
        out[missing] = None
        return out
    if kind in ("datetime", "date"):
        lo, hi = summary.quantiles[0], summary.quantiles[-1]
        x = np.clip(np.nan_to_num(codes, nan=lo), lo, hi)
        fine = summary.step is not None and summary.step < 10**9  # fractions of a second
        # the source's values sit on whole days/hours/…: so do ours
        micros = nanoseconds_to_micros(x, summary.step if summary.step and not fine else None)
        if kind == "date" and not summary.text_format:  # numpy makes the date objects at once
            out = pd.Series(micros.astype("datetime64[us]").astype("datetime64[D]").astype(object),
                            dtype=object)
            out[missing] = None
            return out
        stamps = pd.Series(pd.to_datetime(micros, unit="us", utc=summary.integer))
        stamps = stamps.dt.floor("us" if fine else "s")
        if summary.text_format:  # dates stored as text: written back in their format
            texts = apply_case(stamps.dt.strftime(summary.text_format).tolist(), summary.case)
            out = pd.Series(texts, dtype=object)
        else:
            out = stamps.dt.date.astype(object) if kind == "date" else stamps.astype(object)
        out[missing] = None
        return out
    if kind == "time":
        if summary.step:  # the source's times have fractions of a second: to the microsecond
            micros = np.clip(np.floor(np.nan_to_num(codes) * 1e6), 0, 86_400 * 10**6 - 1).astype("int64")
            secs, fractions = micros // 10**6, micros % 10**6
        else:
            secs = np.clip(np.nan_to_num(codes), 0, 86399).astype("int64")
            fractions = np.zeros(len(secs), dtype="int64")
        out = pd.Series([dt.time(int(v // 3600), int(v % 3600 // 60), int(v % 60), int(f))
                         for v, f in zip(secs, fractions)], dtype=object)
        out[missing] = None
        return out
    if kind == "categorical":
        cats = summary.categories
        idx = np.clip(np.nan_to_num(codes, nan=0).astype(int), 0, max(len(cats) - 1, 0))
        out = pd.Series(_as_objects(cats)[idx] if cats else [None] * len(idx), dtype=object)
        out[missing] = None
        return out
    raise ValueError(f"column kind {kind!r} is not decoded")


def _as_objects(values: list[Any]) -> np.ndarray:
    """A 1-D object array of the values as they are (np.array would nest tuples or lists)."""
    out = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        out[i] = value
    return out
