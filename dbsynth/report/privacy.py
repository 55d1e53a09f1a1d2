"""Privacy: nothing copied. Exact row copies, distance to closest record, personal columns.

- **Exact copies**: the share of synthetic rows whose every data column (keys aside) equals
  some real row's, beside the natural rate at which real rows repeat between two random halves
  of the real data (see :mod:`dbsynth.report.copies`): only copies beyond it are a leak.
- **Distance to closest record (DCR)**: the real rows are split in two halves, A and B; for
  each synthetic row, the distance to its nearest row of A and of B (numbers scaled by the
  real range, a category mismatch counts 1). A generator that memorises rows sits closer to
  the rows it saw; the share of synthetic rows closer to A than to B is about 50% when it does
  not, and the median synthetic DCR to A is compared with the median DCR of B's rows to A (how
  far real rows naturally are from each other): ``ratio`` about 1 is good, far below 1 means
  synthetic rows sit on real ones. dbsynth trains on all rows, so both halves were
  seen: a share near 50% *and* a synthetic DCR not below the real one are the good sign.
- **Personal columns**: per column, how many synthetic values also occur in the source (common
  first names do, by chance); per table, how many synthetic rows carry *all* the personal
  values of one real row at once — a copied person. That count must be 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dbsynth.report.copies import copy_rate, found_in
from dbsynth.report.distance import encode, nearest
from dbsynth.report.fidelity import Kind, Scored, prepared

MAX_ROWS = 2000


def dcr(real: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict[str, Kind], seed: int = 0) -> dict[str, float] | None:
    if len(real) < 20 or len(synthetic) < 10 or not kinds:
        return None
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(real))
    half = len(real) // 2
    a = real.iloc[order[:half][:MAX_ROWS]]
    b = real.iloc[order[half:][:MAX_ROWS]]
    s = synthetic.iloc[rng.permutation(len(synthetic))[:MAX_ROWS]]
    enc_a, enc_b, enc_s = (encode(f, kinds, real) for f in (a, b, s))
    to_a, to_b = nearest(enc_s, enc_a)[0][:, 0], nearest(enc_s, enc_b)[0][:, 0]
    holdout = nearest(enc_b, enc_a)[0][:, 0]
    closer = float(np.mean(to_a < to_b) + 0.5 * np.mean(to_a == to_b))
    median_synthetic, median_holdout = float(np.median(to_a)), float(np.median(holdout))
    return {"closer_to_training_share": closer, "median_synthetic": median_synthetic,
            "median_holdout": median_holdout,
            "ratio": median_synthetic / median_holdout if median_holdout else None,
            "rows": int(len(s))}


def privacy(real: dict[str, pd.DataFrame], synthetic: dict[str, pd.DataFrame], scored: Scored,
            data_columns: dict[str, list[str]], personal_columns: dict[str, list[str]],
            seed: int = 0) -> dict[str, Any]:
    copies = compared = 0
    natural_weighted = natural_compared = 0.0
    per_table: dict[str, Any] = {}
    for table, columns in data_columns.items():
        rate = copy_rate(real[table], synthetic[table], columns, seed)
        if rate is not None:
            copies, compared = copies + rate.copies, compared + rate.compared
            if rate.natural_share is not None:
                natural_weighted += rate.natural_share * rate.compared
                natural_compared += rate.compared
        kinds = scored.kinds[table]
        per_table[table] = {
            "exact_copies": rate.copies if rate else 0,
            "exact_copy_share": rate.share if rate else None,
            "natural_copy_share": rate.natural_share if rate else None,
            "copies_beyond_natural": rate.excess if rate else None,
            "dcr": dcr(prepared(real[table], kinds), prepared(synthetic[table], kinds), kinds, seed)}
    pii = []
    for table, columns in personal_columns.items():
        for column in columns:
            seen = set(real[table][column].dropna().astype(str))
            values = synthetic[table][column].dropna().astype(str)
            pii.append({"table": table, "column": column,
                        "copied_values": int(values.isin(seen).sum()), "checked": int(len(values))})
        if columns:  # a person copied whole: every personal value of a real row at once
            per_table[table]["copied_personal_rows"] = found_in(synthetic[table], real[table], columns) \
                if len(columns) >= 2 else pii[-1]["copied_values"]
    shares = [t["dcr"]["closer_to_training_share"] for t in per_table.values() if t["dcr"]]
    biggest = max((t for t in per_table if per_table[t]["dcr"]), key=lambda t: len(real[t]), default=None)
    return {"exact_copies": copies, "compared_rows": compared,
            "exact_copy_share": copies / compared if compared else 0.0,
            "natural_copy_share": natural_weighted / natural_compared if natural_compared else None,
            "dcr": per_table[biggest]["dcr"] | {"table": biggest} if biggest else None,
            "dcr_closer_to_training_mean": float(np.mean(shares)) if shares else None,
            "copied_personal_rows": sum(t.get("copied_personal_rows", 0) for t in per_table.values()),
            "tables": per_table, "pii_columns": pii}
