"""``--only-related``: with ``--where``, the tables not below a conditioned table keep only the
rows that the conditioned tables and their descendants reference, directly or through other
kept rows (the tracks of the matching customers' invoice lines, those tracks' albums and
artists…); tables that nothing kept references are left empty. Rows are only ever dropped
where no kept row points at them, so every reference still holds.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from dbsynth.model.stream import TableData
from dbsynth.schema.model import Schema


def below(schema: Schema, tables: Iterable[str]) -> set[str]:
    """The tables and every table under them by a foreign key (children, their children…)."""
    out = set(tables)
    grew = True
    while grew:
        grew = False
        for table in schema.tables:
            if table.name not in out and any(fk.ref_table in out for fk in table.foreign_keys):
                out.add(table.name)
                grew = True
    return out


def only_related(schema: Schema, frames: dict[str, TableData],
                 conditioned: Iterable[str]) -> dict[str, TableData]:
    """The frames with the tables outside the conditioned ones' subtrees cut down to the
    rows kept rows reference (see the module docstring)."""
    whole = below(schema, conditioned)
    kept: dict[str, np.ndarray] = {}
    for table in schema.tables:
        data = frames[table.name]
        if table.name in whole:
            continue
        # a stream is a table nothing references (see RelationalModel): none of it is needed
        kept[table.name] = np.zeros(len(data) if isinstance(data, pd.DataFrame) else 0, dtype=bool)
    changed = True
    while changed:  # follow references from every kept row until nothing more is kept
        changed = False
        for table in schema.tables:
            data = frames[table.name]
            if not isinstance(data, pd.DataFrame):
                continue
            rows = kept.get(table.name)
            source = data if rows is None else data[rows]
            for fk in table.foreign_keys:
                if fk.ref_table not in kept or source.empty:
                    continue
                parent = frames[fk.ref_table]
                assert isinstance(parent, pd.DataFrame)  # referenced: never a stream
                wanted = source[list(fk.columns)].dropna().drop_duplicates()
                wanted.columns = list(fk.ref_columns)
                hit = pd.MultiIndex.from_frame(parent[list(fk.ref_columns)].astype(object)).isin(
                    pd.MultiIndex.from_frame(wanted.astype(object)))
                new = hit & ~kept[fk.ref_table]
                if new.any():
                    kept[fk.ref_table] = kept[fk.ref_table] | hit
                    changed = True
    out = dict(frames)
    for name, rows in kept.items():
        data = frames[name]
        if isinstance(data, pd.DataFrame):
            out[name] = data[rows].reset_index(drop=True)
        else:
            out[name] = pd.DataFrame(columns=list(schema.table(name).data_columns))
    return out
