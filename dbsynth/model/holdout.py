"""A control set for the privacy audit: real entities the model never sees.

An *entity* is a row of the entity table (the table that holds people: the most personal
columns, else the biggest table with children) with all its descendant rows. ``split``
keeps a random ``share`` of entities out of the training rows; attacks then compare their
success on training entities with their success on these control entities (a model that
memorises does better on what it saw). The control set is recorded by key for the audit
output only, never in the model file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dbsynth.errors import UsageError
from dbsynth.schema.graph import build_plan
from dbsynth.schema.model import Schema
from dbsynth.schema.naming import pii_kind

MAX_SHARE = 0.5


@dataclass
class Control:
    """The held-out rows per table (whole frames, in memory) and their keys as text."""

    entity: str
    share: float
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)

    def keys(self, schema: Schema) -> dict[str, Any]:
        """Per table with a row key: its columns and the held-out keys, as JSON-ready text."""
        out: dict[str, Any] = {}
        for name, frame in self.frames.items():
            key = schema.table(name).row_key()
            if key:
                out[name] = {"columns": list(key), "keys": sorted(set(key_texts(frame, key)))}
        return {"entity": self.entity, "share": self.share, "tables": out}


def key_texts(frame: pd.DataFrame, columns: tuple[str, ...] | list[str]) -> list[str]:
    """Each row's values of ``columns`` as one text that compares across reads (1 and 1.0 alike)."""
    parts = []
    for c in columns:
        numbers = pd.to_numeric(frame[c], errors="coerce")
        numeric = frame[c].notna().any() and numbers[frame[c].notna()].notna().all()
        parts.append(numbers.map(lambda v: repr(float(v))) if numeric else frame[c].astype(str))
    if not parts:
        return []
    joined = parts[0]
    for more in parts[1:]:
        joined = joined + "\x1f" + more
    return joined.tolist()


def entity_table(schema: Schema, frames: dict[str, pd.DataFrame] | None = None) -> str:
    """The table whose rows are the audit's entities: most personal columns, then most rows;
    without personal columns, the biggest table that has children."""
    parents = {fk.ref_table for t in schema.tables for fk in t.foreign_keys if fk.ref_table != t.name}
    candidates = [t for t in schema.tables if t.mode != "copy" and t.row_key()]
    if not candidates:
        raise UsageError("no table with a key to hold entities out of training (--holdout)")

    def rank(table: Any) -> tuple[int, int, int]:
        personal = sum(1 for c in table.columns if pii_kind(c.name))
        rows = len(frames[table.name]) if frames else table.row_count
        return personal, int(table.name in parents), rows

    return max(candidates, key=rank).name


def split(schema: Schema, frames: dict[str, pd.DataFrame], share: float, seed: int = 0,
          entity: str | None = None) -> tuple[dict[str, pd.DataFrame], Control]:
    """Training frames without a random ``share`` of entities and their descendants, and
    the control set of those rows. Tables neither the entity nor below it are untouched."""
    if not 0 < share <= MAX_SHARE:
        raise UsageError(f"--holdout must be above 0 and at most {MAX_SHARE}, got {share}")
    entity = entity or entity_table(schema, frames)
    if entity not in schema.table_names:
        raise UsageError(f"no table {entity!r} to take entities from")
    rng = np.random.default_rng(seed)
    held: dict[str, np.ndarray] = {}
    base = frames[entity]
    held[entity] = rng.random(len(base)) < share
    for name in build_plan(schema).order:  # parents first: a row below a held-out row is held out
        if name == entity:
            continue
        table, frame = schema.table(name), frames[name]
        mask = np.zeros(len(frame), dtype=bool)
        for fk in table.foreign_keys:
            if fk.ref_table in held and fk.ref_table != name:
                parent = frames[fk.ref_table]
                out_keys = set(key_texts(parent[held[fk.ref_table]], fk.ref_columns))
                mask |= np.isin(key_texts(frame, fk.columns), list(out_keys)) if out_keys else False
        if mask.any():
            held[name] = mask
    training = {n: (f[~held[n]].reset_index(drop=True) if n in held else f) for n, f in frames.items()}
    control = Control(entity, share, {n: frames[n][m].reset_index(drop=True) for n, m in held.items()})
    return training, control
