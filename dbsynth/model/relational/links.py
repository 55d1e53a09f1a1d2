"""How each foreign key is generated (its role), and child columns that copy their parent's.

Every table has at most one *primary* parent, the one its rows are generated for; every
other foreign key to another table is *secondary* (or *cut*, when it breaks a cycle), a
latent link through the parent's clusters; a key to the own table is *self*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd

from dbsynth.model import keys
from dbsynth.model.columns import ColumnSummary
from dbsynth.schema.graph import LoadPlan
from dbsynth.schema.model import ForeignKey, Schema, SqlType

MIN_PRIMARY_PARENT_ROWS = 30  # smaller parents are lookup lists: linked, not generated for
MIN_COPY_ROWS = 10  # a column repeats its parent's only if seen doing so on this many rows
_NOT_COMPARED = ("unsupported", "structured")  # documents, lists, bytes: drawn apart

#: per table: its column summaries and its key specs (see :func:`keys.fit_key`)
Summaries = tuple[dict[str, ColumnSummary], dict[str, keys.KeySpec]]


class LinkRole(StrEnum):
    """How a foreign key is generated; stored in the model file by its value."""

    PRIMARY = "primary"  # the child's rows are generated for each parent row, conditioned on it
    SECONDARY = "secondary"  # a parent picked inside the child's drawn cluster of parents
    CUT = "cut"  # a secondary link that breaks a cycle: drawn once both tables exist
    SELF = "self"  # a row points at an earlier row of its own table


@dataclass
class Link:
    """How one foreign key is generated, and the parent clusters its child learnt."""

    child: str
    columns: tuple[str, ...]
    parent: str
    ref_columns: tuple[str, ...]
    role: LinkRole
    null_share: float = 0.0
    centroids: list[list[float]] = field(default_factory=list)
    center: list[float] = field(default_factory=list)
    spread: list[float] = field(default_factory=list)

    @property
    def fk(self) -> ForeignKey:
        return ForeignKey(self.columns, self.parent, self.ref_columns)

    @property
    def clustered(self) -> bool:
        """Whether the child learns its parent's cluster (a latent link)."""
        return self.role in (LinkRole.SECONDARY, LinkRole.CUT)


@dataclass
class ParentCopy:
    """A column that repeats ``column`` of the parent row its FK ``fk_columns`` points at."""

    fk_columns: tuple[str, ...]
    parent: str
    ref_columns: tuple[str, ...]
    column: str


def links_of(links: list[Link], child: str, role: LinkRole) -> list[Link]:
    return [lk for lk in links if lk.child == child and lk.role == role]


def primary_link(links: list[Link], child: str) -> Link | None:
    return next(iter(links_of(links, child, LinkRole.PRIMARY)), None)


def choose_links(schema: Schema, plan: LoadPlan, frames: dict[str, pd.DataFrame]) -> list[Link]:
    """Role of every FK; the primary parent is the best of :func:`primary_rank`."""
    links: list[Link] = []
    for table in schema.tables:
        frame = frames[table.name]
        candidates: list[tuple[tuple[int, float, str], Link]] = []
        for fk in table.foreign_keys:
            if fk.ref_table not in schema.table_names:
                continue
            null_share = float(frame[list(fk.columns)].isna().any(axis=1).mean()) if len(frame) else 0.0
            role = _role(plan, table.name, fk)
            link = Link(table.name, fk.columns, fk.ref_table, fk.ref_columns, role, null_share)
            links.append(link)
            rank = primary_rank(schema, table.name, fk, role, len(frame), len(frames[fk.ref_table]))
            if rank is not None:
                candidates.append((rank, link))
        if candidates:
            max(candidates, key=lambda c: c[0])[1].role = LinkRole.PRIMARY
    return links


def _role(plan: LoadPlan, table: str, fk: ForeignKey) -> LinkRole:
    """A foreign key's role before the primary one is chosen among the secondary ones."""
    return (LinkRole.SELF if fk.ref_table == table else
            LinkRole.CUT if plan.is_cut(table, fk) else LinkRole.SECONDARY)


def primary_rank(schema: Schema, table: str, fk: ForeignKey, role: LinkRole, rows: int,
                 parent_rows: int) -> tuple[int, float, str] | None:
    """How much ``fk`` suits being ``table``'s primary parent (the highest rank wins): a NOT
    NULL FK first, then the most children per parent, among parents big enough to be
    entities rather than lookup lists (a genre, a media type); None where it cannot be."""
    copied = schema.table(fk.ref_table).mode == "copy"  # fixed rows: linked, not generated for
    if role != LinkRole.SECONDARY or parent_rows < MIN_PRIMARY_PARENT_ROWS or copied:
        return None
    required = not any(schema.table(table).column(c).nullable for c in fk.columns)
    return int(required), rows / parent_rows, fk.ref_table


def likely_primary_parents(schema: Schema, plan: LoadPlan,
                           sample_rows: int | None = None) -> dict[str, str]:
    """Each table's primary parent as training will most likely choose it, from the schema's
    row counts alone: for a plan shown before training. Training ranks by the rows it reads,
    so a table is counted as read: at most about ``sample_rows`` rows (a copied table whole)."""
    def read(name: str) -> int:
        table = schema.table(name)
        if sample_rows is None or table.mode == "copy":
            return table.row_count
        return min(table.row_count, sample_rows)

    out: dict[str, str] = {}
    for table in schema.tables:
        ranks = [rank for fk in table.foreign_keys if fk.ref_table in schema.table_names
                 if (rank := primary_rank(schema, table.name, fk, _role(plan, table.name, fk),
                                          read(table.name), read(fk.ref_table))) is not None]
        if ranks:
            out[table.name] = max(ranks)[2]
    return out


def find_parent_copies(schema: Schema, link: Link, frames: dict[str, pd.DataFrame],
                       summaries: dict[str, Summaries]) -> dict[str, ParentCopy]:
    """Child columns equal to a column of the linked parent on every source row.

    Denormalised copies (``invoice.billing_country`` = ``customer.country``,
    ``invoice_line.unit_price`` = ``track.unit_price``) are then copied from the synthetic
    parent instead of modelled, so they agree with it as in the source, fake addresses
    included."""
    child, parent = frames[link.child], frames[link.parent]
    rows = row_positions(parent, list(link.ref_columns), child, list(link.columns))
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


def key_tuples(frame: pd.DataFrame, cols: tuple[str, ...]) -> list[tuple[object, ...]]:
    return [tuple(r) for r in frame[list(cols)].astype(object).itertuples(index=False)]


def child_counts(child: pd.DataFrame, link: Link, parent: pd.DataFrame) -> np.ndarray:
    """How many rows of ``child`` point at each row of ``parent`` through ``link``."""
    rows = row_positions(parent, list(link.ref_columns), child, list(link.columns))
    return np.bincount(rows[rows >= 0], minlength=len(parent)).astype(float)


def row_positions(parent: pd.DataFrame, ref_columns: list[str], child: pd.DataFrame,
                  fk_columns: list[str]) -> np.ndarray:
    """Position in ``parent`` of each child row's parent (-1: NULL or missing key)."""
    if len(ref_columns) == 1 and _signed_ints(parent[ref_columns[0]]) and _signed_ints(child[fk_columns[0]]):
        return _int_row_positions(parent[ref_columns[0]], child[fk_columns[0]])
    parent_keys = parent[ref_columns].astype(object)
    usable = (parent_keys.notna().all(axis=1) & ~parent_keys.duplicated()).to_numpy()
    positions = np.flatnonzero(usable)
    wanted = child[fk_columns].astype(object)
    if len(ref_columns) == 1:
        found = pd.Index(parent_keys[ref_columns[0]][usable]).get_indexer(wanted[fk_columns[0]])
    else:
        found = pd.MultiIndex.from_frame(parent_keys[usable]).get_indexer(
            pd.MultiIndex.from_frame(wanted))
    return np.where(found >= 0, positions[np.maximum(found, 0)] if len(positions) else -1, -1)


def _signed_ints(values: pd.Series) -> bool:
    return pd.api.types.is_signed_integer_dtype(values.dtype)


def _int_row_positions(parent_key: pd.Series, child_key: pd.Series) -> np.ndarray:
    """:func:`row_positions` of one integer key on int64 arrays: the same positions without
    boxing every key into a Python object (a third of generating Chinook went to that)."""
    usable = (parent_key.notna() & ~parent_key.duplicated()).to_numpy()
    positions = np.flatnonzero(usable)
    index = pd.Index(parent_key[usable].to_numpy(dtype=np.int64))
    present = child_key.notna().to_numpy()
    found = np.full(len(child_key), -1, dtype=np.intp)
    found[present] = index.get_indexer(child_key[present].to_numpy(dtype=np.int64))
    return np.where(found >= 0, positions[np.maximum(found, 0)] if len(positions) else -1, -1)
