"""One table's rows: generated for its parents' synthetic rows, whole or in pieces.

Each row is generated *for* a row of its primary parent (as many rows per parent as the
parent's drawn child count), by the table's engine in the context of that parent's encoded
row; then keys, plain columns, latent links and copies of parent columns are filled in,
CHECKs enforced and duplicate keys redrawn (see :mod:`.values` and :mod:`.picking`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import numpy as np
import pandas as pd

from dbsynth.errors import UsageError
from dbsynth.model import keys
from dbsynth.model.constraints import enforce_checks
from dbsynth.model.derived import cluster_column, is_derived_column
from dbsynth.model.encoding import decode, encode
from dbsynth.model.key_hashes import KeyHashes
from dbsynth.model.partition import Partition
from dbsynth.model.relational.counts import calibrated_counts, split_counts
from dbsynth.model.relational.fit import TableModel
from dbsynth.model.relational.inequalities import apply_inequalities
from dbsynth.model.relational.links import Link, LinkRole, links_of
from dbsynth.model.relational.ordinals import Numbering
from dbsynth.model.relational.picking import counts_of, pick_parents
from dbsynth.model.relational.state import GenerationState, MadeTable
from dbsynth.model.relational.values import TableValues
from dbsynth.schema.graph import LoadPlan
from dbsynth.schema.model import Table

log = logging.getLogger(__name__)

REDRAW_TRIES = 20  # redraws of a duplicate key (keys.dedupe_rows), per partition
#: rejection under --where: rounds of redraws, the most copies of one row drawn in a round,
#: the most draws per row asked and per round, and the draws without a single match that
#: prove a condition impossible under the model
WHERE_ROUNDS = 20
WHERE_MAX_COPIES = 1000
WHERE_DRAWS_PER_ROW = 10  # draws per row asked that any context gets, all rounds together
WHERE_MAX_DRAWS = 5_000_000  # the most draws of one piece of a table, all rounds together
WHERE_ROUND_ROWS = 200_000
WHERE_GIVE_UP = 100_000

#: one piece of a table: its rows, their derived columns, their encoded rows
Piece = tuple[pd.DataFrame, pd.DataFrame, np.ndarray]


class TableGenerator:
    def __init__(self, tables: dict[str, TableModel], links: list[Link], table: Table,
                 plan: LoadPlan, state: GenerationState, rng: np.random.Generator,
                 partition: Partition = Partition()) -> None:
        self.tables, self.table, self.plan, self.state, self.rng = tables, table, plan, state, rng
        self.partition = partition
        self.tm = tables[table.name]
        self.secondary = links_of(links, table.name, LinkRole.SECONDARY)
        self.values = TableValues(table, self.tm, state, rng, partition, self.secondary,
                                  links_of(links, table.name, LinkRole.SELF))
        #: the condition its rows satisfy (--where), else None
        self.condition = state.where.get(table.name)
        #: key hashes of chunks already made (a streamed table); None: one piece, no need
        self.seen_keys: dict[tuple[str, ...], KeyHashes] | None = None
        #: line numbers counted per parent across the pieces (one process: partitions draw
        #: theirs and let the keys' redraws make them unique; a column a --where condition
        #: reads keeps the values drawn to satisfy it)
        conditioned = set(self.condition.columns) if self.condition is not None else set()
        self.numberings = ([Numbering(o) for o in self.tm.ordinals.values() if o.column not in conditioned]
                           if partition.whole else [])

    def run(self, ratio: float, piece_rows: int | None = None,
            parent_rows: np.ndarray | None = None) -> None:
        """Generate the whole table, ``ratio`` times the source's rows (see :mod:`.sizing`),
        and keep it: its children and links read it. A table of more than ``piece_rows``
        rows is made in pieces, so the work memory of one piece is all that comes on top of
        the table itself. ``parent_rows``: those :meth:`parent_rows` already drew (drawing
        them again would take other random numbers)."""
        if self.tm.copied is not None:
            self._copy_verbatim()
            return
        if parent_rows is None:
            parent_rows = self.parent_rows(ratio)
        pieces = list(self.pieces(parent_rows, piece_rows or max(len(parent_rows), 1)))
        if len(pieces) == 1:
            frame, hidden, encoded = pieces[0]
        else:
            frame = pd.concat([f for f, _, _ in pieces], ignore_index=True)
            hidden = pd.concat([h for _, h, _ in pieces], ignore_index=True)
            encoded = np.vstack([e for _, _, e in pieces])
        self.state.made[self.table.name] = MadeTable(
            frame.reset_index(drop=True), hidden.reset_index(drop=True), encoded)

    def chunks(self, parent_rows: np.ndarray, chunk_rows: int) -> Iterator[pd.DataFrame]:
        """The table in chunks of about ``chunk_rows`` rows, each dropped once consumed.
        Only the rows' parent positions are held for the whole table; their context rows
        are built chunk by chunk."""
        for piece in self.pieces(parent_rows, chunk_rows, encode=False):
            frame = piece[0]
            piece = None
            yield frame
            frame = None  # handed over: not held while the next chunk is made

    def pieces(self, parent_rows: np.ndarray, piece_rows: int, encode: bool = True
               ) -> Iterator[Piece]:
        """(rows, derived columns, encoded rows) in pieces of about ``piece_rows`` rows, cut
        between parents (so a key that includes the parent's stays unique); the rows
        :meth:`run` makes, piece by piece."""
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
            frame = hidden = None  # handed over: not held while the next piece is made
            if total == 0:
                return
            start = stop

    def _make(self, context: np.ndarray, parent_rows: np.ndarray, offset: int,
              total: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Rows for ``context`` (parent rows, or NaN rows for a root); generated keys start
        after ``offset`` rows of a table of ``total`` rows. Under a condition (``--where``),
        every row is one that satisfies it (see :meth:`_matching`)."""
        t, tm, values = self.table, self.tm, self.values
        if self.condition is None:
            frame, hidden = self._draw(context)
        else:  # rounds decode only the columns the condition reads; the rest once, after
            named = set(self.condition.columns)
            data, chosen, parent_rows = self._matching(context, parent_rows)
            frame, hidden = self._rows_of(data, {c.name for c in t.columns} - named)
            for name in chosen.columns:
                frame[name] = chosen[name].to_numpy()
        n = len(frame)
        for name in tm.keys:
            frame[name] = values.key(name, n, offset, total).to_numpy()
        for col in (c for fk in t.foreign_keys for c in fk.columns):
            if col not in frame:
                frame[col] = None
        if tm.primary is not None:
            for col, ref in zip(tm.primary.columns, tm.primary.ref_columns):
                parent = self.state.rows(tm.primary.parent)[ref].to_numpy(dtype=object)
                frame[col] = np.where(parent_rows >= 0, parent[np.maximum(parent_rows, 0)], None)
        for link in self.secondary:
            picks = pick_parents(link, hidden.get(cluster_column(link.fk)), self.state, self.rng, t)
            for col in link.columns:
                frame[col] = picks[col].to_numpy()
        for name, source in tm.copies.items():
            frame[name] = values.copy_from_parent(name, source, frame)
        frame = frame[list(t.data_columns)]
        frame = self._require_parents(frame)
        for numbering in self.numberings:  # each row its parent's next line number
            numbering.number(frame, commit=False)
        both = pd.concat([frame, hidden.loc[frame.index]], axis=1)
        both = enforce_checks(both, t, values.redraw_values)
        # a redrawn key is this partition's own one time in n: n times the redraws give a
        # claimed key the chances it has in one process (fx 88% → 95% of its rows, 3 parts)
        both = keys.dedupe_rows(both, t, values.redraw_keys, seen=self.seen_keys,
                                owner=self.partition, claimed=self._claimed_keys(),
                                tries=REDRAW_TRIES * self.partition.count,
                                partners=self._unused_partners)
        frame, hidden = both[list(t.data_columns)].copy(), both[list(hidden.columns)]
        if self.condition is not None:  # a CHECK or key redraw may have changed a value
            holds = self.condition.holds(frame, t)
            if not holds.all():
                log.warning("%s: %d rows dropped: a redraw for a CHECK or a key made them "
                            "fail %r", t.name, int((~holds).sum()), self.condition.text)
                frame = frame[holds].reset_index(drop=True)
                hidden = hidden[holds].reset_index(drop=True)
        for numbering in self.numberings:  # again on the final rows, now counted
            numbering.number(frame)
        values.fill_self_references(frame)
        return frame, hidden

    def _draw(self, context: np.ndarray, columns: set[str] | None = None
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The drawn part of rows for ``context``: the engine's columns (derived ones in the
        second frame) and the plain ones (only those in ``columns``, if given); keys,
        references and copies come after."""
        return self._rows_of(self._codes(context), columns)

    def _codes(self, context: np.ndarray) -> np.ndarray:
        """The engine's draws for ``context``, inequalities applied (codes, not values)."""
        tm = self.tm
        data = tm.engine.sample(context, self.rng) if tm.modelled else np.zeros((len(context), 0))
        parent_names = self.tables[tm.primary.parent].modelled if tm.primary else []
        return apply_inequalities(data, tm.modelled, context, parent_names, tm.inequalities, self.rng)

    def _rows_of(self, data: np.ndarray, columns: set[str] | None = None
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Drawn codes as rows: the engine's columns decoded, the plain ones drawn, NULLs of
        NOT NULL columns filled (only ``columns`` of the table's, if given; derived columns
        always, in the second frame)."""
        t, tm, values = self.table, self.tm, self.values
        n = len(data)
        frame = pd.DataFrame(index=pd.RangeIndex(n))
        hidden = pd.DataFrame(index=pd.RangeIndex(n))
        for j, name in enumerate(tm.modelled):
            if is_derived_column(name):
                hidden[name] = data[:, j]
            elif columns is None or name in columns:
                frame[name] = decode(tm.columns[name], data[:, j]).to_numpy()
        for column in t.columns:
            if column.name in tm.copies or (columns is not None and column.name not in columns):
                continue  # copies: filled from the parent once the links are set
            if column.name in tm.columns and column.name not in frame:
                frame[column.name] = values.plain(column.name, n).to_numpy()
            elif column.name in frame and not column.nullable:
                frame[column.name] = values.fill_nulls(column.name, frame[column.name])
        return frame, hidden

    def draw_root(self, n: int, columns: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``n`` rows of a root table as drawn before keys and links (see :meth:`_draw`),
        with only ``columns`` of the table's: a pilot for a condition's child counts."""
        return self._draw(np.zeros((n, 0)), columns)

    def _matching(self, context: np.ndarray, parent_rows: np.ndarray
                  ) -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
        """Rejection: each drawn row that fails the condition is replaced by a matching row
        drawn in the same context (the same parent row; a root's rows share one), in rounds
        that oversample by the rate seen so far (doubled each round for the rows still
        waiting). A condition no draw meets is an error. A row whose parent never gave a
        match moves to a parent that did (where one parent may have several), as the model
        weighs parents given a matching child; rows still without a match are dropped
        (said). Returns the rows' codes, their values of the condition's columns, and their
        parent rows."""
        condition = self.condition
        assert condition is not None
        named = set(condition.columns)
        data = self._codes(context)
        frame = self._rows_of(data, named)[0]
        ok = condition.holds(frame, self.table)
        drawn, matched = len(frame), int(ok.sum())
        source = np.arange(len(frame))  # row -> its row in the pool of matching draws
        pool_data, pool_frames, pooled = [data], [frame], len(frame)
        pending = np.flatnonzero(~ok)
        last = frame

        def redraw(pending: np.ndarray, context: np.ndarray, parent_rows: np.ndarray,
                   budget: float) -> np.ndarray:
            """Rounds of draws for the ``pending`` rows, each in its own context; returns
            the rows still without a match."""
            nonlocal drawn, matched, pooled, last
            for round_ in range(WHERE_ROUNDS):
                rate = matched / drawn
                if not pending.size or drawn >= budget or (matched == 0 and drawn >= WHERE_GIVE_UP):
                    break
                copies = WHERE_MAX_COPIES if not rate else int(np.ceil(1.5 / rate)) << round_
                room = int(min(WHERE_ROUND_ROWS, budget - drawn))
                copies = int(np.clip(copies, 1, min(WHERE_MAX_COPIES, max(1, room // len(pending)))))
                candidates = np.repeat(pending, copies)
                codes = self._codes(context[candidates])
                last = self._rows_of(codes, named)[0]
                good = condition.holds(last, self.table)
                drawn, matched = drawn + len(last), matched + int(good.sum())
                rows, picks = _pair(parent_rows[pending], parent_rows[candidates[good]])
                chosen = np.flatnonzero(good)[picks]
                pool_data.append(codes[chosen])
                pool_frames.append(last.iloc[chosen])
                source[pending[rows]] = pooled + np.arange(len(chosen))
                pooled += len(chosen)
                pending = np.delete(pending, rows)
            return pending

        # the draws all rounds may take: what the first draw's rate says the rows need
        # (three times over), at least the draws per row any context gets, at most
        # WHERE_MAX_DRAWS (later rates fall as the rows left are the hard ones: not those)
        need = 3 * len(frame) / (matched / drawn) if matched else 0
        budget = max(WHERE_GIVE_UP, WHERE_DRAWS_PER_ROW * len(frame), min(need, WHERE_MAX_DRAWS))
        pending = redraw(pending, context, parent_rows, budget)
        if pending.size and matched and self._may_rehome():
            # parents the model never gives a matching child: their rows go to parents that
            # did (a child's parent given that it matches is drawn as the model weighs it)
            context, parent_rows = context.copy(), parent_rows.copy()
            found = np.delete(np.arange(len(frame)), pending)
            donors = self.rng.choice(found, size=len(pending))
            context[pending], parent_rows[pending] = context[donors], parent_rows[donors]
            pending = redraw(pending, context, parent_rows, drawn + budget)
        if pending.size and matched == 0:
            produced = condition.describe(last)
            raise UsageError(
                f"{condition.flag}: no synthetic row of {self.table.name} satisfies "
                f"{condition.text!r} after {drawn:,} tries; the model never produced such rows"
                + (f" (it drew {produced})" if produced else ""))
        if pending.size:
            log.warning("%s: %d rows dropped: no draw for their parent row satisfied %r",
                        self.table.name, len(pending), condition.text)
        keep = source[np.delete(np.arange(len(frame)), pending)]
        chosen_frame = pd.concat(pool_frames, ignore_index=True).iloc[keep].reset_index(drop=True)
        return (np.vstack(pool_data)[keep], chosen_frame,
                np.delete(parent_rows, pending))

    def _may_rehome(self) -> bool:
        """Whether a conditioned child's rows may move to other parents: it has a primary
        parent, and one parent may have several of them (not a one-to-one child)."""
        primary = self.tm.primary
        return primary is not None and primary.columns not in self.table.unique_column_sets()

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
        flagged = [u.columns for u in t.flagged_uniques()]  # (user_id) WHERE is_default
        return frozenset(k for k in [*unique_sets, *flagged] if not set(k) & disjoint)

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

    def _copy_verbatim(self) -> None:
        """A reference table (mode copy): the source rows as they are, at every scale; its
        children's counts scale so each row keeps its share of the children."""
        tm = self.tm
        assert tm.copied is not None
        frame = pd.DataFrame(tm.copied, columns=list(self.table.data_columns))
        # count codes as learnt (children's context): the counts are calibrated to the rows
        # asked for where they are used (see parent_rows)
        hidden = pd.DataFrame({c: np.asarray(v, dtype=float) for c, v in (tm.copied_hidden or {}).items()},
                              index=frame.index)
        self.state.made[self.table.name] = MadeTable(frame, hidden, self._encoded(frame, hidden))

    def _context_of(self, parent_rows: np.ndarray) -> np.ndarray:
        """Context rows for these parent positions: the parent's encoded row, NaN for a row
        without a parent; a root has an empty context."""
        tm = self.tm
        if tm.primary is None:
            return np.zeros((len(parent_rows), 0))
        width = len(self.tables[tm.primary.parent].modelled)
        context = np.full((len(parent_rows), width), np.nan)
        has_parent = parent_rows >= 0
        context[has_parent] = self.state.encoded(tm.primary.parent)[parent_rows[has_parent]]
        return context

    def parent_rows(self, ratio: float) -> np.ndarray:
        """The parent position of every row to generate (``ratio`` times the source's rows):
        each parent repeated by its child count, then -1 for the rows without a parent; a
        root's rows (the partition's share of them) are all -1."""
        tm = self.tm
        if tm.primary is None:
            total = int(round(tm.row_count * ratio))
            at_least_one = tm.row_count and not total and ratio > 0  # 0 only when asked for
            return np.full(self.partition.share(1 if at_least_one else total), -1)
        link = tm.primary
        parent_encoded = self.state.encoded(link.parent)
        counts = counts_of(link, self.state)
        if counts is None or parent_encoded.shape[0] == 0:
            per_parent = np.zeros(parent_encoded.shape[0], dtype=int)
        else:
            per_parent = np.rint(counts).astype(int)
        wanted = int(round(max(tm.row_count - tm.orphan_rows, 0) * ratio))
        cap = self._children_cap(link)
        if link.parent in self.state.shared:
            # Every partition holds the same parent rows and deals their children out: the
            # counts are calibrated alike in all (one seed for all), then split.
            alike = np.random.default_rng([len(per_parent), wanted])
            per_parent = split_counts(calibrated_counts(per_parent, wanted, alike, cap),
                                      self.state.partition, self._deals_whole_parents())
        else:
            per_parent = calibrated_counts(per_parent, self.partition.share(wanted), self.rng, cap)
        rows = np.repeat(np.arange(len(per_parent)), per_parent)
        orphans = int(round(tm.orphan_rows * ratio / self.partition.count))
        return np.concatenate([rows, np.full(orphans, -1)])

    def _children_cap(self, link: Link) -> int | None:
        """The most children one parent can have under the child's unique keys: 1 where the
        link's columns are unique (one-to-one); for a junction keyed by this link and other
        references (``playlist_track(playlist_id, track_id)``), the number of distinct
        partners, the product of those parents' generated rows (a playlist cannot hold more
        distinct tracks than there are). None: no bound (another column can vary)."""
        cap: int | None = None
        for key in self.table.unique_column_sets():
            rest = set(key) - set(link.columns)
            if len(rest) == len(key):
                continue
            if not rest:
                return 1
            partners = [lk for lk in self.secondary if set(lk.columns) <= rest]
            if {c for lk in partners for c in lk.columns} != rest:
                continue
            if any(lk.parent not in self.state.made for lk in partners):
                continue
            bound = int(np.prod([len(self.state.rows(lk.parent)) for lk in partners]))
            cap = bound if cap is None else min(cap, bound)
        return cap

    def _unused_partners(self, key: tuple[str, ...]) -> pd.DataFrame | None:
        """For a duplicated junction key (see :func:`keys.dedupe_rows`): every value the
        key's reference to one other parent can take (that parent's generated keys, named as
        the child's columns), so a duplicate gets a partner its row does not have yet."""
        for lk in self.secondary:
            if set(lk.columns) < set(key) and lk.parent in self.state.made:
                values = self.state.rows(lk.parent)[list(lk.ref_columns)]
                return values.set_axis(list(lk.columns), axis=1).drop_duplicates()
        return None

    def _encoded(self, frame: pd.DataFrame, hidden: pd.DataFrame) -> np.ndarray:
        cols = []
        for name in self.tm.modelled:
            if is_derived_column(name):
                cols.append(hidden[name].to_numpy(dtype=float))
            else:
                cols.append(encode(self.tm.columns[name], frame[name]))
        return np.column_stack(cols) if cols else np.zeros((len(frame), 0))

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


def drawn_columns(table: Table, tm: TableModel) -> list[str]:
    """The columns :meth:`TableGenerator._draw` makes: what a ``--where`` can select on."""
    return [c.name for c in table.columns
            if c.name in tm.columns and c.name not in tm.keys and c.name not in tm.copies]


def _pair(wanted: np.ndarray, found: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Match rows waiting for a draw (``wanted``: each one's group) with matching draws
    (``found``: each one's group), one draw per row within a group: (positions in wanted,
    positions in found)."""
    left = pd.DataFrame({"group": wanted, "rank": pd.Series(wanted).groupby(wanted).cumcount(),
                         "row": np.arange(len(wanted))})
    right = pd.DataFrame({"group": found, "rank": pd.Series(found).groupby(found).cumcount(),
                          "pick": np.arange(len(found))})
    pairs = left.merge(right, on=["group", "rank"])
    return pairs["row"].to_numpy(dtype=int), pairs["pick"].to_numpy(dtype=int)
