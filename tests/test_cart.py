"""The numpy split search (model/cart.py) grows scikit-learn's trees: at every node the same
split, or one exactly as good (a tie, which scikit-learn breaks by a random feature order)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from dbsynth.model.cart import NUMPY_SPLIT_CELLS, choose_splitter, grow_tree, tree_cells
from dbsynth.model.table import min_leaf_size
from dbsynth.model.tree import fit_tree


def _data(seed: int, categorical: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n, features = int(rng.integers(20, 2500)), int(rng.integers(1, 6))
    x = rng.normal(size=(n, features))
    if seed % 2:
        x[rng.random((n, features)) < 0.1] = np.nan  # NULLs in the features
    if seed % 3 == 0:
        x[:, 0] = np.round(x[:, 0] * 2)  # few distinct values
    signal = np.nan_to_num(x[:, 0])
    y = (signal > 0) * 2.0 + rng.integers(0, 3, n) if categorical else signal * 3 + rng.normal(size=n)
    return x, y


def _criterion(y: np.ndarray, go_left: np.ndarray, categorical: bool) -> float:
    """What both searches maximise: Σ count²/n (Gini) or sum²/n (squared error), both sides."""
    total = 0.0
    for side in (y[go_left], y[~go_left]):
        if categorical:
            total += float((np.unique(side, return_counts=True)[1] ** 2).sum()) / len(side)
        else:
            total += float(side.sum()) ** 2 / len(side)
    return total


@pytest.mark.parametrize("categorical", [False, True])
@pytest.mark.parametrize("seed", range(24))
def test_the_numpy_search_finds_scikit_learns_splits(seed: int, categorical: bool) -> None:
    x, y = _data(seed, categorical)
    leaf = min_leaf_size(len(y))
    ours = grow_tree(x, y, categorical, leaf, 256)
    model = (DecisionTreeClassifier if categorical else DecisionTreeRegressor)(
        min_samples_leaf=leaf, max_leaf_nodes=256, random_state=0)
    theirs = model.fit(x, y.astype(int) if categorical else y).tree_
    x32 = x.astype(np.float32).astype(np.float64)
    rows = {0: np.arange(len(y))}
    for node in range(theirs.node_count):  # walk scikit-learn's tree; compare node by node
        if theirs.children_left[node] == -1:
            assert ours.left[node] == -1, f"node {node}: we split a leaf of scikit-learn"
            continue
        assert ours.left[node] != -1, f"node {node}: scikit-learn splits a leaf of ours"
        here = rows[node]

        def side(feature: int, threshold: float, nan_left: int) -> np.ndarray:
            values = x32[here, feature]
            return np.where(np.isnan(values), bool(nan_left), values <= threshold)

        mine = side(ours.feature[node], ours.threshold[node], ours.nan_left[node])
        sk = side(int(theirs.feature[node]), float(theirs.threshold[node]), int(theirs.missing_go_to_left[node]))
        if not np.array_equal(mine, sk):  # a tie: from here on the trees may differ
            assert _criterion(y[here], mine, categorical) == pytest.approx(
                _criterion(y[here], sk, categorical), rel=1e-9), f"node {node}"
            return
        rows[int(theirs.children_left[node])] = here[sk]
        rows[int(theirs.children_right[node])] = here[~sk]
    assert len(ours.left) == theirs.node_count


def test_a_small_database_is_searched_in_numpy_a_big_one_by_scikit_learn() -> None:
    assert choose_splitter(tree_cells(500, 3, [0, 4, 0])) == "numpy"
    assert choose_splitter(NUMPY_SPLIT_CELLS + 1) == "sklearn"
    assert tree_cells(100, 2, [0, 5]) == 100 * 2 * 3 + 100 * 3 * 5


def test_both_splitters_give_leaves_of_the_same_rows() -> None:
    x, y = _data(4, False)
    numpy_tree = fit_tree(x, y, False, 0, min_leaf_size(len(y)), 0, splitter="numpy")
    sklearn_tree = fit_tree(x, y, False, 0, min_leaf_size(len(y)), 0, splitter="sklearn")
    assert numpy_tree.left == sklearn_tree.left
    assert np.allclose(numpy_tree.threshold, sklearn_tree.threshold)
    assert np.allclose(numpy_tree.quantiles, sklearn_tree.quantiles)
