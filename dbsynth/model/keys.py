"""Keys by construction: unique primary/unique keys, and foreign keys drawn from parents.

Foreign keys only ever take values of *generated* parent rows, so orphans cannot happen;
each parent's chance of being picked follows the source's child-count distribution.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dbsynth.model.columns import random_uuids
from dbsynth.schema.model import Column, Table

_PATTERN = re.compile(r"^(?P<prefix>\D*?)(?P<digits>\d+)$")


@dataclass
class KeySpec:
    """How a single-column key is regenerated: ``int`` from ``start``, ``pattern``, ``uuid``."""

    style: str  # int | pattern | uuid | sample
    start: int = 1
    prefix: str = "K"
    width: int = 6


def fit_key(column: Column, source: pd.Series) -> KeySpec:
    """Learn the key's style (not its values): integer start, string pattern, or UUID."""
    t = column.type
    present = source.dropna()
    if t.is_integer or (t.is_numeric and t.scale in (0, None) and _all_integral(present)):
        return KeySpec("int", start=int(pd.to_numeric(present).min()) if len(present) else 1)
    if t.name == "uuid":
        return KeySpec("uuid")
    if t.is_string:
        matches = present.astype(str).str.extract(_PATTERN)
        if len(present) and matches["digits"].notna().mean() > 0.8:
            return KeySpec("pattern", prefix=str(matches["prefix"].mode().iloc[0]),
                           width=int(matches["digits"].str.len().median()))
        return KeySpec("pattern")
    return KeySpec("sample")


def key_values(spec: KeySpec, column: Column, n: int, rng: np.random.Generator,
               offset: int = 0, total: int | None = None) -> pd.Series | None:
    """``n`` distinct key values in the learnt style (None: caller samples and dedupes):
    the rows ``offset`` … ``offset + n`` of a table of ``total`` rows (a streamed chunk)."""
    total = offset + n if total is None else total
    numbers = range(offset + 1, offset + n + 1)
    if spec.style == "int":
        return pd.Series(np.arange(spec.start + offset, spec.start + offset + n, dtype="int64"))
    if spec.style == "uuid":
        return random_uuids(n, rng)
    if spec.style == "pattern":
        width = max(spec.width, len(str(total)))
        keys = [f"{spec.prefix}{i:0{width}d}" for i in numbers]
        limit = column.type.length
        if limit and len(f"{spec.prefix}{total:0{width}d}") > limit:
            keys = [_base36(i).rjust(min(limit, 8), "0")[-limit:] for i in numbers]
        return pd.Series(keys, dtype=object)
    return None


def _all_integral(values: pd.Series) -> bool:
    nums = pd.to_numeric(values.map(float), errors="coerce")
    return bool(len(nums)) and bool((nums == np.floor(nums)).all())


def _base36(i: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while True:
        i, r = divmod(i, 36)
        out = digits[r] + out
        if i == 0:
            return out


def make_strings_unique(values: pd.Series, max_length: int | None) -> pd.Series:
    """Number repeated strings (``anna2@x.org``, ``Rock2``), trimming to fit the length."""
    seen: set[str] = set()
    out: list[str | None] = []
    for value in values:
        if value is None:
            out.append(None)
            continue
        text = str(value)
        candidate, k = text, 1
        while candidate in seen:
            k += 1
            local, at, domain = text.partition("@")
            room = (max_length - len(str(k)) - len(at + domain)) if max_length else None
            candidate = f"{local[:room]}{k}{at}{domain}"
        seen.add(candidate)
        out.append(candidate)
    return pd.Series(out, dtype=object, index=values.index)


def dedupe_rows(frame: pd.DataFrame, table: Table,
                redraw: Callable[[pd.Index, tuple[str, ...]], pd.DataFrame],
                tries: int = 20, seen: dict[tuple[str, ...], np.ndarray] | None = None) -> pd.DataFrame:
    """Make every key set of the table unique: redraw duplicate rows, then drop what is left.

    ``seen`` (for a table written in chunks) holds hashes of the keys of earlier chunks: a row
    repeating one of those is a duplicate too, and this chunk's keys are added to it."""
    for key in table.unique_column_sets():
        cols = list(key)
        earlier = None if seen is None else seen.get(key)
        for _ in range(tries):
            dup = _duplicated(frame, cols, earlier)
            if not dup.any():
                break
            fresh = redraw(frame.index[dup], key)
            for col in fresh.columns:
                frame.loc[dup, col] = fresh[col].to_numpy()
        frame = frame[~_duplicated(frame, cols, earlier)]
        if seen is not None:
            hashes = _key_hashes(frame, cols)
            seen[key] = np.union1d(earlier if earlier is not None else np.zeros(0, np.uint64), hashes)
    return frame.reset_index(drop=True)


def _key_hashes(frame: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """64-bit hashes of complete keys (rows with a NULL part left out)."""
    complete = frame[cols].notna().all(axis=1)
    keyed = frame.loc[complete, cols].astype(str)
    return pd.util.hash_pandas_object(keyed, index=False).to_numpy(np.uint64)


def _duplicated(frame: pd.DataFrame, cols: list[str], earlier: np.ndarray | None = None) -> np.ndarray:
    """Rows whose complete key already appeared above, or in ``earlier`` (key hashes);
    NULL in a key part: never a duplicate."""
    codes = pd.DataFrame({c: _codes(frame[c]) for c in cols})
    complete = (codes >= 0).all(axis=1).to_numpy()
    dup = codes.duplicated(keep="first").to_numpy() & complete
    if earlier is not None and len(earlier) and complete.any():
        hashes = pd.util.hash_pandas_object(frame[cols].astype(str), index=False).to_numpy(np.uint64)
        at = np.minimum(np.searchsorted(earlier, hashes), len(earlier) - 1)  # ``earlier`` is sorted
        dup |= (earlier[at] == hashes) & complete
    return dup


def _codes(values: pd.Series) -> np.ndarray:
    """Equal values get equal codes, NULL gets -1 (values that cannot be hashed compare as text)."""
    try:
        return pd.factorize(values, use_na_sentinel=True)[0]
    except TypeError:
        return pd.factorize(values.map(lambda v: None if v is None else str(v)))[0]


def column_is_key(table: Table, column: Column) -> bool:
    return any(key == (column.name,) for key in table.unique_column_sets())
