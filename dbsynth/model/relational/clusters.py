"""Clusters of parent rows, the latent side of a secondary (or cut) link.

At fit time a parent's encoded rows are standardised and clustered (a few lines of k-means);
the child learns the cluster of its parent as a derived column. At generation the synthetic
parents are assigned to the same centroids, and a child's parent is picked inside the cluster
its model drew (see :mod:`.picking`), so parents' attributes and their children's correlate
as in the source.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dbsynth.model.columns import ColumnSummary
from dbsynth.model.relational.links import Link, row_positions

MAX_CLUSTERS = 8
MAX_KMEANS_ROWS = 10_000  # centroids from a sample; every parent is then assigned to one


def cluster_summary(name: str, k: int) -> ColumnSummary:
    return ColumnSummary(name, "categorical", categories=list(range(k)), weights=[1.0 / k] * k)


def _standardize(x: np.ndarray, center: np.ndarray, spread: np.ndarray) -> np.ndarray:
    return np.nan_to_num((x - center) / spread)


def fit_clusters(link: Link, parent_encoded: pd.DataFrame, seed: int) -> np.ndarray:
    """Cluster the parent's encoded rows (standardised) into at most MAX_CLUSTERS, one per
    30 rows; the centroids and the scaling go into ``link``. Each parent row's label."""
    x = parent_encoded.to_numpy(dtype=float)
    n = len(x)
    if x.shape[1] == 0 or n == 0:
        link.centroids, link.center, link.spread = [[0.0] * x.shape[1]], [0.0] * x.shape[1], [1.0] * x.shape[1]
        return np.zeros(n)
    # by hand, not nanmean/nanstd: a column that is NULL in every parent would warn
    known = ~np.isnan(x)
    count = np.maximum(known.sum(axis=0), 1)
    center = np.where(known, x, 0.0).sum(axis=0) / count
    spread = np.sqrt((np.where(known, x - center, 0.0) ** 2).sum(axis=0) / count)
    spread[spread == 0] = 1.0
    z = _standardize(x, center, spread)
    k = int(min(MAX_CLUSTERS, max(1, n // 30), len(np.unique(z, axis=0))))
    fit_rows = z if len(z) <= MAX_KMEANS_ROWS else z[np.random.default_rng(seed).choice(
        len(z), MAX_KMEANS_ROWS, replace=False)]
    centroids, _ = kmeans(fit_rows, k, seed)
    labels = _nearest_centroid(z, centroids)
    link.centroids = centroids.tolist()
    link.center, link.spread = center.tolist(), spread.tolist()
    return labels.astype(float)


def _nearest_centroid(z: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    return np.concatenate([_squared_distances(z[i:i + 100_000], centroids).argmin(axis=1)
                           for i in range(0, len(z), 100_000)]) if len(z) else np.zeros(0, dtype=int)


def _squared_distances(z: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    return np.maximum((z**2).sum(1)[:, None] - 2 * z @ centroids.T + (centroids**2).sum(1)[None, :], 0)


def kmeans(z: np.ndarray, k: int, seed: int, starts: int = 3,
            iterations: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """Plain k-means (k-means++ starts, Lloyd steps), best of ``starts``. A few lines of numpy
    beat scikit-learn's per-call overhead on the small, low-dimensional parent tables here."""
    rng = np.random.default_rng(seed)
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    for _ in range(starts):
        centroids = z[[rng.integers(len(z))]]
        for _ in range(1, k):  # k-means++: far points are likelier next centres
            d = _squared_distances(z, centroids).min(axis=1)
            pick = rng.choice(len(z), p=d / d.sum()) if d.sum() > 0 else rng.integers(len(z))
            centroids = np.vstack([centroids, z[pick]])
        for _ in range(iterations):
            labels = _squared_distances(z, centroids).argmin(axis=1)
            moved = np.array([z[labels == c].mean(axis=0) if (labels == c).any() else centroids[c]
                              for c in range(k)])
            if np.allclose(moved, centroids):
                break
            centroids = moved
        distances = _squared_distances(z, centroids)
        labels = distances.argmin(axis=1)
        inertia = float(distances[np.arange(len(z)), labels].sum())
        if best is None or inertia < best[0]:
            best = (inertia, centroids, labels)
    assert best is not None
    return best[1], best[2]


def assign_clusters(link: Link, encoded: np.ndarray) -> np.ndarray:
    if len(encoded) == 0:
        return np.zeros(0, dtype=int)
    centroids = np.asarray(link.centroids)
    width = centroids.shape[1]  # the parent's columns at fit time: a prefix of its columns now
    if width == 0 or encoded.shape[1] < width:
        return np.zeros(len(encoded), dtype=int)
    z = _standardize(encoded[:, :width], np.asarray(link.center), np.asarray(link.spread))
    return _nearest_centroid(z, centroids)  # in blocks: no rows × clusters × columns array


def labels_for_children(child: pd.DataFrame, link: Link, parent: pd.DataFrame,
                         labels: np.ndarray) -> np.ndarray:
    """The cluster of each child's parent; NaN where the FK is NULL. A parent missing from a
    sampled parent table gets a cluster drawn like the parents' (it exists, unseen)."""
    rows = row_positions(parent, list(link.ref_columns), child, list(link.columns))
    out = np.where(rows >= 0, labels[np.maximum(rows, 0)] if len(labels) else np.nan, np.nan)
    unseen = (rows < 0) & child[list(link.columns)].notna().all(axis=1).to_numpy()
    if unseen.any() and len(labels):
        out[unseen] = np.random.default_rng(len(labels)).choice(labels, size=int(unseen.sum()))
    return out

