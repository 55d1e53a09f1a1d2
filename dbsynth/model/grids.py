"""Numbers on a grid: prices ending in .99, steps of 0.5, whole numbers stored as decimals.

Interpolated quantiles give arbitrary values between the source's; a column whose values all
sit on a grid (``0.99, 2.99, 4.99``; ``9.99 … 29.99``; ``1.5, 2.0, 2.5``) must come back on
it, or a classifier tells the rows apart at once. Two grids are learnt:

- a **value set**: few distinct values, each repeated (a price list, a rating): draws snap
  to the nearest of them;
- a **step**: the greatest common step of the values, in units of their finest decimal, with
  the offset they share (``.99`` on a step of 1.00): draws snap to ``offset + k·step``; at
  the least, values written with fewer decimals than the type has (whole numbers in a
  ``decimal(10,2)``) keep those.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: a value set holds at most this many values, each seen on average at least twice
MAX_SET_VALUES = 20
#: a step grid needs this many distinct values (a handful of even numbers proves nothing)
MIN_STEP_VALUES = 8
#: decimals looked for in float columns (beyond that a float is continuous)
MAX_DECIMALS = 6
_EXACT = 2.0**52  # units beyond this are not exact integers in a float


@dataclass
class NumberGrid:
    """What the values sit on: ``values`` (a set), or ``step`` and ``offset``, and the
    ``decimals`` they are written with."""

    values: list[float] = field(default_factory=list)
    step: float | None = None
    offset: float = 0.0
    decimals: int = 0


def decimals_of(nums: np.ndarray, limit: int = MAX_DECIMALS) -> int | None:
    """The fewest decimals (≤ ``limit``) that write every value exactly, or None."""
    if not len(nums):
        return None
    for d in range(limit + 1):
        scaled = nums * 10.0**d
        if np.abs(scaled).max() >= _EXACT:
            return None
        if np.allclose(scaled, np.rint(scaled), rtol=0, atol=1e-6):
            return d
    return None


def fit_grid(nums: np.ndarray, scale: int | None) -> NumberGrid | None:
    """The grid ``nums`` sit on (None: none coarser than their own resolution)."""
    if not len(nums):
        return None
    d = decimals_of(nums, MAX_DECIMALS if scale is None else min(scale, MAX_DECIMALS))
    if d is None:
        return None
    distinct = np.unique(nums)
    if 1 < len(distinct) <= MAX_SET_VALUES and len(nums) >= 2 * len(distinct):
        return NumberGrid(values=[float(v) for v in np.round(distinct, d)], decimals=d)
    coarser = NumberGrid(step=1 / 10.0**d, decimals=d) if scale is not None and d < scale else None
    if len(distinct) < MIN_STEP_VALUES:
        return coarser  # whole numbers in a decimal(…, 2) stay whole
    units = np.rint(distinct * 10.0**d).astype(np.int64)
    step = int(np.gcd.reduce(units - units.min()))
    if step <= 1:
        return coarser
    offset = int(units.min() % step)
    return NumberGrid(step=step / 10.0**d, offset=offset / 10.0**d, decimals=d)


def snap(grid: NumberGrid, x: np.ndarray) -> np.ndarray:
    """``x`` moved to the nearest grid point (NaN stays NaN)."""
    if grid.values:
        points = np.asarray(grid.values, dtype=float)
        idx = np.clip(np.searchsorted(points, x), 1, len(points) - 1) if len(points) > 1 else None
        if idx is None:
            return np.where(np.isnan(x), np.nan, points[0])
        lower, upper = points[idx - 1], points[idx]
        snapped = np.where(np.abs(x - lower) <= np.abs(upper - x), lower, upper)
    elif grid.step:
        snapped = grid.offset + np.rint((x - grid.offset) / grid.step) * grid.step
    else:
        return x
    return np.where(np.isnan(x), np.nan, np.round(snapped, grid.decimals))
