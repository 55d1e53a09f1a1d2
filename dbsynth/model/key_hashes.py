"""How rows are compared on a key: one 64-bit hash per row, computed as the key's unique
index compares its rows (case-folded, NULLs equal, or by the expressions it reads), and
a growing set of the hashes earlier chunks held."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from dbsynth.schema.model import Table

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeyRule:
    """How one unique column set compares rows: as its index does. ``fold``: text
    case-folded (``lower(email)``); ``nulls``: NULL is a value (``coalesce(folder_id, 0)``);
    ``reads``: the index's key parts as DuckDB SQL, where one loses information
    (``at::date``, one row a day): rows are compared by what those evaluate to."""

    columns: tuple[str, ...]
    fold: bool = False
    nulls: bool = False
    reads: tuple[str, ...] = ()

    @classmethod
    def of(cls, table: Table, columns: tuple[str, ...]) -> KeyRule:
        return cls(columns, columns in table.folded_unique_sets(),
                   columns in table.null_equal_unique_sets(),
                   table.unique_readings().get(columns, ()))

    def hashes(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Per row, the key's hash and whether it is complete (see :func:`key_hashes`)."""
        evaluated = _evaluated(frame, self) if self.reads else None
        if evaluated is not None:
            return key_hashes(evaluated, list(evaluated.columns))
        return key_hashes(frame, list(self.columns), self.fold, self.nulls)


_local = threading.local()
_unreadable: set[tuple[str, ...]] = set()


def _evaluated(frame: pd.DataFrame, rule: KeyRule) -> pd.DataFrame | None:
    """The key parts of ``rule.reads`` evaluated on the rows by an in-memory DuckDB (one a
    thread), in row order; None, said once, where DuckDB cannot: the columns then decide."""
    import duckdb

    con = getattr(_local, "con", None)
    if con is None:
        con = _local.con = duckdb.connect(config={"threads": 1})
    parts = ", ".join(f"{read} AS k{i}" for i, read in enumerate(rule.reads))
    try:
        con.register("key_rows", frame[list(rule.columns)].reset_index(drop=True))
        try:
            return con.execute(f"SELECT {parts} FROM key_rows").df()
        finally:
            con.unregister("key_rows")
    except duckdb.Error as exc:
        if rule.reads not in _unreadable:
            _unreadable.add(rule.reads)
            log.warning("unique index on %s: its key cannot be evaluated here (%s); rows are "
                        "kept apart on its columns, which may not hold it",
                        ", ".join(rule.reads), str(exc).splitlines()[0])
        return None


class KeyHashes:
    """A growing set of 64-bit key hashes (a streamed table's earlier chunks, or the rows
    of one chunk kept so far), as sorted runs merged log-structured: a run is merged into the
    one before while that is not over twice its size. Adding costs about the added hashes
    (amortised), not the set's size, and a lookup binary-searches O(log adds) runs."""

    def __init__(self) -> None:
        self._runs: list[np.ndarray] = []

    def __len__(self) -> int:
        return sum(len(run) for run in self._runs)

    def add(self, hashes: np.ndarray) -> None:
        if not len(hashes):
            return
        run = np.sort(hashes.astype(np.uint64, copy=False))
        while self._runs and len(self._runs[-1]) <= 2 * len(run):
            # both runs sorted: the stable sort (timsort) merges them in linear time
            run = np.sort(np.concatenate([self._runs.pop(), run]), kind="stable")
        self._runs.append(run)

    def contains(self, hashes: np.ndarray) -> np.ndarray:
        """For each hash, whether it is in the set. The hashes are looked up in sorted order:
        numpy's binary search then starts from the previous answer and stays in cache (about
        5x faster than random order on millions of hashes)."""
        order = np.argsort(hashes)
        needles = hashes[order]
        found = np.zeros(len(hashes), dtype=bool)
        for run in self._runs:
            at = np.minimum(np.searchsorted(run, needles), len(run) - 1)
            found[order] |= run[at] == needles
        return found


def key_hashes(frame: pd.DataFrame, cols: list[str], fold: bool = False, nulls: bool = False
               ) -> tuple[np.ndarray, np.ndarray]:
    """Per row, a 64-bit hash of its key and whether the key is complete (no NULL part);
    both writable: the caller updates redrawn rows in place. ``fold``: text compared
    case-folded (the key is a ``lower(…)`` index); ``nulls``: NULL is a value like any
    other, every key complete (the index reads ``coalesce(folder_id, 0)``)."""
    present = frame[cols].notna()
    complete = np.ones(len(frame), dtype=bool) if nulls else np.array(present.all(axis=1), dtype=bool)
    parts = [value_hashes(frame[c], fold) for c in cols]
    if nulls:  # one hash for NULL, whatever the column's dtype in this chunk
        parts = [np.where(present[c].to_numpy(), part, np.uint64(_NULL_HASH)) for c, part in zip(cols, parts)]
    return (parts[0] if len(parts) == 1 else combine_hashes(parts)), complete


#: the hash of NULL in a key whose index compares NULLs as equal (see :func:`key_hashes`)
_NULL_HASH = 0x9E3779B97F4A7C15


def value_hashes(values: pd.Series, fold: bool = False) -> np.ndarray:
    """A 64-bit hash per value that is the same for equal values in every chunk, whatever
    the column's dtype there: numbers are hashed vectorised, a whole number as its int64
    (``3``, ``3.0`` and an object-dtype ``3`` alike), another float as its bits; anything
    else as its text (``str``, per value)."""
    try:
        arrow = pa.array(values, from_pandas=True)
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        arrow = None
    if arrow is not None and pa.types.is_integer(arrow.type):
        numbers = arrow.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    elif arrow is not None and pa.types.is_floating(arrow.type):
        floats = arrow.fill_null(0).to_numpy(zero_copy_only=False).astype(np.float64)
        whole = np.isfinite(floats) & (np.floor(floats) == floats) & (np.abs(floats) < 2.0 ** 63)
        numbers = np.where(whole, np.where(whole, floats, 0).astype(np.int64), floats.view(np.int64))
    else:
        texts = key_texts(values)
        return np.array(pd.util.hash_pandas_object(texts.str.lower() if fold else texts, index=False),
                        dtype=np.uint64)
    return np.array(pd.util.hash_array(numbers), dtype=np.uint64)  # NULL rows: never compared


def key_texts(values: pd.Series) -> pd.Series:
    """Key values as text: bytes (MediaWiki's varbinary titles) as their hex, since they
    need not decode as UTF-8 (``astype(str)`` decodes them, and failed on the first that
    did not); anything else as ``str``."""
    if values.dtype == object:
        values = values.map(lambda v: "\\x" + bytes(v).hex()
                            if isinstance(v, (bytes, bytearray, memoryview)) else v)
    return values.astype(str)


def combine_hashes(parts: list[np.ndarray]) -> np.ndarray:
    """One hash per row from its columns' hashes (order matters: (1, 2) differs from (2, 1))."""
    out = np.zeros(len(parts[0]), dtype=np.uint64)
    for part in parts:
        out = pd.util.hash_array(out * np.uint64(1000003) ^ part)
    return np.asarray(out, dtype=np.uint64)


def duplicated_keys(hashes: np.ndarray, complete: np.ndarray, *known: KeyHashes | None) -> np.ndarray:
    """Rows whose complete key appeared in an earlier row, or is in one of ``known``;
    NULL in a key part: never a duplicate."""
    dup = np.zeros(len(hashes), dtype=bool)
    rows = np.flatnonzero(complete)
    dup[rows] = pd.Index(hashes[rows]).duplicated(keep="first")
    for hashes_seen in known:
        if hashes_seen is not None:
            dup[rows] |= hashes_seen.contains(hashes[rows])
    return dup
