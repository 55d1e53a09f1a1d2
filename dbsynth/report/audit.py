"""Privacy audit: one risk figure, 0 = no measurable risk, 1 = everything disclosed.

Without a control set, the risk is the share of synthetic rows reproducing a real row
beyond the natural rate: the same share measured between two random halves of the real
data (rows that repeat by nature, such as a two-column lookup, are not a leak). Per table
``(share - natural) / (1 - natural)``, clipped at 0; the audit's risk is the worst table,
so a verbatim copy scores 1 and a copy with a tenth of rows copied about 0.1.
Attack-based risks (singling out, linkability, inference with a holdout) are not built yet.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dbsynth.report.privacy import _comparable

MIN_ROWS = 20  # below this a table's share says nothing


def _share_in(rows: pd.DataFrame, pool: pd.DataFrame, columns: list[str]) -> float:
    """Share of ``rows`` whose data columns equal some row of ``pool``."""
    if rows.empty:
        return 0.0
    seen = set(_comparable(pool, columns).itertuples(index=False, name=None))
    hits = sum(row in seen for row in _comparable(rows, columns).itertuples(index=False, name=None))
    return hits / len(rows)


def reproduction(real: pd.DataFrame, synthetic: pd.DataFrame, columns: list[str],
                 seed: int = 0) -> dict[str, Any] | None:
    """A table's reproduced share against its natural rate, and the excess as a risk."""
    if len(columns) < 2 or len(real) < MIN_ROWS or synthetic.empty:
        return None
    order = np.random.default_rng(seed).permutation(len(real))
    half = len(real) // 2
    natural = _share_in(real.iloc[order[half:]], real.iloc[order[:half]], columns)
    share = _share_in(synthetic, real, columns)
    risk = 0.0 if natural >= 1 else max(0.0, (share - natural) / (1 - natural))
    return {"reproduced_share": share, "natural_share": natural, "risk": min(1.0, risk)}


def audit(real: dict[str, pd.DataFrame], synthetic: dict[str, pd.DataFrame],
          data_columns: dict[str, list[str]], seed: int = 0) -> dict[str, Any]:
    """The audit block of ``privacy``: per table reproduction and the overall risk."""
    tables = {t: r for t, cols in data_columns.items()
              if (r := reproduction(real[t], synthetic[t], cols, seed)) is not None}
    return {"risk": max((r["risk"] for r in tables.values()), default=0.0),
            "method": "reproduction beyond natural rate (no control set)", "tables": tables}
