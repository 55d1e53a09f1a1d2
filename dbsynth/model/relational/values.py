"""Column values of one table that its engine does not draw: plain columns (Faker, free text,
a column's own distribution), keys, copies of a parent's column, self references, and the
redraws that CHECKs and duplicate keys ask for."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dbsynth.model import keys
from dbsynth.model.columns import sample_column
from dbsynth.model.derived import is_derived_column
from dbsynth.model.key_hashes import KeyRule
from dbsynth.model.partition import Partition
from dbsynth.model.pii import FakeValues
from dbsynth.model.relational.fit import TableModel
from dbsynth.model.relational.links import Link, ParentCopy, row_positions
from dbsynth.model.relational.picking import pick_parents
from dbsynth.model.relational.state import GenerationState
from dbsynth.schema.model import Table


class TableValues:
    """Draws for one table's columns, from the table's random stream ``rng``."""

    def __init__(self, table: Table, tm: TableModel, state: GenerationState,
                 rng: np.random.Generator, partition: Partition,
                 secondary: list[Link], self_links: list[Link]) -> None:
        self.table, self.tm, self.state, self.rng, self.partition = table, tm, state, rng, partition
        self.secondary, self.self_links = secondary, self_links
        self.fake = FakeValues(rng)

    def plain(self, name: str, n: int) -> pd.Series:
        column = self.table.column(name)
        values = sample_column(self.tm.columns[name], n, self.rng, self.fake, column.nullable)
        if keys.column_is_key(self.table, column) and column.type.is_string:
            values = keys.make_strings_unique(values, column.type.length, self.partition,
                                              (name,) in self.table.folded_unique_sets())
        return values

    def key(self, name: str, n: int, offset: int = 0, total: int | None = None) -> pd.Series:
        """Generated key values (numbered after ``offset`` rows of ``total``), else drawn."""
        column = self.table.column(name)
        summary = self.tm.columns[name]
        if summary.kind != "pii":
            values = keys.key_values(self.tm.keys[name], column, n, self.rng, offset, total,
                                     self.partition)
            if values is not None:
                return values
        return self.plain(name, n)

    def copy_from_parent(self, name: str, source: ParentCopy, frame: pd.DataFrame) -> np.ndarray:
        """The linked synthetic parent's value of the source column (rows without a parent:
        NULL, or a fresh value where the column is NOT NULL)."""
        parent = self.state.rows(source.parent)
        rows = row_positions(parent, list(source.ref_columns), frame, list(source.fk_columns))
        out = np.full(len(frame), None, dtype=object)
        values = parent[source.column].to_numpy(dtype=object)
        out[rows >= 0] = values[rows[rows >= 0]]
        column = self.table.column(name)
        if column.type.length and column.type.is_string:
            out = np.array([v[: column.type.length] if isinstance(v, str) else v for v in out],
                           dtype=object)
        return out if column.nullable else self.fill_nulls(name, pd.Series(out))

    def fill_nulls(self, name: str, values: pd.Series) -> np.ndarray:
        """The values with each NULL replaced by a fresh draw (a NOT NULL column). A copy:
        under copy-on-write (pandas 3) ``to_numpy`` may return a read-only view."""
        out = values.to_numpy(dtype=object, copy=True)
        missing = pd.isna(values).to_numpy()
        if missing.any():
            fresh = sample_column(self.tm.columns[name], int(missing.sum()), self.rng, self.fake, False)
            out[missing] = fresh.to_numpy(dtype=object)
        return out

    def redraw_values(self, index: pd.Index) -> pd.DataFrame:
        """Fresh plain values for rows failing a CHECK (keys and links are kept)."""
        fresh = {}
        for name, summary in self.tm.columns.items():
            if is_derived_column(name) or name in self.tm.keys:
                continue
            nullable = self.table.column(name).nullable
            fresh[name] = sample_column(summary, len(index), self.rng, self.fake, nullable).to_numpy()
        return pd.DataFrame(fresh, index=index)

    def redraw_keys(self, index: pd.Index, key: tuple[str, ...]) -> pd.DataFrame:
        """New values for the colliding parts of ``key``: secondary links first, then plain."""
        fresh: dict[str, np.ndarray] = {}
        for link in self.secondary:
            if set(key) & set(link.columns):
                picks = pick_parents(link, None, self.state, self.rng, self.table, len(index))
                for col in link.columns:
                    fresh[col] = picks[col].to_numpy()
        if not fresh:
            for name in key:
                if name in self.tm.columns and name not in self.tm.keys:
                    fresh[name] = sample_column(self.tm.columns[name], len(index), self.rng,
                                                self.fake, False).to_numpy()
        return pd.DataFrame(fresh, index=index)

    def fill_self_references(self, frame: pd.DataFrame) -> None:
        """Each row may point only at an earlier row, so the hierarchy has no cycle."""
        for link in self.self_links:
            n = len(frame)
            nullable = all(self.table.column(c).nullable for c in link.columns)
            if tuple(link.columns) in self.table.unique_column_sets():
                picks = np.maximum(np.arange(n) - 1, 0)  # unique: a chain, each row used once
            else:
                picks = np.array([self.rng.integers(0, i) if i else 0 for i in range(n)], dtype=int)
            has_parent = np.arange(n) > 0
            if nullable:
                has_parent &= self.rng.random(n) >= link.null_share
            for unique in self.table.unique_column_sets():
                if set(link.columns) < set(unique):  # UNIQUE (parent_id, name): siblings differ
                    has_parent = self._spread_siblings(frame, picks, has_parent, nullable,
                                                       link, unique)
            for col, ref in zip(link.columns, link.ref_columns):
                values = frame[ref].to_numpy(dtype=object)[picks]
                frame[col] = np.where(has_parent | (not nullable), values, None)

    def _spread_siblings(self, frame: pd.DataFrame, picks: np.ndarray, has_parent: np.ndarray,
                         nullable: bool, link: Link, unique: tuple[str, ...], tries: int = 20
                         ) -> np.ndarray:
        """Parents for rows that would repeat a sibling's other columns of ``unique`` (two
        'books' under one category, where ``UNIQUE (parent_id, name)``): they pick another
        earlier row, then, where the reference may be NULL, become roots (NULL is never a
        duplicate). Changes ``picks`` in place; returns which rows keep a parent. The other
        columns are compared as the unique index does (case-folded, NULLs equal)."""
        rule = KeyRule.of(self.table, unique)
        others = tuple(c for c in unique if c not in link.columns)
        other_hash, complete = KeyRule(others, rule.fold, rule.nulls).hashes(frame)
        has_parent = has_parent.copy()
        points = has_parent if nullable else np.ones(len(frame), dtype=bool)

        def duplicated() -> np.ndarray:
            pair = pd.DataFrame({"pick": picks, "other": other_hash})
            dup = np.zeros(len(frame), dtype=bool)
            rows = np.flatnonzero(points & complete)
            dup[rows] = pair.iloc[rows].duplicated(keep="first").to_numpy()
            return dup

        dup = duplicated()
        for _ in range(tries):
            if not dup.any():
                return has_parent
            rows = np.flatnonzero(dup)
            picks[rows] = (self.rng.random(len(rows)) * rows).astype(int)
            dup = duplicated()
        if nullable:
            has_parent[dup] = False
            return has_parent
        kept = points & complete & ~dup
        taken = set(zip(picks[kept].tolist(), other_hash[kept].tolist()))
        for row in np.flatnonzero(dup):  # a full scan for the few left, earliest free first
            free = next((p for p in range(row) if (p, int(other_hash[row])) not in taken), None)
            if free is not None:
                picks[row] = free
                taken.add((free, int(other_hash[row])))
        return has_parent
