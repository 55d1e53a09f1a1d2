"""One report of a synthetic copy against its source: fidelity, detection, utility, privacy,
integrity, plus the data of its plots — a plain dict, written as JSON or rendered as HTML.

Both databases are read with the source's schema (keys inferred where undeclared), so a
target written by another tool is judged the same way; columns it wrote with other types
are cast to the source's, or compared as text (see :mod:`dbsynth.report.casts`). Big tables are sampled to
``sample_rows`` rows on each side; integrity is counted by SQL on the whole target.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
import time
from typing import Any

import numpy as np
import pandas as pd

from dbsynth.connectors.base import Connector, own_rows, qualified, quote_ident, read_sql
from dbsynth.report.casts import cast_frames, find_casts, relations
from dbsynth.report.detection import auc_of, detection, joined_key
from dbsynth.report.fidelity import Kind, as_numbers, fidelity, histogram_edges, prepared, scored_columns
from dbsynth.report.audit import attack_audit, audit
from dbsynth.report.privacy import privacy
from dbsynth.report.utility import utility
from dbsynth.model.relational.fit import keeps_its_codes
from dbsynth.model.relational.sizing import Sizing
from dbsynth.schema.model import ForeignKey, Schema
from dbsynth.schema.naming import pii_kind
from dbsynth.writer.integrity import check_integrity, size_is_off
from dbsynth.progress import Progress, quiet

HISTOGRAM_BINS = 20
TOP_CATEGORIES = 12
WORST_COLUMNS = 5
WORST_BELOW = 0.95  # a column is "worst" only if it also scores below this


def build_report(schema: Schema, source: Connector, target: Connector, *, sample_rows: int | None,
                 target_column: str | None = None, seed: int = 0, scale: float | None = None,
                 control: dict[str, Any] | None = None, asked: dict[str, int] | None = None,
                 progress: Progress = quiet) -> dict[str, Any]:
    """``scale``: the scale the copy was made at, to judge its row counts (None: estimated;
    ``asked``: rows asked per table, where per-table sizes were given);
    ``control``: the keys of real entities held out of training, for the attack audit."""
    started = time.perf_counter()
    real: dict[str, pd.DataFrame] = {}
    synthetic: dict[str, pd.DataFrame] = {}
    target_rows = _row_counts(target, schema)
    for table in schema.tables:
        real[table.name] = source.read_table(table, limit=sample_rows, seed=seed)
        own_count = replace(table, row_count=target_rows[table.name])  # sampled by its own size
        synthetic[table.name] = target.read_table(own_count, limit=sample_rows, seed=seed)
        progress("read", table.name, len(real[table.name]))
    casts = cast_frames(schema, find_casts(schema, target), real, synthetic)
    read_as = relations(schema, target, casts)
    scored = scored_columns(schema, real)
    for cast in casts:  # compared as text: as categories, on both sides
        if cast.how == "text" and cast.column in scored.kinds[cast.table]:
            scored.kinds[cast.table][cast.column] = "categorical"
    relationships = [(t.name, fk) for t in schema.tables for fk in t.foreign_keys
                     if fk.ref_table != t.name and fk.ref_table in schema.table_names]
    per_parent = {(child, fk.columns): (_per_parent(source, child, fk, scored.kinds[child]),
                                        _per_parent(target, child, fk, scored.kinds[child], read_as))
                  for child, fk in relationships}
    progress("fidelity", "", 0)
    counts = {k: (r["n"].to_numpy(float), s["n"].to_numpy(float)) for k, (r, s) in per_parent.items()}
    fid = fidelity(schema, real, synthetic, scored, counts)
    progress("detection", "", 0)
    det = detection([t.name for t in schema.tables], real, synthetic, scored.kinds, relationships,
                    per_parent, seed=seed)
    progress("utility", "", 0)
    use = utility(real, synthetic, scored.kinds, target_column, seed)
    progress("privacy", "", 0)
    keys = {t.name: _key_columns(schema, t.name) for t in schema.tables}
    data_columns = {t.name: [c for c in t.data_columns if c not in keys[t.name]] for t in schema.tables
                    if t.mode != "copy"}  # copy mode: verbatim on purpose, not a leak
    personal = {t.name: [c.name for c in t.columns if c.type.is_string and (
        pii_kind(c.name) or (c.kind or "").startswith("pii:") or c.kind == "text"
        or scored.skipped[t.name].get(c.name) == "free text")] for t in schema.tables}
    priv = privacy(real, synthetic, scored, data_columns, personal, seed)
    attacked = None
    if control is not None:
        progress("audit", "", 0)
        attacked = attack_audit(schema, real, synthetic, scored.kinds, control, per_parent, seed)
    priv["audit"] = audit(priv["tables"], attacked)
    if control is not None:
        priv["audit"]["control"] = control  # the held-out keys: in the audit output only
    progress("integrity", "", 0)
    integrity = check_integrity(target, schema, relations=read_as)
    fixed = frozenset(t.name for t in schema.tables if keeps_its_codes(schema, t, real[t.name]))
    counts, scale_used = row_counts(schema, {t.name: _rows(integrity, t.name) for t in schema.tables},
                                    scale, asked, fixed)
    tables = {}
    for table in schema.tables:
        name = table.name
        tables[name] = {
            "rows": counts[name],
            "column_shapes": fid["tables"][name]["column_shapes"],
            "column_pair_trends": [_pair(p) for p in fid["tables"][name]["column_pair_trends"]],
            "detection_auc": auc_of(det["tables"][name]),
            "detection": det["tables"][name],
            "plots": _plots(real[name], synthetic[name], scored.kinds[name]),
            "not_scored": scored.skipped[name],
        }
    for rel in fid["relationships"]:
        rel["detection"] = det["parents"].get((rel["child"], tuple(rel["columns"])))
        rel["detection_auc"] = auc_of(rel["detection"])
        rel["intertable_trends"] = [_pair(p) for p in rel["intertable_trends"]]
    return {
        "title": "dbsynth report",
        "source": source.display_url, "target": target.display_url,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 2), "sample_rows": sample_rows,
        "casts": [c.to_dict() for c in casts],
        "summary": {
            "overall": fid["overall"], "column_shapes": fid["column_shapes"],
            "column_pair_trends": fid["column_pair_trends"], "cardinality": fid["cardinality"],
            "intertable_trends": fid["intertable_trends"],
            "detection_auc": det["mean"], "detection_auc_parent": det["mean_parents"],
            "utility_gap": use["gap"] if use else None,
            "exact_copy_share": priv["exact_copy_share"],
            "dcr_closer_to_training": priv["dcr_closer_to_training_mean"],
            "natural_copy_share": priv["natural_copy_share"],
            "privacy_risk": priv["audit"]["risk"],
            "row_counts_off": sum(c["off"] for c in counts.values()),
            "integrity_ok": integrity.ok,
        },
        "tables": tables,
        "worst_columns": _worst(fid["tables"]),
        "relationships": fid["relationships"],
        "utility": use,
        "privacy": priv,
        "integrity": {"ok": integrity.ok,
                      "row_counts": counts, "scale": scale_used,
                      "checks": [{"check": v.kind, "table": v.table, "detail": v.detail, "violations": v.count}
                                 for v in integrity.violations]},
    }


def row_counts(schema: Schema, synthetic: dict[str, int | None], scale: float | None,
               asked: dict[str, int] | None = None, fixed: frozenset[str] = frozenset()
               ) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Each table's rows against what the scale asks (``scale × source``; copy-mode tables
    and ``fixed`` lookup lists as in the source; ``asked``: the rows asked per table, as the
    write's size check judged them), flagged ``off`` as that check does. Without a known
    scale it is estimated as the median ratio of synthetic to real rows, and said so."""
    modelled = [(t.row_count, synthetic[t.name]) for t in schema.tables
                if t.mode != "copy" and t.name not in fixed and t.row_count
                and synthetic[t.name] is not None]
    estimated = scale is None
    if scale is None:
        scale = float(np.median([s / r for r, s in modelled])) if modelled else 1.0
    planned = Sizing(scale, fixed=fixed).planned_rows(schema, {}) | (asked or {})  # as the write's size check
    out = {}
    for table in schema.tables:
        got = synthetic[table.name]
        expected = planned[table.name]
        off = got is not None and size_is_off(got, expected)
        out[table.name] = {"real": table.row_count, "synthetic": got, "expected": expected, "off": bool(off)}
    return out, {"value": scale, "estimated": estimated}


def _row_counts(db: Connector, schema: Schema) -> dict[str, int]:
    """Each table's own rows (not those of a table inheriting from it)."""
    return {t.name: int(db.query(f"SELECT count(*) FROM {own_rows(db, schema, t.name)}")[0][0])
            for t in schema.tables}


def _per_parent(db: Connector, child: str, fk: ForeignKey, child_kinds: dict[str, Kind],
                read_as: dict[str, str] | None = None) -> pd.DataFrame:
    """Per parent row of the whole table: child count ``n`` and child column means, by SQL,
    indexed by the parent key as text (``a|b`` for composite keys). ``read_as``: tables
    read through casts (see :func:`dbsynth.report.casts.relations`)."""
    read_as = read_as or {}
    numeric = [c for c, k in child_kinds.items() if k != "categorical"]
    means = "".join(
        f", avg({db.capabilities.epoch_seconds.format('c.' + quote_ident(c))})"
        if child_kinds[c] == "datetime"
        else f", avg(CAST(c.{quote_ident(c)} AS DOUBLE PRECISION))" for c in numeric)
    sql = read_sql("report", "per_parent").format(
        parent_keys=", ".join(f"p.{quote_ident(c)}" for c in fk.ref_columns),
        first_fk=quote_ident(fk.columns[0]), means=means,
        parent=read_as.get(fk.ref_table, qualified(db.schema_name, fk.ref_table)),
        child=read_as.get(child, qualified(db.schema_name, child)),
        join=" AND ".join(f"c.{quote_ident(a)} = p.{quote_ident(b)}" for a, b in zip(fk.columns, fk.ref_columns)))
    width = len(fk.ref_columns)
    rows = db.query(sql)
    frame = pd.DataFrame([r[width:] for r in rows], columns=["n"] + [f"mean {c}" for c in numeric], dtype=float)
    frame.index = pd.Index([joined_key(r[:width]) for r in rows])
    return frame


def _key_columns(schema: Schema, table: str) -> set[str]:
    t = schema.table(table)
    keys = set(t.primary_key.columns if t.primary_key else ())
    return keys | {c for fk in t.foreign_keys for c in fk.columns} | {c for u in t.uniques for c in u.columns}


def _rows(integrity: Any, table: str) -> int | None:
    return next((t.rows for t in integrity.tables if t.table == table), None)


def _pair(p: dict[str, Any]) -> dict[str, Any]:
    """A pair trend as the report shows it (real/synthetic: correlations; else association)."""
    return {"columns": p["columns"], "metric": p["metric"], "score": p["score"] if p["meets"] else None,
            "real": p.get("real", p.get("association")), "synthetic": p.get("synthetic")}


def _worst(tables: dict[str, Any]) -> list[dict[str, Any]]:
    scores = [{"table": t, "column": c, "score": v["score"]} for t, d in tables.items()
              for c, v in d["column_shapes"].items() if v["score"] == v["score"] and v["score"] < WORST_BELOW]
    return sorted(scores, key=lambda s: s["score"])[:WORST_COLUMNS]


def _plots(real: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict[str, Kind]) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    for name, kind in kinds.items():
        if kind == "categorical":
            columns[name] = _bars(real[name], synthetic[name])
        else:
            columns[name] = _histogram(real[name], synthetic[name], kind)
    numeric = [c for c, k in kinds.items() if k != "categorical"]
    correlation = None
    if len(numeric) >= 2:
        r, s = prepared(real, {c: kinds[c] for c in numeric}), prepared(synthetic, {c: kinds[c] for c in numeric})
        correlation = {"columns": numeric, "real": _corr(r), "synthetic": _corr(s)}
    return {"columns": columns, "correlation": correlation}


def _corr(frame: pd.DataFrame) -> list[list[float | None]]:
    matrix = frame.astype(float).corr().to_numpy()
    return [[None if np.isnan(v) else round(float(v), 3) for v in row] for row in matrix]


def _histogram(real: pd.Series, synthetic: pd.Series, kind: Kind) -> dict[str, Any]:
    r, s = as_numbers(real, kind).dropna(), as_numbers(synthetic, kind).dropna()
    if r.empty:
        return {"kind": kind, "edges": [], "real": [], "synthetic": []}
    edges = histogram_edges(r.to_numpy(float), HISTOGRAM_BINS)
    shares = [np.histogram(np.clip(v.to_numpy(float), edges[0], edges[-1]), bins=edges)[0] / max(1, len(v))
              for v in (r, s)]
    labels: list[Any] = ([str((pd.Timestamp(0, tz="UTC") + pd.Timedelta(microseconds=float(e))).date())
                          if abs(e) < 9e15 else str(e) for e in edges] if kind == "datetime"
                         else [round(float(e), 6) for e in edges])
    return {"kind": kind, "edges": labels, "real": shares[0].round(4).tolist(),
            "synthetic": shares[1].round(4).tolist()}


def _bars(real: pd.Series, synthetic: pd.Series) -> dict[str, Any]:
    r, s = real.dropna().astype(str), synthetic.dropna().astype(str)
    top = r.value_counts().index[:TOP_CATEGORIES].tolist()
    fr, fs = r.value_counts(normalize=True), s.value_counts(normalize=True)
    categories = top + (["(other)"] if r.nunique() > len(top) or not set(fs.index) <= set(top) else [])

    def shares(freq: pd.Series) -> list[float]:
        out = [float(freq.get(c, 0.0)) for c in top]
        return out + ([float(1 - sum(out))] if len(categories) > len(top) else [])

    return {"kind": "categorical", "categories": categories, "real": shares(fr), "synthetic": shares(fs)}


def json_ready(value: Any) -> Any:
    """The report with NaN as null and tuples as lists, so it is strict JSON."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value
