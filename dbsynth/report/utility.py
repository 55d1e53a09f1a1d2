"""ML utility: train on synthetic, test on real (TSTR).

The same model (gradient boosting) is trained once on real rows and once on synthetic rows,
and both are tested on the same held-out real rows. Close scores mean the synthetic copy
teaches what the real data teaches. The target is the column the user names
(``table.column``) or, if none, the categorical column with 2–20 classes of the biggest table
(else its first numeric column).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import accuracy_score, f1_score, mean_absolute_error, r2_score

from dbsynth.errors import UsageError
from dbsynth.report.fidelity import Kind, prepared

TEST_SHARE = 0.2
MIN_ROWS = 50
MAX_CLASSES = 20


def pick_target(kinds: dict[str, dict[str, Kind]], real: dict[str, pd.DataFrame]) -> tuple[str, str] | None:
    """A sensible target when the user names none (see module docstring)."""
    for table in sorted(kinds, key=lambda t: -len(real[t])):
        if len(real[table]) < MIN_ROWS or len(kinds[table]) < 2:
            continue
        for name, kind in kinds[table].items():
            if kind == "categorical" and 2 <= real[table][name].nunique() <= MAX_CLASSES:
                return table, name
        for name, kind in kinds[table].items():
            if kind == "numerical":
                return table, name
    return None


def utility(real: dict[str, pd.DataFrame], synthetic: dict[str, pd.DataFrame],
            kinds: dict[str, dict[str, Kind]], target: str | None, seed: int = 0) -> dict[str, Any] | None:
    chosen = _parse(target, kinds) if target else pick_target(kinds, real)
    if chosen is None:
        return None
    table, column = chosen
    table_kinds = kinds[table]
    r, s = prepared(real[table], table_kinds), prepared(synthetic[table], table_kinds)
    r, s = r[r[column].notna()], s[s[column].notna()]
    if len(r) < MIN_ROWS or len(s) < MIN_ROWS:
        return None
    classify = table_kinds[column] == "categorical"
    features = [c for c in table_kinds if c != column]
    codes = {c: {v: i for i, v in enumerate(pd.unique(pd.concat([r[c], s[c]]).dropna()))}
             for c in features if table_kinds[c] == "categorical"}

    def matrix(frame: pd.DataFrame) -> np.ndarray:
        cols = [frame[c].map(codes[c]).astype(float) if c in codes else frame[c].astype(float)
                for c in features]
        return np.column_stack(cols) if cols else np.zeros((len(frame), 1))

    rng = np.random.default_rng(seed)
    test = rng.random(len(r)) < TEST_SHARE
    train_real, test_real = r[~test], r[test]
    train_synthetic = s[s[column].isin(set(train_real[column]))] if classify else s
    if len(train_synthetic) < MIN_ROWS or (classify and train_synthetic[column].nunique() < 2):
        return None  # the synthetic side has (almost) none of the real classes: not computable
    out: dict[str, Any] = {"target": f"{table}.{column}", "task": "classification" if classify else "regression",
                           "model": "HistGradientBoosting", "train_rows": len(train_real),
                           "test_rows": int(test.sum())}
    for label, train in (("real", train_real), ("synthetic", train_synthetic)):
        model = (HistGradientBoostingClassifier(random_state=seed) if classify
                 else HistGradientBoostingRegressor(random_state=seed))
        model.fit(matrix(train), train[column].to_numpy() if classify else train[column].astype(float))
        predicted = model.predict(matrix(test_real))
        truth = test_real[column].to_numpy() if classify else test_real[column].astype(float)
        out[label] = ({"accuracy": float(accuracy_score(truth, predicted)),
                       "f1": float(f1_score(truth, predicted, average="macro"))} if classify else
                      {"r2": float(r2_score(truth, predicted)), "mae": float(mean_absolute_error(truth, predicted))})
    main = "f1" if classify else "r2"
    out["gap"] = out["real"][main] - out["synthetic"][main]
    return out


def _parse(target: str, kinds: dict[str, dict[str, Kind]]) -> tuple[str, str]:
    table, _, column = target.partition(".")
    if table not in kinds:
        raise UsageError(f"--target {target}: no table {table!r} (tables: {', '.join(kinds)})")
    if column not in kinds[table]:
        raise UsageError(f"--target {target}: {table} has no scored column {column!r} "
                         f"(scored: {', '.join(kinds[table]) or 'none'})")
    return table, column
