"""Distances between rows of mixed types, for the privacy measures (DCR, attacks).

Numbers are scaled by the real range (so a column's span counts 1), a category mismatch
counts 1, a missing value sits at -1. Distances are computed in blocks so memory stays bounded
(``CELLS`` distances at once).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dbsynth.report.fidelity import Kind

Encoded = tuple[np.ndarray, np.ndarray]  # scaled numbers, category codes
CELLS = 4_000_000  # distances held at once: query block × pool × columns


def encode(frame: pd.DataFrame, kinds: dict[str, Kind], reference: pd.DataFrame) -> Encoded:
    """Scaled numbers and category codes of ``frame`` (codes and ranges from ``reference``;
    an unseen category gets -1)."""
    numbers, categories = [], []
    for name, kind in kinds.items():
        if kind == "categorical":
            codes = {v: i for i, v in enumerate(pd.unique(reference[name].dropna()))}
            categories.append(frame[name].map(codes).fillna(-1).to_numpy(float))
        else:
            ref = reference[name].astype(float)
            span = float(ref.max() - ref.min()) or 1.0
            numbers.append(((frame[name].astype(float) - float(ref.min())) / span).fillna(-1).to_numpy())
    n = len(frame)
    return (np.column_stack(numbers) if numbers else np.zeros((n, 0)),
            np.column_stack(categories) if categories else np.zeros((n, 0)))


def subset(encoded: Encoded, rows: np.ndarray | slice, columns: tuple[list[int], list[int]] | None = None) -> Encoded:
    """Some rows (and optionally some numeric/category columns) of an encoding."""
    numbers, categories = encoded[0][rows], encoded[1][rows]
    if columns is not None:
        numbers, categories = numbers[:, columns[0]], categories[:, columns[1]]
    return numbers, categories


def nearest(query: Encoded, pool: Encoded, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """For each query row, the distances to its ``k`` nearest pool rows and their indices
    (nearest first; ties by pool order)."""
    n, k = len(query[0]), min(k, len(pool[0]))
    distances, indices = np.empty((n, k)), np.empty((n, k), dtype=int)
    width = max(1, pool[0].shape[1], pool[1].shape[1])
    block = max(1, CELLS // max(1, len(pool[0]) * width))
    for start in range(0, n, block):
        stop = start + block
        d = np.abs(query[0][start:stop, None, :] - pool[0][None, :, :]).sum(axis=2)
        d += (query[1][start:stop, None, :] != pool[1][None, :, :]).sum(axis=2)
        order = (np.argmin(d, axis=1)[:, None] if k == 1
                 else np.argsort(d, axis=1, kind="stable")[:, :k])
        indices[start:stop] = order
        distances[start:stop] = np.take_along_axis(d, order, axis=1)
    return distances, indices
