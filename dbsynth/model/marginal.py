"""The first generator: every column from its own distribution, keys by construction.

It learns per-column summaries (no rows) and the child-count distribution of every foreign
key, then generates tables in load order: parents first, so that children draw their foreign
keys from parent rows that exist. Dependencies *between* columns are not modelled here; the
relational model (issue 3) replaces this per-column draw.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dbsynth.model import keys
from dbsynth.model.columns import ColumnSummary, fit_column, sample_column
from dbsynth.model.constraints import enforce_checks
from dbsynth.model.pii import FakeValues
from dbsynth.schema.graph import LoadPlan
from dbsynth.schema.model import ForeignKey, Schema, Table

log = logging.getLogger(__name__)


@dataclass
class ForeignKeySummary:
    null_share: float
    degrees: list[float]  # quantiles of children per parent row


@dataclass
class TableSummary:
    name: str
    row_count: int
    columns: dict[str, ColumnSummary] = field(default_factory=dict)
    keys: dict[str, keys.KeySpec] = field(default_factory=dict)
    foreign_keys: dict[tuple[str, ...], ForeignKeySummary] = field(default_factory=dict)


@dataclass
class MarginalModel:
    schema: Schema
    tables: dict[str, TableSummary]

    @classmethod
    def fit(cls, schema: Schema, frames: dict[str, pd.DataFrame]) -> MarginalModel:
        summaries: dict[str, TableSummary] = {}
        for table in schema.tables:
            frame = frames[table.name]
            # the table's true size, even when training read a sample of it
            summary = TableSummary(table.name, max(table.row_count, len(frame)))
            fk_columns = {c for fk in table.foreign_keys for c in fk.columns}
            for column in table.columns:
                if column.name in fk_columns:
                    continue
                summary.columns[column.name] = fit_column(column, frame[column.name])
                if keys.column_is_key(table, column):
                    summary.keys[column.name] = keys.fit_key(column, frame[column.name])
            for fk in table.foreign_keys:
                if fk.ref_table not in schema.table_names:
                    continue
                parent = frames[fk.ref_table]
                null_share = float(frame[list(fk.columns)].isna().any(axis=1).mean()) if len(frame) else 0.0
                summary.foreign_keys[fk.columns] = ForeignKeySummary(
                    null_share, keys.child_degrees(frame, fk.columns, parent, fk.ref_columns))
            summaries[table.name] = summary
        return cls(schema, summaries)

    def sample(self, plan: LoadPlan, scale: float = 1.0, seed: int = 0) -> dict[str, pd.DataFrame]:
        """One synthetic database: a frame per table with every key consistent."""
        out: dict[str, pd.DataFrame] = {}
        for index, name in enumerate(plan.order):
            rng = np.random.default_rng([seed, index])
            out[name] = _TableSampler(self, self.schema.table(name), plan, out, rng).run(scale)
        for edge in plan.cut:  # parents of cut FKs exist now
            rng = np.random.default_rng([seed, len(plan.order), len(out)])
            sampler = _TableSampler(self, self.schema.table(edge.table), plan, out, rng)
            frame = out[edge.table]
            frame.loc[:, list(edge.fk.columns)] = sampler.draw_fk(edge.fk, len(frame)).to_numpy()
        return out


class _TableSampler:
    """Generates one table given its already generated parents."""

    def __init__(self, model: MarginalModel, table: Table, plan: LoadPlan,
                 generated: dict[str, pd.DataFrame], rng: np.random.Generator) -> None:
        self.table = table
        self.summary = model.tables[table.name]
        self.plan = plan
        self.generated = generated
        self.rng = rng
        self.fake = FakeValues(rng)

    def run(self, scale: float) -> pd.DataFrame:
        t = self.table
        n = int(round(self.summary.row_count * scale))
        if self.summary.row_count and n == 0:
            n = 1
        frame = pd.DataFrame(index=pd.RangeIndex(n))
        for column in t.columns:
            if column.name in self.summary.columns:
                frame[column.name] = self._draw_column(column.name, n).to_numpy()
        for fk in self._ready_fks():
            frame[list(fk.columns)] = self.draw_fk(fk, n).to_numpy()
        for fk in t.foreign_keys:
            for col in fk.columns:
                if col not in frame:
                    frame[col] = None
        frame = frame[list(t.column_names)]
        frame = self._drop_rows_without_parent(frame)
        frame = enforce_checks(frame, t, self._redraw_values)
        frame = keys.dedupe_rows(frame, t, self._redraw_keys)
        self._fill_self_references(frame)
        return frame

    # -- columns ----------------------------------------------------------------------------
    def _draw_column(self, name: str, n: int) -> pd.Series:
        column = self.table.column(name)
        spec = self.summary.keys.get(name)
        summary = self.summary.columns[name]
        if spec is not None and summary.kind != "pii":
            values = keys.key_values(spec, column, n, self.rng)
            if values is not None:
                return values
        values = sample_column(summary, n, self.rng, self.fake, column.nullable)
        if spec is not None and column.type.is_string:
            values = keys.make_strings_unique(values, column.type.length)
        return values

    def _redraw_values(self, index: pd.Index) -> pd.DataFrame:
        """Fresh non-key values for the given rows (CHECK retries)."""
        fresh = {name: self._draw_column(name, len(index)).to_numpy()
                 for name in self.summary.columns if name not in self.summary.keys}
        return pd.DataFrame(fresh, index=index)

    def _redraw_keys(self, index: pd.Index, key: tuple[str, ...]) -> pd.DataFrame:
        """Fresh values for the parts of ``key`` that collide (not for generated-unique ones)."""
        n = len(index)
        fresh: dict[str, np.ndarray] = {}
        for fk in self._ready_fks():
            if set(key) & set(fk.columns):
                drawn = self.draw_fk(fk, n)
                for col in fk.columns:
                    fresh[col] = drawn[col].to_numpy()
        for name in key:
            if name in self.summary.columns and name not in self.summary.keys and name not in fresh:
                fresh[name] = sample_column(self.summary.columns[name], n, self.rng, self.fake,
                                            False).to_numpy()
        return pd.DataFrame(fresh, index=index)

    # -- foreign keys -----------------------------------------------------------------------
    def _ready_fks(self) -> list[ForeignKey]:
        return [fk for fk in self.table.foreign_keys
                if fk.ref_table in self.generated and fk.ref_table != self.table.name
                and not self.plan.is_cut(self.table.name, fk)]

    def draw_fk(self, fk: ForeignKey, n: int) -> pd.DataFrame:
        """Pick parent rows (weighted like the source's child counts) and copy their keys."""
        parent = self.generated[fk.ref_table][list(fk.ref_columns)].dropna()
        summary = self.summary.foreign_keys.get(fk.columns)
        out = pd.DataFrame({c: pd.Series([None] * n, dtype=object) for c in fk.columns})
        if parent.empty or n == 0:
            return out
        weights = keys.degree_weights(summary.degrees if summary else [], len(parent), self.rng)
        picks = self.rng.choice(len(parent), size=n, p=weights)
        for col, ref in zip(fk.columns, fk.ref_columns):
            out[col] = parent[ref].to_numpy()[picks]
        nullable = all(self.table.column(c).nullable for c in fk.columns)
        if nullable and summary and summary.null_share > 0:
            mask = self.rng.random(n) < summary.null_share
            out = out.astype(object)
            out.loc[mask, :] = None
        return out

    def _drop_rows_without_parent(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A NOT NULL FK whose parent table generated no rows cannot be satisfied."""
        for fk in self._ready_fks():
            required = not any(self.table.column(c).nullable for c in fk.columns)
            if required and self.generated[fk.ref_table].empty and len(frame):
                log.warning("%s: parent %s is empty; its children cannot be generated",
                            self.table.name, fk.ref_table)
                return frame.iloc[0:0]
        return frame

    def _fill_self_references(self, frame: pd.DataFrame) -> None:
        """Each row may point only at an earlier row, so the hierarchy has no cycle."""
        for edge in self.plan.self_references:
            if edge.table != self.table.name:
                continue
            fk = edge.fk
            n = len(frame)
            summary = self.summary.foreign_keys.get(fk.columns)
            null_share = summary.null_share if summary else 0.0
            nullable = all(self.table.column(c).nullable for c in fk.columns)
            picks = np.array([self.rng.integers(0, i) if i else 0 for i in range(n)], dtype=int)
            has_parent = np.arange(n) > 0
            if nullable:
                has_parent &= self.rng.random(n) >= null_share
            for col, ref in zip(fk.columns, fk.ref_columns):
                values = frame[ref].to_numpy(dtype=object)[picks]
                frame[col] = np.where(has_parent | (not nullable), values, None)
