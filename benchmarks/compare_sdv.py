"""Measure dbsynth against SDV on the same machine, in the same run.

Run:
    python benchmarks/compare_sdv.py [--chinook URL] [--out results.json]

Databases: the built-in hospital demo (always; built into a temporary DuckDB file) and, when
``--chinook URL`` is given, Chinook read from that URL (read only: nothing is written to it).

Tools: dbsynth with its ``cart`` engine, dbsynth with its ``copula`` engine, and SDV. SDV gets
``HMASynthesizer`` on the whole database; where SDV refuses the schema (its messages are kept),
it gets what an SDV Community user is left with: one ``GaussianCopulaSynthesizer`` per table,
each foreign key drawn uniformly at random from the synthetic parent's keys.

Each tool runs in its own child process (this same script with the internal ``--only TOOL``
flag) so that its peak memory is its own; the child pickles the synthetic frames into a
temporary folder and the parent scores them against the real rows:

* SDMetrics' multi-table ``QualityReport``: overall score and its four properties.
* Classifier two-sample test (C2ST): 5-fold cross-validated ROC AUC of a
  ``HistGradientBoostingClassifier`` telling real rows from synthetic rows, per table and on
  parent rows enriched with per-parent child counts and child numeric means, per foreign key.
  0.5 means indistinguishable, 1.0 means trivially told apart.
* Seconds to read, fit (train = read + fit) and generate; peak resident memory of the child.
* Referential integrity of the synthetic frames: orphan foreign keys and duplicate keys.

Personal and free-text columns are left out of every score, for every tool alike (they are
listed in the output). The script needs ``sdv``, ``sdmetrics`` and ``scikit-learn`` besides
dbsynth; it is not part of the test suite.
"""

from __future__ import annotations

import argparse
import decimal
import json
import math
import os
import pickle
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dbsynth.connectors.registry import connect
from dbsynth.schema.graph import build_plan
from dbsynth.schema.model import Schema

TOOLS: tuple[str, ...] = ("dbsynth-cart", "dbsynth-copula", "sdv")
DBSYNTH_ENGINES: dict[str, str] = {"dbsynth-cart": "cart", "dbsynth-copula": "copula"}

#: Column names treated as personal or free text (matched on the lower-cased name).
PERSONAL_NAME = re.compile(
    r"^(name|title|company|composer)$|(^|_)(first|last|full|middle)_?name$"
    r"|e_?mail|phone|fax|address|postal_?code|(^|_)zip(_?code)?$"
)
#: A string column with at least this many values, most of them distinct, is free text.
FREE_TEXT_MIN_VALUES = 50
FREE_TEXT_DISTINCT_RATIO = 0.5

C2ST_FOLDS = 5
C2ST_MIN_ROWS = 100  # smaller samples give a noisy AUC (even < 0.5): shown, not averaged
#: Cross-validated AUCs this far below 0.5 are anti-learning on a fixed finite sample (e.g.
#: real values on a regular grid against continuous synthetic ones), not "better than real".
C2ST_BELOW_CHANCE = 0.45

NUMERIC_TYPES = frozenset({"smallint", "integer", "bigint", "numeric", "real", "double"})
DATETIME_TYPES = frozenset({"date", "timestamp", "timestamptz"})
STRING_TYPES = frozenset({"text", "varchar", "char", "enum"})


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Relationship:
    """One foreign key: ``child(child_columns) -> parent(parent_columns)``."""

    parent: str
    parent_columns: tuple[str, ...]
    child: str
    child_columns: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.parent}<-{self.child}({','.join(self.child_columns)})"

    @property
    def simple(self) -> bool:
        """Single-column keys: the only kind SDV and SDMetrics relationships take here."""
        return len(self.child_columns) == 1


@dataclass
class Layout:
    """How every column is treated, derived once from dbsynth's schema and the real rows.

    ``sdtypes`` gives the SDV sdtype of each column a tool fits (keys are ``id``);
    ``metric_columns`` are the non-key columns scored; ``dropped`` says why the others are not.
    """

    order: tuple[str, ...]
    primary_keys: dict[str, tuple[str, ...]]
    relationships: list[Relationship]
    sdtypes: dict[str, dict[str, str]]
    metric_columns: dict[str, list[str]]
    dropped: dict[str, dict[str, str]] = field(default_factory=dict)

    def key_columns(self, table: str) -> set[str]:
        """Primary-key and foreign-key columns of ``table``."""
        keys = set(self.primary_keys.get(table, ()))
        for rel in self.relationships:
            if rel.child == table:
                keys.update(rel.child_columns)
        return keys

    def children_of(self, table: str) -> list[Relationship]:
        return [rel for rel in self.relationships if rel.parent == table]


def _sdtype(type_name: str) -> str | None:
    """SDV sdtype for a dbsynth type name, or None when no tool here scores such a column."""
    if type_name in NUMERIC_TYPES:
        return "numerical"
    if type_name in DATETIME_TYPES:
        return "datetime"
    if type_name == "boolean":
        return "boolean"
    if type_name in STRING_TYPES:
        return "categorical"
    return None


def _drop_reason(name: str, sdtype: str, values: pd.Series) -> str | None:
    """Why a non-key column is left out of the scores, or None to score it."""
    if PERSONAL_NAME.search(name.lower()):
        return "personal/free text (by name)"
    if sdtype == "categorical":
        present = values.dropna()
        if (len(present) >= FREE_TEXT_MIN_VALUES
                and present.nunique() > FREE_TEXT_DISTINCT_RATIO * len(present)):
            return "free text (mostly distinct values)"
    return None


def make_layout(schema: Schema, frames: dict[str, pd.DataFrame]) -> Layout:
    """Derive keys, relationships, sdtypes and the scored columns from the schema."""
    primary_keys = {t.name: tuple(t.primary_key.columns) for t in schema.tables if t.primary_key}
    relationships = [Relationship(fk.ref_table, tuple(fk.ref_columns), t.name, tuple(fk.columns))
                     for t in schema.tables for fk in t.foreign_keys
                     if fk.ref_table in schema.table_names]
    layout = Layout(build_plan(schema).order, primary_keys, relationships, {}, {}, {})
    for table in schema.tables:
        keys = layout.key_columns(table.name)
        sdtypes: dict[str, str] = {}
        scored: list[str] = []
        dropped: dict[str, str] = {}
        for column in table.columns:
            if column.generated is not None:
                continue
            if column.name in keys:
                sdtypes[column.name] = "id"
                continue
            sdtype = _sdtype(column.type.name)
            if sdtype is None:
                dropped[column.name] = f"type {column.type.name} not compared"
                continue
            sdtypes[column.name] = sdtype
            reason = _drop_reason(column.name, sdtype, frames[table.name][column.name])
            if reason:
                dropped[column.name] = reason
            else:
                scored.append(column.name)
        layout.sdtypes[table.name] = sdtypes
        layout.metric_columns[table.name] = scored
        if dropped:
            layout.dropped[table.name] = dropped
    return layout


# --------------------------------------------------------------------------- frames


def read_source(url: str) -> tuple[Schema, dict[str, pd.DataFrame]]:
    """Read the schema and every row of the source (the same reads ``pipeline.train`` does)."""
    source = connect(url, role="source")
    try:
        schema = source.introspect()
        frames = {name: source.read_table(schema.table(name), limit=None, seed=0)
                  for name in build_plan(schema).order}
    finally:
        source.close()
    return schema, frames


def _to_float(value: Any) -> float:
    """Decimal/number to float, anything missing to NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError, decimal.InvalidOperation):
        return math.nan


def _key_values(series: pd.Series) -> pd.Series:
    """Key values in one comparable form: integers where they are whole numbers, else text."""
    numeric = pd.to_numeric(series, errors="coerce")
    if numeric.notna().sum() == series.notna().sum():
        whole = numeric.dropna()
        if (whole == whole.round()).all():
            return numeric.astype("Int64")
        return numeric
    return series.astype("string")


def normalize(frame: pd.DataFrame, sdtypes: dict[str, str]) -> pd.DataFrame:
    """The columns in ``sdtypes`` with one dtype per sdtype, as SDV and the metrics expect.

    Decimals become floats, dates and timestamps naive ``datetime64``, categories text.
    """
    out = pd.DataFrame(index=range(len(frame)))
    for name, sdtype in sdtypes.items():
        if name not in frame.columns:
            continue
        values = frame[name].reset_index(drop=True)
        if sdtype == "id":
            keys = _key_values(values)
            if str(keys.dtype) == "Int64":  # plain numpy dtypes: what SDV and SDMetrics expect
                keys = keys.astype("float64") if keys.isna().any() else keys.astype("int64")
            out[name] = keys
        elif sdtype == "numerical":
            if values.dtype == object:
                values = values.map(_to_float)
            out[name] = pd.to_numeric(values, errors="coerce")
        elif sdtype == "datetime":
            stamps = pd.to_datetime(values, errors="coerce", utc=isinstance(
                values.dtype, pd.DatetimeTZDtype))
            if isinstance(stamps.dtype, pd.DatetimeTZDtype):
                stamps = stamps.dt.tz_convert(None)
            out[name] = stamps.astype("datetime64[ns]")
        elif sdtype == "boolean":
            out[name] = values.astype("boolean").astype(object).where(values.notna(), None)
        else:
            out[name] = values.astype(object).where(values.notna(), None).map(
                lambda v: v if v is None else str(v))
    return out


def normalize_all(frames: dict[str, pd.DataFrame], layout: Layout) -> dict[str, pd.DataFrame]:
    """:func:`normalize` every table of ``frames``."""
    return {name: normalize(frames[name], layout.sdtypes[name]) for name in layout.order}


# --------------------------------------------------------------------------- workers


def _rss_mb() -> float:
    """Peak resident set size of this process image so far, in MiB.

    Linux's ``VmHWM`` starts afresh at exec; ``ru_maxrss`` does not (a child started from a
    big parent inherits the parent's peak), so it is only the fallback off Linux.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def run_dbsynth(url: str, engine: str, seed: int) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Train dbsynth on ``url`` with ``engine`` and sample one database at scale 1."""
    from dbsynth import pipeline

    baseline = _rss_mb()
    started = time.perf_counter()
    trained = pipeline.train(url, sample_rows=None, seed=seed, engine=engine)
    train_seconds = time.perf_counter() - started
    started = time.perf_counter()
    synthetic = trained.model.sample(build_plan(trained.model.schema), scale=1.0, seed=seed)
    generate_seconds = time.perf_counter() - started
    info = {
        "model": f"dbsynth {engine}",
        "seconds": {"read": trained.seconds.get("read"), "fit": trained.seconds.get("fit"),
                    "train": train_seconds, "generate": generate_seconds},
        "rss_mb": {"baseline": baseline, "peak": _rss_mb()},
    }
    return synthetic, info


def _sdv_metadata_dict(layout: Layout, tables: list[str], composite_pk: bool) -> dict[str, Any]:
    """SDV metadata (``Metadata.to_dict`` form) for ``tables``, without relationships.

    With ``composite_pk`` a multi-column primary key is declared as a list (SDV refuses it
    later, in its own words); without, such a table gets no primary key.
    """
    out: dict[str, Any] = {"tables": {}, "relationships": [], "METADATA_SPEC_VERSION": "V1"}
    for name in tables:
        table: dict[str, Any] = {"columns": {c: {"sdtype": s}
                                             for c, s in layout.sdtypes[name].items()}}
        pk = layout.primary_keys.get(name, ())
        if len(pk) == 1:
            table["primary_key"] = pk[0]
        elif pk and composite_pk:
            table["primary_key"] = list(pk)
        out["tables"][name] = table
    return out


def _first_line(exc: BaseException) -> str:
    """An exception's message, first paragraph, on one line."""
    text = str(exc).strip().split("\n\n")[0].replace("\n", " ")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _fit_hma(layout: Layout, data: dict[str, pd.DataFrame],
             refusals: list[dict[str, str]]) -> Any | None:
    """Build SDV metadata like a user would and fit HMA; None (and ``refusals``) if SDV refuses.

    Relationships SDV's metadata rejects are skipped and recorded, as a user would have to.
    """
    from sdv.metadata import Metadata
    from sdv.multi_table import HMASynthesizer

    try:
        metadata = Metadata.load_from_dict(_sdv_metadata_dict(layout, list(layout.order), True))
    except Exception as exc:  # noqa: BLE001 - SDV's refusals are data for the report
        refusals.append({"step": "Metadata.load_from_dict", "message": _first_line(exc)})
        return None
    for rel in layout.relationships:
        try:
            key = list(rel.parent_columns) if not rel.simple else rel.parent_columns[0]
            fk = list(rel.child_columns) if not rel.simple else rel.child_columns[0]
            metadata.add_relationship(rel.parent, rel.child, key, fk)
        except Exception as exc:  # noqa: BLE001
            refusals.append({"step": f"add_relationship {rel.label}", "message": _first_line(exc)})
    try:
        synthesizer = HMASynthesizer(metadata, verbose=False)
        synthesizer.fit(data)
    except Exception as exc:  # noqa: BLE001
        refusals.append({"step": "HMASynthesizer", "message": _first_line(exc)})
        return None
    return synthesizer


def _draw_keys(parent_keys: pd.Series, rows: int, null_rate: float,
               rng: np.random.Generator) -> pd.Series:
    """``rows`` foreign-key values drawn uniformly from ``parent_keys``, NULL at ``null_rate``."""
    if len(parent_keys) == 0:
        return pd.Series([None] * rows, dtype=object)
    drawn = pd.Series(rng.choice(parent_keys.to_numpy(), size=rows), dtype=parent_keys.dtype)
    if null_rate > 0:
        drawn = drawn.astype("float64") if drawn.dtype.kind in "iu" else drawn.astype(object)
        drawn[rng.random(rows) < null_rate] = None
    return drawn


def _fit_copula_per_table(layout: Layout, data: dict[str, pd.DataFrame],
                          seed: int) -> tuple[dict[str, pd.DataFrame], float, float]:
    """One GaussianCopulaSynthesizer per table; foreign keys drawn at random afterwards.

    Returns the synthetic frames, the seconds spent fitting and the seconds spent sampling.
    """
    from sdv.metadata import Metadata
    from sdv.single_table import GaussianCopulaSynthesizer

    rng = np.random.default_rng(seed)
    fit_seconds = sample_seconds = 0.0
    synthetic: dict[str, pd.DataFrame] = {}
    for name in layout.order:
        real = data[name]
        fks = {c for rel in layout.relationships if rel.child == name for c in rel.child_columns}
        pk = layout.primary_keys.get(name, ())
        own = [c for c in real.columns if c not in fks or (len(pk) == 1 and c in pk)]
        started = time.perf_counter()
        if [c for c in own if c not in pk]:
            single = _sdv_metadata_dict(layout, [name], False)
            single["tables"][name]["columns"] = {
                c: s for c, s in single["tables"][name]["columns"].items() if c in own}
            if single["tables"][name].get("primary_key") not in own:
                single["tables"][name].pop("primary_key", None)
            synthesizer = GaussianCopulaSynthesizer(Metadata.load_from_dict(single))
            synthesizer.fit({name: real[own]})
            fit_seconds += time.perf_counter() - started
            started = time.perf_counter()
            frame = synthesizer.sample(num_rows=len(real))[name].reset_index(drop=True)
        else:  # nothing but keys: only the row count is left to reproduce
            frame = pd.DataFrame(index=range(len(real)))
            if len(pk) == 1:
                frame[pk[0]] = np.arange(1, len(real) + 1)
        synthetic[name] = frame
        for rel in layout.relationships:  # parents come first in layout.order; self refs too
            if rel.child != name:
                continue
            for child_col, parent_col in zip(rel.child_columns, rel.parent_columns):
                null_rate = float(real[child_col].isna().mean())
                frame[child_col] = _draw_keys(synthetic[rel.parent][parent_col], len(frame),
                                              null_rate, rng)
        synthetic[name] = frame[[c for c in real.columns if c in frame.columns]]
        sample_seconds += time.perf_counter() - started
    return synthetic, fit_seconds, sample_seconds


def run_sdv(url: str, seed: int) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Fit SDV on ``url``: HMA when SDV accepts the schema, else a copula per table."""
    import sdv  # noqa: F401 - imported before the memory baseline, like dbsynth is

    warnings.filterwarnings("ignore")
    baseline = _rss_mb()
    started = time.perf_counter()
    schema, frames = read_source(url)
    layout = make_layout(schema, frames)
    data = normalize_all(frames, layout)
    read_seconds = time.perf_counter() - started
    refusals: list[dict[str, str]] = []
    started = time.perf_counter()
    hma = _fit_hma(layout, data, refusals)
    hma_seconds = time.perf_counter() - started
    if hma is not None:
        started = time.perf_counter()
        synthetic = hma.sample_scale(scale=1.0)  # SDV 2.x: sample(scale=) became sample_scale
        generate_seconds = time.perf_counter() - started
        model, fit_seconds = "HMASynthesizer", hma_seconds
    else:
        synthetic, fit_seconds, generate_seconds = _fit_copula_per_table(layout, data, seed)
        model = "GaussianCopulaSynthesizer per table, random FKs (HMA refused)"
    info = {
        "model": model,
        "sdv_version": sys.modules["sdv"].__version__,
        "refusals": refusals,
        "seconds": {"read": read_seconds, "fit": fit_seconds, "train": read_seconds + fit_seconds,
                    "generate": generate_seconds,
                    "hma_attempt": None if hma is not None else hma_seconds},
        "rss_mb": {"baseline": baseline, "peak": _rss_mb()},
    }
    return synthetic, info


def worker(tool: str, url: str, seed: int, out: Path) -> None:
    """Child-process entry point: run one tool and pickle ``(frames, info)`` to ``out``."""
    warnings.filterwarnings("ignore")
    if tool == "sdv":
        frames, info = run_sdv(url, seed)
    else:
        frames, info = run_dbsynth(url, DBSYNTH_ENGINES[tool], seed)
    with out.open("wb") as handle:
        pickle.dump((frames, info), handle)


def run_tool(tool: str, url: str, seed: int, folder: Path,
             timeout: float | None) -> tuple[dict[str, pd.DataFrame] | None, dict[str, Any]]:
    """Run ``tool`` in a child process; on failure or timeout the frames are None."""
    out = folder / f"{tool}.pickle"
    log = folder / f"{tool}.log"
    command = [sys.executable, str(Path(__file__).resolve()), "--only", tool, "--source", url,
               "--seed", str(seed), "--frames-out", str(out)]
    started = time.perf_counter()
    try:
        with log.open("w") as stderr:
            done = subprocess.run(command, stdout=stderr, stderr=stderr, timeout=timeout,
                                  check=False)
    except subprocess.TimeoutExpired:
        return None, {"status": f"timeout after {timeout:.0f} s", "wall_seconds": timeout}
    wall = time.perf_counter() - started
    if done.returncode != 0 or not out.exists():
        tail = log.read_text(errors="replace").strip().splitlines()[-5:]
        return None, {"status": f"failed (exit {done.returncode})", "log_tail": tail,
                      "wall_seconds": wall}
    with out.open("rb") as handle:
        frames, info = pickle.load(handle)
    info.update(status="ok", wall_seconds=wall)
    return frames, info


# --------------------------------------------------------------------------- scores


def integrity(frames: dict[str, pd.DataFrame], layout: Layout) -> dict[str, Any]:
    """Orphan foreign keys and duplicate (or NULL) primary keys, counted in pandas."""
    orphans: dict[str, int] = {}
    for rel in layout.relationships:
        child = frames[rel.child][list(rel.child_columns)].dropna()
        parent = frames[rel.parent][list(rel.parent_columns)].dropna()
        child_keys = pd.DataFrame({i: _key_values(child[c])
                                   for i, c in enumerate(rel.child_columns)})
        parent_keys = pd.DataFrame({i: _key_values(parent[c])
                                    for i, c in enumerate(rel.parent_columns)}).drop_duplicates()
        merged = child_keys.merge(parent_keys, how="left", indicator=True)
        orphans[rel.label] = int((merged["_merge"] == "left_only").sum())
    duplicates: dict[str, int] = {}
    for table, pk in layout.primary_keys.items():
        keys = frames[table][list(pk)]
        duplicates[table] = int(keys.duplicated().sum() + keys.isna().any(axis=1).sum())
    return {"orphans": sum(orphans.values()), "duplicate_keys": sum(duplicates.values()),
            "orphans_by_fk": {k: v for k, v in orphans.items() if v},
            "duplicates_by_table": {k: v for k, v in duplicates.items() if v},
            "ok": not any(orphans.values()) and not any(duplicates.values())}


def metrics_relationships(layout: Layout) -> list[Relationship]:
    """Relationships SDMetrics can score: single-column keys, no self reference (its Intertable
    Trends property merges a table with itself and then fails on the column names)."""
    return [r for r in layout.relationships if r.simple and r.parent != r.child]


def metrics_metadata(layout: Layout) -> dict[str, Any]:
    """The metadata dict SDMetrics expects, over keys and scored columns only."""
    tables: dict[str, Any] = {}
    for name in layout.order:
        columns = {c: {"sdtype": "id"} for c in layout.sdtypes[name]
                   if layout.sdtypes[name][c] == "id"}
        columns.update({c: {"sdtype": layout.sdtypes[name][c]}
                        for c in layout.metric_columns[name]})
        table: dict[str, Any] = {"columns": columns}
        pk = layout.primary_keys.get(name, ())
        if len(pk) == 1:
            table["primary_key"] = pk[0]
        tables[name] = table
    relationships = [{"parent_table_name": r.parent, "parent_primary_key": r.parent_columns[0],
                      "child_table_name": r.child, "child_foreign_key": r.child_columns[0]}
                     for r in metrics_relationships(layout)]
    return {"tables": tables, "relationships": relationships}


def quality_report(real: dict[str, pd.DataFrame], synthetic: dict[str, pd.DataFrame],
                   layout: Layout) -> dict[str, Any]:
    """SDMetrics multi-table QualityReport: overall score and the score of each property."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the multi_table module warns it is deprecated
        from sdmetrics.reports.multi_table import QualityReport

        metadata = metrics_metadata(layout)
        keep = {t: list(m["columns"]) for t, m in metadata["tables"].items()}
        report = QualityReport()
        try:
            report.generate({t: real[t][c] for t, c in keep.items()},
                            {t: synthetic[t][c] for t, c in keep.items()}, metadata,
                            verbose=False)
        except Exception as exc:  # noqa: BLE001 - a failed report is a result, not a crash
            return {"overall": None, "error": _first_line(exc)}
        properties = report.get_properties()
    return {"overall": _num(report.get_score()),
            **{row["Property"]: _num(row["Score"]) for _, row in properties.iterrows()}}


def _features(frame: pd.DataFrame) -> pd.DataFrame:
    """Numeric features for the classifier: categories as ordinal codes, datetimes as int64."""
    out = pd.DataFrame(index=frame.index)
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_datetime64_any_dtype(values):
            out[name] = values.astype("int64").where(values.notna()).astype("float64")
        elif pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            out[name] = pd.to_numeric(values, errors="coerce").astype("float64")
        else:
            codes, _ = pd.factorize(values.astype("string"), sort=True)
            out[name] = np.where(codes < 0, np.nan, codes)
    return out


def c2st(real: pd.DataFrame, synthetic: pd.DataFrame, max_rows: int, seed: int) -> dict[str, Any]:
    """Cross-validated ROC AUC of a classifier telling ``real`` rows from ``synthetic`` rows."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from threadpoolctl import threadpool_limits

    n = min(len(real), len(synthetic), max_rows)
    if real.shape[1] == 0:
        return {"auc": None, "n": n, "note": "no scored columns"}
    if n < C2ST_FOLDS:
        return {"auc": None, "n": n, "note": "too few rows"}
    both = pd.concat([real.sample(n, random_state=seed), synthetic.sample(n, random_state=seed)],
                     ignore_index=True)
    features = _features(both[list(real.columns)])
    labels = np.r_[np.zeros(n), np.ones(n)]
    folds = StratifiedKFold(C2ST_FOLDS, shuffle=True, random_state=seed)
    with threadpool_limits(1):  # OpenMP threads spin badly on shared cores; one is faster
        scores = cross_val_score(HistGradientBoostingClassifier(random_state=seed), features,
                                 labels, cv=folds, scoring="roc_auc")
    return {"auc": float(np.mean(scores)), "n": n,
            "note": "" if n >= C2ST_MIN_ROWS else f"n<{C2ST_MIN_ROWS}, not averaged"}


def enrich(frames: dict[str, pd.DataFrame], layout: Layout, rel: Relationship) -> pd.DataFrame:
    """Parent rows (scored columns) plus, per parent, its child row count and child means."""
    parent_key = rel.parent_columns[0]
    parent = frames[rel.parent]
    keys = _key_values(parent[parent_key])
    out = parent[layout.metric_columns[rel.parent]].reset_index(drop=True)
    child = frames[rel.child].copy()
    child["__key"] = _key_values(child[rel.child_columns[0]])
    groups = child.dropna(subset=["__key"]).groupby("__key")
    out["child_count"] = keys.map(groups.size()).fillna(0).to_numpy()
    numeric = [c for c in layout.metric_columns[rel.child]
               if layout.sdtypes[rel.child][c] == "numerical"]
    for column in numeric:
        out[f"child_mean_{column}"] = keys.map(groups[column].mean()).to_numpy(dtype="float64")
    return out


def _mean(results: dict[str, dict[str, Any]]) -> float | None:
    """Mean AUC over the results with enough rows."""
    aucs = [r["auc"] for r in results.values() if r["auc"] is not None and not r["note"]]
    return float(np.mean(aucs)) if aucs else None


def score(real: dict[str, pd.DataFrame], synthetic: dict[str, pd.DataFrame], layout: Layout,
          max_rows: int, seed: int) -> dict[str, Any]:
    """Every score of one synthetic database against the real one (both normalized)."""
    tables = {name: c2st(real[name][layout.metric_columns[name]],
                         synthetic[name][layout.metric_columns[name]], max_rows, seed)
              for name in layout.order}
    edges = {rel.label: c2st(enrich(real, layout, rel), enrich(synthetic, layout, rel),
                             max_rows, seed)
             for rel in layout.relationships if rel.simple}
    return {
        "quality": quality_report(real, synthetic, layout),
        "c2st_tables": tables, "c2st_tables_mean": _mean(tables),
        "c2st_parent_child": edges, "c2st_parent_child_mean": _mean(edges),
        "rows": {name: len(synthetic[name]) for name in layout.order},
    }


def _num(value: Any) -> float | None:
    """A JSON-safe float (NaN becomes None)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


# --------------------------------------------------------------------------- report


def benchmark_database(label: str, url: str, tools: list[str], args: argparse.Namespace,
                       folder: Path) -> dict[str, Any]:
    """Run every tool on one database and score each against the real rows."""
    print(f"[{label}] reading {url}", file=sys.stderr, flush=True)
    schema, frames = read_source(url)
    layout = make_layout(schema, frames)
    real = normalize_all(frames, layout)
    result: dict[str, Any] = {
        "url": url, "tables": len(schema.tables),
        "real_rows": {name: len(frames[name]) for name in layout.order},
        "dropped_columns": layout.dropped,
        "sdmetrics_relationships_left_out": [r.label for r in layout.relationships
                                             if r not in metrics_relationships(layout)],
        "real_integrity": integrity(real, layout),
        "tools": {},
    }
    for tool in tools:
        print(f"[{label}] {tool}: train + generate", file=sys.stderr, flush=True)
        timeout = args.sdv_timeout if tool == "sdv" else args.timeout
        work = folder / label
        work.mkdir(exist_ok=True)
        synthetic, info = run_tool(tool, url, args.seed, work, timeout)
        if synthetic is not None:
            print(f"[{label}] {tool}: scoring", file=sys.stderr, flush=True)
            synthetic = normalize_all(synthetic, layout)
            info["integrity"] = integrity(synthetic, layout)
            info.update(score(real, synthetic, layout, args.max_rows, args.seed))
        result["tools"][tool] = info
    return result


def _fmt(value: Any, digits: int = 3) -> str:
    """A table cell."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def render(results: dict[str, Any]) -> str:
    """The results as plain-text tables, one per database."""
    lines: list[str] = []
    for label, db in results["databases"].items():
        tools = list(db["tools"])
        infos = [db["tools"][t] for t in tools]
        rows: list[tuple[str, list[str]]] = []

        def add(name: str, getter: Any, digits: int = 3) -> None:
            cells = []
            for info in infos:
                try:
                    cells.append(_fmt(getter(info), digits))
                except (KeyError, TypeError):
                    cells.append("-")
            rows.append((name, cells))

        add("status", lambda i: i["status"])
        add("quality: overall", lambda i: i["quality"]["overall"])
        for prop in ("Column Shapes", "Column Pair Trends", "Cardinality", "Intertable Trends"):
            add(f"  {prop}", lambda i, p=prop: i["quality"][p])
        add("C2ST AUC: table mean", lambda i: i["c2st_tables_mean"])
        for table in db["real_rows"]:
            add(f"  {table}", lambda i, t=table: _auc_cell(i["c2st_tables"][t]))
        add("C2ST AUC: parent+child mean", lambda i: i["c2st_parent_child_mean"])
        edges = dict.fromkeys(e for i in infos for e in i.get("c2st_parent_child") or {})
        for edge in edges:
            add(f"  {edge}", lambda i, e=edge: _auc_cell(i["c2st_parent_child"][e]))
        add("read s", lambda i: i["seconds"]["read"], 2)
        add("fit s", lambda i: i["seconds"]["fit"], 2)
        add("train s (read+fit)", lambda i: i["seconds"]["train"], 2)
        add("generate s", lambda i: i["seconds"]["generate"], 2)
        add("child wall s", lambda i: i["wall_seconds"], 1)
        add("RSS after imports MiB", lambda i: i["rss_mb"]["baseline"], 0)
        add("peak RSS MiB", lambda i: i["rss_mb"]["peak"], 0)
        add("RSS growth MiB (train+gen)",
            lambda i: i["rss_mb"]["peak"] - i["rss_mb"]["baseline"], 0)
        add("orphan FKs", lambda i: i["integrity"]["orphans"])
        add("duplicate/NULL PKs", lambda i: i["integrity"]["duplicate_keys"])
        add("synthetic rows", lambda i: sum(i["rows"].values()))
        width = max(len(r[0]) for r in rows)
        cell = max([12] + [len(t) for t in tools] + [len(c) for _, cs in rows for c in cs])
        lines.append(f"== {label}: {db['url']}  ({db['tables']} tables, "
                     f"{sum(db['real_rows'].values())} real rows)")
        lines.append(" " * width + "  " + "  ".join(t.rjust(cell) for t in tools))
        lines += [name.ljust(width) + "  " + "  ".join(c.rjust(cell) for c in cells)
                  for name, cells in rows]
        for tool, info in zip(tools, infos):
            if info.get("model"):
                lines.append(f"  {tool} model: {info['model']}")
            for refusal in info.get("refusals", []):
                lines.append(f"  SDV refused at {refusal['step']}: {refusal['message']}")
            if info.get("log_tail"):
                lines.append(f"  {tool} log: " + " | ".join(info["log_tail"]))
        dropped = [f"{t}.{c}" for t, cols in db["dropped_columns"].items() for c in cols]
        lines.append(f"  C2ST: * = fewer than {C2ST_MIN_ROWS} rows a side, not in the mean; "
                     f"! = below {C2ST_BELOW_CHANCE}: cross-validation anti-learning on a small "
                     "fixed sample, read it as 'not told apart', not as better than real")
        lines.append("  not scored (personal/free text): " + (", ".join(dropped) or "none"))
        if db["sdmetrics_relationships_left_out"]:
            lines.append("  left out of the QualityReport (self reference or composite key): "
                         + ", ".join(db["sdmetrics_relationships_left_out"]))
        for tool, info in zip(tools, infos):
            if (info.get("quality") or {}).get("error"):
                lines.append(f"  {tool} QualityReport failed: {info['quality']['error']}")
        lines.append("")
    return "\n".join(lines)


def _auc_cell(result: dict[str, Any]) -> str | None:
    """An AUC with a marker when the sample is too small to count."""
    if result["auc"] is None:
        return None
    marker = "*" if result["note"] else "!" if result["auc"] < C2ST_BELOW_CHANCE else ""
    return f"{result['auc']:.3f}{marker}"


def main() -> None:
    """Parse flags; either run one tool (child) or the whole benchmark (parent)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chinook", help="URL of a Chinook database (read only)")
    parser.add_argument("--no-demo", action="store_true", help="skip the hospital demo")
    parser.add_argument("--tools", nargs="+", choices=TOOLS, default=list(TOOLS))
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-rows", type=int, default=5000,
                        help="rows per side in each classifier test (default 5000)")
    parser.add_argument("--sdv-timeout", type=float, default=1800.0,
                        help="seconds SDV may take to read, fit and sample one database")
    parser.add_argument("--timeout", type=float, default=1800.0,
                        help="the same limit for each dbsynth engine")
    parser.add_argument("--keep-work", action="store_true",
                        help="keep the temporary folder (demo database, synthetic frames, logs)")
    parser.add_argument("--only", choices=TOOLS, help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
    parser.add_argument("--frames-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only:
        worker(args.only, args.source, args.seed, args.frames_out)
        return

    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="dbsynth-vs-sdv-"))
    databases: dict[str, str] = {}
    if not args.no_demo:
        from dbsynth.demo import build_demo_source

        build_demo_source(folder / "hospital.duckdb")
        databases["demo"] = f"duckdb:///{folder / 'hospital.duckdb'}"
    if args.chinook:
        databases["chinook"] = args.chinook
    results: dict[str, Any] = {
        "python": sys.version.split()[0], "cpus": os.cpu_count(), "seed": args.seed,
        "versions": _versions(("dbsynth", "sdv", "sdmetrics", "scikit-learn", "pandas")),
        "c2st_note": f"ROC AUC, {C2ST_FOLDS}-fold CV, HistGradientBoostingClassifier, up to "
                     f"{args.max_rows} rows a side; means over tables with >= {C2ST_MIN_ROWS} "
                     f"rows; AUC < {C2ST_BELOW_CHANCE} is CV anti-learning, not better than real",
        "memory_note": "peak RSS = VmHWM (high-water resident set) of the tool's own child "
                       "process; baseline taken after the tool's imports, before reading",
        "databases": {label: benchmark_database(label, url, args.tools, args, folder)
                      for label, url in databases.items()},
    }
    results["wall_seconds"] = time.perf_counter() - started
    print(render(results))
    print(f"total wall time {results['wall_seconds']:.0f} s")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2, default=_json_default))
    if args.keep_work:
        print(f"work files kept in {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)


def _versions(packages: tuple[str, ...]) -> dict[str, str | None]:
    """Installed version of each distribution (None when missing)."""
    from importlib.metadata import PackageNotFoundError, version

    found: dict[str, str | None] = {}
    for package in packages:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    return found


def _json_default(value: Any) -> Any:
    """JSON for numpy scalars and dataclasses."""
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)
    return str(value)


if __name__ == "__main__":
    main()
