"""Exact copies of real rows, and the rate at which real rows repeat by nature.

A synthetic row equal to a real one on every data column (keys aside) may be a leak — or a
row any sample of that population would contain (a two-column lookup, a common answer). The
natural rate tells them apart: the share of one random half of the real rows found in the
other half. A generator that does not memorise reproduces rows at about that rate; a copy
reproduces all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dbsynth.model.holdout import value_text

MIN_ROWS = 20  # below this the natural rate of a table says nothing


@dataclass(frozen=True)
class CopyRate:
    """A table's exact copies: how many synthetic rows, their share, and the natural share."""

    copies: int
    compared: int
    natural_share: float | None  # None: too few real rows to measure it

    @property
    def share(self) -> float:
        return self.copies / self.compared if self.compared else 0.0

    @property
    def excess(self) -> float | None:
        """Reproduction beyond the natural rate, scaled to 0..1 (1: every row a copy)."""
        if self.natural_share is None or not self.compared:
            return None
        if self.natural_share >= 1:
            return 0.0
        return min(1.0, max(0.0, (self.share - self.natural_share) / (1 - self.natural_share)))


NULL = "\x00NULL"  # a NULL equals a NULL here: a row with the same gaps is the same row


def comparable(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Values as text that compares equal across sides, value by value (1, 1.0 and '1'
    alike whether the column was read as int64, float64 or Int64; NULL as NULL)."""
    out = {}
    for c in columns:
        texts = [value_text(v) for v in frame[c].astype(object)]
        out[c] = [NULL if t is None else t for t in texts]
    return pd.DataFrame(out, index=frame.index)


def found_in(rows: pd.DataFrame, pool: pd.DataFrame, columns: list[str]) -> int:
    """How many of ``rows`` equal some row of ``pool`` on ``columns``."""
    if rows.empty or pool.empty:
        return 0
    seen = set(comparable(pool, columns).itertuples(index=False, name=None))
    return sum(row in seen for row in comparable(rows, columns).itertuples(index=False, name=None))


def natural_share(real: pd.DataFrame, columns: list[str], seed: int = 0) -> float | None:
    """Share of one random half of the real rows that also occurs in the other half."""
    if len(real) < MIN_ROWS:
        return None
    order = np.random.default_rng(seed).permutation(len(real))
    half = len(real) // 2
    probe = real.iloc[order[half:]]
    return found_in(probe, real.iloc[order[:half]], columns) / len(probe)


def copy_rate(real: pd.DataFrame, synthetic: pd.DataFrame, columns: list[str],
              seed: int = 0) -> CopyRate | None:
    """Exact copies of ``real`` rows in ``synthetic``; None where one column alone is compared
    (a single value repeats by nature and says nothing of a row)."""
    if len(columns) < 2:
        return None
    return CopyRate(found_in(synthetic, real, columns), len(synthetic),
                    natural_share(real, columns, seed))
