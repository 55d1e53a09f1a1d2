"""Drawing from learnt quantiles: one inverse-CDF sampler for every summary that keeps them
(column values, text lengths and word counts, JSON paths, array lengths, durations)."""

from __future__ import annotations

import numpy as np


def from_quantiles(quantiles: list[float], n: int, rng: np.random.Generator) -> np.ndarray:
    """Inverse-CDF sampling by linear interpolation between learnt quantiles."""
    grid = np.linspace(0, 1, len(quantiles))
    return np.interp(rng.random(n), grid, np.asarray(quantiles, dtype=float))
