"""Keys by construction: unique primary/unique keys, and foreign keys drawn from parents.

Foreign keys only ever take values of *generated* parent rows, so orphans cannot happen;
each parent's chance of being picked follows the source's child-count distribution.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

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


def key_values(spec: KeySpec, column: Column, n: int, rng: np.random.Generator) -> pd.Series | None:
    """``n`` distinct key values in the learnt style (None: caller samples and dedupes)."""
    if spec.style == "int":
        return pd.Series(np.arange(spec.start, spec.start + n, dtype="int64"))
    if spec.style == "uuid":
        raw = rng.integers(0, 2**63, size=(n, 2), dtype=np.uint64)
        return pd.Series([str(uuid.UUID(int=(int(a) << 64) | int(b), version=4)) for a, b in raw],
                         dtype=object)
    if spec.style == "pattern":
        width = max(spec.width, len(str(n)))
        keys = [f"{spec.prefix}{i:0{width}d}" for i in range(1, n + 1)]
        limit = column.type.length
        if limit and any(len(k) > limit for k in keys):
            keys = [_base36(i).rjust(min(limit, 8), "0")[-limit:] for i in range(1, n + 1)]
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


def degree_weights(degrees: list[float], m: int, rng: np.random.Generator) -> np.ndarray:
    """Selection weights for ``m`` parents, drawn from the source's child-count quantiles."""
    if m == 0:
        return np.array([])
    if not degrees:
        return np.full(m, 1.0 / m)
    grid = np.linspace(0, 1, len(degrees))
    w = np.interp(rng.random(m), grid, np.asarray(degrees, dtype=float))
    w = np.maximum(w, 0.0)
    if w.sum() == 0:
        w = np.ones(m)
    return w / w.sum()


def child_degrees(child: pd.DataFrame, fk_cols: tuple[str, ...], parent: pd.DataFrame,
                  ref_cols: tuple[str, ...], n_quantiles: int = 101) -> list[float]:
    """Quantiles of how many child rows each parent row has (zeros included)."""
    if parent.empty:
        return []
    keys = child[list(fk_cols)].dropna()
    counts = keys.groupby(list(fk_cols)).size()
    counts.index = counts.index if len(fk_cols) > 1 else counts.index.rename(ref_cols[0])
    parent_keys = parent[list(ref_cols)].dropna().drop_duplicates()
    per_parent = np.zeros(len(parent_keys))
    lookup = {(k if isinstance(k, tuple) else (k,)): v for k, v in counts.items()}
    for i, row in enumerate(parent_keys.itertuples(index=False)):
        per_parent[i] = lookup.get(tuple(row), 0)
    return np.quantile(per_parent, np.linspace(0, 1, n_quantiles)).tolist()


def dedupe_rows(frame: pd.DataFrame, table: Table,
                redraw: Callable[[pd.Index, tuple[str, ...]], pd.DataFrame],
                tries: int = 20) -> pd.DataFrame:
    """Make every key set of the table unique: redraw duplicate rows, then drop what is left."""
    for key in table.unique_column_sets():
        cols = list(key)
        for _ in range(tries):
            dup = _duplicated(frame, cols)
            if not dup.any():
                break
            fresh = redraw(frame.index[dup], key)
            for col in fresh.columns:
                frame.loc[dup, col] = fresh[col].to_numpy()
        frame = frame[~_duplicated(frame, cols)]
    return frame.reset_index(drop=True)


def _duplicated(frame: pd.DataFrame, cols: list[str]) -> np.ndarray:
    keyed = frame[cols].astype(object).where(frame[cols].notna(), None)
    complete = keyed.notna().all(axis=1).to_numpy()
    dup = keyed.map(str).duplicated(keep="first").to_numpy()
    return dup & complete


def column_is_key(table: Table, column: Column) -> bool:
    return any(key == (column.name,) for key in table.unique_column_sets())
