"""Inequalities between columns (``shipped <= delivered``, a child's date after its parent's)
that held on every source row: found at fit time, repaired in generated rows."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dbsynth.model.columns import ColumnSummary
from dbsynth.model.derived import is_derived_column


@dataclass
class Inequality:
    """``lower <= upper`` held on every source row; ``*_parent`` marks a primary-parent column.

    ``gaps`` are quantiles of ``upper - lower`` in the source, used to repair a generated row.
    """

    lower: str
    upper: str
    lower_parent: bool = False
    upper_parent: bool = False
    gaps: list[float] = field(default_factory=list)


def _comparable(frame: pd.DataFrame, summaries: dict[str, ColumnSummary]) -> dict[str, str]:
    """Column -> comparison group (numbers with numbers, dates/timestamps with each other)."""
    out = {}
    for name in frame.columns:
        kind = summaries[name].kind if name in summaries else ""
        if kind in ("numeric", "datetime", "date") and not is_derived_column(name):
            out[name] = "numeric" if kind == "numeric" else "time"
    return out


def find_inequalities(own: pd.DataFrame, own_summaries: dict[str, ColumnSummary],
                      parent: pd.DataFrame | None = None,
                      parent_summaries: dict[str, ColumnSummary] | None = None) -> list[Inequality]:
    """Pairs with lower <= upper on every source row (and < on some), within the table and
    between the table and its primary parent (``parent`` is aligned row by row with ``own``)."""
    columns = [(n, g, False, own[n].to_numpy()) for n, g in _comparable(own, own_summaries).items()]
    if parent is not None and parent_summaries is not None:
        columns += [(n, g, True, parent[n].to_numpy())
                    for n, g in _comparable(parent, parent_summaries).items()]
    grid = np.linspace(0, 1, 21)
    found: list[Inequality] = []
    for lo, g1, lo_parent, x in columns:
        for hi, g2, hi_parent, y in columns:
            if (lo, lo_parent) == (hi, hi_parent) or g1 != g2 or (lo_parent and hi_parent):
                continue
            both = ~np.isnan(x) & ~np.isnan(y)
            if both.sum() >= 10 and (x[both] <= y[both]).all() and (x[both] < y[both]).any():
                gaps = np.quantile(y[both] - x[both], grid).tolist()
                found.append(Inequality(lo, hi, lo_parent, hi_parent, gaps))
    return found


def apply_inequalities(data: np.ndarray, names: list[str], context: np.ndarray,
                       context_names: list[str], rules: list[Inequality],
                       rng: np.random.Generator) -> np.ndarray:
    """Repair rows breaking a learnt ``lower <= upper``: move the own side by a source-like gap."""
    if not rules or len(data) == 0:
        return data
    own = {n: i for i, n in enumerate(names)}
    ctx = {n: i for i, n in enumerate(context_names)}
    for _ in range(3):  # chains (a <= b <= c) settle in a few passes
        changed = False
        for rule in rules:
            lower = context[:, ctx[rule.lower]] if rule.lower_parent else data[:, own[rule.lower]]
            upper = context[:, ctx[rule.upper]] if rule.upper_parent else data[:, own[rule.upper]]
            bad = lower > upper
            if not bad.any():
                continue
            gap = np.interp(rng.random(int(bad.sum())), np.linspace(0, 1, len(rule.gaps)), rule.gaps)
            if rule.upper_parent:
                data[bad, own[rule.lower]] = upper[bad] - gap
            else:
                data[bad, own[rule.upper]] = lower[bad] + gap
            changed = True
        if not changed:
            break
    return data
