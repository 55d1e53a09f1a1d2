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
from dbsynth.model.partition import Partition
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
               offset: int = 0, total: int | None = None,
               partition: Partition = Partition()) -> pd.Series | None:
    """``n`` distinct key values in the learnt style (None: caller samples and dedupes):
    the rows ``offset`` … ``offset + n`` of a table of ``total`` rows (a streamed chunk),
    numbered with the partition's stride so other partitions' keys never collide."""
    total = offset + n if total is None else total
    numbers = np.arange(offset, offset + n, dtype="int64") * partition.count + partition.index
    if spec.style == "int":
        return pd.Series(spec.start + numbers)
    if spec.style == "uuid":
        return random_uuids(n, rng)
    if spec.style == "pattern":
        largest = total * partition.count
        width = max(spec.width, len(str(largest)))
        keys = [f"{spec.prefix}{i + 1:0{width}d}" for i in numbers]
        limit = column.type.length
        if limit and len(f"{spec.prefix}{largest:0{width}d}") > limit:
            keys = [_base36(i + 1).rjust(min(limit, 8), "0")[-limit:] for i in numbers]
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


def make_strings_unique(values: pd.Series, max_length: int | None,
                        partition: Partition = Partition()) -> pd.Series:
    """Number repeated strings (``anna2@x.org``, ``Rock2``), trimming to fit the length.

    Repeats take the numbers of the partition's stride (partition 1 of 4: ``Rock2``,
    ``Rock6`` …; only partition 0 keeps the bare value), so partitions never make the same."""
    seen: set[str] = set()
    out: list[str | None] = []
    for value in values:
        if value is None:
            out.append(None)
            continue
        text = str(value)
        local = 0
        candidate = _numbered(text, partition.number(local), max_length)
        while candidate in seen:
            local += 1
            candidate = _numbered(text, partition.number(local), max_length)
        seen.add(candidate)
        out.append(candidate)
    return pd.Series(out, dtype=object, index=values.index)


def _numbered(text: str, number: int, max_length: int | None) -> str:
    """``text`` itself for number 0, else with ``number + 1`` before any ``@domain``."""
    if number == 0:
        return text
    suffix = str(number + 1)
    local, at, domain = text.partition("@")
    room = (max_length - len(suffix) - len(at + domain)) if max_length else None
    return f"{local[:room]}{suffix}{at}{domain}"


class KeyHashes:
    """64-bit hashes of the keys of a streamed table's earlier chunks, as sorted runs merged
    log-structured (a run is merged into the one before when that is not over twice its
    size): adding a chunk costs about its own size, not the table's so far, and a lookup
    searches O(log chunks) runs."""

    def __init__(self) -> None:
        self._runs: list[np.ndarray] = []

    def __len__(self) -> int:
        return sum(len(run) for run in self._runs)

    def add(self, hashes: np.ndarray) -> None:
        run = np.sort(hashes.astype(np.uint64, copy=False))
        while self._runs and len(self._runs[-1]) <= 2 * len(run):
            # both runs sorted: the stable sort (timsort) merges them in linear time
            run = np.sort(np.concatenate([self._runs.pop(), run]), kind="stable")
        self._runs.append(run)

    def contains(self, hashes: np.ndarray) -> np.ndarray:
        """For each hash, whether an earlier chunk had it."""
        found = np.zeros(len(hashes), dtype=bool)
        for run in self._runs:
            at = np.minimum(np.searchsorted(run, hashes), len(run) - 1)
            found |= run[at] == hashes
        return found


def dedupe_rows(frame: pd.DataFrame, table: Table,
                redraw: Callable[[pd.Index, tuple[str, ...]], pd.DataFrame],
                tries: int = 20, seen: dict[tuple[str, ...], KeyHashes] | None = None) -> pd.DataFrame:
    """Make every key set of the table unique: redraw duplicate rows, then drop what is left.

    ``seen`` (for a table written in chunks) holds hashes of the keys of earlier chunks: a row
    repeating one of those is a duplicate too, and this chunk's keys are added to it. Rows
    are compared by 64-bit key hashes, computed once per row and again only for redrawn
    rows: each retry then costs the duplicates, not the whole chunk."""
    for key in table.unique_column_sets():
        cols = list(key)
        earlier = None if seen is None else seen.setdefault(key, KeyHashes())
        hashes, complete = _key_hashes(frame, cols)
        for _ in range(tries):
            dup = _duplicated(hashes, complete, earlier)
            if not dup.any():
                break
            fresh = redraw(frame.index[dup], key)
            for col in fresh.columns:
                frame.loc[dup, col] = fresh[col].to_numpy()
            hashes[dup], complete[dup] = _key_hashes(frame.loc[dup], cols)
        keep = ~_duplicated(hashes, complete, earlier)
        frame = frame[keep]
        if earlier is not None:
            earlier.add(hashes[keep & complete])
    return frame.reset_index(drop=True)


def _key_hashes(frame: pd.DataFrame, cols: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per row, a 64-bit hash of its key (values as text, so a key hashes the same in every
    chunk whatever the column's dtype there) and whether the key is complete (no NULL part)."""
    complete = frame[cols].notna().all(axis=1).to_numpy()
    hashes = pd.util.hash_pandas_object(frame[cols].astype(str), index=False).to_numpy(np.uint64)
    return hashes, complete


def _duplicated(hashes: np.ndarray, complete: np.ndarray,
                earlier: KeyHashes | None = None) -> np.ndarray:
    """Rows whose complete key already appeared above, or in ``earlier`` (key hashes);
    NULL in a key part: never a duplicate."""
    dup = np.zeros(len(hashes), dtype=bool)
    rows = np.flatnonzero(complete)
    dup[rows] = pd.Index(hashes[rows]).duplicated(keep="first")
    if earlier is not None and len(earlier):
        dup[rows] |= earlier.contains(hashes[rows])
    return dup


def column_is_key(table: Table, column: Column) -> bool:
    return any(key == (column.name,) for key in table.unique_column_sets())
