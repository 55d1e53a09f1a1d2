"""Optional engine: SDV's HMASynthesizer, for users of the ``dbsynth[sdv]`` extra.

SDV is Business Source licensed (BUSL-1.1): it is never imported by the core, only here, and
only when a user asks for ``--engine sdv-hma``. SDV models are pickles, so this engine runs
in ``synth`` only; ``train`` refuses it (a model file must be safe to load).

Where HMA refuses a schema we say why, before any fitting, in dbsynth's words.
"""

from __future__ import annotations

import importlib.util

import pandas as pd

from dbsynth.errors import ModelError
from dbsynth.schema.graph import build_plan
from dbsynth.schema.model import Schema

ENGINE_NAME = "sdv-hma"


def refusal(schema: Schema) -> str | None:
    """Why SDV Community's HMASynthesizer cannot model this schema, or None if it can."""
    plan = build_plan(schema)
    reasons = []
    if len(schema.tables) > 5:
        reasons.append(f"{len(schema.tables)} tables (HMA allows 5)")
    if plan.self_references:
        reasons.append("self reference " + plan.self_references[0].label)
    if plan.cut:
        reasons.append("cycle through " + plan.cut[0].label)
    for table in schema.tables:
        if table.primary_key and len(table.primary_key.columns) > 1:
            reasons.append(f"composite primary key on {table.name}")
            break
    for table in schema.tables:
        if any(len(fk.columns) > 1 for fk in table.foreign_keys):
            reasons.append(f"composite foreign key on {table.name}")
            break
    depth = _depth(schema)
    if depth > 2:
        reasons.append(f"relationship depth {depth} (HMA allows 2)")
    return "; ".join(reasons) or None


def _depth(schema: Schema) -> int:
    parents = {t.name: {fk.ref_table for fk in t.foreign_keys if fk.ref_table != t.name}
               for t in schema.tables}
    memo: dict[str, int] = {}

    def depth(name: str, seen: frozenset[str]) -> int:
        if name not in memo:
            ups = [depth(p, seen | {name}) for p in parents.get(name, ()) if p not in seen]
            memo[name] = 1 + max(ups, default=0)
        return memo[name]

    return max((depth(t.name, frozenset()) for t in schema.tables), default=0)


def check_available(schema: Schema) -> None:
    """Fail fast, before reading any data: is SDV installed, and does HMA accept the schema?"""
    if importlib.util.find_spec("sdv") is None:
        raise ModelError("--engine sdv-hma needs the optional extra: "
                         "pip install 'dbsynth[sdv]' (SDV is BUSL-1.1 licensed)")
    why = refusal(schema)
    if why:
        raise ModelError(f"SDV's HMASynthesizer refuses this schema: {why}; "
                         "use --engine cart (the default) instead")


def sample_with_hma(schema: Schema, frames: dict[str, pd.DataFrame], scale: float,
                    seed: int) -> dict[str, pd.DataFrame]:
    """Fit HMA on ``frames`` and sample a database ``scale`` times the size. SDV seeds its
    own sampling, so ``seed`` does not make its output repeatable."""
    why = refusal(schema)
    if why:
        raise ModelError(f"SDV's HMASynthesizer refuses this schema: {why}; "
                         "use --engine cart (the default) instead")
    try:
        from sdv.metadata import Metadata
        from sdv.multi_table import HMASynthesizer
    except ImportError:
        raise ModelError("--engine sdv-hma needs the optional extra: "
                         "pip install 'dbsynth[sdv]' (SDV is BUSL-1.1 licensed)") from None
    data = {name: _plain(frame) for name, frame in frames.items()}
    metadata = Metadata.detect_from_dataframes(data, infer_keys=None)
    for table in schema.tables:
        if table.primary_key:
            key = table.primary_key.columns[0]
            metadata.update_column(key, table_name=table.name, sdtype="id")
            metadata.set_primary_key(key, table_name=table.name)
    for table in schema.tables:
        for fk in table.foreign_keys:
            metadata.update_column(fk.columns[0], table_name=table.name, sdtype="id")
            metadata.add_relationship(fk.ref_table, table.name, fk.ref_columns[0], fk.columns[0])
    synthesizer = HMASynthesizer(metadata, verbose=False)
    try:
        synthesizer.fit(data)
        if hasattr(synthesizer, "sample_scale"):  # SDV 2.x renamed sample(scale=…)
            return synthesizer.sample_scale(scale=scale)
        return synthesizer.sample(scale=scale)
    except Exception as exc:  # noqa: BLE001 - SDV's errors vary by version; report them as ours
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"SDV's HMASynthesizer failed: {first}") from None


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Decimals as floats: SDV's type detection does not know ``decimal.Decimal``."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object and out[col].map(lambda v: v.__class__.__name__ == "Decimal").any():
            out[col] = pd.to_numeric(out[col].map(lambda v: None if v is None else float(v)))
    return out
