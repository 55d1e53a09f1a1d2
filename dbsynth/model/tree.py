"""Decision trees as plain arrays: fitted with scikit-learn (or, for a small database, the same
splits found in numpy: model/cart.py), stored as JSON, walked with numpy.

A fitted tree keeps only its splits and, per leaf, a *distribution* of the target — quantiles
for a number, frequencies for a category — plus the leaf's NULL share. Sampling walks every
row to its leaf at once and draws from the leaf's distribution, interpolating between
quantiles so numbers are new values inside the leaf's range, not replayed source values.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from dbsynth.model.cart import Splits, Splitter, grow_tree

LEAF_QUANTILES = 11
#: leaves per tree at most (scikit-learn's ``max_leaf_nodes``, and model/cart.py's)
MAX_LEAVES = 256
#: Splits are searched on at most this many rows (the rest only fill the leaves' statistics):
#: sklearn's cost grows with rows × features, and 50k rows place 256 leaves well.
MAX_SPLIT_ROWS = 50_000


@dataclass
class FlatTree:
    """Split arrays (``-1`` children mark leaves) plus one distribution per leaf."""

    categorical: bool
    left: list[int] = field(default_factory=lambda: [-1])
    right: list[int] = field(default_factory=lambda: [-1])
    feature: list[int] = field(default_factory=lambda: [0])
    threshold: list[float] = field(default_factory=lambda: [0.0])
    nan_left: list[int] = field(default_factory=lambda: [1])
    leaf_of_node: dict[str, int] = field(default_factory=dict)  # node id -> row in the tables below
    null_share: list[float] = field(default_factory=list)
    quantiles: list[list[float]] = field(default_factory=list)  # numeric targets
    frequencies: list[list[float]] = field(default_factory=list)  # categorical targets

    def leaves(self, x: np.ndarray) -> np.ndarray:
        """Leaf row index for every row of ``x``, node by node: each split compares one
        column of the rows that reached it (a column-major ``x`` makes that a contiguous
        read), so the work is the rows' paths, with no per-row lookups of split arrays."""
        left, right, feature = self.left, self.right, self.feature
        threshold, nan_left = self.threshold, self.nan_left
        leaf_row = {int(node): row for node, row in self.leaf_of_node.items()}
        out = np.empty(len(x), dtype=np.int64)
        pending = [(0, np.arange(len(x)))]
        while pending:
            node, rows = pending.pop()
            if left[node] == -1:
                out[rows] = leaf_row.get(node, 0)  # an unlisted leaf: the first row (as before)
                continue
            values = x[rows, feature[node]]
            go_left = values <= threshold[node]
            if nan_left[node]:
                go_left |= np.isnan(values)
            pending.append((left[node], rows[go_left]))
            pending.append((right[node], rows[~go_left]))
        return out

    def sample(self, x: np.ndarray, rng: np.random.Generator,
               allowed: Callable[[np.ndarray], Iterable[tuple[np.ndarray, np.ndarray | None, bool]]]
               | None = None) -> np.ndarray:
        """One draw of the target per row of ``x`` (NaN = NULL).

        Draws are stratified inside each leaf (see :func:`stratified_uniforms`), so the rows
        sent to a leaf reproduce its distribution closely even when they are few. For a
        categorical target, ``allowed(rows)`` splits rows into groups, each with a boolean
        mask of the classes it may take (None: any) and whether it may be NULL; a group whose
        leaf has no allowed class draws uniformly among the allowed ones (see ``CartEngine``)."""
        n = len(x)
        leaf = self.leaves(x)
        null_share = np.asarray(self.null_share)
        if null_share.any():
            null = _uniforms_by_group(leaf, rng) < null_share[leaf]
        else:  # a column without NULLs in the source (most): no draw for them
            null = np.zeros(n, dtype=bool)
        u_value = _uniforms_by_group(leaf, rng)
        out = np.full(n, np.nan)
        if self.categorical:
            for row, members in _members_by_group(leaf):
                p = np.asarray(self.frequencies[row], dtype=float)
                groups = allowed(members) if allowed else [(members, None, True)]
                for rows, mask, null_ok in groups:
                    if mask is not None and not mask.any():  # no class fits: NULL if it may
                        mask = None if not null_ok else mask
                        draw = rows if mask is None else rows[:0]
                    else:
                        draw = rows if mask is not None and not null_ok else rows[~null[rows]]
                    weights = p if mask is None else p * mask if (p * mask).sum() else mask * 1.0
                    if not len(draw) or weights.sum() <= 0:
                        continue
                    cdf = np.cumsum(weights / weights.sum())
                    u = u_value[draw] if len(groups) == 1 else stratified_uniforms(len(draw), rng)
                    out[draw] = np.minimum(np.searchsorted(cdf, u, side="right"), len(p) - 1)
            return out
        q = np.asarray(self.quantiles, dtype=float)[leaf]  # (n, LEAF_QUANTILES)
        pos = u_value * (q.shape[1] - 1)
        lo = np.minimum(np.floor(pos).astype(int), q.shape[1] - 1)
        hi = np.minimum(lo + 1, q.shape[1] - 1)
        frac = pos - lo
        rows = np.arange(n)
        values = q[rows, lo] + frac * (q[rows, hi] - q[rows, lo])
        out[~null] = values[~null]
        return out


def stratified_uniforms(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` uniforms in [0, 1), one in each of ``n`` equal strata, in random order.

    Each is still uniform, but together they cover [0, 1) evenly: a leaf asked for 7 rows
    gives 7 values spread over its distribution instead of 7 independent draws that may
    cluster (sampling noise is what makes small synthetic tables drift from the source)."""
    return (rng.permutation(n) + rng.random(n)) / max(n, 1)


def _uniforms_by_group(groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Stratified uniforms drawn separately for the rows of each group: within a group of
    ``m`` rows, a random permutation of the strata ``0 … m-1`` plus a uniform in each (as
    :func:`stratified_uniforms`), for all groups at once (one sort, not a pass per group)."""
    n = len(groups)
    if n == 0:
        return np.empty(0)
    # by group, random within it: shuffle, then a stable sort by group (groups are leaf row
    # numbers, small ints: numpy sorts 16-bit integers by radix, in linear time)
    shuffled = rng.permutation(n)
    keys = groups[shuffled]
    order = shuffled[np.argsort(keys.astype(np.int16) if keys.max() < 2**15 else keys, kind="stable")]
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    sizes = np.diff(np.r_[starts, n])
    rank = np.arange(n) - np.repeat(starts, sizes)
    out = np.empty(n)
    out[order] = (rank + rng.random(n)) / np.repeat(sizes, sizes)
    return out


def _members_by_group(groups: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """Each distinct group with the positions of its rows (ascending), by one stable sort."""
    if not len(groups):
        return
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    for start, end in zip(starts, np.r_[starts[1:], len(groups)]):
        yield int(sorted_groups[start]), order[start:end]


def fit_tree(x: np.ndarray, y: np.ndarray, categorical: bool, n_classes: int,
             min_leaf: int, seed: int, splitter: Splitter = "sklearn") -> FlatTree:
    """Fit on rows where ``y`` is known; leaf NULL shares come from all rows. ``splitter``
    searches the splits: scikit-learn, or numpy for small databases (model/cart.py)."""
    known = ~np.isnan(y)
    tree = FlatTree(categorical)
    if x.shape[1] and known.sum() >= 2 * min_leaf:
        rows = np.flatnonzero(known)
        if splitter == "numpy":
            splits = grow_tree(x[rows], y[rows], categorical, min_leaf, MAX_LEAVES)
        else:
            splits = _sklearn_splits(x, y, rows, categorical, min_leaf, seed)
        tree.left, tree.right = splits.left, splits.right
        tree.feature = [max(0, f) for f in splits.feature]
        tree.threshold, tree.nan_left = splits.threshold, splits.nan_left
        leaf_nodes = np.flatnonzero(np.asarray(tree.left) == -1)
    else:
        leaf_nodes = np.array([0])
    tree.leaf_of_node = {str(int(node)): i for i, node in enumerate(leaf_nodes)}
    # each leaf's rows (ascending) from one sort, not a comparison of every row per leaf
    members_of = dict(_members_by_group(tree.leaves(x)))
    no_rows = np.zeros(0, dtype=np.int64)
    for i in range(len(leaf_nodes)):
        members = members_of.get(i, no_rows)
        values = y[members[known[members]]]
        tree.null_share.append(float(1 - len(values) / max(1, len(members))))
        if categorical:
            counts = np.bincount(values.astype(int), minlength=n_classes)[:n_classes]
            tree.frequencies.append((counts / max(1, counts.sum())).tolist())
        else:
            grid = np.linspace(0, 1, LEAF_QUANTILES)
            q = np.quantile(values, grid) if len(values) else np.zeros(LEAF_QUANTILES)
            tree.quantiles.append([float(v) for v in q])
    return tree


def _sklearn_splits(x: np.ndarray, y: np.ndarray, rows: np.ndarray, categorical: bool,
                    min_leaf: int, seed: int) -> Splits:
    """scikit-learn's tree on ``rows`` (subsampled to ``MAX_SPLIT_ROWS``), as plain arrays."""
    # imported here: scikit-learn takes most of a second to import, and small tables (see
    # model/cart.py) and runs that end early or only generate never fit a tree with it
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    model_cls = DecisionTreeClassifier if categorical else DecisionTreeRegressor
    if len(rows) > MAX_SPLIT_ROWS:  # splits from a subsample; leaf statistics from all rows
        rows = np.sort(np.random.default_rng(seed).choice(rows, MAX_SPLIT_ROWS, replace=False))
    share = len(rows) / max(1, int((~np.isnan(y)).sum()))
    leaf = max(1, int(round(min_leaf * share)))
    model = model_cls(min_samples_leaf=leaf, max_leaf_nodes=MAX_LEAVES, random_state=seed)
    with warnings.catch_warnings():  # many classes (child counts) are expected here
        warnings.simplefilter("ignore", UserWarning)
        model.fit(x[rows], y[rows].astype(int) if categorical else y[rows])
    t = model.tree_
    missing = getattr(t, "missing_go_to_left", np.ones(t.node_count, dtype=np.uint8))
    return Splits(t.children_left.tolist(), t.children_right.tolist(), [int(f) for f in t.feature],
                  [float(v) for v in t.threshold], [int(v) for v in missing])
