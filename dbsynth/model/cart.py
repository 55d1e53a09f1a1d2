"""Best-first CART split search in numpy, for trees fitted on few rows.

Why: importing scikit-learn (and the scipy.stats it pulls in) costs 0.6-0.9 s of CPU, more
than fitting every tree of a database of a few thousand rows; a small database must go from
process start to integrity checked in 2 s (issue 16). A database with more to fit than
:func:`choose_splitter` allows is fitted by scikit-learn, whose compiled splitter is faster.

The trees are scikit-learn's for the settings ``fit_tree`` uses (``min_samples_leaf``,
``max_leaf_nodes``, Gini / squared error, best-first growth): the same criterion, the same
candidate thresholds (midpoints between distinct float32 values), the same handling of NULL
(NaN) features — each split tries NULLs on either side, plus NULLs alone on one side — and
the same node numbering (children numbered when their parent is split). Only ties between
equally good splits may be broken otherwise (scikit-learn visits features in a random order).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

#: a database whose trees add up to at most this many split cells (rows × features ×
#: classes, 3 for a number) is fitted here (measured 0.3 µs a cell: Chinook's 1.2M cells in
#: 0.4 s, against 0.26 s plus the import with scikit-learn); a bigger one by scikit-learn,
#: whose import is then repaid by its faster compiled splitter
NUMPY_SPLIT_CELLS = 2_000_000

Splitter = Literal["numpy", "sklearn"]
#: scikit-learn's: values closer than this are one value; impurities below EPSILON are pure
FEATURE_THRESHOLD = 1e-7
EPSILON = float(np.finfo(np.float64).eps)
#: split search holds rows × features × classes running sums at most about this many at once
CHUNK_CELLS = 2_000_000


def tree_cells(rows: int, context: int, classes: Sequence[int]) -> int:
    """Split cells of one table's trees: tree j sees the context and the j columns before
    it; ``classes`` per column (0: a number)."""
    return sum(rows * max(1, context + j) * (k or 3) for j, k in enumerate(classes))


def choose_splitter(cells: int) -> Splitter:
    """``numpy`` (this module) for a database of at most ``NUMPY_SPLIT_CELLS`` split cells,
    else ``sklearn``: one choice per database, so one run never pays for both."""
    return "numpy" if cells <= NUMPY_SPLIT_CELLS else "sklearn"


@dataclass
class Splits:
    """The tree as scikit-learn's ``tree_`` arrays (``-1`` children: a leaf)."""

    left: list[int]
    right: list[int]
    feature: list[int]
    threshold: list[float]
    nan_left: list[int]


@dataclass
class _Split:
    improvement: float
    feature: int
    threshold: float
    nan_left: bool
    left_rows: np.ndarray
    right_rows: np.ndarray


def grow_tree(x: np.ndarray, y: np.ndarray, categorical: bool, min_leaf: int,
              max_leaves: int) -> Splits:
    """Fit on all rows of ``x`` (NaN: NULL) and ``y`` (no NaN); ``y`` holds class codes when
    ``categorical``. Nodes are split best improvement first until ``max_leaves`` leaves."""
    x = x.astype(np.float32).astype(np.float64)  # scikit-learn splits float32 features
    target = _codes(y) if categorical else y.astype(np.float64)
    tree = Splits([], [], [], [], [])
    frontier: list[tuple[float, int, _Split]] = []

    def add(rows: np.ndarray) -> None:
        node = len(tree.left)
        tree.left.append(-1)
        tree.right.append(-1)
        tree.feature.append(-2)
        tree.threshold.append(-2.0)
        tree.nan_left.append(0)
        split = _best_split(x, target, rows, categorical, min_leaf, len(y))
        if split is not None:
            heapq.heappush(frontier, (-split.improvement, node, split))

    add(np.arange(len(y)))
    splits_left = max_leaves - 1
    while frontier and splits_left > 0:
        _, node, split = heapq.heappop(frontier)
        splits_left -= 1
        tree.feature[node], tree.threshold[node] = split.feature, split.threshold
        tree.nan_left[node] = int(split.nan_left)
        tree.left[node] = len(tree.left)
        add(split.left_rows)
        tree.right[node] = len(tree.left)
        add(split.right_rows)
    return tree


def _codes(y: np.ndarray) -> np.ndarray:
    return np.unique(y.astype(np.int64), return_inverse=True)[1].reshape(-1)


def _stats(target: np.ndarray, categorical: bool) -> np.ndarray:
    """Per row, what the criterion sums: class indicators, or (1, y, y²)."""
    if categorical:
        return np.eye(int(target.max()) + 1 if len(target) else 1)[target]
    return np.column_stack([np.ones(len(target)), target, target * target])


def _impurity(total: np.ndarray, n: np.ndarray, categorical: bool) -> np.ndarray:
    """Gini or variance of groups from their summed stats (last axis) and sizes."""
    n = np.maximum(n, 1)
    if categorical:
        return 1.0 - ((total / n[..., None]) ** 2).sum(axis=-1)
    mean = total[..., 1] / n
    return total[..., 2] / n - mean * mean


def _best_split(x: np.ndarray, target: np.ndarray, rows: np.ndarray, categorical: bool,
                min_leaf: int, n_total: int) -> _Split | None:
    """The split of ``rows`` with the best criterion, or None (a leaf: too few rows, pure,
    or no split leaving ``min_leaf`` rows on each side)."""
    n = len(rows)
    if n < max(2, 2 * min_leaf):
        return None
    stats = _stats(_codes(target[rows]) if categorical else target[rows], categorical)
    total = stats.sum(axis=0)
    impurity = float(_impurity(total, np.asarray(float(n)), categorical))
    if impurity <= EPSILON:
        return None
    values = x[rows]
    # features a few at a time: the running sums hold rows × features × classes numbers
    step = max(1, CHUNK_CELLS // max(1, n * stats.shape[1]))
    best: tuple[float, int, float, bool] | None = None  # proxy, feature, threshold, NULLs left
    for first in range(0, values.shape[1], step):
        found = _best_in(values[:, first:first + step], stats, total, categorical, min_leaf)
        if found is not None and (best is None or found[0] > best[0]):
            best = (found[0], first + found[1], found[2], found[3])
    if best is None:
        return None
    _, feature, threshold, nan_left = best
    column = values[:, feature]
    go_left = np.where(np.isnan(column), nan_left, column <= threshold)
    left_rows, right_rows = rows[go_left], rows[~go_left]
    n_l, n_r = float(len(left_rows)), float(len(right_rows))
    imp_l = float(_impurity(stats[go_left].sum(axis=0), np.asarray(n_l), categorical))
    imp_r = float(_impurity(stats[~go_left].sum(axis=0), np.asarray(n_r), categorical))
    improvement = n / n_total * (impurity - n_l / n * imp_l - n_r / n * imp_r)
    return _Split(improvement, feature, threshold, nan_left, left_rows, right_rows)


def _best_in(values: np.ndarray, stats: np.ndarray, total: np.ndarray, categorical: bool,
             min_leaf: int) -> tuple[float, int, float, bool] | None:
    """Best (proxy, feature, threshold, NULLs left) over the columns of ``values``, trying
    per feature every cut between distinct values with NULLs on the right, the same with
    NULLs on the left, and NULLs alone on the right."""
    n, n_features = values.shape
    order = np.argsort(values, axis=0, kind="stable")  # NaN (NULL) sorts last
    ordered = np.take_along_axis(values, order, axis=0)
    present = (~np.isnan(values)).sum(axis=0)
    missing = n - present
    cum = np.cumsum(stats[order], axis=0)  # (rows, features, stats): the first p+1 present rows
    columns = np.arange(n_features)
    present_stats = np.where(present[:, None] > 0, cum[np.maximum(present - 1, 0), columns], 0.0)
    missing_stats = total - present_stats
    cut_ok = ordered[1:] > ordered[:-1] + FEATURE_THRESHOLD  # False beside a NaN
    p = np.arange(1, n, dtype=float)[:, None]  # rows on the left: the first p present ones
    candidates = [(cum[:-1], p + 0 * present, cut_ok, False)]
    any_missing = bool(missing.any())
    if any_missing:  # without NULLs, NULLs-left and NULLs-alone splits are none to try
        candidates.append((cum[:-1] + missing_stats, p + missing, cut_ok & (missing > 0), True))
    best: tuple[float, int, float, bool] | None = None
    for left, n_left, ok, nan_left in candidates:
        n_right = n - n_left
        ok = ok & (n_left >= min_leaf) & (n_right >= min_leaf)
        if not ok.any():
            continue
        proxy = np.where(ok, _proxy(left, n_left, categorical) + _proxy(total - left, n_right, categorical),
                         -np.inf)
        at, f = np.unravel_index(int(np.argmax(proxy.T)), proxy.T.shape)[::-1]  # feature first
        if best is None or proxy[at, f] > best[0]:
            cut = at + 1
            threshold = ordered[cut - 1, f] / 2.0 + ordered[cut, f] / 2.0
            if np.isinf(threshold) or threshold == ordered[cut, f]:
                threshold = ordered[cut - 1, f]
            nulls_left = nan_left if missing[f] else bool(n_left[at, f] > n_right[at, f])
            best = (float(proxy[at, f]), int(f), float(threshold), nulls_left)
    alone = (missing > 0) & (present >= min_leaf) & (missing >= min_leaf)
    if any_missing and alone.any():  # every present row on the left, the NULLs alone on the right
        proxy = np.where(alone, _proxy(present_stats, present.astype(float), categorical)
                         + _proxy(missing_stats, missing.astype(float), categorical), -np.inf)
        f = int(np.argmax(proxy))
        if best is None or proxy[f] > best[0]:
            best = (float(proxy[f]), f, float("inf"), False)
    return best


def _proxy(summed: np.ndarray, n: np.ndarray, categorical: bool) -> np.ndarray:
    """What the best split maximises (scikit-learn's proxy improvement, up to a constant):
    Σ count²/n over classes for Gini, sum²/n for squared error, summed over both sides."""
    n = np.maximum(n, 1)
    if categorical:  # class counts are whole numbers: Σ count² is exact in any order, and
        # einsum sums a short last axis 2-3 times faster than (summed * summed).sum(axis=-1)
        return np.einsum("...k,...k->...", summed, summed) / n
    return summed[..., 1] * summed[..., 1] / n
