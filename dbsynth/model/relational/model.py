"""The relational model's entry points: fit it, and sample a database from it.

A database is sampled one table at a time in the plan's load order, each from its own random
stream, so a seed gives the same rows whichever way they are asked for:

- :meth:`RelationalModel.sample_all_at_once`: every table at once, in a dict, cut keys
  filled in (tests, reports, scale-out workers);
- :meth:`RelationalModel.sample_table_by_table`: a :class:`Synthesis` handing each table over
  as it is made, keeping only what later tables read (a writer loading as it goes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
import pandas as pd

from dbsynth.errors import ModelError
from dbsynth.model.derived import cluster_column, count_column
from dbsynth.model.partition import Partition
from dbsynth.model.relational.counts import count_values
from dbsynth.model.relational.fit import ChildCounts, TableModel, fit_tables
from dbsynth.model.relational.generator import TableGenerator, drawn_columns
from dbsynth.model.relational.links import Link, LinkRole
from dbsynth.model.relational.picking import pick_parents
from dbsynth.model.relational.sizing import Sizing
from dbsynth.model.relational.state import GenerationState, MadeTable
from dbsynth.model.stream import Synthesis, TableData, TableStream
from dbsynth.progress import Progress, quiet
from dbsynth.schema.graph import LoadPlan, build_plan
from dbsynth.schema.model import Schema

DEFAULT_ENGINE = "cart"
#: rows drawn for a conditioned root to learn its children per matching parent
WHERE_PILOT = 20_000
#: a root table with fewer rows than this (at the run's scale) is not split into partitions
SHARED_ROOT_ROWS = 10_000


@dataclass
class RelationalModel:
    schema: Schema
    tables: dict[str, TableModel]
    links: list[Link]

    @classmethod
    def fit(cls, schema: Schema, frames: dict[str, pd.DataFrame], *, engine: str = DEFAULT_ENGINE,
            engines: dict[str, str] | None = None, seed: int = 0,
            child_counts: ChildCounts | None = None) -> RelationalModel:
        """Fit every table. ``child_counts`` (children per parent key, counted in the source)
        replaces counts taken from the frames when training read a sample."""
        tables, links = fit_tables(schema, frames, engine, engines or {}, seed, child_counts or {})
        return cls(schema, tables, links)

    def sample_all_at_once(self, plan: LoadPlan, scale: float | Sizing = 1.0, seed: int = 0,
                           stream_rows: int | None = None, partition: Partition = Partition(),
                           progress: Progress = quiet) -> dict[str, TableData]:
        """One synthetic database, every table at once: a frame per table, cut keys filled
        in, every key consistent. ``scale``: the rows relative to the source, or a
        :class:`Sizing` (per-table sizes too).

        With a ``partition``, only that slice of the database (see :mod:`.partition`): the
        slices of one seed, written together, make one database with unique keys.

        With ``stream_rows``, a table no other table references (a leaf such as order lines)
        that would have more rows is returned as a :class:`TableStream` instead: generated in
        chunks of that many rows while it is consumed, so it is never whole in memory."""
        synthesis = self._synthesis(plan, scale, seed, stream_rows, partition, progress,
                                    streams_read_later=True)
        out = dict(synthesis)
        for name, cut in synthesis.cut_columns().items():
            frame = out[name]
            assert isinstance(frame, pd.DataFrame)  # a table in a cycle is referenced: whole
            for col in cut.columns:
                frame[col] = cut[col].to_numpy()
        return out

    def sample_table_by_table(self, plan: LoadPlan, scale: float | Sizing = 1.0, seed: int = 0,
                              stream_rows: int | None = None, partition: Partition = Partition(),
                              progress: Progress = quiet) -> Synthesis:
        """The same database as :meth:`sample_all_at_once`, handed over table by table as it
        is made (see :class:`Synthesis`), cut keys only at the end: a writer loading each
        table as it comes holds one table at a time, plus the keys and encoded rows of the
        parents later tables still need. A streamed table must be read before the next table
        is asked for. With ``stream_rows``, bigger tables are also made in pieces of that
        many rows."""
        return self._synthesis(plan, scale, seed, stream_rows, partition, progress)

    #: the older names
    sample = sample_all_at_once
    generate = sample_table_by_table

    def check_where(self, sizing: Sizing) -> None:
        """The sizing fits the schema, and each condition names columns the model draws."""
        sizing.check_tables(self.schema)
        for name, condition in sizing.where.items():
            condition.check_generated(drawn_columns(self.schema.table(name), self.tables[name]))

    def settled(self, scale: float | Sizing, seed: int) -> Sizing:
        """The sizing with what conditions do to sizes: a conditioned root's children get
        the children per parent that the model draws for matching rows (a pilot of
        :data:`WHERE_PILOT` draws from its own random stream), so they are sized for the
        matching parents, not for all of them. The planned rows (and the size check) use
        the settled sizing; every partition settles alike. Checked first (see
        :meth:`check_where`)."""
        sizing = Sizing.of(scale)
        self.check_where(sizing)
        if not sizing.where or sizing.where_factors:
            return sizing
        factors: dict[str, float] = {}
        for index, (name, condition) in enumerate(sorted(sizing.where.items())):
            tm = self.tables[name]
            children = [lk for lk in self.links if lk.role == LinkRole.PRIMARY and lk.parent == name]
            if tm.primary is not None or tm.copied is not None or not children:
                continue  # below a parent, the parents' rows are not known before sampling
            rng = np.random.default_rng([seed, 0x5748, index])
            state = GenerationState(summaries={n: t.columns for n, t in self.tables.items()})
            generator = TableGenerator(self.tables, self.links, self.schema.table(name),
                                       build_plan(self.schema), state, rng)
            frame, hidden = generator.draw_root(WHERE_PILOT, set(condition.columns))
            matching = condition.holds(frame, self.schema.table(name))
            if not matching.any():
                continue  # generation says the condition is impossible
            for link in children:
                column = count_column(link.child, link.fk)
                if column not in hidden:
                    continue
                counts = count_values(tm.columns[column], hidden[column].to_numpy(float))
                if counts.mean() > 0:
                    factors[link.child] = float(counts[matching].mean() / counts.mean())
        return replace(sizing, where_factors=factors)

    def _synthesis(self, plan: LoadPlan, scale: float | Sizing, seed: int,
                   stream_rows: int | None, partition: Partition, progress: Progress,
                   streams_read_later: bool = False) -> Synthesis:
        sizing = self.settled(scale, seed)  # checked, too
        state = GenerationState(shared=self.shared_tables(sizing, partition), partition=partition,
                                summaries={n: tm.columns for n, tm in self.tables.items()},
                                where=dict(sizing.where))
        ratios = sizing.ratios(self.schema, self.tables)
        return Synthesis(self._table_by_table(plan, ratios, seed, stream_rows, state, progress,
                                              streams_read_later), lambda: state.cut_frames)

    def _table_by_table(self, plan: LoadPlan, ratios: dict[str, float], seed: int,
                        stream_rows: int | None, state: GenerationState, progress: Progress,
                        streams_read_later: bool = False) -> Iterator[tuple[str, TableData]]:
        """Each table in load order (``ratios``: its rows relative to the source's), then the
        cut keys. Unless the streams handed over are read after all tables are made
        (``streams_read_later``), what was made is let go at the end: the consumer has read
        every stream by then.

        A table with a *held* cut key (see :mod:`dbsynth.schema.graph`) is handed over only
        once that key is drawn, right after its parent table is made; the tables made in
        between wait with it (whole, never streamed), so the load order stays the plan's."""
        partition = state.partition
        referenced = {fk.ref_table for t in self.schema.tables for fk in t.foreign_keys}
        held = [lk for lk in self.links
                if lk.role == LinkRole.CUT and plan.is_held(lk.child, lk.fk)]
        undrawn = set(range(len(held)))
        made: set[str] = set()
        waiting: list[str] = []  # made, not handed over yet (in load order)
        last_read = self._last_read(plan)
        for index, name in enumerate(plan.order):
            own = Partition() if name in state.shared else partition  # shared: same everywhere
            rng = np.random.default_rng(_seed_words(seed, index, own))
            generator = TableGenerator(self.tables, self.links, self.schema.table(name), plan,
                                       state, rng, own)
            # a referenced table only when its stream is read before the next table is made
            kept = (name in referenced and not streams_read_later
                    and self._streams_referenced(name))
            streamable = (stream_rows is not None and (name not in referenced or kept)
                          and self.tables[name].copied is None and not waiting)
            drawn: np.ndarray | None = None  # a referenced table's parent rows, drawn once
            if streamable:
                parent_rows = generator.parent_rows(ratios[name])
                drawn = parent_rows if kept else None  # (a leaf's are drawn again, as always)
                if len(parent_rows) > stream_rows:
                    last = partition.number(len(parent_rows) - 1)
                    next_keys = {c: k.start + last + 1 for c, k in self.tables[name].keys.items()
                                 if k.style == "int"}
                    chunks = (partial(self._kept_chunks, generator, state, name, parent_rows,
                                      stream_rows) if kept
                              else partial(generator.chunks, parent_rows, stream_rows))
                    if not streams_read_later:  # its parents go once its last chunk is made
                        chunks = partial(_then, chunks, partial(_forget_read_by, state, name,
                                                                last_read))
                    yield name, TableStream(name, len(parent_rows), chunks, next_keys)
                    made.add(name)
                    continue
            progress("generate", name, 0)
            generator.run(ratios[name], stream_rows, drawn)
            progress("generate", name, len(state.rows(name)))
            made.add(name)
            waiting.append(name)
            for i in sorted(undrawn):
                link = held[i]
                if link.child in made and link.parent in made:
                    draw = np.random.default_rng(_seed_words(seed, len(plan.order) + 1 + i, partition))
                    self._draw_held(link, state, draw)
                    undrawn.discard(i)
            blocked = {held[i].child for i in undrawn}
            while waiting and waiting[0] not in blocked:
                ready = waiting.pop(0)
                yield ready, state.rows(ready)
                self._keep_what_later_tables_read(state, ready)
                if not streams_read_later:
                    _forget_read_by(state, ready, last_read)
        rng = np.random.default_rng(_seed_words(seed, len(plan.order), partition))
        for link in self.links:
            if link.role == LinkRole.CUT and not plan.is_held(link.child, link.fk):
                self._draw_filled(link, state, rng)
        if not streams_read_later:  # only the cut keys are asked for from now on
            state.forget_tables()

    def _draw_filled(self, link: Link, state: GenerationState, rng: np.random.Generator) -> None:
        """Draw a cut key loaded NULL and filled after the load: into the table's kept rows
        and, with the table's row key, into the cut frames the writer updates from."""
        frame = state.rows(link.child)
        picks = pick_parents(link, state.derived(link.child).get(cluster_column(link.fk)), state,
                             rng, self.schema.table(link.child))
        for col in link.columns:
            frame[col] = picks[col].to_numpy()
        key = self.schema.table(link.child).row_key() or ()
        cut = state.cut_frames.get(link.child, frame[list(key)])
        state.cut_frames[link.child] = cut.assign(**{c: frame[c] for c in link.columns})

    def _draw_held(self, link: Link, state: GenerationState, rng: np.random.Generator) -> None:
        """Draw a held cut key into its table's rows, which are not handed over yet. A NOT NULL
        key that finds no parent for a row (its parent table made no rows, or too few for a
        one-to-one key) is an error, never a NULL in the target."""
        table = self.schema.table(link.child)
        frame = state.rows(link.child)
        picks = pick_parents(link, state.derived(link.child).get(cluster_column(link.fk)), state,
                             rng, table)
        nullable = all(table.column(c).nullable for c in link.columns)
        missing = int(picks.isna().any(axis=1).sum())
        if missing and not nullable:
            raise ModelError(
                f"cycle key {link.fk.label(link.child)}: {missing} of {len(frame)} rows of "
                f"{link.child} found no row of {link.parent} to point at "
                f"({len(state.rows(link.parent))} made); try another --scale")
        for col in link.columns:
            frame[col] = picks[col].to_numpy()

    def _keep_what_later_tables_read(self, state: GenerationState, name: str) -> None:
        """Cut a handed-over table down to what later steps read (see :meth:`_read_later`)."""
        columns, is_parent = self._read_later(name)
        made = state.made[name]
        # copies, not column views: a view keeps the whole block of the table's columns of
        # that dtype alive (partsupp's kept keys held every comment string of the table)
        made.rows = made.rows[columns].copy()
        made.derived = made.derived.copy()
        if not is_parent:
            made.encoded = None

    def _read_later(self, name: str) -> tuple[list[str], bool]:
        """The columns of a table later steps read: the keys children refer to, the columns
        children copy, its row key and cut keys (drawn at the end); and whether it is some
        table's parent (then children are conditioned on its encoded rows)."""
        table = self.schema.table(name)
        read: set[str] = set()
        is_parent = False
        for link in self.links:
            if link.parent == name and link.role != LinkRole.SELF:
                read.update(link.ref_columns)
                is_parent = True
            if link.child == name and link.role == LinkRole.CUT:
                read.update(link.columns)
                read.update(table.row_key() or ())
        for tm in self.tables.values():
            for copy in tm.copies.values():
                if copy.parent == name:
                    read.update(copy.ref_columns)
                    read.add(copy.column)
        return [c for c in table.data_columns if c in read], is_parent

    def _last_read(self, plan: LoadPlan) -> dict[str, str]:
        """Per table some later table reads (its children, tables copying its columns), the
        last of those in load order: once that one is made, nothing reads the table again.
        Tables a cut key touches are read at the end (the cut keys are drawn last): absent."""
        position = {name: i for i, name in enumerate(plan.order)}
        cut = {t for lk in self.links if lk.role == LinkRole.CUT for t in (lk.child, lk.parent)}
        readers: dict[str, set[str]] = {}
        for link in self.links:
            if link.role != LinkRole.SELF:
                readers.setdefault(link.parent, set()).add(link.child)
        for name, tm in self.tables.items():
            for copy in tm.copies.values():
                readers.setdefault(copy.parent, set()).add(name)
        return {parent: max(children, key=position.__getitem__)
                for parent, children in readers.items() if parent not in cut}

    def _streams_referenced(self, name: str) -> bool:
        """A referenced table may be handed over in chunks (keeping of each only what later
        tables read) when no link of a cycle or a self reference touches it: those fill its
        rows after they are made."""
        return not any(link.role in (LinkRole.CUT, LinkRole.SELF) and name in (link.child, link.parent)
                       for link in self.links)

    def _kept_chunks(self, generator: TableGenerator, state: GenerationState, name: str,
                     parent_rows: np.ndarray, chunk_rows: int) -> Iterator[pd.DataFrame]:
        """A referenced table in chunks (see :meth:`TableGenerator.pieces`): of each, the
        columns later tables read, its derived columns and encoded rows are kept; after the
        last, the table is in the state as if made whole and cut down, so it is never whole
        in memory."""
        columns, is_parent = self._read_later(name)
        rows: list[pd.DataFrame] = []
        derived: list[pd.DataFrame] = []
        encoded: list[np.ndarray] = []
        for frame, hidden, piece_encoded in generator.pieces(parent_rows, chunk_rows):
            rows.append(frame[columns].copy())
            derived.append(hidden.copy())
            if is_parent:
                encoded.append(piece_encoded)
            hidden = piece_encoded = None
            yield frame
            frame = None  # handed over: not held while the next chunk is made
        state.made[name] = MadeTable(pd.concat(rows, ignore_index=True),
                                     pd.concat(derived, ignore_index=True),
                                     np.vstack(encoded) if is_parent else None)

    def shared_tables(self, scale: float | Sizing, partition: Partition) -> frozenset[str]:
        """Tables every partition generates whole and alike, written by partition 0 only:
        copy-mode tables, and small root tables (lookups such as genres or departments),
        which split into partitions would lose their shape and multiply their rows."""
        if partition.whole:
            return frozenset()
        planned = Sizing.of(scale).planned_rows(self.schema, self.tables)
        return frozenset(name for name, tm in self.tables.items()
                         if tm.copied is not None
                         or (tm.primary is None and planned[name] < SHARED_ROOT_ROWS))


def _then(chunks: Callable[[], Iterator[pd.DataFrame]], after: Callable[[], None]
          ) -> Iterator[pd.DataFrame]:
    """The chunks, then ``after()`` once the last is made."""
    yield from chunks()
    after()


def _forget_read_by(state: GenerationState, reader: str, last_read: dict[str, str]) -> None:
    """Let go of the tables ``reader`` was the last to read (see
    :meth:`RelationalModel._last_read`): rows, derived columns, encoded rows and the parent
    clusters grouped for its children's links, so what the writer does next (a big table's
    key built after its load) does not run beside parents no table needs any more."""
    for parent, last in last_read.items():
        if last == reader:
            state.made.pop(parent, None)
            for key in [k for k in state.clusters if k[0] == parent]:
                del state.clusters[key]


def _seed_words(seed: int, step: int, partition: Partition) -> list[int]:
    """Random stream of one step of sampling; each partition has its own (the whole database
    keeps the streams it always had, so a seed gives the rows it gave before)."""
    return [seed, step] if partition.whole else [seed, step, partition.index, partition.count]
