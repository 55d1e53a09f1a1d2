"""Entities: a row of the entity table with its children flattened into features.

What leaks in a relational database is a person with all their rows (a patient, with their
lab results and treatments), not one row of one table. An entity frame holds the entity
table's scored columns plus, per child table, the number of children and the mean of each
numeric child column, so the attacks judge a whole entity. One level of children: deeper
descendants are judged through their own table.
"""

from __future__ import annotations

import pandas as pd

from dbsynth.report.fidelity import Kind, prepared
from dbsynth.schema.model import Schema


def entity_frame(schema: Schema, entity: str, frames: dict[str, pd.DataFrame],
                 kinds: dict[str, dict[str, Kind]]) -> tuple[pd.DataFrame, dict[str, Kind]]:
    """The entity rows of ``frames`` with their children's counts and means, prepared."""
    own = prepared(frames[entity], kinds[entity]).reset_index(drop=True)
    out_kinds = dict(kinds[entity])
    for table in schema.tables:
        for fk in table.foreign_keys:
            if fk.ref_table != entity or table.name == entity:
                continue
            child = frames[table.name]
            numeric = [c for c, k in kinds[table.name].items() if k != "categorical" and c not in fk.columns]
            values = prepared(child, {c: kinds[table.name][c] for c in numeric}).astype(float)
            values["_n"] = 1.0
            for a, b in zip(fk.columns, fk.ref_columns):
                values[f"_key_{b}"] = child[a].astype(str).to_numpy()
            keys = [f"_key_{b}" for b in fk.ref_columns]
            grouped = values.groupby(keys, dropna=False)
            summary = grouped[numeric].mean().join(grouped["_n"].sum())
            label = f"{table.name}({', '.join(fk.columns)})"
            parent_keys = pd.MultiIndex.from_frame(frames[entity][list(fk.ref_columns)].astype(str)) \
                if len(keys) > 1 else pd.Index(frames[entity][fk.ref_columns[0]].astype(str))
            aligned = summary.reindex(parent_keys)
            own[f"{label} count"] = aligned["_n"].fillna(0.0).to_numpy()
            out_kinds[f"{label} count"] = "numerical"
            for c in numeric:
                own[f"{label} mean {c}"] = aligned[c].to_numpy()
                out_kinds[f"{label} mean {c}"] = "numerical"
    return own, out_kinds
