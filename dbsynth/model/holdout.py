"""A control set for the privacy audit: real entities the model never sees.

An *entity* is a row of the entity table (the table that holds people: the most personal
columns, else the biggest table with children) with all its descendant rows. ``split``
keeps a random ``share`` of entities out of the training rows; attacks then compare their
success on training entities with their success on these control entities (a model that
memorises does better on what it saw). The control set is recorded by key for the audit
output only, never in the model file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
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

    def keys(self, schema: Schema, sampled: dict[str, pd.DataFrame] | None = None) -> dict[str, Any]:
        """Per table with a row key: its columns and the held-out keys, as JSON-ready text.
        ``sampled``: the training rows of tables training read only a sample of; their keys
        are kept too (``trained``), else the audit would count rows the model never read
        as trained on, and understate every risk."""
        out: dict[str, Any] = {}
        for name, frame in self.frames.items():
            key = schema.table(name).row_key()
            if key:
                out[name] = {"columns": list(key), "keys": _key_set(frame, key)}
                if sampled and name in sampled:
                    out[name]["trained"] = _key_set(sampled[name], key)
        return {"entity": self.entity, "share": self.share, "tables": out}


def _key_set(frame: pd.DataFrame, key: tuple[str, ...]) -> list[str]:
    return sorted({k for k in key_texts(frame, key) if k is not None})


def check_control(control: Any, schema: Schema | None = None) -> None:
    """``control`` is what :meth:`Control.keys` wrote (and, given ``schema``, its key columns
    are columns of their tables): a wrong file is one clear line before any row is read.
    Tables the schema lacks are let through (the audit skips them: a table left out)."""
    if not isinstance(control, dict) or not isinstance(control.get("tables"), dict) \
            or not isinstance(control.get("entity"), str):
        raise UsageError("the control set is not a control file of `train --holdout` "
                         "(wants an entity and its tables' held-out keys)")
    for name, held in control["tables"].items():
        if not isinstance(held, dict) or not _texts(held.get("columns")) or not held["columns"] \
                or not _texts(held.get("keys")) or not _texts(held.get("trained", [])):
            raise UsageError(f"the control set's table {name!r} wants columns and keys, as lists of text")
        if schema is not None and name in schema.table_names:
            missing = [c for c in held["columns"] if c not in schema.table(name).column_names]
            if missing:
                raise UsageError(f"the control set's key of {name!r} names no column {missing[0]!r} "
                                 "(a control file of another database?)")


def _texts(values: Any) -> bool:
    return isinstance(values, list) and all(isinstance(v, str) for v in values)


def key_texts(frame: pd.DataFrame, columns: tuple[str, ...] | list[str]) -> list[str | None]:
    """Each row's values of ``columns`` as one text that compares across reads and frames
    (1, 1.0 and '1' alike, '007' and '7' apart); None where a value is NULL (no key).

    Value by value, not by column type: a subset of a text column may look numeric."""
    if not len(columns):
        return []
    parts = [[value_text(v) for v in frame[c].astype(object)] for c in columns]
    return [None if any(p is None for p in row) else "\x1f".join(row) for row in zip(*parts)]


def among(texts: list[str | None], keys: set[str]) -> np.ndarray:
    """Which of ``texts`` are in ``keys``, as a mask (a NULL key is in none)."""
    return np.fromiter((t is not None and t in keys for t in texts), dtype=bool, count=len(texts))


def value_text(value: Any) -> str | None:
    """A whole number as its digits (exact beyond 2**53), any other number as its repr."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating, Decimal)):
        if value != value:  # NaN
            return None
        number = float(value)
        if not math.isfinite(number):
            return repr(number)
        return str(int(value)) if value == int(value) else repr(number)
    return str(value)


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
    """Training frames without a random ``share`` of entities and all their descendants, and
    the control set of those rows. Tables neither the entity nor below it are untouched.

    Descendants are followed to a fixed point, not in one pass in load order: a row below a
    held-out row only through a self reference (a sub-task of a held-out person's task) or
    through a foreign key the load order cuts (a cycle) is held out too — else part of a
    held-out entity would be trained on and the audit would understate every risk. The
    entity table's own self references are not followed: its rows are the entities."""
    if not 0 < share <= MAX_SHARE:
        raise UsageError(f"--holdout must be above 0 and at most {MAX_SHARE}, got {share}")
    entity = entity or entity_table(schema, frames)
    if entity not in schema.table_names:
        raise UsageError(f"no table {entity!r} to take entities from")
    rng = np.random.default_rng(seed)
    held: dict[str, np.ndarray] = {entity: rng.random(len(frames[entity])) < share}
    texts: dict[tuple[str, tuple[str, ...]], list[str | None]] = {}

    def texts_of(name: str, columns: tuple[str, ...]) -> list[str | None]:
        if (name, columns) not in texts:
            texts[name, columns] = key_texts(frames[name], columns)
        return texts[name, columns]

    below = [schema.table(n) for n in build_plan(schema).order  # parents first: fewer passes
             if n != entity and schema.table(n).mode != "copy"]  # a copied table is never held out
    grown = True
    while grown:
        grown = False
        for table in below:
            mask = held.get(table.name, np.zeros(len(frames[table.name]), dtype=bool))
            for fk in table.foreign_keys:
                if fk.ref_table not in held:
                    continue
                parent = texts_of(fk.ref_table, fk.ref_columns)
                out_keys = {k for k, out in zip(parent, held[fk.ref_table]) if out and k is not None}
                mask = mask | among(texts_of(table.name, fk.columns), out_keys)
            if mask.any() and (table.name not in held or mask.sum() > held[table.name].sum()):
                held[table.name], grown = mask, True
    training = {n: (f[~held[n]].reset_index(drop=True) if n in held else f) for n, f in frames.items()}
    control = Control(entity, share, {n: frames[n][m].reset_index(drop=True) for n, m in held.items()})
    return training, control
