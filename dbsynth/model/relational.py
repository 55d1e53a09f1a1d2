"""The relational model: one table engine per table, tied together along foreign keys.

How the tables are tied (see ../shared/DESIGN.md, "The model"):

- every table has at most one *primary* parent; the parent's model learns a derived column
  ``#child(fk)`` — how many children each parent row has — so child counts follow the parent's
  attributes, and each child row is generated *for* a synthetic parent row, conditioned on it
  (the parent's encoded row is the child engine's context);
- every other foreign key (*secondary*, or *cut* to break a cycle) is a latent link: the
  parent's rows are clustered, the child learns the cluster of its parent as a column
  ``@fk``, and a synthetic parent is then picked inside the drawn cluster with weights from
  its own ``#child(fk)`` count — degrees and cross-parent correlations both survive;
- self references point at earlier rows only, so hierarchies have no cycles.

Keys come from :mod:`dbsynth.model.keys`, personal and free text from Faker, CHECKs are
enforced on the generated rows, and inequalities that held on every source row are kept.
"""

from __future__ import annotations

import logging
from functools import partial
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dbsynth.errors import ModelError
from dbsynth.model import keys
from dbsynth.model.cart import Splitter, choose_splitter, tree_cells
from dbsynth.model.columns import ColumnSummary, fit_column, sample_column
from dbsynth.model.constraints import enforce_checks
from dbsynth.model.encoding import MODELLED_KINDS, decode, encode
from dbsynth.model.partition import Partition
from dbsynth.model.pii import FakeValues
from dbsynth.model.stream import Synthesis, TableData, TableStream
from dbsynth.progress import Progress, quiet
from dbsynth.model.table import CartEngine, ColumnSpec, CopulaEngine, make_engine
from dbsynth.schema.graph import LoadPlan, build_plan
from dbsynth.schema.model import ForeignKey, Schema, SqlType, Table

log = logging.getLogger(__name__)

MAX_CLUSTERS = 8
MAX_KMEANS_ROWS = 10_000  # centroids from a sample; every parent is then assigned to one
MIN_PRIMARY_PARENT_ROWS = 30  # smaller parents are lookup lists: linked, not generated for
MAX_COUNT_CLASSES = 2000  # child counts up to this are modelled as exact frequencies
REDRAW_TRIES = 20  # redraws of a duplicate key (keys.dedupe_rows), per partition
DEFAULT_ENGINE = "cart"


def count_column(child: str, fk: ForeignKey) -> str:
    return f"#{child}({','.join(fk.columns)})"


def cluster_column(fk: ForeignKey) -> str:
    return f"@{','.join(fk.columns)}"


@dataclass
class Link:
    """How one foreign key is generated. ``role``: primary | secondary | cut | self."""

    child: str
    columns: tuple[str, ...]
    parent: str
    ref_columns: tuple[str, ...]
    role: str
    null_share: float = 0.0
    centroids: list[list[float]] = field(default_factory=list)
    center: list[float] = field(default_factory=list)
    spread: list[float] = field(default_factory=list)

    @property
    def fk(self) -> ForeignKey:
        return ForeignKey(self.columns, self.parent, self.ref_columns)


@dataclass
class ParentCopy:
    """A column that repeats ``column`` of the parent row its FK ``fk_columns`` points at."""

    fk_columns: tuple[str, ...]
    parent: str
    ref_columns: tuple[str, ...]
    column: str


@dataclass
class TableModel:
    name: str
    row_count: int
    columns: dict[str, ColumnSummary]  # every non-FK column, incl. derived #… and @… ones
    keys: dict[str, keys.KeySpec]
    modelled: list[str]  # engine columns in order: base, then #counts, then @clusters
    engine: CartEngine | CopulaEngine
    primary: Link | None = None
    orphan_rows: int = 0  # source rows whose primary FK is NULL
    inequalities: list[Inequality] = field(default_factory=list)
    copies: dict[str, ParentCopy] = field(default_factory=dict)  # own column -> its source
    #: mode "copy" (metadata file): the source rows, column by column, and their derived
    #: child counts; written verbatim instead of generated
    copied: dict[str, list[object]] | None = None
    copied_hidden: dict[str, list[float]] | None = None


@dataclass
class RelationalModel:
    schema: Schema
    tables: dict[str, TableModel]
    links: list[Link]

    # ------------------------------------------------------------------------------ fit
    @classmethod
    def fit(cls, schema: Schema, frames: dict[str, pd.DataFrame], *, engine: str = DEFAULT_ENGINE,
            engines: dict[str, str] | None = None, seed: int = 0,
            child_counts: dict[tuple[str, tuple[str, ...]], dict[tuple[object, ...], int]] | None = None,
            ) -> RelationalModel:
        """Fit every table. ``child_counts`` (children per parent key, counted in the source)
        replaces counts taken from the frames when training read a sample."""
        plan = build_plan(schema)
        links = _choose_links(schema, plan, frames)
        summaries = {t.name: _base_summaries(t, frames[t.name]) for t in schema.tables}
        encoded = {t.name: _encode_base(t, summaries[t.name], frames[t.name]) for t in schema.tables}
        copies: dict[str, dict[str, ParentCopy]] = {t.name: {} for t in schema.tables}
        for link in links:
            if link.role in ("primary", "secondary"):
                found = _find_parent_copies(schema, link, frames, summaries)
                copies[link.child].update({k: v for k, v in found.items() if k not in copies[link.child]})
                encoded[link.child] = encoded[link.child].drop(columns=list(found), errors="ignore")
        # counts on parents, then clusters on children (clusters use the parent's counts)
        for link in links:
            if link.role == "self":
                continue
            known = (child_counts or {}).get((link.child, link.columns))
            counts = (np.array([known.get(k, 0) for k in _key_tuples(frames[link.parent], link.ref_columns)],
                               dtype=float) if known is not None
                      else _child_counts(frames[link.child], link, frames[link.parent]))
            name = count_column(link.child, link.fk)
            summary = summaries[link.parent][0][name] = _count_summary(name, counts)
            encoded[link.parent][name] = count_codes(summary, counts)
        for link in links:
            if link.role in ("secondary", "cut"):
                labels = _fit_clusters(link, encoded[link.parent], seed)
                child_labels = _labels_for_children(frames[link.child], link, frames[link.parent], labels)
                name = cluster_column(link.fk)
                encoded[link.child][name] = child_labels
                summaries[link.child][0][name] = _cluster_summary(name, len(link.centroids))
        splitter = _splitter(schema, links, summaries, encoded, engine, engines or {})
        tables: dict[str, TableModel] = {}
        for table in schema.tables:
            cols, key_specs = summaries[table.name]
            modelled = list(encoded[table.name].columns)
            primary = next((lk for lk in links if lk.child == table.name and lk.role == "primary"), None)
            context = _training_context(frames, encoded, table, primary)
            specs = [ColumnSpec(c, cols[c].kind == "categorical", len(cols[c].categories))
                     for c in modelled]
            chosen = (engines or {}).get(table.name, engine)
            table_engine = make_engine(chosen, specs)
            table_engine.fit(context, encoded[table.name].to_numpy(dtype=float), seed, splitter)
            orphans = int(frames[table.name][list(primary.columns)].isna().any(axis=1).sum()) if primary else 0
            parent_frame = (pd.DataFrame(context, columns=list(encoded[primary.parent].columns))
                            if primary else None)
            rules = _find_inequalities(encoded[table.name], cols, parent_frame,
                                       summaries[primary.parent][0] if primary else None)
            tables[table.name] = TableModel(
                table.name, max(table.row_count, len(frames[table.name])), cols, key_specs,
                modelled, table_engine, primary, orphans, rules, copies.get(table.name, {}))
            if table.mode == "copy":
                rows = frames[table.name].astype(object)
                tables[table.name].copied = {c: rows[c].where(rows[c].notna(), None).tolist()
                                             for c in table.data_columns}
                tables[table.name].copied_hidden = {
                    c: encoded[table.name][c].tolist() for c in modelled if c[0] in "#@"}
        return cls(schema, tables, links)

    # --------------------------------------------------------------------------- sample
    def sample(self, plan: LoadPlan, scale: float = 1.0, seed: int = 0,
               stream_rows: int | None = None,
               partition: Partition = Partition(),
               progress: Progress = quiet) -> dict[str, TableData]:
        """One synthetic database: a frame per table, every key consistent.

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

    def generate(self, plan: LoadPlan, scale: float = 1.0, seed: int = 0,
                 stream_rows: int | None = None, partition: Partition = Partition(),
                 progress: Progress = quiet) -> Synthesis:
        """The same database as :meth:`sample`, handed over table by table as it is made
        (see :class:`Synthesis`): a writer loading each table as it comes holds one table at
        a time, plus the keys and encoded rows of the parents later tables still need. A
        streamed table must be read before the next table is asked for.
        With ``stream_rows``, bigger tables are also made in pieces of that many rows."""
        return self._synthesis(plan, scale, seed, stream_rows, partition, progress)

    def _synthesis(self, plan: LoadPlan, scale: float, seed: int, stream_rows: int | None,
                   partition: Partition, progress: Progress,
                   streams_read_later: bool = False) -> Synthesis:
        state = _Generated(shared=self.shared_tables(scale, partition), partition=partition,
                           summaries={n: tm.columns for n, tm in self.tables.items()})
        return Synthesis(self._tables(plan, scale, seed, stream_rows, state, progress,
                                      streams_read_later), lambda: state.cut_frames)

    def _tables(self, plan: LoadPlan, scale: float, seed: int, stream_rows: int | None,
                state: _Generated, progress: Progress, streams_read_later: bool = False,
                ) -> Iterator[tuple[str, TableData]]:
        """Each table in load order, then the cut keys. Unless the streams handed over are
        read after all tables are made (``streams_read_later``), what was made is let go at
        the end: the consumer has read every stream by then.

        A table with a *held* cut key (see :mod:`dbsynth.schema.graph`) is handed over only
        once that key is drawn, right after its parent table is made; the tables made in
        between wait with it (whole, never streamed), so the load order stays the plan's."""
        partition = state.partition
        referenced = {fk.ref_table for t in self.schema.tables for fk in t.foreign_keys}
        held = [lk for lk in self.links if lk.role == "cut" and plan.is_held(lk.child, lk.fk)]
        undrawn = set(range(len(held)))
        made: set[str] = set()
        waiting: list[str] = []  # made, not handed over yet (in load order)
        for index, name in enumerate(plan.order):
            own = Partition() if name in state.shared else partition  # shared: same everywhere
            rng = np.random.default_rng(_seed_words(seed, index, own))
            generator = _TableGenerator(self, self.schema.table(name), plan, state, rng, own)
            streamable = (stream_rows is not None and name not in referenced
                          and self.tables[name].copied is None and not waiting)
            if streamable:
                parent_rows = generator._parent_rows(scale)
                if len(parent_rows) > stream_rows:
                    last = partition.number(len(parent_rows) - 1)
                    next_keys = {c: k.start + last + 1 for c, k in self.tables[name].keys.items()
                                 if k.style == "int"}
                    yield name, TableStream(name, len(parent_rows), partial(
                        generator.chunks, parent_rows, stream_rows), next_keys)
                    continue
            progress("generate", name, 0)
            generator.run(scale, stream_rows)
            progress("generate", name, len(state.frames[name]))
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
                yield ready, state.frames[ready]
                self._keep_what_later_tables_read(state, ready)
        rng = np.random.default_rng(_seed_words(seed, len(plan.order), partition))
        for link in self.links:
            if link.role == "cut" and not plan.is_held(link.child, link.fk):
                frame, hidden = state.frames[link.child], state.hidden[link.child]
                picks = _pick_parents(link, hidden.get(cluster_column(link.fk)), state, rng,
                                      self.schema.table(link.child))
                for col in link.columns:
                    frame[col] = picks[col].to_numpy()
                key = self.schema.table(link.child).row_key() or ()
                cut = state.cut_frames.get(link.child, frame[list(key)])
                state.cut_frames[link.child] = cut.assign(**{c: frame[c] for c in link.columns})
        if not streams_read_later:  # only the cut keys are asked for from now on
            for made_now in (state.frames, state.hidden, state.encoded, state.clusters,
                             state.cluster_rows, state.capacity):
                made_now.clear()

    def _draw_held(self, link: Link, state: _Generated, rng: np.random.Generator) -> None:
        """Draw a held cut key into its table's rows, which are not handed over yet. A NOT NULL
        key that finds no parent for a row (its parent table made no rows, or too few for a
        one-to-one key) is an error, never a NULL in the target."""
        table = self.schema.table(link.child)
        frame, hidden = state.frames[link.child], state.hidden[link.child]
        picks = _pick_parents(link, hidden.get(cluster_column(link.fk)), state, rng, table)
        nullable = all(table.column(c).nullable for c in link.columns)
        missing = int(picks.isna().any(axis=1).sum())
        if missing and not nullable:
            raise ModelError(
                f"cycle key {link.fk.label(link.child)}: {missing} of {len(frame)} rows of "
                f"{link.child} found no row of {link.parent} to point at "
                f"({len(state.frames[link.parent])} made); try another --scale")
        for col in link.columns:
            frame[col] = picks[col].to_numpy()

    def _keep_what_later_tables_read(self, state: _Generated, name: str) -> None:
        """Cut a handed-over table down to what later steps read: the keys children refer to,
        the columns children copy, its row key and cut keys (drawn at the end); its encoded
        rows only if it is some table's parent (children are conditioned on them)."""
        table = self.schema.table(name)
        read: set[str] = set()
        is_parent = False
        for link in self.links:
            if link.parent == name and link.role != "self":
                read.update(link.ref_columns)
                is_parent = True
            if link.child == name and link.role == "cut":
                read.update(link.columns)
                read.update(table.row_key() or ())
        for tm in self.tables.values():
            for copy in tm.copies.values():
                if copy.parent == name:
                    read.update(copy.ref_columns)
                    read.add(copy.column)
        state.frames[name] = state.frames[name][[c for c in table.data_columns if c in read]]
        if not is_parent:
            state.encoded.pop(name, None)

    def shared_tables(self, scale: float, partition: Partition) -> frozenset[str]:
        """Tables every partition generates whole and alike, written by partition 0 only:
        copy-mode tables, and small root tables (lookups such as genres or departments),
        which split into partitions would lose their shape and multiply their rows."""
        if partition.whole:
            return frozenset()
        return frozenset(name for name, tm in self.tables.items()
                         if tm.copied is not None
                         or (tm.primary is None and tm.row_count * scale < SHARED_ROOT_ROWS))


#: a root table with fewer rows than this (at the run's scale) is not split into partitions
SHARED_ROOT_ROWS = 10_000


def _seed_words(seed: int, step: int, partition: Partition) -> list[int]:
    """Random stream of one step of sampling; each partition has its own (the whole database
    keeps the streams it always had, so a seed gives the rows it gave before)."""
    return [seed, step] if partition.whole else [seed, step, partition.index, partition.count]


@dataclass
class _Generated:
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    hidden: dict[str, pd.DataFrame] = field(default_factory=dict)  # derived #/@ columns
    encoded: dict[str, np.ndarray] = field(default_factory=dict)  # engine columns, for context
    clusters: dict[tuple[str, tuple[str, ...]], np.ndarray] = field(default_factory=dict)
    #: per link: its parents ordered by cluster, and their labels in that order
    cluster_rows: dict[tuple[str, tuple[str, ...]], tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict)
    #: per link, child slots each parent has left (its generated count, used up by picks,
    #: also across the chunks of a streamed table)
    capacity: dict[tuple[str, tuple[str, ...]], np.ndarray] = field(default_factory=dict)
    #: tables generated alike by every partition (see RelationalModel.shared_tables)
    shared: frozenset[str] = frozenset()
    #: the partition being generated (Partition(): not partitioned)
    partition: Partition = field(default_factory=Partition)
    #: per table with cut foreign keys: its row key and the cut keys, drawn at the end
    cut_frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: per table, its column summaries (a child count's classes: code -> count)
    summaries: dict[str, dict[str, ColumnSummary]] = field(default_factory=dict)


class _TableGenerator:
    def __init__(self, model: RelationalModel, table: Table, plan: LoadPlan, state: _Generated,
                 rng: np.random.Generator, partition: Partition = Partition()) -> None:
        self.model, self.table, self.plan, self.state, self.rng = model, table, plan, state, rng
        self.partition = partition
        self.tm = model.tables[table.name]
        self.fake = FakeValues(rng)
        #: key hashes of chunks already made (a streamed table); None: one piece, no need
        self.seen_keys: dict[tuple[str, ...], keys.KeyHashes] | None = None

    def run(self, scale: float, piece_rows: int | None = None) -> None:
        """Generate the whole table and keep it: its children and links read it. A table of
        more than ``piece_rows`` rows is made in pieces, so the work memory of one piece is
        all that comes on top of the table itself."""
        if self.tm.copied is not None:
            self._copy_verbatim(scale)
            return
        parent_rows = self._parent_rows(scale)
        pieces = list(self._pieces(parent_rows, piece_rows or max(len(parent_rows), 1)))
        if len(pieces) == 1:
            frame, hidden, encoded = pieces[0]
        else:
            frame = pd.concat([f for f, _, _ in pieces], ignore_index=True)
            hidden = pd.concat([h for _, h, _ in pieces], ignore_index=True)
            encoded = np.vstack([e for _, _, e in pieces])
        self.state.frames[self.table.name] = frame.reset_index(drop=True)
        self.state.hidden[self.table.name] = hidden.reset_index(drop=True)
        self.state.encoded[self.table.name] = encoded

    def chunks(self, parent_rows: np.ndarray, chunk_rows: int) -> Iterator[pd.DataFrame]:
        """The table in chunks of about ``chunk_rows`` rows, each dropped once consumed.
        Only the rows' parent positions are held for the whole table; their context rows
        are built chunk by chunk."""
        for frame, _, _ in self._pieces(parent_rows, chunk_rows, encode=False):
            yield frame

    def _pieces(self, parent_rows: np.ndarray, piece_rows: int, encode: bool = True
                ) -> Iterator[tuple[pd.DataFrame, pd.DataFrame, np.ndarray]]:
        """(rows, derived columns, encoded rows) in pieces of about ``piece_rows`` rows, cut
        between parents (so a key that includes the parent's stays unique)."""
        total = len(parent_rows)
        start = 0
        self.seen_keys = {} if piece_rows < total else None  # keys unique across pieces
        while start < total or start == total == 0:  # an empty table is one empty piece
            stop = min(total, start + piece_rows)
            while 0 < stop < total and parent_rows[stop] == parent_rows[stop - 1] and parent_rows[stop] >= 0:
                stop += 1  # keep a parent's children together
            rows = parent_rows[start:stop]
            frame, hidden = self._make(self._context_of(rows), rows, start, total)
            yield frame, hidden, self._encoded(frame, hidden) if encode else np.zeros((0, 0))
            if total == 0:
                return
            start = stop

    def _make(self, context: np.ndarray, parent_rows: np.ndarray, offset: int,
              total: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Rows for ``context`` (parent rows, or NaN rows for a root); generated keys start
        after ``offset`` rows of a table of ``total`` rows."""
        t, tm = self.table, self.tm
        n = len(context)
        data = tm.engine.sample(context, self.rng) if tm.modelled else np.zeros((n, 0))
        parent_names = self.model.tables[tm.primary.parent].modelled if tm.primary else []
        data = _apply_inequalities(data, tm.modelled, context, parent_names, tm.inequalities, self.rng)
        frame = pd.DataFrame(index=pd.RangeIndex(n))
        hidden = pd.DataFrame(index=pd.RangeIndex(n))
        for j, name in enumerate(tm.modelled):
            if name[0] in "#@":
                hidden[name] = data[:, j]
            else:
                frame[name] = decode(tm.columns[name], data[:, j]).to_numpy()
        for column in t.columns:
            if column.name in tm.copies:
                continue  # filled from the parent once the links are set, below
            if column.name in tm.columns and column.name not in frame:
                frame[column.name] = self._draw_plain(column.name, n).to_numpy()
            elif column.name in frame and not column.nullable:
                frame[column.name] = self._fill_nulls(column.name, frame[column.name])
        for name in tm.keys:
            frame[name] = self._draw_key(name, n, offset, total).to_numpy()
        for col in (c for fk in t.foreign_keys for c in fk.columns):
            if col not in frame:
                frame[col] = None
        if tm.primary is not None:
            for col, ref in zip(tm.primary.columns, tm.primary.ref_columns):
                parent = self.state.frames[tm.primary.parent][ref].to_numpy(dtype=object)
                frame[col] = np.where(parent_rows >= 0, parent[np.maximum(parent_rows, 0)], None)
        for link in self._links("secondary"):
            picks = _pick_parents(link, hidden.get(cluster_column(link.fk)), self.state, self.rng, t)
            for col in link.columns:
                frame[col] = picks[col].to_numpy()
        for name, source in tm.copies.items():
            frame[name] = self._copy_from_parent(name, source, frame)
        frame = frame[list(t.data_columns)]
        frame = self._require_parents(frame)
        both = pd.concat([frame, hidden.loc[frame.index]], axis=1)
        both = enforce_checks(both, t, self._redraw_values)
        # a redrawn key is this partition's own one time in n: n times the redraws give a
        # claimed key the chances it has in one process (fx 88% → 95% of its rows, 3 parts)
        both = keys.dedupe_rows(both, t, self._redraw_keys, seen=self.seen_keys,
                                owner=self.partition, claimed=self._claimed_keys(),
                                tries=REDRAW_TRIES * self.partition.count,
                                partners=self._unused_partners)
        frame, hidden = both[list(t.data_columns)].copy(), both[list(hidden.columns)]
        self._fill_self_references(frame)
        return frame, hidden

    def _claimed_keys(self) -> frozenset[tuple[str, ...]]:
        """Key sets this partition must own (see keys.dedupe_rows): those with no column that
        is already different in every partition — a strided generated key, a foreign key to
        a partitioned table, or a one-to-one key to a shared one (each partition its rows)."""
        if self.partition.whole:
            return frozenset()
        t, tm = self.table, self.tm
        disjoint = {c for c, spec in tm.keys.items()
                    if spec.style in ("int", "pattern", "uuid") and tm.columns[c].kind != "pii"}
        unique_sets = t.unique_column_sets()
        for fk in t.foreign_keys:
            if fk.ref_table not in self.state.shared or fk.columns in unique_sets:
                disjoint.update(fk.columns)
        if self._deals_whole_parents():
            disjoint.update(tm.primary.columns)  # type: ignore[union-attr]
        return frozenset(k for k in unique_sets if not set(k) & disjoint)

    def _deals_whole_parents(self) -> bool:
        """Children of a shared parent go to the partitions by whole parents (all of parent
        row r's children to partition r mod n) when a key of the child holds the parent's
        foreign key, as ``(order_id, line_no)`` does: the key's values then differ in every
        partition, so none drops rows whose key it may not own (a partitioned order_line
        came out at 60% of its size). Other children of a shared parent are split evenly,
        each parent's over all partitions, which balances the work better."""
        link = self.tm.primary
        if link is None or link.parent not in self.state.shared or self.state.partition.whole:
            return False
        return any(set(link.columns) <= set(k) for k in self.table.unique_column_sets())

    def _copy_verbatim(self, scale: float) -> None:
        """A reference table (mode copy): the source rows as they are, at every scale; its
        children's counts scale so each row keeps its share of the children."""
        tm = self.tm
        assert tm.copied is not None
        frame = pd.DataFrame(tm.copied, columns=list(self.table.data_columns))
        # count codes as learnt (children's context): the counts are calibrated to the rows
        # asked for where they are used (see _parent_rows)
        hidden = pd.DataFrame({c: np.asarray(v, dtype=float) for c, v in (tm.copied_hidden or {}).items()},
                              index=frame.index)
        self.state.frames[self.table.name] = frame
        self.state.hidden[self.table.name] = hidden
        self.state.encoded[self.table.name] = self._encoded(frame, hidden)

    # ----------------------------------------------------------------------- context
    def _context_of(self, parent_rows: np.ndarray) -> np.ndarray:
        """Context rows for these parent positions: the parent's encoded row, NaN for a row
        without a parent; a root has an empty context."""
        tm = self.tm
        if tm.primary is None:
            return np.zeros((len(parent_rows), 0))
        context = np.full((len(parent_rows), _context_width(self.model, tm)), np.nan)
        has_parent = parent_rows >= 0
        context[has_parent] = self.state.encoded[tm.primary.parent][parent_rows[has_parent]]
        return context

    def _parent_rows(self, scale: float) -> np.ndarray:
        """The parent position of every row to generate: each parent repeated by its child
        count, then -1 for the rows without a parent; a root's rows (the partition's share of
        them) are all -1."""
        tm = self.tm
        if tm.primary is None:
            total = int(round(tm.row_count * scale))
            return np.full(self.partition.share(1 if tm.row_count and not total else total), -1)
        link = tm.primary
        parent_encoded = self.state.encoded[link.parent]
        counts = _counts_of(link, self.state)
        if counts is None or parent_encoded.shape[0] == 0:
            per_parent = np.zeros(parent_encoded.shape[0], dtype=int)
        else:
            per_parent = np.rint(counts).astype(int)
        wanted = int(round(max(tm.row_count - tm.orphan_rows, 0) * scale))
        cap = self._children_cap(link)
        if link.parent in self.state.shared:
            # Every partition holds the same parent rows and deals their children out: the
            # counts are calibrated alike in all (one seed for all), then split.
            alike = np.random.default_rng([len(per_parent), wanted])
            per_parent = _split_counts(calibrated_counts(per_parent, wanted, alike, cap),
                                       self.state.partition, self._deals_whole_parents())
        else:
            per_parent = calibrated_counts(per_parent, self.partition.share(wanted), self.rng, cap)
        rows = np.repeat(np.arange(len(per_parent)), per_parent)
        orphans = int(round(tm.orphan_rows * scale / self.partition.count))
        return np.concatenate([rows, np.full(orphans, -1)])

    def _links(self, role: str) -> list[Link]:
        return [lk for lk in self.model.links if lk.child == self.table.name and lk.role == role]

    def _children_cap(self, link: Link) -> int | None:
        """The most children one parent can have under the child's unique keys: 1 where the
        link's columns are unique (one-to-one); for a junction keyed by this link and other
        references (``playlist_track(playlist_id, track_id)``), the number of distinct
        partners, the product of those parents' generated rows (a playlist cannot hold more
        distinct tracks than there are). None: no bound (another column can vary)."""
        cap: int | None = None
        secondary = {tuple(lk.columns): lk for lk in self._links("secondary")}
        for key in self.table.unique_column_sets():
            rest = set(key) - set(link.columns)
            if len(rest) == len(key):
                continue
            if not rest:
                return 1
            partners = [lk for cols, lk in secondary.items() if set(cols) <= rest]
            if {c for lk in partners for c in lk.columns} != rest:
                continue
            if any(lk.parent not in self.state.frames for lk in partners):
                continue
            bound = int(np.prod([len(self.state.frames[lk.parent]) for lk in partners]))
            cap = bound if cap is None else min(cap, bound)
        return cap

    def _unused_partners(self, key: tuple[str, ...]) -> pd.DataFrame | None:
        """For a duplicated junction key (see :func:`keys.dedupe_rows`): every value the
        key's reference to one other parent can take (that parent's generated keys, named as
        the child's columns), so a duplicate gets a partner its row does not have yet."""
        for lk in self._links("secondary"):
            if set(lk.columns) < set(key) and lk.parent in self.state.frames:
                values = self.state.frames[lk.parent][list(lk.ref_columns)]
                return values.set_axis(list(lk.columns), axis=1).drop_duplicates()
        return None

    def _encoded(self, frame: pd.DataFrame, hidden: pd.DataFrame) -> np.ndarray:
        cols = []
        for name in self.tm.modelled:
            if name[0] in "#@":
                cols.append(hidden[name].to_numpy(dtype=float))
            else:
                cols.append(encode(self.tm.columns[name], frame[name]))
        return np.column_stack(cols) if cols else np.zeros((len(frame), 0))

    # ------------------------------------------------------------------------ columns
    def _draw_plain(self, name: str, n: int) -> pd.Series:
        column = self.table.column(name)
        values = sample_column(self.tm.columns[name], n, self.rng, self.fake, column.nullable)
        if keys.column_is_key(self.table, column) and column.type.is_string:
            values = keys.make_strings_unique(values, column.type.length, self.partition)
        return values

    def _draw_key(self, name: str, n: int, offset: int = 0, total: int | None = None) -> pd.Series:
        column = self.table.column(name)
        summary = self.tm.columns[name]
        if summary.kind != "pii":
            values = keys.key_values(self.tm.keys[name], column, n, self.rng, offset, total,
                                     self.partition)
            if values is not None:
                return values
        return self._draw_plain(name, n)

    def _copy_from_parent(self, name: str, source: ParentCopy, frame: pd.DataFrame) -> np.ndarray:
        """The linked synthetic parent's value of the source column (rows without a parent:
        NULL, or a fresh value where the column is NOT NULL)."""
        parent = self.state.frames[source.parent]
        rows = _row_positions(parent, list(source.ref_columns), frame, list(source.fk_columns))
        out = np.full(len(frame), None, dtype=object)
        values = parent[source.column].to_numpy(dtype=object)
        out[rows >= 0] = values[rows[rows >= 0]]
        column = self.table.column(name)
        if column.type.length and column.type.is_string:
            out = np.array([v[: column.type.length] if isinstance(v, str) else v for v in out],
                           dtype=object)
        return out if column.nullable else self._fill_nulls(name, pd.Series(out))

    def _fill_nulls(self, name: str, values: pd.Series) -> np.ndarray:
        """The values with each NULL replaced by a fresh draw (a NOT NULL column). A copy:
        under copy-on-write (pandas 3) ``to_numpy`` may return a read-only view."""
        out = values.to_numpy(dtype=object, copy=True)
        missing = pd.isna(values).to_numpy()
        if missing.any():
            fresh = sample_column(self.tm.columns[name], int(missing.sum()), self.rng, self.fake, False)
            out[missing] = fresh.to_numpy(dtype=object)
        return out

    def _redraw_values(self, index: pd.Index) -> pd.DataFrame:
        """Fresh plain values for rows failing a CHECK (keys and links are kept)."""
        fresh = {}
        for name, summary in self.tm.columns.items():
            if name[0] in "#@" or name in self.tm.keys:
                continue
            nullable = self.table.column(name).nullable
            fresh[name] = sample_column(summary, len(index), self.rng, self.fake, nullable).to_numpy()
        return pd.DataFrame(fresh, index=index)

    def _redraw_keys(self, index: pd.Index, key: tuple[str, ...]) -> pd.DataFrame:
        """New values for the colliding parts of ``key``: secondary links first, then plain."""
        fresh: dict[str, np.ndarray] = {}
        for link in self._links("secondary"):
            if set(key) & set(link.columns):
                picks = _pick_parents(link, None, self.state, self.rng, self.table, len(index))
                for col in link.columns:
                    fresh[col] = picks[col].to_numpy()
        if not fresh:
            for name in key:
                if name in self.tm.columns and name not in self.tm.keys:
                    fresh[name] = sample_column(self.tm.columns[name], len(index), self.rng,
                                                self.fake, False).to_numpy()
        return pd.DataFrame(fresh, index=index)

    def _require_parents(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Drop rows whose NOT NULL foreign key found no parent (the parent table is empty)."""
        keep = np.ones(len(frame), dtype=bool)
        for fk in self.table.foreign_keys:
            if fk.ref_table == self.table.name or self.plan.is_cut(self.table.name, fk):
                continue
            if not any(self.table.column(c).nullable for c in fk.columns):
                keep &= frame[list(fk.columns)].notna().all(axis=1).to_numpy()
        if not keep.all():
            log.warning("%s: %d rows dropped: their parent table generated no rows",
                        self.table.name, int((~keep).sum()))
        return frame[keep]

    def _fill_self_references(self, frame: pd.DataFrame) -> None:
        """Each row may point only at an earlier row, so the hierarchy has no cycle."""
        for link in self._links("self"):
            n = len(frame)
            nullable = all(self.table.column(c).nullable for c in link.columns)
            if tuple(link.columns) in self.table.unique_column_sets():
                picks = np.maximum(np.arange(n) - 1, 0)  # unique: a chain, each row used once
            else:
                picks = np.array([self.rng.integers(0, i) if i else 0 for i in range(n)], dtype=int)
            has_parent = np.arange(n) > 0
            if nullable:
                has_parent &= self.rng.random(n) >= link.null_share
            for col, ref in zip(link.columns, link.ref_columns):
                values = frame[ref].to_numpy(dtype=object)[picks]
                frame[col] = np.where(has_parent | (not nullable), values, None)


# ================================================================================ helpers
def _choose_links(schema: Schema, plan: LoadPlan, frames: dict[str, pd.DataFrame]) -> list[Link]:
    """Role of every FK. The primary parent is the NOT NULL FK with most children per parent,
    among parents big enough to be entities rather than lookup lists (a genre, a media type)."""
    links: list[Link] = []
    for table in schema.tables:
        frame = frames[table.name]
        candidates: list[tuple[tuple[int, float, str], Link]] = []
        for fk in table.foreign_keys:
            if fk.ref_table not in schema.table_names:
                continue
            null_share = float(frame[list(fk.columns)].isna().any(axis=1).mean()) if len(frame) else 0.0
            role = ("self" if fk.ref_table == table.name else
                    "cut" if plan.is_cut(table.name, fk) else "secondary")
            link = Link(table.name, fk.columns, fk.ref_table, fk.ref_columns, role, null_share)
            links.append(link)
            parents = len(frames[fk.ref_table])
            copied = schema.table(fk.ref_table).mode == "copy"  # fixed rows: linked, not generated for
            if role == "secondary" and parents >= MIN_PRIMARY_PARENT_ROWS and not copied:
                required = not any(table.column(c).nullable for c in fk.columns)
                candidates.append(((int(required), len(frame) / parents, fk.ref_table), link))
        if candidates:
            max(candidates, key=lambda c: c[0])[1].role = "primary"
    return links


def _base_summaries(table: Table, frame: pd.DataFrame) -> tuple[dict[str, ColumnSummary], dict[str, keys.KeySpec]]:
    fk_columns = {c for fk in table.foreign_keys for c in fk.columns}
    summaries: dict[str, ColumnSummary] = {}
    key_specs: dict[str, keys.KeySpec] = {}
    for column in table.columns:
        if column.name in fk_columns or column.generated is not None:
            continue
        summaries[column.name] = fit_column(column, frame[column.name], table.column_names)
        if keys.column_is_key(table, column):
            key_specs[column.name] = keys.fit_key(column, frame[column.name])
    return summaries, key_specs


def _encode_base(table: Table, summaries: tuple[dict[str, ColumnSummary], dict[str, keys.KeySpec]],
                 frame: pd.DataFrame) -> pd.DataFrame:
    cols, key_specs = summaries
    names = [name for name, s in cols.items() if s.kind in MODELLED_KINDS and name not in key_specs]
    # coarse categories before fine ones (country, state, city), numbers and dates last: a
    # sequential model then draws each detail given the broader values it depends on
    names.sort(key=lambda n: len(cols[n].categories) if cols[n].kind == "categorical" else np.inf)
    return pd.DataFrame({name: encode(cols[name], frame[name]) for name in names}, index=frame.index)


MIN_COPY_ROWS = 10  # a column repeats its parent's only if seen doing so on this many rows
_NOT_COMPARED = ("unsupported", "structured")  # documents, lists, bytes: drawn apart


def _find_parent_copies(schema: Schema, link: Link, frames: dict[str, pd.DataFrame],
                        summaries: dict[str, tuple[dict[str, ColumnSummary], dict[str, keys.KeySpec]]],
                        ) -> dict[str, ParentCopy]:
    """Child columns equal to a column of the linked parent on every source row.

    Denormalised copies (``invoice.billing_country`` = ``customer.country``,
    ``invoice_line.unit_price`` = ``track.unit_price``) are then copied from the synthetic
    parent instead of modelled, so they agree with it as in the source, fake addresses
    included."""
    child, parent = frames[link.child], frames[link.parent]
    rows = _row_positions(parent, list(link.ref_columns), child, list(link.columns))
    found = rows >= 0
    if found.sum() < MIN_COPY_ROWS:
        return {}
    child_table, parent_table = schema.table(link.child), schema.table(link.parent)
    (own, own_keys), (theirs, their_keys) = summaries[link.child], summaries[link.parent]
    child_rows, parent_rows = np.flatnonzero(found), rows[found]
    probe = slice(0, 64)  # most pairs differ within a few rows: test those first
    out: dict[str, ParentCopy] = {}
    for name, summary in own.items():
        if name in own_keys or summary.kind in _NOT_COMPARED or keys.column_is_key(
                child_table, child_table.column(name)):
            continue
        mine = child[name].to_numpy(dtype=object)[child_rows]
        if pd.isna(mine).all():
            continue
        for ref, ref_summary in theirs.items():
            if ref in their_keys or ref_summary.kind in _NOT_COMPARED or not _same_family(
                    child_table.column(name).type, parent_table.column(ref).type):
                continue
            other = parent[ref].to_numpy(dtype=object)[parent_rows]
            if _all_equal(mine[probe], other[probe]) and _all_equal(mine, other):
                out[name] = ParentCopy(link.columns, link.parent, link.ref_columns, ref)
                break
    return out


def _all_equal(a: np.ndarray, b: np.ndarray) -> bool:
    """Element-wise equality of two object arrays, NULL equal to NULL."""
    null_a, null_b = pd.isna(a), pd.isna(b)
    if (null_a != null_b).any():
        return False
    keep = ~null_a
    return bool((a[keep] == b[keep]).all())


def _same_family(a: SqlType, b: SqlType) -> bool:
    return (a.is_string and b.is_string) or (a.is_numeric and b.is_numeric) or a.name == b.name


def _count_summary(name: str, counts: np.ndarray) -> ColumnSummary:
    """Child counts are skewed and discrete: one category per count value seen (code ``i``
    stands for ``categories[i]``), so tree leaves hold exact count frequencies and the two
    parents of 500 that own 8,000 children each stay a class of their own — a numeric model
    smeared them between leaf quantiles (11 per leaf: 2 in 20 rows fall between the last
    two). Past MAX_COUNT_CLASSES distinct counts, the classes are the counts at that many
    quantiles, the largest always among them."""
    counts = np.rint(np.nan_to_num(np.asarray(counts, dtype=float)))
    values = np.unique(counts)
    if len(values) > MAX_COUNT_CLASSES:
        values = np.unique(np.rint(np.quantile(values, np.linspace(0, 1, MAX_COUNT_CLASSES))))
    if len(values) == 0:
        return ColumnSummary(name, "categorical", categories=[0], weights=[1.0])
    summary = ColumnSummary(name, "categorical", categories=[int(v) for v in values])
    shares = np.bincount(count_codes(summary, counts).astype(int), minlength=len(values)) / len(counts)
    summary.weights = shares.tolist()  # each class's share of the parents (see _keep_heavy)
    return summary


def count_codes(summary: ColumnSummary, counts: np.ndarray) -> np.ndarray:
    """Counts as the codes of :func:`_count_summary`'s classes (the nearest class)."""
    values = np.asarray(summary.categories, dtype=float)
    right = np.clip(np.searchsorted(values, counts), 0, len(values) - 1)
    left = np.clip(right - 1, 0, len(values) - 1)
    nearer_left = np.abs(counts - values[left]) < np.abs(values[right] - counts)
    return np.where(nearer_left, left, right).astype(float)


def count_values(summary: ColumnSummary, codes: np.ndarray) -> np.ndarray:
    """Children per parent from the drawn codes (NaN: none). A numeric summary (model files
    of earlier versions) holds counts directly."""
    codes = np.nan_to_num(np.asarray(codes, dtype=float))
    if summary.kind != "categorical" or not summary.categories:
        return np.clip(codes, 0, None)
    values = np.asarray(summary.categories, dtype=float)
    return np.clip(values[np.clip(np.rint(codes).astype(int), 0, len(values) - 1)], 0, None)


def _cluster_summary(name: str, k: int) -> ColumnSummary:
    return ColumnSummary(name, "categorical", categories=list(range(k)), weights=[1.0 / k] * k)


def _key_tuples(frame: pd.DataFrame, cols: tuple[str, ...]) -> list[tuple[object, ...]]:
    return [tuple(r) for r in frame[list(cols)].astype(object).itertuples(index=False)]


def calibrated_counts(counts: np.ndarray, total: int, rng: np.random.Generator,
                      cap: int | None = None) -> np.ndarray:
    """Children per parent, rescaled to add up to ``total`` (the rows asked for).

    The count model draws each parent's children from its attributes; their sum drifts
    (+48%, −20% seen on real tables) and can even be 0 when the few parents owning almost
    every child are not drawn. Rescaling in proportion keeps the shape (concentration on
    few parents, most with none); remainders go to parents drawn by their fractional part.
    With no counts at all, children spread evenly. ``cap`` bounds a parent (1: one-to-one).
    """
    n = len(counts)
    if n == 0 or (int(counts.sum()) == total and (cap is None or int(counts.max()) <= cap)):
        return counts
    limit = n * cap if cap is not None else None
    total = min(total, limit) if limit is not None else total
    weights = counts.astype(float) if counts.sum() > 0 else np.ones(n)
    ideal = weights * (total / weights.sum())
    out = np.floor(ideal).astype(int)
    if cap is not None:
        out = np.minimum(out, cap)
    short = total - int(out.sum())
    if short > 0:
        room = (ideal - out) if cap is None else np.where(out < cap, ideal - out + 1e-9, 0.0)
        if room.sum() <= 0:
            room = np.ones(n) if cap is None else (out < cap).astype(float)
        extra = rng.choice(n, size=short, replace=False, p=room / room.sum()) if short <= n else \
            rng.choice(n, size=short, replace=True, p=room / room.sum())
        np.add.at(out, extra, 1)
        if cap is not None:
            out = np.minimum(out, cap)
    return out


def _child_counts(child: pd.DataFrame, link: Link, parent: pd.DataFrame) -> np.ndarray:
    rows = _row_positions(parent, list(link.ref_columns), child, list(link.columns))
    return np.bincount(rows[rows >= 0], minlength=len(parent)).astype(float)


def _row_positions(parent: pd.DataFrame, ref_columns: list[str], child: pd.DataFrame,
                   fk_columns: list[str]) -> np.ndarray:
    """Position in ``parent`` of each child row's parent (-1: NULL or missing key)."""
    keys = parent[ref_columns].astype(object)
    usable = (keys.notna().all(axis=1) & ~keys.duplicated()).to_numpy()
    positions = np.flatnonzero(usable)
    wanted = child[fk_columns].astype(object)
    if len(ref_columns) == 1:
        found = pd.Index(keys[ref_columns[0]][usable]).get_indexer(wanted[fk_columns[0]])
    else:
        found = pd.MultiIndex.from_frame(keys[usable]).get_indexer(pd.MultiIndex.from_frame(wanted))
    return np.where(found >= 0, positions[np.maximum(found, 0)] if len(positions) else -1, -1)


def _standardize(x: np.ndarray, center: np.ndarray, spread: np.ndarray) -> np.ndarray:
    return np.nan_to_num((x - center) / spread)


def _fit_clusters(link: Link, parent_encoded: pd.DataFrame, seed: int) -> np.ndarray:
    x = parent_encoded.to_numpy(dtype=float)
    n = len(x)
    if x.shape[1] == 0 or n == 0:
        link.centroids, link.center, link.spread = [[0.0] * x.shape[1]], [0.0] * x.shape[1], [1.0] * x.shape[1]
        return np.zeros(n)
    # by hand, not nanmean/nanstd: a column that is NULL in every parent would warn
    known = ~np.isnan(x)
    count = np.maximum(known.sum(axis=0), 1)
    center = np.where(known, x, 0.0).sum(axis=0) / count
    spread = np.sqrt((np.where(known, x - center, 0.0) ** 2).sum(axis=0) / count)
    spread[spread == 0] = 1.0
    z = _standardize(x, center, spread)
    k = int(min(MAX_CLUSTERS, max(1, n // 30), len(np.unique(z, axis=0))))
    fit_rows = z if len(z) <= MAX_KMEANS_ROWS else z[np.random.default_rng(seed).choice(
        len(z), MAX_KMEANS_ROWS, replace=False)]
    centroids, _ = _kmeans(fit_rows, k, seed)
    labels = _nearest_centroid(z, centroids)
    link.centroids = centroids.tolist()
    link.center, link.spread = center.tolist(), spread.tolist()
    return labels.astype(float)


def _nearest_centroid(z: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    return np.concatenate([_squared_distances(z[i:i + 100_000], centroids).argmin(axis=1)
                           for i in range(0, len(z), 100_000)]) if len(z) else np.zeros(0, dtype=int)


def _squared_distances(z: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    return np.maximum((z**2).sum(1)[:, None] - 2 * z @ centroids.T + (centroids**2).sum(1)[None, :], 0)


def _kmeans(z: np.ndarray, k: int, seed: int, starts: int = 3,
            iterations: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """Plain k-means (k-means++ starts, Lloyd steps), best of ``starts``. A few lines of numpy
    beat scikit-learn's per-call overhead on the small, low-dimensional parent tables here."""
    rng = np.random.default_rng(seed)
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    for _ in range(starts):
        centroids = z[[rng.integers(len(z))]]
        for _ in range(1, k):  # k-means++: far points are likelier next centres
            d = _squared_distances(z, centroids).min(axis=1)
            pick = rng.choice(len(z), p=d / d.sum()) if d.sum() > 0 else rng.integers(len(z))
            centroids = np.vstack([centroids, z[pick]])
        for _ in range(iterations):
            labels = _squared_distances(z, centroids).argmin(axis=1)
            moved = np.array([z[labels == c].mean(axis=0) if (labels == c).any() else centroids[c]
                              for c in range(k)])
            if np.allclose(moved, centroids):
                break
            centroids = moved
        distances = _squared_distances(z, centroids)
        labels = distances.argmin(axis=1)
        inertia = float(distances[np.arange(len(z)), labels].sum())
        if best is None or inertia < best[0]:
            best = (inertia, centroids, labels)
    assert best is not None
    return best[1], best[2]


def _assign_clusters(link: Link, encoded: np.ndarray) -> np.ndarray:
    if len(encoded) == 0:
        return np.zeros(0, dtype=int)
    centroids = np.asarray(link.centroids)
    width = centroids.shape[1]  # the parent's columns at fit time: a prefix of its columns now
    if width == 0 or encoded.shape[1] < width:
        return np.zeros(len(encoded), dtype=int)
    z = _standardize(encoded[:, :width], np.asarray(link.center), np.asarray(link.spread))
    return _nearest_centroid(z, centroids)  # in blocks: no rows × clusters × columns array


def _labels_for_children(child: pd.DataFrame, link: Link, parent: pd.DataFrame,
                         labels: np.ndarray) -> np.ndarray:
    """The cluster of each child's parent; NaN where the FK is NULL. A parent missing from a
    sampled parent table gets a cluster drawn like the parents' (it exists, unseen)."""
    rows = _row_positions(parent, list(link.ref_columns), child, list(link.columns))
    out = np.where(rows >= 0, labels[np.maximum(rows, 0)] if len(labels) else np.nan, np.nan)
    unseen = (rows < 0) & child[list(link.columns)].notna().all(axis=1).to_numpy()
    if unseen.any() and len(labels):
        out[unseen] = np.random.default_rng(len(labels)).choice(labels, size=int(unseen.sum()))
    return out


def _splitter(schema: Schema, links: list[Link],
              summaries: dict[str, tuple[dict[str, ColumnSummary], dict[str, keys.KeySpec]]],
              encoded: dict[str, pd.DataFrame], engine: str, engines: dict[str, str]) -> Splitter:
    """How this database's trees are searched (see model/cart.py): from what they will see,
    each CART table's rows × (parent's encoded columns + earlier columns) × classes."""
    cells = 0
    for table in schema.tables:
        if engines.get(table.name, engine) != "cart":
            continue
        primary = next((lk for lk in links if lk.child == table.name and lk.role == "primary"), None)
        cols = summaries[table.name][0]
        classes = [len(cols[c].categories) if cols[c].kind == "categorical" else 0
                   for c in encoded[table.name].columns]
        context = encoded[primary.parent].shape[1] if primary else 0
        cells += tree_cells(len(encoded[table.name]), context, classes)
    return choose_splitter(cells)


def _training_context(frames: dict[str, pd.DataFrame], encoded: dict[str, pd.DataFrame],
                      table: Table, primary: Link | None) -> np.ndarray:
    n = len(frames[table.name])
    if primary is None:
        return np.zeros((n, 0))
    parent = encoded[primary.parent].to_numpy(dtype=float)
    rows = _row_positions(frames[primary.parent], list(primary.ref_columns),
                          frames[table.name], list(primary.columns))
    context = np.full((n, parent.shape[1]), np.nan)
    found = rows >= 0
    context[found] = parent[rows[found]]
    return context


def _split_counts(counts: np.ndarray, partition: Partition, whole_parents: bool = False) -> np.ndarray:
    """One partition's share of each shared parent's children. Parent row r's ``c`` children
    go ``c // n`` to every partition and the remaining ``c % n`` to partitions r, r+1, …
    (mod n): the shares add up to ``c`` exactly, and a parent with one child (a one-to-one
    key) gets it in exactly one partition, the same whichever partition asks. With
    ``whole_parents``, all ``c`` go to partition r mod n."""
    if whole_parents:
        return np.where(np.arange(len(counts)) % partition.count == partition.index, counts, 0)
    whole, rest = np.divmod(counts, partition.count)
    turn = (partition.index - np.arange(len(counts))) % partition.count
    return whole + (turn < rest)


def _context_width(model: RelationalModel, tm: TableModel) -> int:
    return len(model.tables[tm.primary.parent].modelled) if tm.primary else 0


def _counts_of(link: Link, state: _Generated) -> np.ndarray | None:
    """Each generated parent row's child count for ``link`` (None: not generated)."""
    name = count_column(link.child, link.fk)
    codes = state.hidden[link.parent].get(name)
    if codes is None:
        return None
    summary = state.summaries[link.parent][name]
    drawn = count_values(summary, codes.to_numpy(float))
    return _keep_heavy(drawn, summary, np.random.default_rng([len(drawn), int(drawn.sum())]))


HEAVY_MASS = 0.5  # the largest counts that hold this share of all children are "heavy"
HEAVY_PARENTS = 0.05  # … and are kept to their number when under this share of the parents


def _keep_heavy(drawn: np.ndarray, summary: ColumnSummary, rng: np.random.Generator) -> np.ndarray:
    """Keep the number of heavy parents when they are few: the source's 2 of 500 parents
    owning 99% of the children are a lottery for a model drawing parents one by one (0 of
    150 made, or 3 of 500, are as likely as the right number), and calibration cannot undo
    a lost or an extra heavy parent. The heavy classes are the largest counts holding half
    of the children; when they are under 5% of the parents, exactly round(n × their share)
    parents (at least one) get a heavy count: the drawn ones first, any missing ones
    promoted, any extra ones given a count of the other classes. Other shapes are left as
    drawn (their parents keep the counts their attributes gave them)."""
    values = np.asarray(summary.categories, dtype=float)
    shares = np.asarray(summary.weights, dtype=float)
    n = len(drawn)
    mass = values * shares
    if n == 0 or len(shares) != len(values) or mass.sum() <= 0:
        return drawn
    from_top = np.cumsum(mass[::-1]) / mass.sum()
    heavy = len(values) - 1 - int(np.searchsorted(from_top, HEAVY_MASS))  # first heavy class
    heavy_share = float(shares[heavy:].sum())
    if heavy_share >= HEAVY_PARENTS or heavy == 0:
        return drawn
    wanted = max(1, int(round(n * heavy_share)))
    out = drawn.copy()
    is_heavy = out >= values[heavy]
    have = int(is_heavy.sum())
    light_p = shares[:heavy] / shares[:heavy].sum()
    if have > wanted:
        extra = rng.choice(np.flatnonzero(is_heavy), size=have - wanted, replace=False)
        out[extra] = rng.choice(values[:heavy], size=len(extra), p=light_p)
    elif have < wanted:
        room = np.flatnonzero(~is_heavy)
        promoted = rng.choice(room, size=min(len(room), wanted - have), replace=False)
        out[promoted] = rng.choice(values[heavy:], size=len(promoted),
                                   p=shares[heavy:] / shares[heavy:].sum())
    return out


def _pick_parents(link: Link, drawn: pd.Series | None, state: _Generated, rng: np.random.Generator,
                  table: Table, n: int | None = None) -> pd.DataFrame:
    """Parent keys for each child row: inside the drawn cluster, weighted by the parent's count."""
    parent = state.frames[link.parent]
    n = len(drawn) if drawn is not None else (n or 0)
    out = pd.DataFrame({c: pd.Series([None] * n, dtype=object) for c in link.columns})
    if len(parent) == 0 or n == 0:
        return out
    key = (link.parent, link.columns)
    if key not in state.clusters:
        state.clusters[key] = _assign_clusters(link, state.encoded[link.parent])
        order = np.argsort(state.clusters[key], kind="stable")  # each cluster's rows, ascending
        state.cluster_rows[key] = (order, state.clusters[key][order])
    labels = state.clusters[key]
    counts = _counts_of(link, state)
    weights = np.ones(len(parent)) if counts is None else counts + 1e-3
    wanted = drawn.to_numpy(dtype=float) if drawn is not None else np.full(n, np.nan)
    nullable = all(table.column(c).nullable for c in link.columns)
    picks = np.full(n, -1)
    if tuple(link.columns) in table.unique_column_sets():
        # a unique FK (one-to-one): distinct parents, without replacement; the rest stay NULL.
        # A shared parent (alike in every partition) gives each partition its own rows.
        pool = np.arange(len(parent))
        if link.parent in state.shared and link.child not in state.shared:
            pool = pool[pool % state.partition.count == state.partition.index]
        # parents taken by earlier pieces or chunks of the child are not free any more
        free = state.capacity.setdefault((link.child, link.columns), np.ones(len(parent), dtype=int))
        pool = pool[free[pool] > 0]
        wants = np.flatnonzero(~np.isnan(wanted) | (not nullable) | (drawn is None))
        k = min(len(wants), len(pool))
        chosen_parents = rng.choice(pool, size=k, replace=False,
                                    p=weights[pool] / weights[pool].sum()) if k else pool[:0]
        picks[rng.permutation(wants)[:k]] = chosen_parents
        free[chosen_parents] = 0
    else:
        if (link.child, link.columns) not in state.capacity:
            state.capacity[(link.child, link.columns)] = np.floor(weights).astype(int)
        capacity = state.capacity[(link.child, link.columns)]
        _pick_in_clusters(picks, wanted, state.cluster_rows[key], weights, capacity,
                          nullable and drawn is not None, rng)
    chosen = picks >= 0
    for col, ref in zip(link.columns, link.ref_columns):
        column = np.full(n, None, dtype=object)
        column[chosen] = parent[ref].take(picks[chosen]).to_numpy(dtype=object)  # only the picked
        out[col] = column
    return out


@dataclass
class Inequality:
    """``lower <= upper`` held on every source row; ``*_parent`` marks a primary-parent column.

    ``gaps`` are quantiles of ``upper - lower`` in the source, used to repair a generated row.
    """

    lower: str
    upper: str
    lower_parent: bool = False
    upper_parent: bool = False
    gaps: list[float] = field(default_factory=list)


def _comparable(frame: pd.DataFrame, summaries: dict[str, ColumnSummary]) -> dict[str, str]:
    """Column -> comparison group (numbers with numbers, dates/timestamps with each other)."""
    out = {}
    for name in frame.columns:
        kind = summaries[name].kind if name in summaries else ""
        if kind in ("numeric", "datetime", "date") and name[0] not in "#@":
            out[name] = "numeric" if kind == "numeric" else "time"
    return out


def _pick_in_clusters(picks: np.ndarray, wanted: np.ndarray,
                      cluster_rows: tuple[np.ndarray, np.ndarray],
                      weights: np.ndarray, capacity: np.ndarray, keep_nulls: bool,
                      rng: np.random.Generator) -> None:
    """Fill ``picks`` with parent rows from each row's wanted cluster (NaN: any, or NULL).

    Each parent gets as many children as its own generated count says (shuffled pools of
    parent slots, first inside the wanted cluster, then anywhere), so degrees match the
    source's; rows left over after every slot is used are picked by weight."""
    codes = np.nan_to_num(wanted, nan=-1)  # capacity: each parent's slots left (its count)
    order, sorted_labels = cluster_rows  # parents grouped by cluster (found, not scanned)
    parents = len(order)
    leftover: list[np.ndarray] = []
    for cluster in np.unique(codes):
        rows = np.flatnonzero(codes == cluster)
        if cluster < 0 and keep_nulls:
            continue  # the source had no parent here: stays NULL
        members = (order[np.searchsorted(sorted_labels, cluster, "left"):
                         np.searchsorted(sorted_labels, cluster, "right")]
                   if cluster >= 0 else np.arange(parents))
        leftover.append(rows[_fill_from_pool(picks, rows, members, capacity, rng):])
    rest = np.concatenate(leftover) if leftover else np.zeros(0, dtype=int)
    rest = rest[_fill_from_pool(picks, rest, np.arange(parents), capacity, rng):]
    if len(rest):
        picks[rest] = rng.choice(parents, size=len(rest), p=weights / weights.sum())


def _fill_from_pool(picks: np.ndarray, rows: np.ndarray, members: np.ndarray,
                    capacity: np.ndarray, rng: np.random.Generator) -> int:
    """Serve the first ``rows`` from the members' free parent slots, drawn without
    replacement (every free slot equally likely, so a parent in proportion to the slots it
    has left) and used up; returns how many were served.

    The slots are numbered through a cumulative sum of the members' capacities and the
    drawn numbers found in it by binary search: the pool itself (one entry per slot, as many
    as the child table's rows) is never built, so a draw costs O(members + rows asked)
    instead of O(pool) each time — redraws of a few colliding rows included."""
    ends = np.cumsum(np.maximum(capacity[members], 0))
    served = min(len(rows), int(ends[-1]) if len(ends) else 0)
    if served == 0:
        return 0
    slots = rng.choice(int(ends[-1]), size=served, replace=False)  # a random subset, shuffled
    chosen = members[np.searchsorted(ends, slots, side="right")]
    np.subtract.at(capacity, chosen, 1)
    picks[rows[:served]] = chosen
    return served


def _find_inequalities(own: pd.DataFrame, own_summaries: dict[str, ColumnSummary],
                       parent: pd.DataFrame | None = None,
                       parent_summaries: dict[str, ColumnSummary] | None = None) -> list[Inequality]:
    """Pairs with lower <= upper on every source row (and < on some), within the table and
    between the table and its primary parent (``parent`` is aligned row by row with ``own``)."""
    columns = [(n, g, False, own[n].to_numpy()) for n, g in _comparable(own, own_summaries).items()]
    if parent is not None and parent_summaries is not None:
        columns += [(n, g, True, parent[n].to_numpy())
                    for n, g in _comparable(parent, parent_summaries).items()]
    grid = np.linspace(0, 1, 21)
    found: list[Inequality] = []
    for lo, g1, lo_parent, x in columns:
        for hi, g2, hi_parent, y in columns:
            if (lo, lo_parent) == (hi, hi_parent) or g1 != g2 or (lo_parent and hi_parent):
                continue
            both = ~np.isnan(x) & ~np.isnan(y)
            if both.sum() >= 10 and (x[both] <= y[both]).all() and (x[both] < y[both]).any():
                gaps = np.quantile(y[both] - x[both], grid).tolist()
                found.append(Inequality(lo, hi, lo_parent, hi_parent, gaps))
    return found


def _apply_inequalities(data: np.ndarray, names: list[str], context: np.ndarray,
                        context_names: list[str], rules: list[Inequality],
                        rng: np.random.Generator) -> np.ndarray:
    """Repair rows breaking a learnt ``lower <= upper``: move the own side by a source-like gap."""
    if not rules or len(data) == 0:
        return data
    own = {n: i for i, n in enumerate(names)}
    ctx = {n: i for i, n in enumerate(context_names)}
    for _ in range(3):  # chains (a <= b <= c) settle in a few passes
        changed = False
        for rule in rules:
            lower = context[:, ctx[rule.lower]] if rule.lower_parent else data[:, own[rule.lower]]
            upper = context[:, ctx[rule.upper]] if rule.upper_parent else data[:, own[rule.upper]]
            bad = lower > upper
            if not bad.any():
                continue
            gap = np.interp(rng.random(int(bad.sum())), np.linspace(0, 1, len(rule.gaps)), rule.gaps)
            if rule.upper_parent:
                data[bad, own[rule.lower]] = upper[bad] - gap
            else:
                data[bad, own[rule.upper]] = lower[bad] + gap
            changed = True
        if not changed:
            break
    return data
