"""Entities: a row of the entity table with its children flattened into features.

What leaks in a relational database is a person with all their rows (a patient, with their
lab results and treatments), not one row of one table. An entity frame holds the entity
table's scored columns plus, per child table, the number of children and the mean of each
numeric child column — counted by SQL over whole tables (the report's per-parent figures),
so sampling the children does not blur them. One level of children: deeper descendants are
judged through their own table.
"""

from __future__ import annotations

import pandas as pd

from dbsynth.report.detection import parent_key_texts
from dbsynth.report.fidelity import Kind, prepared
from dbsynth.schema.model import ForeignKey, Schema


def entity_frame(schema: Schema, entity: str, rows: pd.DataFrame, kinds: dict[str, Kind],
                 per_parent: dict[tuple[str, ForeignKey], pd.DataFrame]) -> tuple[pd.DataFrame, dict[str, Kind]]:
    """``rows`` of the entity table, prepared, with their children's count and means
    (``per_parent``: per child table and FK to the entity, the figures indexed by the
    parent key as text, ``a|b`` for composite keys)."""
    own = prepared(rows, kinds).reset_index(drop=True)
    out_kinds = dict(kinds)
    for (child, fk), figures in per_parent.items():
        if fk.ref_table != entity or child == entity:
            continue
        keys = parent_key_texts(rows, fk.ref_columns).reset_index(drop=True)
        label = f"{child}({', '.join(fk.columns)})"
        for column in figures.columns:
            name = f"{label} count" if column == "n" else f"{label} {column}"
            values = keys.map(figures[column]).to_numpy(float)
            own[name] = pd.Series(values).fillna(0.0).to_numpy() if column == "n" else values
            out_kinds[name] = "numerical"
    return own, out_kinds
