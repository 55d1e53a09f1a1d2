"""Detection: can a classifier tell real rows from synthetic ones? (0.5 = it cannot)

A classifier two-sample test: equal samples of real and synthetic rows, labelled, and the
5-fold cross-validated ROC AUC of a gradient-boosted classifier. Per table on its scored
columns, and per foreign key on parent rows enriched with their number of children and the
children's numeric means — which catches children generated independently of their parent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score

from dbsynth.model.holdout import value_text
from dbsynth.report.fidelity import Kind, prepared
from dbsynth.schema.model import ForeignKey

FOLDS = 5
#: Fewer rows a side give an AUC that is mostly noise (a 77-row table can score 0.22, which
#: is cross-validation on too little data, not a copy "better than real"): not judged.
MIN_ROWS = 100
TOO_FEW = "too few rows to judge"


def auc_interval(auc: float, rows_per_side: int) -> tuple[float, float]:
    """95% interval of an AUC from equal samples of each class (Hanley & McNeil, 1982)."""
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    n = rows_per_side
    variance = (auc * (1 - auc) + (n - 1) * (q1 - auc * auc) + (n - 1) * (q2 - auc * auc)) / (n * n)
    half = 1.96 * float(np.sqrt(max(variance, 0.0)))
    return max(0.0, auc - half), min(1.0, auc + half)


def judged(real: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict[str, Kind],
           max_rows: int = 5000, seed: int = 0) -> dict[str, Any] | None:
    """The AUC with its interval and the rows it stands on, or the reason it was not judged
    (None: nothing to compare, no scored columns)."""
    n = min(len(real), len(synthetic), max_rows)
    if not kinds:
        return None
    if n < MIN_ROWS:
        return {"auc": None, "verdict": TOO_FEW, "rows_per_side": n}
    auc = c2st(real, synthetic, kinds, max_rows, seed)
    if auc is None:
        return None
    low, high = auc_interval(auc, n)
    return {"auc": auc, "ci": [low, high], "rows_per_side": n,
            "verdict": "indistinguishable" if low <= 0.5 else "distinguishable"}


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
    keys = parent_key_texts(parent, fk.ref_columns)
    for column in per_parent.columns:
        name = "#children" if column == "n" else column
        out[name] = keys.map(per_parent[column]).to_numpy()
        kinds[name] = "numerical"
    return out, kinds


def parent_key_texts(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    """Each row's key as the per-parent figures index it (``a|b`` for composite keys); a
    Series also for no rows (``agg`` on an empty frame gives a frame, which broke the map)."""
    values = frame[list(columns)].astype(object)
    return pd.Series([joined_key(row) for row in values.itertuples(index=False, name=None)],
                     index=frame.index, dtype=object)


def joined_key(values: Iterable[Any]) -> str:
    """A key's values as one text that is the same however they were read: a frame's
    ``1.0`` (an integer column with NULLs) and SQL's ``Decimal('1')`` or ``1`` all give
    ``1`` (``str`` gave ``1.0`` against ``1``, and the per-parent figures of PostgreSQL
    ``numeric`` keys matched no parent)."""
    return "|".join(value_text(v) or "" for v in values)


def detection(schema_tables: list[str], real: dict[str, pd.DataFrame], synthetic: dict[str, pd.DataFrame],
              kinds: dict[str, dict[str, Kind]], relationships: list[tuple[str, ForeignKey]],
              per_parent: dict[tuple[str, tuple[str, ...]], tuple[pd.DataFrame, pd.DataFrame]],
              max_rows: int = 5000, seed: int = 0) -> dict[str, Any]:
    tables = {t: judged(prepared(real[t], kinds[t]), prepared(synthetic[t], kinds[t]), kinds[t],
                        max_rows, seed) for t in schema_tables}
    parents = {}
    for child, fk in relationships:
        real_counts, synthetic_counts = per_parent[(child, fk.columns)]
        r, k = enriched_parents(real[fk.ref_table], fk, kinds[fk.ref_table], real_counts)
        s, _ = enriched_parents(synthetic[fk.ref_table], fk, kinds[fk.ref_table], synthetic_counts)
        parents[(child, fk.columns)] = judged(r, s, k, max_rows, seed)
    return {"tables": tables, "parents": parents,
            "mean": _mean(auc_of(d) for d in tables.values()),
            "mean_parents": _mean(auc_of(d) for d in parents.values())}


def auc_of(detail: dict[str, Any] | None) -> float | None:
    """The AUC of a judged comparison (None when not judged)."""
    return detail["auc"] if detail else None


def _mean(values: Any) -> float | None:
    kept = [v for v in values if v is not None]
    return float(np.mean(kept)) if kept else None
