"""Line numbers: an integer column that numbers a parent's children (``l_linenumber`` of
``(l_orderkey, l_linenumber)``, ``step`` of ``(project_id, step)``).

In the source such a column is 1, 2, … n within each parent's rows (or 0 … n-1): the key it
completes is unique because the numbers count, not because they vary. Drawn from the
column's distribution instead, a parent with more children than the values drawn collides,
and the redraws of :func:`dbsynth.model.keys.dedupe_rows` grow along a streamed table as its
children spread over chunks (a child generated for another parent picks its order by a
secondary link: the order's earlier lines are in earlier chunks). So the column is found at
fit time and numbered at generation: each row gets its parent's next number, counted across
the chunks of a table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dbsynth.model.key_hashes import key_hashes
from dbsynth.schema.model import Table

#: at least this many source parents with two or more children: else a numbering is not told
#: apart from chance
MIN_GROUPS = 20


@dataclass
class Ordinal:
    """``column`` numbers the rows of each ``parent_columns`` value from ``start``."""

    column: str
    parent_columns: tuple[str, ...]
    start: int = 1


def find_ordinals(table: Table, frame: pd.DataFrame,
                  true_counts: Mapping[tuple[str, ...], Mapping[tuple[object, ...], int]] | None = None
                  ) -> dict[str, Ordinal]:
    """The table's line-number columns: a unique key made of one foreign key's columns and
    one plain integer column that, on every source row, counts that parent's rows from 0 or
    1. ``true_counts``: each parent's children counted in the whole source, per FK columns
    (the frame may be a sample, with some of a parent's lines left out): a line number is
    then below its parent's count, a code of another kind soon is not."""
    out: dict[str, Ordinal] = {}
    references = {c for fk in table.foreign_keys for c in fk.columns}
    for key in table.unique_column_sets():
        free = [c for c in key if c not in references]
        if len(free) != 1 or free[0] in out:
            continue
        column = table.column(free[0])
        parents = tuple(c for c in key if c in references)
        fk = next((fk for fk in table.foreign_keys if set(fk.columns) == set(parents)), None)
        if not parents or fk is None or not column.type.is_integer or column.generated is not None:
            continue
        counts = (true_counts or {}).get(tuple(fk.columns))
        start = _numbering_start(frame, tuple(fk.columns), column.name, counts)
        if start is not None:
            out[column.name] = Ordinal(column.name, tuple(fk.columns), start)
    return out


def _numbering_start(frame: pd.DataFrame, parents: tuple[str, ...], column: str,
                     counts: Mapping[tuple[object, ...], int] | None) -> int | None:
    """0 or 1 when ``column`` numbers each parent's rows from it, else None. With the
    parents' true ``counts`` every value is below start + count; without (the frame is the
    whole table), the values are start … start + rows - 1 exactly."""
    rows = frame[[*parents, column]].dropna()
    if len(rows) == 0 or len(rows) < len(frame) * 0.99:
        return None
    values = pd.to_numeric(rows[column], errors="coerce")
    if values.isna().any() or (values != np.floor(values)).any():
        return None
    groups = values.groupby([rows[c] for c in parents], sort=False)
    if int((groups.size() >= 2).sum()) < MIN_GROUPS:
        return None
    start = float(values.min())
    if start not in (0.0, 1.0):
        return None
    if counts is not None:
        keys = list(zip(*(rows[c].tolist() for c in parents)))
        sizes = np.array([counts.get(k, 0) for k in keys], dtype=float)
    else:
        sizes = groups.transform("size").to_numpy(dtype=float)
        if not (groups.transform("max") - groups.transform("min") + 1 == groups.transform("size")).all():
            return None
    return int(start) if bool((values.to_numpy() < start + sizes).all()) else None


@dataclass
class Numbering:
    """The next number of every parent seen so far, for one ordinal column of a table being
    generated (chunk after chunk): parents by a 64-bit hash of their key, kept sorted."""

    ordinal: Ordinal
    keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    used: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def number(self, frame: pd.DataFrame, commit: bool = True) -> None:
        """Give each row with a parent its parent's next number, in row order (in place);
        rows without one keep their drawn value. ``commit=False`` numbers without counting
        the rows as used: a piece is numbered before its keys are deduplicated (so the key
        needs no redraw) and again, counted, once its rows are final (a redraw for another
        key may have moved a row to another parent, or dropped it)."""
        hashes, complete = key_hashes(frame, list(self.ordinal.parent_columns))
        rows = np.flatnonzero(complete)
        if not len(rows):
            return
        unique, inverse, counts = np.unique(hashes[rows], return_inverse=True, return_counts=True)
        at = np.searchsorted(self.keys, unique)
        known = at < len(self.keys)
        known[known] = self.keys[at[known]] == unique[known]
        before = np.zeros(len(unique), dtype=np.int64)
        before[known] = self.used[at[known]]
        order = np.argsort(inverse, kind="stable")  # rows grouped by parent, in row order
        first = np.r_[0, np.cumsum(counts)[:-1]]
        rank = np.empty(len(rows), dtype=np.int64)
        rank[order] = np.arange(len(rows)) - np.repeat(first, counts)
        values = self.ordinal.start + before[inverse] + rank
        column = frame[self.ordinal.column]
        frame[self.ordinal.column] = _as_column(column, rows, values)
        if not commit:
            return
        self.used[at[known]] += counts[known]
        merged_keys = np.concatenate([self.keys, unique[~known]])
        merged_used = np.concatenate([self.used, counts[~known]])
        order = np.argsort(merged_keys, kind="stable")
        self.keys, self.used = merged_keys[order], merged_used[order]


def _as_column(column: pd.Series, rows: np.ndarray, values: np.ndarray) -> pd.Series:
    """``column`` with ``values`` at positions ``rows`` (every row: an int64 column)."""
    if len(rows) == len(column):
        return pd.Series(values, index=column.index)
    out = column.to_numpy(dtype=object, copy=True)
    out[rows] = values
    return pd.Series(out, index=column.index)
