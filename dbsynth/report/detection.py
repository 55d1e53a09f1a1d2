"""Detection: can a classifier tell real rows from synthetic ones? (0.5 = it cannot)

A classifier two-sample test: equal samples of real and synthetic rows, labelled, and the
5-fold cross-validated ROC AUC of a gradient-boosted classifier. Per table on its scored
columns, and per foreign key on parent rows enriched with their number of children and the
children's numeric means — which catches children generated independently of their parent.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score

from dbsynth.report.fidelity import Kind, prepared
from dbsynth.schema.model import ForeignKey

FOLDS = 5
MIN_ROWS = 50  # fewer rows a side give an AUC that is mostly noise: not computed


def c2st(real: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict[str, Kind],
         max_rows: int = 5000, seed: int = 0) -> float | None:
    """Cross-validated ROC AUC telling ``real`` from ``synthetic`` rows (None if too few);
    both frames are prepared (numbers as floats, categories as strings, coded jointly here)."""
    n = min(len(real), len(synthetic), max_rows)
    if n < MIN_ROWS or not kinds:
        return None
    both = pd.concat([real.sample(n, random_state=seed), synthetic.sample(n, random_state=seed)],
                     ignore_index=True)
    x = pd.DataFrame(index=both.index)
    for name, kind in kinds.items():
        if kind == "categorical":
            x[name] = pd.Series(pd.factorize(both[name])[0], index=both.index).replace(-1, np.nan)
        else:
            x[name] = both[name].astype(float)
    x = x.loc[:, x.notna().any()]  # a column NULL on both sides tells nothing
    if x.shape[1] == 0:
        return None
    y = np.r_[np.ones(n), np.zeros(n)]
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=seed)
    model = HistGradientBoostingClassifier(random_state=seed, max_iter=100)
    return float(np.mean(cross_val_score(model, x.to_numpy(float), y, cv=folds, scoring="roc_auc")))


def enriched_parents(parent: pd.DataFrame, fk: ForeignKey, parent_kinds: dict[str, Kind],
                     per_parent: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Kind]]:
    """Parent rows with their child count and the children's column means, as counted by SQL
    over whole tables (``per_parent``, indexed by the parent key as text)."""
    out = prepared(parent, parent_kinds)
    kinds = dict(parent_kinds)
    keys = parent[list(fk.ref_columns)].astype(str).agg("|".join, axis=1)
    for column in per_parent.columns:
        name = "#children" if column == "n" else column
        out[name] = keys.map(per_parent[column]).to_numpy()
        kinds[name] = "numerical"
    return out, kinds


def detection(schema_tables: list[str], real: dict[str, pd.DataFrame], synthetic: dict[str, pd.DataFrame],
              kinds: dict[str, dict[str, Kind]], relationships: list[tuple[str, ForeignKey]],
              per_parent: dict[tuple[str, tuple[str, ...]], tuple[pd.DataFrame, pd.DataFrame]],
              max_rows: int = 5000, seed: int = 0) -> dict[str, Any]:
    tables = {t: c2st(prepared(real[t], kinds[t]), prepared(synthetic[t], kinds[t]), kinds[t],
                      max_rows, seed) for t in schema_tables}
    parents = {}
    for child, fk in relationships:
        real_counts, synthetic_counts = per_parent[(child, fk.columns)]
        r, k = enriched_parents(real[fk.ref_table], fk, kinds[fk.ref_table], real_counts)
        s, _ = enriched_parents(synthetic[fk.ref_table], fk, kinds[fk.ref_table], synthetic_counts)
        parents[(child, fk.columns)] = c2st(r, s, k, max_rows, seed)
    return {"tables": tables, "parents": parents,
            "mean": _mean(tables.values()), "mean_parents": _mean(parents.values())}


def _mean(values: Any) -> float | None:
    kept = [v for v in values if v is not None]
    return float(np.mean(kept)) if kept else None
