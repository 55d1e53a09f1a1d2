"""Attack-based privacy risks, measured with a control set the model never saw.

The method of Giomi et al. ("A Unified Framework for Quantifying Privacy Risk in Synthetic
Data", 2022), written here from the paper: an attacker holding the synthetic rows attacks
real rows; the same attack on control rows (real, never trained on) gives the success that
comes from knowing the population, not from a leak. The risk is the excess,
``(attack − control) / (1 − control)``, clipped to 0..1, with a 95% interval from the Wilson
intervals of both rates, and a one-sided p-value (attack no better than control). A risk is
*measurable* when its p-value stays below 5% divided by the number of risks judged together
(Bonferroni): the more attacks one runs, the more often one of them looks like a leak by
chance, and a headline that is the highest of many must not grow with their number.

- **Singling out**: predicates built from synthetic rows (three columns: a category equal, a
  number within 1% of its range) that isolate one synthetic row, tried on the real rows (training and control
  together): of those isolating exactly one real row, the share landing on a training row,
  against chance (the training rows' share of real rows), so set sizes do not matter.
- **Linkability**: the columns split in two halves, as two data sets an attacker would join;
  success when a real row's nearest synthetic row is the same by either half.
- **Attribute inference**: each column in turn is the secret, the others known; the secret
  is guessed from the nearest synthetic row (a category equal, a number within 5% of its
  range). The risk of the worst column.
- **Membership inference**: the distance of a real row to its nearest synthetic row tells
  training rows from control rows; ROC AUC, 0.5 when it cannot, risk ``2 × (AUC − 0.5)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dbsynth.report.detection import auc_interval
from dbsynth.report.distance import Encoded, encode, nearest, subset
from dbsynth.report.fidelity import Kind

MIN_CONTROL = 100  # fewer control rows: too few to judge an attack (as for detection)
MAX_TARGETS = 500  # real rows attacked per side
SECRETS = 8  # columns tried as the secret of attribute inference
TOLERANCE = 0.05  # a number guessed within this share of its range is a success
BAND = 0.01  # singling out: a number within this share of its range of the synthetic value
MIN_QUERIES = 30  # fewer isolating predicates: singling out not judged
QUERIES = 200  # isolating predicates tried
Z = 1.96


@dataclass(frozen=True)
class Rate:
    successes: int
    trials: int

    @property
    def value(self) -> float:
        return self.successes / self.trials if self.trials else 0.0

    def interval(self) -> tuple[float, float]:
        """Wilson score interval, 95%."""
        n = self.trials
        if not n:
            return 0.0, 1.0
        p = self.value
        centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
        half = Z * np.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
        return max(0.0, centre - half), min(1.0, centre + half)


def excess(attack: Rate, control: Rate | float) -> dict[str, Any]:
    """Success on training rows beyond success on control rows, with its interval
    (``control`` a float: a rate known exactly, such as chance, with no interval of its own)."""
    def risk(a: float, c: float) -> float:
        return 0.0 if c >= 1 else float(min(1.0, max(0.0, (a - c) / (1 - c))))

    if isinstance(control, Rate):
        rate, (c_low, c_high) = control.value, control.interval()
    else:
        rate = c_low = c_high = float(control)
    a_low, a_high = attack.interval()
    return {"risk": risk(attack.value, rate), "ci": [risk(a_low, c_high), risk(a_high, c_low)],
            "p_value": _p_excess(attack, control), "attack_rate": attack.value,
            "control_rate": rate, "trials": attack.trials}


def _p_upper(z: float) -> float:
    """One-sided p-value of a standard normal statistic."""
    from scipy.stats import norm

    return float(norm.sf(z))


def _p_excess(attack: Rate, control: Rate | float) -> float:
    """P(success on training rows this far above control's | no leak): a two-proportion z
    test (pooled), or a binomial test against a rate known exactly (chance)."""
    if not attack.trials:
        return 1.0
    if isinstance(control, Rate):
        if not control.trials:
            return 1.0
        pooled = (attack.successes + control.successes) / (attack.trials + control.trials)
        spread = pooled * (1 - pooled) * (1 / attack.trials + 1 / control.trials)
        gap = attack.value - control.value
    else:  # exact: few trials against a known rate are where the normal curve is off
        from scipy.stats import binom

        return float(binom.sf(attack.successes - 1, attack.trials, float(control)))
    if spread <= 0:
        return 0.0 if gap > 0 else 1.0
    return _p_upper(gap / float(np.sqrt(spread)))


def _columns_as_arrays(frames: list[pd.DataFrame], kinds: dict[str, Kind]) -> list[dict[str, np.ndarray]]:
    """Each frame's columns as numpy arrays: numbers as floats (NaN missing), categories as
    codes shared across the frames (-1 missing), so predicates are array comparisons."""
    out: list[dict[str, np.ndarray]] = [{} for _ in frames]
    for column, kind in kinds.items():
        if kind == "categorical":
            codes, _ = pd.factorize(pd.concat([f[column].astype(object) for f in frames], ignore_index=True))
            start = 0
            for i, f in enumerate(frames):
                out[i][column] = codes[start:start + len(f)].astype(float)
                out[i][column][out[i][column] < 0] = np.nan
                start += len(f)
        else:
            for i, f in enumerate(frames):
                out[i][column] = f[column].to_numpy(float)
    return out


def _in_bands(arrays: dict[str, np.ndarray], query: list[tuple[str, float, float]]) -> np.ndarray:
    """The rows that fall in every (column, low, high) band; a NaN band matches NaN."""
    mask = np.ones(len(next(iter(arrays.values()))), dtype=bool)
    for column, low, high in query:
        values = arrays[column]
        mask &= np.isnan(values) if np.isnan(low) else (values >= low) & (values <= high)
    return mask


def singling_out(training: pd.DataFrame, control: pd.DataFrame, synthetic: pd.DataFrame,
                 kinds: dict[str, Kind], rng: np.random.Generator) -> dict[str, Any] | None:
    """Predicates that isolate one synthetic row, tried on all real rows (training and
    control together): of those that isolate exactly one real row, the share that lands on
    a training row, against the share of training rows among real rows (what chance gives)."""
    columns = list(kinds)
    width = min(3, len(columns))
    real = pd.concat([training, control], ignore_index=True)
    fake, real_arrays = _columns_as_arrays([synthetic, real], kinds)
    band = {c: 0.0 if k == "categorical" else BAND * (float(real[c].max() - real[c].min()) or 1.0)
            for c, k in kinds.items()}
    n_training = len(training)
    landed = tries = 0
    for _ in range(QUERIES * 8):
        if tries >= QUERIES:
            break
        row = int(rng.integers(len(synthetic)))
        query = [(c, fake[c][row] - band[c], fake[c][row] + band[c])
                 for c in (columns[i] for i in rng.choice(len(columns), size=width, replace=False))]
        if np.count_nonzero(_in_bands(fake, query)) != 1:
            continue
        hits = np.flatnonzero(_in_bands(real_arrays, query))
        if len(hits) == 1:
            tries += 1
            landed += int(hits[0] < n_training)
    if tries < MIN_QUERIES:
        return None
    return excess(Rate(landed, tries), n_training / len(real))  # chance is known: no interval


def _targets(frame: pd.DataFrame, rng: np.random.Generator, n: int) -> pd.DataFrame:
    return frame.iloc[rng.permutation(len(frame))[:n]]


def linkability(train_enc: Encoded, control_enc: Encoded, synthetic_enc: Encoded,
                rng: np.random.Generator) -> dict[str, Any] | None:
    numeric, categorical = train_enc[0].shape[1], train_enc[1].shape[1]
    if numeric + categorical < 2:
        return None
    # numbers and categories dealt alternately to the halves: each half can find a row
    halves: list[tuple[list[int], list[int]]] = [([], []), ([], [])]
    dealt = 0
    for kind, count in ((0, numeric), (1, categorical)):
        for i in rng.permutation(count):
            halves[dealt % 2][kind].append(int(i))
            dealt += 1

    rates = []
    for side in (train_enc, control_enc):
        every = slice(None)
        first = nearest(subset(side, every, halves[0]), subset(synthetic_enc, every, halves[0]))[1][:, 0]
        second = nearest(subset(side, every, halves[1]), subset(synthetic_enc, every, halves[1]))[1][:, 0]
        rates.append(Rate(int(np.sum(first == second)), len(first)))
    return excess(*rates)


def inference(train: pd.DataFrame, control: pd.DataFrame, synthetic: pd.DataFrame,
              kinds: dict[str, Kind], reference: pd.DataFrame, rng: np.random.Generator) -> dict[str, Any] | None:
    columns = list(kinds)
    if len(columns) < 2:
        return None
    secrets = [columns[i] for i in rng.permutation(len(columns))[:SECRETS]]
    per_column: dict[str, Any] = {}
    for secret in secrets:
        known = {c: k for c, k in kinds.items() if c != secret}
        pool = encode(synthetic, known, reference)
        rates = []
        for side in (train, control):
            found = nearest(encode(side, known, reference), pool)[1][:, 0]
            guess, truth = synthetic[secret].to_numpy()[found], side[secret].to_numpy()
            if kinds[secret] == "categorical":
                right = pd.Series(guess).astype(str).to_numpy() == pd.Series(truth).astype(str).to_numpy()
            else:
                ref = reference[secret].astype(float)
                span = float(ref.max() - ref.min()) or 1.0
                right = np.abs(guess.astype(float) - truth.astype(float)) <= TOLERANCE * span
            rates.append(Rate(int(np.sum(right)), len(truth)))
        per_column[secret] = excess(*rates)
    worst = max(per_column, key=lambda c: per_column[c]["risk"])
    # the worst of several secrets: its p-value for the family of them (Bonferroni)
    p_value = min(1.0, per_column[worst]["p_value"] * len(per_column))
    return per_column[worst] | {"column": worst, "columns": per_column, "p_value": p_value}


def membership(train_enc: Encoded, control_enc: Encoded, synthetic_enc: Encoded) -> dict[str, Any]:
    """Closer to a synthetic row means "was trained on": the AUC of that guess."""
    inside = nearest(train_enc, synthetic_enc)[0][:, 0]
    outside = nearest(control_enc, synthetic_enc)[0][:, 0]
    scores = np.r_[-inside, -outside]
    ranks = pd.Series(scores).rank().to_numpy()  # ties share their mean rank
    n1, n2 = len(inside), len(outside)
    auc = float((ranks[:n1].sum() - n1 * (n1 + 1) / 2) / (n1 * n2))
    low, high = auc_interval(auc, min(n1, n2))
    null_spread = float(np.sqrt((n1 + n2 + 1) / (12 * n1 * n2)))  # the AUC's spread with no leak
    return {"auc": auc, "ci": [low, high], "risk": max(0.0, 2 * (auc - 0.5)),
            "risk_ci": [max(0.0, 2 * (low - 0.5)), max(0.0, 2 * (high - 0.5))],
            "p_value": _p_upper((auc - 0.5) / null_spread), "trials": min(n1, n2)}


def attacks(training: pd.DataFrame, control: pd.DataFrame, synthetic: pd.DataFrame,
            kinds: dict[str, Kind], seed: int = 0) -> dict[str, Any] | None:
    """Every attack on one table (or entity frame); frames are prepared (numbers as floats,
    categories as text). None when there are too few control rows or columns to judge."""
    kinds = {c: k for c, k in kinds.items() if c in training and training[c].notna().any()}
    if len(control) < MIN_CONTROL or len(training) < MIN_CONTROL or synthetic.empty or not kinds:
        return None
    rng = np.random.default_rng(seed)
    n = min(MAX_TARGETS, len(control))
    train_targets, control_targets = _targets(training, rng, n), _targets(control, rng, n)
    pool = synthetic  # all the attacker has: every synthetic row read
    reference = pd.concat([training, control], ignore_index=True)
    encoded = [encode(f, kinds, reference) for f in (train_targets, control_targets, pool)]
    found: dict[str, Any] = {
        "singling_out": singling_out(training, control, pool, kinds, rng),
        "linkability": linkability(*encoded, rng),
        "inference": inference(train_targets, control_targets, pool, kinds, reference, rng),
        "membership": membership(*encoded),
    }
    return found | {"risk": measurable(list(found.values())),
                    "rows": {"training": len(training), "control": len(control), "synthetic": len(synthetic),
                             "targets": n}}


ALPHA = 0.05  # the chance that a measurable risk of a whole audit is noise


def measurable(results: list[dict[str, Any] | None], family: int | None = None) -> float:
    """The highest risk that is not noise: its interval excludes 0 and its p-value is below
    ``ALPHA / family`` (``family``: how many risks are judged together, by default these)."""
    judged = [r for r in results if r is not None]
    threshold = ALPHA / max(1, family if family is not None else len(judged))
    return max((r["risk"] for r in judged if _low(r) > 0 and r.get("p_value", 0.0) < threshold),
               default=0.0)


def attack_results(attacked: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every single attack's result in an audit's ``attacks`` block (per table and entity)."""
    if not attacked:
        return []
    frames = [a for a in attacked["tables"].values() if a] + ([attacked["entity"]] if attacked.get("entity") else [])
    return [r for frame in frames for name, r in frame.items()
            if name in ("singling_out", "linkability", "inference", "membership") and r is not None]


def _low(result: dict[str, Any]) -> float:
    """The lower end of a risk's interval (membership carries its AUC's interval as ``ci``)."""
    return float(result["risk_ci"][0] if "risk_ci" in result else result["ci"][0])
