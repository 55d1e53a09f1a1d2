"""Parent picking for a latent link: which synthetic parent each child row points at.

A child row's model drew the cluster of its parent (see :mod:`.clusters`); a parent is then
picked inside that cluster, each parent getting as many children as its own generated count
says, so the source's degree distribution survives (a few parents with many children, most
with few). A unique foreign key (one-to-one) picks distinct parents instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dbsynth.model.derived import count_column
from dbsynth.model.relational.clusters import assign_clusters
from dbsynth.model.relational.counts import count_values, keep_heavy
from dbsynth.model.relational.links import Link
from dbsynth.model.relational.state import GenerationState, ParentClusters
from dbsynth.schema.model import Table


def counts_of(link: Link, state: GenerationState) -> np.ndarray | None:
    """Each generated parent row's child count for ``link`` (None: not generated)."""
    name = count_column(link.child, link.fk)
    codes = state.derived(link.parent).get(name)
    if codes is None:
        return None
    summary = state.summaries[link.parent][name]
    drawn = count_values(summary, codes.to_numpy(float))
    return keep_heavy(drawn, summary, np.random.default_rng([len(drawn), int(drawn.sum())]))


def pick_parents(link: Link, drawn: pd.Series | None, state: GenerationState,
                 rng: np.random.Generator, table: Table, n: int | None = None) -> pd.DataFrame:
    """Parent keys for each child row: inside the drawn cluster, weighted by the parent's
    count. ``drawn`` is each row's drawn cluster (NaN: none); without it, ``n`` rows are
    picked from any cluster (a redraw of colliding keys)."""
    parent = state.rows(link.parent)
    n = len(drawn) if drawn is not None else (n or 0)
    out = pd.DataFrame({c: pd.Series([None] * n, dtype=object) for c in link.columns})
    if len(parent) == 0 or n == 0:
        return out
    # grouped per (parent, FK columns) and computed once per run
    clusters = state.clusters.get((link.parent, link.columns))
    if clusters is None:
        labels = assign_clusters(link, state.encoded(link.parent))
        order = np.argsort(labels, kind="stable")  # each cluster's rows, ascending
        clusters = state.clusters[(link.parent, link.columns)] = ParentClusters(order, labels[order])
    counts = counts_of(link, state)
    weights = np.ones(len(parent)) if counts is None else counts + 1e-3
    wanted = drawn.to_numpy(dtype=float) if drawn is not None else np.full(n, np.nan)
    nullable = all(table.column(c).nullable for c in link.columns)
    picks = np.full(n, -1)
    slots_key = (link.child, link.columns)
    if tuple(link.columns) in table.unique_column_sets():
        # parents taken by earlier pieces or chunks of the child are not free any more
        free = state.slots.setdefault(slots_key, np.ones(len(parent), dtype=int))
        wants = np.flatnonzero(~np.isnan(wanted) | (not nullable) | (drawn is None))
        _pick_distinct(picks, wants, link, state, free, weights, rng)
    else:
        if slots_key not in state.slots:
            state.slots[slots_key] = np.floor(weights).astype(int)
        pick_in_clusters(picks, wanted, clusters, weights, state.slots[slots_key],
                         nullable and drawn is not None, rng)
    chosen = picks >= 0
    for col, ref in zip(link.columns, link.ref_columns):
        column = np.full(n, None, dtype=object)
        column[chosen] = parent[ref].take(picks[chosen]).to_numpy(dtype=object)  # only the picked
        out[col] = column
    return out


def _pick_distinct(picks: np.ndarray, wants: np.ndarray, link: Link, state: GenerationState,
                   free: np.ndarray, weights: np.ndarray, rng: np.random.Generator) -> None:
    """A unique FK (one-to-one): distinct free parents for the rows that ``wants`` one,
    drawn without replacement by weight; the rest stay NULL. A shared parent (alike in every
    partition) gives each partition its own rows."""
    pool = np.arange(len(free))
    if link.parent in state.shared and link.child not in state.shared:
        pool = pool[pool % state.partition.count == state.partition.index]
    pool = pool[free[pool] > 0]
    k = min(len(wants), len(pool))
    chosen_parents = rng.choice(pool, size=k, replace=False,
                                p=weights[pool] / weights[pool].sum()) if k else pool[:0]
    picks[rng.permutation(wants)[:k]] = chosen_parents
    free[chosen_parents] = 0


def pick_in_clusters(picks: np.ndarray, wanted: np.ndarray, clusters: ParentClusters,
                     weights: np.ndarray, capacity: np.ndarray, keep_nulls: bool,
                     rng: np.random.Generator) -> None:
    """Fill ``picks`` with parent rows from each row's wanted cluster (NaN: any, or NULL).

    Each parent gets as many children as its own generated count says (shuffled pools of
    parent slots, first inside the wanted cluster, then anywhere), so degrees match the
    source's; rows left over after every slot is used are picked by weight.
    ``capacity``: each parent's slots left (its count), used up here."""
    codes = np.nan_to_num(wanted, nan=-1)
    order, sorted_labels = clusters.order, clusters.labels
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
