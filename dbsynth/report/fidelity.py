"""Fidelity: how closely the synthetic tables follow the real ones, on a 0–1 scale.

The four properties and their metrics follow SDMetrics' multi-table ``QualityReport`` (its
definitions, thresholds and pooling), computed here with numpy/scipy so the numbers compare
with SDV's without depending on it:

- **column shapes**: KS complement (numbers, datetimes) or total-variation complement
  (categories), NULLs left out;
- **column pair trends**: Pearson correlation similarity ``1 - |r_real - r_syn| / 2`` for two
  continuous columns, contingency similarity (1 - total variation of the joint frequencies)
  otherwise, a continuous column then cut into 10 histogram bins; a pair counts only where the
  real data shows a relation (|r| > 0.5, Cramér's V > 0.3);
- **cardinality**: KS complement of the per-parent child counts, per foreign key;
- **inter-table trends**: column pair trends between a parent's and its child's columns on the
  child rows joined to their parent.

Each property is the mean of its items over all tables; ``overall`` is the mean of the four.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp
from scipy.stats.contingency import association

from dbsynth.schema.model import ForeignKey, Schema, Table
from dbsynth.schema.naming import is_place_name, pii_kind

REAL_CORRELATION_THRESHOLD = 0.5
REAL_ASSOCIATION_THRESHOLD = 0.3
FREE_TEXT_MIN_VALUES = 50
FREE_TEXT_DISTINCT_SHARE = 0.5
HISTOGRAM_BINS = 10

Kind = str  # "numerical" | "datetime" | "categorical"


@dataclass(frozen=True)
class Scored:
    """What is scored: per table, the columns and their kind (keys and personal data left out)."""

    kinds: dict[str, dict[str, Kind]]
    skipped: dict[str, dict[str, str]]  # table -> column -> why it is not scored


def scored_columns(schema: Schema, real: dict[str, pd.DataFrame]) -> Scored:
    """Numbers, datetimes and categories are scored; keys, personal data and free text not."""
    kinds: dict[str, dict[str, Kind]] = {}
    skipped: dict[str, dict[str, str]] = {}
    for table in schema.tables:
        keys = set(table.primary_key.columns if table.primary_key else ())
        keys |= {c for fk in table.foreign_keys for c in fk.columns}
        keys |= {c for u in table.uniques for c in u.columns if len(u.columns) == 1}
        kinds[table.name], skipped[table.name] = {}, {}
        for column in table.columns:
            why = _not_scored(table, column.name, keys, real.get(table.name))
            if why:
                skipped[table.name][column.name] = why
            else:
                kinds[table.name][column.name] = _kind(column.type.is_numeric, column.type.name)
    return Scored(kinds, skipped)


def _kind(numeric: bool, type_name: str) -> Kind:
    if numeric:
        return "numerical"
    if type_name in ("date", "timestamp", "timestamptz"):
        return "datetime"
    return "categorical"


def _not_scored(table: Table, name: str, keys: set[str], frame: pd.DataFrame | None) -> str | None:
    column = table.column(name)
    if name in keys:
        return "key"
    if frame is not None and not frame[name].notna().any():
        return "no values"
    if column.kind in ("skip", "text") or (column.kind or "").startswith("pii:"):
        return f"kind {column.kind}"
    t = column.type
    if not (t.is_numeric or t.is_string or t.name in ("boolean", "enum", "date", "timestamp", "timestamptz")):
        return f"type {t.native or t.name}"
    if t.is_string and column.kind != "categorical":
        if pii_kind(name):
            return f"personal ({pii_kind(name)})"
        if frame is not None and not is_place_name(name) and _free_text(frame[name]):
            return "free text"
    return None


def _free_text(values: pd.Series) -> bool:
    present = values.dropna()
    return len(present) >= FREE_TEXT_MIN_VALUES and present.nunique() / len(present) > FREE_TEXT_DISTINCT_SHARE


# ----------------------------------------------------------------------- conversions
def as_numbers(values: pd.Series, kind: Kind) -> pd.Series:
    """Numbers as float, datetimes as int64 nanoseconds (NaN for NULL)."""
    if kind == "datetime":
        stamps = pd.to_datetime(values, errors="coerce", utc=True)
        out = pd.Series(np.nan, index=values.index)
        known = stamps.notna()
        # float microseconds: one unit for both sides, and room for 9999-12-31 sentinels
        out[known] = stamps[known].dt.as_unit("us").astype("int64").astype(float)
        return out
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    return numbers.where(np.isfinite(numbers), np.nan)  # ±inf cannot be binned or ranked


def as_categories(values: pd.Series) -> pd.Series:
    """Categories as strings (NULL stays NULL) so values of either database compare equal."""
    out = values.astype(object)
    return out.where(out.isna(), out.astype(str))


def prepared(frame: pd.DataFrame, kinds: dict[str, Kind]) -> pd.DataFrame:
    return pd.DataFrame({c: as_numbers(frame[c], k) if k != "categorical" else as_categories(frame[c])
                         for c, k in kinds.items()}, index=frame.index)


# --------------------------------------------------------------------------- metrics
def ks_complement(real: pd.Series, synthetic: pd.Series) -> float:
    r, s = real.dropna(), synthetic.dropna()
    if r.empty or s.empty:
        return float("nan")
    with warnings.catch_warnings():  # "exact calculation unsuccessful": asymptotic is fine
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(1 - ks_2samp(r.to_numpy(float), s.to_numpy(float)).statistic)


def tv_complement(real: pd.Series, synthetic: pd.Series) -> float:
    r, s = real.dropna(), synthetic.dropna()
    if r.empty or s.empty:
        return float("nan")
    fr, fs = r.value_counts(normalize=True), s.value_counts(normalize=True)
    fr, fs = fr.align(fs, fill_value=0.0)
    return float(1 - 0.5 * (fr - fs).abs().sum())


def correlation_similarity(real: pd.DataFrame, synthetic: pd.DataFrame) -> dict[str, float]:
    """Pearson r of two continuous columns, real and synthetic, and their similarity."""
    r, s = real.dropna(), synthetic.dropna()
    nan = float("nan")
    if len(r) < 2 or r.iloc[:, 0].nunique() < 2 or r.iloc[:, 1].nunique() < 2:
        return {"score": nan, "real": nan, "synthetic": nan, "meets": False}
    r_real = float(np.corrcoef(r.iloc[:, 0], r.iloc[:, 1])[0, 1])
    if abs(r_real) <= REAL_CORRELATION_THRESHOLD:
        return {"score": nan, "real": r_real, "synthetic": nan, "meets": False}
    with np.errstate(invalid="ignore", divide="ignore"):
        r_syn = float(np.corrcoef(s.iloc[:, 0], s.iloc[:, 1])[0, 1]) if len(s) > 1 else nan
    score = nan if np.isnan(r_syn) else 1 - abs(r_real - r_syn) / 2
    return {"score": score, "real": r_real, "synthetic": r_syn, "meets": not np.isnan(score)}


def contingency_similarity(real: pd.DataFrame, synthetic: pd.DataFrame) -> dict[str, float]:
    """1 - total variation between the joint frequencies (NULL is a value), where the real
    pair shows an association (Cramér's V) above the threshold."""
    nan = float("nan")
    cols = list(real.columns)
    counts = real.groupby(cols, dropna=False).size()
    table = counts.unstack(fill_value=0)
    if table.to_numpy().sum() == 0 or min(table.shape) < 2:
        return {"score": nan, "association": nan, "meets": False}
    v = float(association(table.to_numpy(), method="cramer"))
    if v <= REAL_ASSOCIATION_THRESHOLD:
        return {"score": nan, "association": v, "meets": False}
    fr = counts / len(real)
    fs = synthetic.groupby(cols, dropna=False).size() / max(1, len(synthetic))
    fr, fs = fr.align(fs, fill_value=0.0)
    return {"score": float(1 - 0.5 * (fr - fs).abs().sum()), "association": v, "meets": True}


def histogram_edges(values: np.ndarray, bins: int) -> np.ndarray:
    """numpy's equal-width edges; a constant far from 0 (a 9999-12-31 sentinel in µs), where
    numpy cannot widen the range by ±0.5, gets one bin around it."""
    try:
        return np.histogram_bin_edges(values, bins=bins)
    except ValueError:
        v = float(values[0])
        pad = max(abs(v) * 1e-9, 1.0)
        return np.array([v - pad, v + pad])


def _bins(values: pd.Series) -> pd.Series:
    """Histogram bin index of each value (edges from the values themselves, as SDMetrics)."""
    present = values.dropna()
    if present.empty:
        return values
    edges = histogram_edges(present.to_numpy(float), HISTOGRAM_BINS)
    out = pd.Series(np.digitize(values.to_numpy(float), edges), index=values.index, dtype=float)
    return out.where(values.notna(), np.nan)


def pair_trend(real: pd.DataFrame, synthetic: pd.DataFrame, a: str, b: str,
               kinds: dict[str, Kind]) -> dict[str, Any]:
    """The column pair trend of ``a`` and ``b`` (already prepared frames)."""
    continuous = [kinds[a] != "categorical", kinds[b] != "categorical"]
    if all(continuous):
        result = correlation_similarity(real[[a, b]], synthetic[[a, b]])
        return {"columns": [a, b], "metric": "CorrelationSimilarity", **result}
    r, s = real[[a, b]].copy(), synthetic[[a, b]].copy()
    for name, is_continuous in zip((a, b), continuous):
        if is_continuous:
            r[name], s[name] = _bins(r[name]), _bins(s[name])
    result = contingency_similarity(r, s)
    return {"columns": [a, b], "metric": "ContingencySimilarity", **result}


# ------------------------------------------------------------------------ properties
def column_shapes(real: pd.DataFrame, synthetic: pd.DataFrame,
                  kinds: dict[str, Kind]) -> dict[str, dict[str, Any]]:
    out = {}
    for name, kind in kinds.items():
        if kind == "categorical":
            out[name] = {"metric": "TVComplement", "score": tv_complement(real[name], synthetic[name])}
        else:
            out[name] = {"metric": "KSComplement", "score": ks_complement(real[name], synthetic[name])}
    return out


def column_pair_trends(real: pd.DataFrame, synthetic: pd.DataFrame,
                       kinds: dict[str, Kind]) -> list[dict[str, Any]]:
    return [pair_trend(real, synthetic, a, b, kinds) for a, b in itertools.combinations(kinds, 2)]


def key_text(values: pd.Series) -> pd.Series:
    """Key values as text that compares equal across sides: a nullable integer column read as
    floats (1.0) still matches its parent's integers (1); NULL stays NULL."""
    numbers = pd.to_numeric(values, errors="coerce")
    if values.notna().any() and numbers[values.notna()].notna().all() and \
            (numbers.dropna() == np.floor(numbers.dropna())).all():
        return numbers.astype("Int64").astype(str).where(values.notna(), None)
    return values.astype(object).where(values.isna(), values.astype(str))


def child_counts(parent: pd.DataFrame, child: pd.DataFrame, fk: ForeignKey) -> np.ndarray:
    """Children of every parent row (0 for childless parents)."""
    keys = pd.DataFrame({c: key_text(child[c]) for c in fk.columns}).dropna()
    counts = keys.value_counts()
    parent_keys = pd.DataFrame({c: key_text(parent[c]) for c in fk.ref_columns})
    index = pd.MultiIndex.from_frame(parent_keys) if len(fk.columns) > 1 else parent_keys.iloc[:, 0]
    if len(fk.columns) == 1:
        counts.index = counts.index.get_level_values(0)
    return counts.reindex(index, fill_value=0).to_numpy(float)


def cardinality(real: dict[str, pd.DataFrame], synthetic: dict[str, pd.DataFrame],
                child: str, fk: ForeignKey,
                counts: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, Any]:
    """KS complement of children per parent; ``counts`` (real, synthetic) when they were
    counted over whole tables, else they are counted in the frames."""
    r, s = counts or (child_counts(real[fk.ref_table], real[child], fk),
                      child_counts(synthetic[fk.ref_table], synthetic[child], fk))
    score = ks_complement(pd.Series(r), pd.Series(s))
    return {"score": score, "child_counts": count_shares(r, s)}


def count_shares(real: np.ndarray, synthetic: np.ndarray, top: int = 30) -> dict[str, list[Any]]:
    """Share of parents with 0, 1, … children (counts above ``top`` pooled), for plots."""
    highest = int(max(real.max(initial=0), synthetic.max(initial=0)))
    values: list[Any] = list(range(min(highest, top) + 1))

    def shares(counts: np.ndarray) -> list[float]:
        if not len(counts):
            return [0.0] * (len(values) + (highest > top))
        out = [float(np.mean(counts == v)) for v in values]
        return out + ([float(np.mean(counts > top))] if highest > top else [])

    return {"values": values + ([f">{top}"] if highest > top else []),
            "real": shares(real), "synthetic": shares(synthetic)}


def intertable_trends(real: dict[str, pd.DataFrame], synthetic: dict[str, pd.DataFrame],
                      child: str, fk: ForeignKey, scored: Scored) -> list[dict[str, Any]]:
    """Pair trends between the parent's and the child's scored columns, on joined rows."""
    parent_kinds, child_kinds = scored.kinds[fk.ref_table], scored.kinds[child]
    if not parent_kinds or not child_kinds:
        return []
    kinds = {f"{fk.ref_table}.{c}": k for c, k in parent_kinds.items()}
    kinds |= {f"{child}.{c}": k for c, k in child_kinds.items()}
    joined = [_joined(frames, child, fk, parent_kinds, child_kinds) for frames in (real, synthetic)]
    return [pair_trend(joined[0], joined[1], a, b, kinds)
            for a in (f"{fk.ref_table}.{c}" for c in parent_kinds)
            for b in (f"{child}.{c}" for c in child_kinds)]


def _joined(frames: dict[str, pd.DataFrame], child: str, fk: ForeignKey,
            parent_kinds: dict[str, Kind], child_kinds: dict[str, Kind]) -> pd.DataFrame:
    kid = frames[child][list(fk.columns) + list(child_kinds)].copy()
    dad = frames[fk.ref_table][list(fk.ref_columns) + [c for c in parent_kinds if c not in fk.ref_columns]].copy()
    for c, r in zip(fk.columns, fk.ref_columns):
        kid[c], dad[r] = key_text(kid[c]), key_text(dad[r])
    left = prepared(kid, child_kinds).add_prefix(f"{child}.")
    right = prepared(dad, parent_kinds).add_prefix(f"{fk.ref_table}.")
    left[list(fk.columns)] = kid[list(fk.columns)]
    right[list(fk.columns)] = dad[list(fk.ref_columns)].to_numpy()
    return left.merge(right, on=list(fk.columns)).drop(columns=list(fk.columns))


def _mean(scores: list[float]) -> float:
    kept = [s for s in scores if s is not None and not np.isnan(s)]
    return float(np.mean(kept)) if kept else float("nan")


def fidelity(schema: Schema, real: dict[str, pd.DataFrame], synthetic: dict[str, pd.DataFrame],
             scored: Scored | None = None,
             counts: dict[tuple[str, tuple[str, ...]], tuple[np.ndarray, np.ndarray]] | None = None,
             ) -> dict[str, Any]:
    """All four properties, per table and per relationship, and their pooled means.
    ``counts``: children per parent over whole tables (see :func:`cardinality`)."""
    scored = scored or scored_columns(schema, real)
    tables: dict[str, Any] = {}
    shapes, pairs, cards, inter = [], [], [], []
    for table in schema.tables:
        kinds = scored.kinds[table.name]
        r, s = prepared(real[table.name], kinds), prepared(synthetic[table.name], kinds)
        table_shapes = column_shapes(r, s, kinds)
        table_pairs = column_pair_trends(r, s, kinds)
        tables[table.name] = {"column_shapes": table_shapes, "column_pair_trends": table_pairs}
        shapes += [v["score"] for v in table_shapes.values()]
        pairs += [p["score"] for p in table_pairs if p["meets"]]
    relationships = []
    for table in schema.tables:
        for fk in table.foreign_keys:
            if fk.ref_table == table.name or fk.ref_table not in tables:
                continue
            card = cardinality(real, synthetic, table.name, fk, (counts or {}).get((table.name, fk.columns)))
            trends = intertable_trends(real, synthetic, table.name, fk, scored)
            relationships.append({"child": table.name, "columns": list(fk.columns), "parent": fk.ref_table,
                                  "cardinality": card["score"], "child_counts": card["child_counts"],
                                  "intertable_trends": trends})
            cards.append(card["score"])
            inter += [p["score"] for p in trends if p["meets"]]
    properties = {"column_shapes": _mean(shapes), "column_pair_trends": _mean(pairs),
                  "cardinality": _mean(cards), "intertable_trends": _mean(inter)}
    overall = _mean(list(properties.values()))
    return {"overall": overall, **properties, "tables": tables, "relationships": relationships}
