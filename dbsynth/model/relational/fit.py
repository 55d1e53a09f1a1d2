"""Fitting: from the source's frames to one :class:`TableModel` per table and the links.

In order: each FK's role; column summaries and encoded columns; columns that copy a parent's;
child counts on the parents; parent clusters on the children (they use the counts); then each
table's engine, trained in the context of its primary parent's encoded row, and the
inequalities that held on every source row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dbsynth.model import keys
from dbsynth.model.cart import Splitter, choose_splitter, tree_cells
from dbsynth.model.columns import ColumnSummary, fit_column
from dbsynth.model.pii import person_name_kind
from dbsynth.model.derived import cluster_column, count_column, is_derived_column
from dbsynth.model.encoding import MODELLED_KINDS, encode
from dbsynth.model.relational.clusters import cluster_summary, fit_clusters, labels_for_children
from dbsynth.model.relational.counts import count_codes, count_summary
from dbsynth.model.relational.inequalities import Inequality, find_inequalities
from dbsynth.model.relational.ordinals import Ordinal, find_ordinals
from dbsynth.model.relational.links import (Link, LinkRole, ParentCopy, Summaries, child_counts,
                                            choose_links, find_parent_copies, key_tuples,
                                            primary_link, row_positions)
from dbsynth.model.table import CartEngine, ColumnSpec, CopulaEngine, make_engine
from dbsynth.schema.graph import build_plan
from dbsynth.schema.model import Column, Schema, Table
from dbsynth.schema.naming import pii_kind

#: children per parent key, counted in the source: (child, FK columns) -> parent key -> count
ChildCounts = dict[tuple[str, tuple[str, ...]], dict[tuple[object, ...], int]]


@dataclass
class TableModel:
    name: str
    row_count: int
    columns: dict[str, ColumnSummary]  # every non-FK column, incl. derived count/cluster ones
    keys: dict[str, keys.KeySpec]
    modelled: list[str]  # engine columns in order: base, then child counts, then clusters
    engine: CartEngine | CopulaEngine
    primary: Link | None = None
    orphan_rows: int = 0  # source rows whose primary FK is NULL
    inequalities: list[Inequality] = field(default_factory=list)
    copies: dict[str, ParentCopy] = field(default_factory=dict)  # own column -> its source
    #: mode "copy" (metadata file): the source rows, column by column, and their derived
    #: child counts; written verbatim instead of generated
    copied: dict[str, list[object]] | None = None
    copied_hidden: dict[str, list[float]] | None = None
    #: line-number columns: numbered per parent at generation (see :mod:`.ordinals`)
    ordinals: dict[str, Ordinal] = field(default_factory=dict)



def is_code_list(table: Table, specs: Mapping[str, keys.KeySpec]) -> bool:
    """A lookup list keyed by its kept text codes (its primary key, see :func:`keys.fit_key`):
    a vocabulary, which keeps its rows at any scale (at 2 it would add made-up codes, at 0.1
    lose most). A table with its own key beside a kept code (a department's id and ``ENG``)
    is a table of things, and scales."""
    pk = table.primary_key.columns if table.primary_key else ()
    spec = specs.get(pk[0]) if len(pk) == 1 else None
    return spec is not None and spec.style == "lookup" and bool(spec.codes)


def keeps_its_codes(schema: Schema, table: Table, frame: pd.DataFrame) -> bool:
    """Whether training makes ``table`` a code list (:func:`is_code_list`), read from its
    rows ``frame``: for sizes judged without a model (a report, a refresh's plan)."""
    if not keys.is_lookup_list(schema, table, max(table.row_count, len(frame))):
        return False
    return is_code_list(table, _base_summaries(table, frame, True)[1])


def fit_tables(schema: Schema, frames: dict[str, pd.DataFrame], engine: str,
               engines: dict[str, str], seed: int, known_counts: ChildCounts,
               ) -> tuple[dict[str, TableModel], list[Link]]:
    """Every table's model and every FK's link (see the module docstring for the order)."""
    plan = build_plan(schema)
    links = choose_links(schema, plan, frames)
    summaries = {t.name: _base_summaries(t, frames[t.name], keys.is_lookup_list(
        schema, t, max(t.row_count, len(frames[t.name])))) for t in schema.tables}
    encoded = {t.name: _encode_base(t, summaries[t.name], frames[t.name]) for t in schema.tables}
    copies: dict[str, dict[str, ParentCopy]] = {t.name: {} for t in schema.tables}
    for link in links:
        if link.role in (LinkRole.PRIMARY, LinkRole.SECONDARY):
            found = find_parent_copies(schema, link, frames, summaries)
            copies[link.child].update({k: v for k, v in found.items() if k not in copies[link.child]})
            encoded[link.child] = encoded[link.child].drop(columns=list(found), errors="ignore")
    # counts on parents, then clusters on children (clusters use the parent's counts)
    for link in links:
        if link.role == LinkRole.SELF:
            continue
        known = known_counts.get((link.child, link.columns))
        counts = (np.array([known.get(k, 0) for k in key_tuples(frames[link.parent], link.ref_columns)],
                           dtype=float) if known is not None
                  else child_counts(frames[link.child], link, frames[link.parent]))
        name = count_column(link.child, link.fk)
        summary = summaries[link.parent][0][name] = count_summary(name, counts)
        encoded[link.parent][name] = count_codes(summary, counts)
    for link in links:
        if link.clustered:
            labels = fit_clusters(link, encoded[link.parent], seed)
            child_labels = labels_for_children(frames[link.child], link, frames[link.parent], labels)
            name = cluster_column(link.fk)
            encoded[link.child][name] = child_labels
            summaries[link.child][0][name] = cluster_summary(name, len(link.centroids))
    splitter = _splitter(schema, links, summaries, encoded, engine, engines)
    tables = {table.name: _fit_table(table, frames, encoded, summaries, links, copies,
                                     engines.get(table.name, engine), seed, splitter, known_counts)
              for table in schema.tables}
    return tables, links


def _fit_table(table: Table, frames: dict[str, pd.DataFrame], encoded: dict[str, pd.DataFrame],
               summaries: dict[str, Summaries], links: list[Link],
               copies: dict[str, dict[str, ParentCopy]], engine: str, seed: int,
               splitter: Splitter, known_counts: ChildCounts | None = None) -> TableModel:
    cols, key_specs = summaries[table.name]
    modelled = list(encoded[table.name].columns)
    primary = primary_link(links, table.name)
    context = _training_context(frames, encoded, table, primary)
    specs = [ColumnSpec(c, cols[c].kind == "categorical", len(cols[c].categories)) for c in modelled]
    table_engine = make_engine(engine, specs)
    table_engine.fit(context, encoded[table.name].to_numpy(dtype=float), seed, splitter)
    orphans = int(frames[table.name][list(primary.columns)].isna().any(axis=1).sum()) if primary else 0
    parent_frame = (pd.DataFrame(context, columns=list(encoded[primary.parent].columns))
                    if primary else None)
    rules = find_inequalities(encoded[table.name], cols, parent_frame,
                              summaries[primary.parent][0] if primary else None)
    fitted = TableModel(table.name, max(table.row_count, len(frames[table.name])), cols, key_specs,
                        modelled, table_engine, primary, orphans, rules, copies.get(table.name, {}))
    if table.mode != "copy":
        counted = {fk: n for (child, fk), n in (known_counts or {}).items() if child == table.name}
        fitted.ordinals = find_ordinals(table, frames[table.name], counted)
    if table.mode == "copy":
        rows = frames[table.name].astype(object)
        fitted.copied = {c: rows[c].where(rows[c].notna(), None).tolist() for c in table.data_columns}
        fitted.copied_hidden = {c: encoded[table.name][c].tolist() for c in modelled
                                if is_derived_column(c)}
    return fitted


def _base_summaries(table: Table, frame: pd.DataFrame, lookup: bool) -> Summaries:
    """Each column's summary and each key's spec; ``lookup``: the table is a lookup list
    (its text codes are kept, unless they look like personal data)."""
    fk_columns = {c for fk in table.foreign_keys for c in fk.columns}
    summaries: dict[str, ColumnSummary] = {}
    key_specs: dict[str, keys.KeySpec] = {}
    for column in table.columns:
        if column.name in fk_columns or column.generated is not None:
            continue
        summaries[column.name] = fit_column(column, frame[column.name], table.column_names)
        if keys.column_is_key(table, column):
            personal = lookup and _personal(column, summaries[column.name], frame[column.name])
            key_specs[column.name] = keys.fit_key(column, frame[column.name], lookup and not personal)
    return summaries, key_specs


def _personal(column: Column, summary: ColumnSummary, values: pd.Series) -> bool:
    """Whether a key's values may be personal data (kept from a lookup list they must not
    be): faked as such, named so (``email``), or people's first names (a 4-row ``person``
    keyed by name is too small to be judged "varied", so its summary says category)."""
    if summary.kind == "pii" or pii_kind(column.name) is not None:
        return True
    texts = values.dropna().astype(str)
    return bool(len(texts)) and person_name_kind(texts) is not None


def _encode_base(table: Table, summaries: Summaries, frame: pd.DataFrame) -> pd.DataFrame:
    cols, key_specs = summaries
    names = [name for name, s in cols.items() if s.kind in MODELLED_KINDS and name not in key_specs]
    # coarse categories before fine ones (country, state, city), numbers and dates last: a
    # sequential model then draws each detail given the broader values it depends on
    names.sort(key=lambda n: len(cols[n].categories) if cols[n].kind == "categorical" else np.inf)
    return pd.DataFrame({name: encode(cols[name], frame[name]) for name in names}, index=frame.index)


def _splitter(schema: Schema, links: list[Link], summaries: dict[str, Summaries],
              encoded: dict[str, pd.DataFrame], engine: str, engines: dict[str, str]) -> Splitter:
    """How this database's trees are searched (see model/cart.py): from what they will see,
    each CART table's rows × (parent's encoded columns + earlier columns) × classes."""
    cells = 0
    for table in schema.tables:
        if engines.get(table.name, engine) != "cart":
            continue
        primary = primary_link(links, table.name)
        cols = summaries[table.name][0]
        classes = [len(cols[c].categories) if cols[c].kind == "categorical" else 0
                   for c in encoded[table.name].columns]
        context = encoded[primary.parent].shape[1] if primary else 0
        cells += tree_cells(len(encoded[table.name]), context, classes)
    return choose_splitter(cells)


def _training_context(frames: dict[str, pd.DataFrame], encoded: dict[str, pd.DataFrame],
                      table: Table, primary: Link | None) -> np.ndarray:
    """Each source row's primary parent's encoded row (NaN: no parent), as generation gives."""
    n = len(frames[table.name])
    if primary is None:
        return np.zeros((n, 0))
    parent = encoded[primary.parent].to_numpy(dtype=float)
    rows = row_positions(frames[primary.parent], list(primary.ref_columns),
                         frames[table.name], list(primary.columns))
    context = np.full((n, parent.shape[1]), np.nan)
    found = rows >= 0
    context[found] = parent[rows[found]]
    return context
