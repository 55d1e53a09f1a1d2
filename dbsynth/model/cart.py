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
    order: np.ndarray  # the node's rows by value per feature, partitioned for its children


@dataclass(frozen=True)
class _Fit:
    """What every node of one tree reads: features, target, per-row criterion stats."""

    x: np.ndarray
    target: np.ndarray
    stats: np.ndarray  # per row (1, y, y²) for a number; unused for a category
    classes: int  # distinct target codes (a category), 0 for a number
    categorical: bool
    min_leaf: int


def grow_tree(x: np.ndarray, y: np.ndarray, categorical: bool, min_leaf: int,
              max_leaves: int) -> Splits:
    """Fit on all rows of ``x`` (NaN: NULL) and ``y`` (no NaN); ``y`` holds class codes when
    ``categorical``. Nodes are split best improvement first until ``max_leaves`` leaves.

    Each feature is sorted once, for the root (stable: ties by row, NULLs last); a child's
    order is its parent's with the other child's rows taken out, which is what sorting the
    child's rows would give, so every node sums its rows in the same order as a fresh sort."""
    x = x.astype(np.float32).astype(np.float64)  # scikit-learn splits float32 features
    target = _codes(y) if categorical else y.astype(np.float64)
    fit = _Fit(x, target, np.empty((0, 0)) if categorical else _number_stats(target),
               int(target.max()) + 1 if categorical and len(target) else 0, categorical, min_leaf)
    tree = Splits([], [], [], [], [])
    frontier: list[tuple[float, int, _Split]] = []
    in_left = np.zeros(len(y), dtype=bool)

    def add(rows: np.ndarray, order: np.ndarray) -> None:
        node = len(tree.left)
        tree.left.append(-1)
        tree.right.append(-1)
        tree.feature.append(-2)
        tree.threshold.append(-2.0)
        tree.nan_left.append(0)
        split = _best_split(fit, rows, order, len(y))
        if split is not None:
            heapq.heappush(frontier, (-split.improvement, node, split))

    add(np.arange(len(y)), np.argsort(x, axis=0, kind="stable").T.copy())
    splits_left = max_leaves - 1
    while frontier and splits_left > 0:
        _, node, split = heapq.heappop(frontier)
        splits_left -= 1
        tree.feature[node], tree.threshold[node] = split.feature, split.threshold
        tree.nan_left[node] = int(split.nan_left)
        in_left[split.left_rows] = True
        goes_left = in_left[split.order]
        in_left[split.left_rows] = False
        features = split.order.shape[0]
        tree.left[node] = len(tree.left)
        add(split.left_rows, split.order[goes_left].reshape(features, -1))
        tree.right[node] = len(tree.left)
        add(split.right_rows, split.order[~goes_left].reshape(features, -1))
    return tree


def _codes(y: np.ndarray) -> np.ndarray:
    return np.unique(y.astype(np.int64), return_inverse=True)[1].reshape(-1)


def _number_stats(target: np.ndarray) -> np.ndarray:
    """Per row, what the squared-error criterion sums: (1, y, y²)."""
    return np.column_stack([np.ones(len(target)), target, target * target])


def _impurity(total: np.ndarray, n: np.ndarray, categorical: bool) -> np.ndarray:
    """Gini or variance of groups from their summed stats (last axis) and sizes."""
    n = np.maximum(n, 1)
    if categorical:
        return 1.0 - ((total / n[..., None]) ** 2).sum(axis=-1)
    mean = total[..., 1] / n
    return total[..., 2] / n - mean * mean


def _best_split(fit: _Fit, rows: np.ndarray, order: np.ndarray, n_total: int) -> _Split | None:
    """The split of ``rows`` (ascending; ``order``: them by value, one row per feature) with
    the best criterion, or None (a leaf: too few rows, pure, or no split leaving
    ``min_leaf`` rows on each side)."""
    n, categorical, min_leaf = len(rows), fit.categorical, fit.min_leaf
    if n < max(2, 2 * min_leaf):
        return None
    if categorical:  # the node's classes renumbered 0..k-1, as np.unique of its codes would
        present = np.bincount(fit.target[rows], minlength=fit.classes) > 0
        local = np.cumsum(present) - 1
        indicators = np.eye(int(present.sum()))
        stats = indicators[local[fit.target[rows]]]
    else:
        stats = fit.stats[rows]
    total = stats.sum(axis=0)
    impurity = float(_impurity(total, np.asarray(float(n)), categorical))
    if impurity <= EPSILON:
        return None
    # features a few at a time: the running sums hold rows × features × classes numbers
    step = max(1, CHUNK_CELLS // max(1, n * stats.shape[1]))
    best: tuple[float, int, float, bool] | None = None  # proxy, feature, threshold, NULLs left
    for first in range(0, order.shape[0], step):
        chunk = order[first:first + step].T  # (rows, features): global row numbers
        columns = np.arange(first, first + chunk.shape[1])
        ordered = fit.x[chunk, columns]
        sorted_stats = indicators[local[fit.target[chunk]]] if categorical else fit.target[chunk]
        found = _best_in(ordered, sorted_stats, total, categorical, min_leaf)
        if found is not None and (best is None or found[0] > best[0]):
            best = (found[0], first + found[1], found[2], found[3])
    if best is None:
        return None
    _, feature, threshold, nan_left = best
    column = fit.x[rows, feature]
    go_left = np.where(np.isnan(column), nan_left, column <= threshold)
    left_rows, right_rows = rows[go_left], rows[~go_left]
    n_l, n_r = float(len(left_rows)), float(len(right_rows))
    imp_l = float(_impurity(stats[go_left].sum(axis=0), np.asarray(n_l), categorical))
    imp_r = float(_impurity(stats[~go_left].sum(axis=0), np.asarray(n_r), categorical))
    improvement = n / n_total * (impurity - n_l / n * imp_l - n_r / n * imp_r)
    return _Split(improvement, feature, threshold, nan_left, left_rows, right_rows, order)


def _best_in(ordered: np.ndarray, sorted_stats: np.ndarray, total: np.ndarray,
             categorical: bool, min_leaf: int) -> tuple[float, int, float, bool] | None:
    """Best (proxy, feature, threshold, NULLs left) over the columns of ``ordered`` (each
    column's values sorted, NaN last; ``sorted_stats``: their rows' class indicators, or
    their targets), trying per feature every cut between distinct values with NULLs on the
    right, the same with NULLs on the left, and NULLs alone on the right."""
    n, n_features = ordered.shape
    present = (~np.isnan(ordered)).sum(axis=0)
    missing = n - present
    cum = np.cumsum(sorted_stats, axis=0)  # the first p+1 present rows' class counts / y sums
    at_last = cum[np.maximum(present - 1, 0), np.arange(n_features)]
    present_stats = np.where((present > 0).reshape(-1, *[1] * (at_last.ndim - 1)), at_last, 0.0)
    summed = total if categorical else total[1]  # a number's proxy needs only Σy
    missing_stats = summed - present_stats
    any_missing = bool(missing.any())
    # cuts leaving min_leaf rows each side: p rows on the left, p + NULLs with NULLs left
    lo = max(1, min_leaf - int(missing.max())) if any_missing else max(1, min_leaf)
    hi = n - max(1, min_leaf)
    best: tuple[float, int, float, bool] | None = None
    if lo <= hi:
        best = _best_cut(ordered, cum[lo - 1:hi], lo, summed, missing, missing_stats,
                         categorical, min_leaf)
    alone = (missing > 0) & (present >= min_leaf) & (missing >= min_leaf)
    if any_missing and alone.any():  # every present row on the left, the NULLs alone on the right
        proxy = np.where(alone, _proxy(present_stats, present.astype(float), categorical)
                         + _proxy(missing_stats, missing.astype(float), categorical), -np.inf)
        f = int(np.argmax(proxy))
        if best is None or proxy[f] > best[0]:
            best = (float(proxy[f]), f, float("inf"), False)
    return best


def _best_cut(ordered: np.ndarray, head: np.ndarray, lo: int, summed: np.ndarray,
              missing: np.ndarray, missing_stats: np.ndarray, categorical: bool,
              min_leaf: int) -> tuple[float, int, float, bool] | None:
    """Best cut between sorted present values, the first ``lo``.. of them on the left
    (``head``: their running sums), NULLs on the right, then on the left: the first best
    in feature order, then position."""
    n, p_count = len(ordered), len(head)
    cut_ok = ordered[lo:lo + p_count] > ordered[lo - 1:lo - 1 + p_count] + FEATURE_THRESHOLD
    p = np.arange(lo, lo + p_count, dtype=float)[:, None]  # rows left: the first p present
    any_missing = bool(missing.any())
    scores = _Scores(head, summed, missing_stats if any_missing else None, categorical)
    candidates = [(p + 0 * missing, cut_ok, False)]  # cut_ok is False beside a NaN
    if any_missing:  # without NULLs, NULLs-left and NULLs-alone splits are none to try
        candidates.append((p + missing, cut_ok & (missing > 0), True))
    best: tuple[float, int, float, bool] | None = None
    for n_left, ok, nan_left in candidates:
        n_right = n - n_left
        ok = ok & (n_left >= min_leaf) & (n_right >= min_leaf)
        if not ok.any():
            continue
        left_part, right_part = scores.sides(nan_left)
        proxy = np.where(ok, left_part / np.maximum(n_left, 1) + right_part / np.maximum(n_right, 1),
                         -np.inf)
        f = int(np.argmax(proxy.max(axis=0)))  # the first feature holding the best, ...
        at = int(np.argmax(proxy[:, f]))  # ... at its first position
        if best is None or proxy[at, f] > best[0]:
            cut = lo + at
            threshold = ordered[cut - 1, f] / 2.0 + ordered[cut, f] / 2.0
            if np.isinf(threshold) or threshold == ordered[cut, f]:
                threshold = ordered[cut - 1, f]
            nulls_left = nan_left if missing[f] else bool(n_left[at, f] > n_right[at, f])
            best = (float(proxy[at, f]), f, float(threshold), nulls_left)
    return best


class _Scores:
    """Numerators of the proxy on both sides of every cut: Σ count² over classes (Gini),
    or (Σy)² (squared error). Class counts are whole numbers, so the sums of squares are
    expanded (Σ(t−c)² = Σt² − 2Σt·c + Σc²) from three products, each exact in float64
    (all below 2**53) and hence equal to squaring the sides' counts one by one."""

    def __init__(self, head: np.ndarray, summed: np.ndarray, missing: np.ndarray | None,
                 categorical: bool) -> None:
        self.head, self.summed, self.missing, self.categorical = head, summed, missing, categorical
        if categorical:
            self.squares = np.einsum("nfk,nfk->nf", head, head)
            self.with_total = head @ summed
            if missing is not None:
                self.with_missing = np.einsum("nfk,fk->nf", head, missing)

    def sides(self, nan_left: bool) -> tuple[np.ndarray, np.ndarray]:
        """(left, right) numerators with the NULLs on the right, or on the left."""
        if not self.categorical:
            left = self.head + self.missing if nan_left else self.head
            right = self.summed - left
            return left * left, right * right
        total, squares = self.summed, self.squares
        if not nan_left:
            return squares, float(total @ total) - 2.0 * self.with_total + squares
        missing = self.missing
        rest = total - missing  # per feature: the classes of the present rows
        left = squares + 2.0 * self.with_missing + np.einsum("fk,fk->f", missing, missing)
        right = (np.einsum("fk,fk->f", rest, rest) - 2.0 * (self.with_total - self.with_missing)
                 + squares)
        return left, right


def _proxy(summed: np.ndarray, n: np.ndarray, categorical: bool) -> np.ndarray:
    """What the best split maximises (scikit-learn's proxy improvement, up to a constant),
    on one side: Σ count²/n over classes for Gini, (Σy)²/n for squared error."""
    n = np.maximum(n, 1)
    if categorical:  # einsum sums a short last axis 2-3 times faster than (summed * summed).sum(axis=-1)
        return np.einsum("...k,...k->...", summed, summed) / n
    return summed * summed / n
