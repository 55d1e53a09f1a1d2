"""References to alternate keys: a column unique in its table, other than its primary key,
that another table's column names (``wein.traube`` → ``weintrauben.traube``,
``order_line.product_sku`` → ``product.sku``, ``hat_allergie.stuid`` → ``schüler.stuid``).

Loaded from CSV or Parquet, such a key has lost its UNIQUE constraint, and the references to
it read as free text or numbers: the copy then invents values no parent holds (orphans). So,
for the columns no other rule referenced:

* a *parent* is a column, not generic (``name``, ``code``…) and not its table's primary key,
  that some column of another table names: by its own name, or as ``<table>_<column>``;
  the data must say it is unique and never NULL (one query per table), and not integers
  ``1..n`` (a rank: any small count lies in it);
* a *child* references it only when (almost) every one of its values is a parent value
  (:data:`MIN_INCLUSION`; scored by that share), it is not a copy of the same key (the
  child repeats values, or holds fewer than the parent), and, named only like the column,
  it holds enough values to tell (:data:`MIN_CHILD_DISTINCT`).

Such a reference carries :data:`ALTERNATE` in its evidence: ``with_inferred_keys`` then
declares the parent column UNIQUE, so that the copy keeps it unique and draws the child's
values from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from dbsynth.schema.infer.foreign import ParentKey, measure_inclusion
from dbsynth.schema.infer.names import GENERIC_KEY_NAMES, norm, table_stems
from dbsynth.schema.infer.result import InferredKey, Inference, Qualify, Query, Quote
from dbsynth.schema.infer.values import key_family
from dbsynth.schema.model import Column, Schema, Table

#: the evidence entry marking a reference to a key the data alone says is unique
ALTERNATE = "alternate key"
NAME_SCORE_ALTERNATE_TABLE = 0.9  # product_sku -> product.sku: names the table and the column
NAME_SCORE_ALTERNATE_SAME = 0.8  # traube -> weintrauben.traube: the column's name only
#: a key of fewer rows says nothing (one row is unique on every column)
MIN_PARENT_ROWS = 2
#: the share of the child's values the parent must hold (real data has a stray orphan)
MIN_INCLUSION = 0.9
#: a child named only like the column must hold this many values: a few states or ranks
#: coincide between any two tables, a key's values do not
MIN_CHILD_DISTINCT = 5


@dataclass(frozen=True)
class _Counts:
    rows: int
    distinct: int
    present: int
    low: object

    @property
    def unique(self) -> bool:
        return self.present == self.rows and self.distinct == self.rows

    @property
    def counting(self) -> bool:
        """Integers ``1..n`` (a rank, a position): any small count lies in them."""
        return isinstance(self.low, int) and self.low <= self.distinct


def _counts(table: Table, names: list[str], query: Query, qualify: Qualify, quote: Quote,
            stats: Inference) -> dict[str, _Counts]:
    measures = ", ".join(f"count(DISTINCT {quote(n)}), count({quote(n)}), min({quote(n)})" for n in names)
    row = query(f"SELECT count(*), {measures} FROM {qualify(table.name)}")[0]
    stats.queries += 1
    return {n: _Counts(int(row[0]), int(row[1 + 3 * i]), int(row[2 + 3 * i]), row[3 + 3 * i])
            for i, n in enumerate(names)}


def alternate_references(schema: Schema, primary: dict[str, tuple[str, ...]],
                         taken: dict[str, set[str]], query: Query, qualify: Qualify, quote: Quote,
                         stats: Inference) -> list[InferredKey]:
    """References from the columns not in ``taken`` (per table: already referencing, or
    generated) to alternate keys, see the module docstring. ``primary``: each table's key."""
    free: dict[str, list[Column]] = {}
    by_name: dict[str, list[tuple[Table, Column]]] = {}
    for table in schema.tables:
        own = primary.get(table.name, ())
        free[table.name] = [c for c in table.columns if c.name not in taken.get(table.name, set())
                            and key_family(c) is not None and own != (c.name,)]
        for column in free[table.name]:
            by_name.setdefault(norm(column.name), []).append((table, column))

    # (parent table, parent column) -> [(child table, child column, name score)]
    wanted: dict[tuple[str, str], list[tuple[Table, Column, float]]] = {}
    for table in schema.tables:
        declared = set(table.unique_column_sets())
        stems = table_stems(table.name)
        for column in free[table.name]:
            key = norm(column.name)
            if key in GENERIC_KEY_NAMES or (column.name,) in declared or column.name in primary.get(table.name, ()):
                continue
            named = [(key, NAME_SCORE_ALTERNATE_SAME)] + [
                (f"{s}{sep}{key}", NAME_SCORE_ALTERNATE_TABLE) for s in stems for sep in ("_", "")]
            for name, score in named:
                for child, child_column in by_name.get(name, []):
                    if child.name != table.name and key_family(child_column) == key_family(column):
                        wanted.setdefault((table.name, column.name), []).append((child, child_column, score))
    if not wanted:
        return []

    counted: dict[tuple[str, str], _Counts] = {}
    measure: dict[str, set[str]] = {}
    for (parent, column), children in wanted.items():
        measure.setdefault(parent, set()).add(column)
        for child, child_column, _ in children:
            measure.setdefault(child.name, set()).add(child_column.name)
    for name, columns in measure.items():
        found = _counts(schema.table(name), sorted(columns), query, qualify, quote, stats)
        counted.update(((name, c), n) for c, n in found.items())

    links = _links(schema, stats)
    fits: dict[tuple[str, str], list[InferredKey]] = {}
    for (parent, column), children in wanted.items():
        parent_counts = counted[(parent, column)]
        if not parent_counts.unique or parent_counts.rows < MIN_PARENT_ROWS or parent_counts.counting:
            continue
        parent_table = schema.table(parent)
        key = ParentKey(parent, (column,), (parent_table.column(column).type,), primary=False, strength=0.5)
        for child, child_column, score in children:
            distinct, included, keys = measure_inclusion(child, (child_column.name,), key, query,
                                                         qualify, quote)
            stats.queries += 1
            stats.candidates += 1
            child_counts = counted[(child.name, child_column.name)]
            copy = child_counts.unique and distinct == keys  # the same key in two tables
            few = score == NAME_SCORE_ALTERNATE_SAME and distinct < MIN_CHILD_DISTINCT
            if not distinct or included < MIN_INCLUSION * distinct or copy or few:
                continue
            if _copied_through(child, child_column.name, parent, column, links, query, qualify,
                               quote, stats):
                continue  # the parent's value repeated beside the reference: a copy, not a link
            inclusion = included / distinct
            fits.setdefault((child.name, child_column.name), []).append(InferredKey(
                "foreign", child.name, (child_column.name,), score * inclusion,
                {"name": ALTERNATE, "name_score": score, ALTERNATE: True, "child_distinct": distinct,
                 "inclusion": round(inclusion, 4), "coverage": round(included / keys, 4) if keys else 0.0,
                 "parent_strength": key.strength, "parent_rows": parent_counts.rows},
                parent, (column,)))
    out = []
    for found in fits.values():
        found.sort(key=lambda k: -k.score)
        if len(found) > 1 and found[0].score == found[1].score:
            continue  # two alternate keys hold the values alike: the data cannot choose
        out.append(found[0])
    return out


def _links(schema: Schema, stats: Inference) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(child, parent) -> the one-column references between them, declared or inferred."""
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for table in schema.tables:
        for fk in table.foreign_keys:
            if len(fk.columns) == 1:
                out.setdefault((table.name, fk.ref_table), []).append((fk.columns[0], fk.ref_columns[0]))
    for k in stats.accepted():
        if k.kind == "foreign" and k.ref_table and k.ref_columns and len(k.columns) == 1:
            out.setdefault((k.table, k.ref_table), []).append((k.columns[0], k.ref_columns[0]))
    return out


def _copied_through(child: Table, child_column: str, parent: str, column: str,
                    links: dict[tuple[str, str], list[tuple[str, str]]], query: Query,
                    qualify: Qualify, quote: Quote, stats: Inference) -> bool:
    """Whether ``child_column`` repeats, in (almost) every row, ``parent.column`` of the row
    the child's own reference to ``parent`` points at (``orders.email`` beside
    ``orders.user_id``): a denormalised copy, which the copy keeps by copying it from that
    parent; a second reference would draw it from another parent row."""
    for own, ref in links.get((child.name, parent), []):
        if own == child_column:
            continue
        c, p = quote(child_column), quote(column)
        row = query(f"SELECT count(*), count(CASE WHEN c.{c} = p.{p} THEN 1 END) FROM "
                    f"{qualify(child.name)} c JOIN {qualify(parent)} p ON c.{quote(own)} = p.{quote(ref)} "
                    f"WHERE c.{c} IS NOT NULL")[0]
        stats.queries += 1
        if int(row[0]) and int(row[1]) >= MIN_INCLUSION * int(row[0]):
            return True
    return False
