"""References no name reveals, found by their values: a column whose values all lie in one
table's key, when that key's values say more than "a small number".

Names miss references written with a synonym, a translation or a role (``kanal`` →
``tv_channel.id``, ``stimme_des_präsidenten`` → ``schüler.student_id``, ``liked_id`` next to
``schüler_id`` → ``oberschüler.id``). Values alone would claim every small count for every
``1..n`` key, so a column is taken only where the values are telling:

* the key is *distinctive*: text, or integers that are not a dense run from 1 (``1001…``), and
  no other key holds the column's values; or
* the column is a *sibling*: its table already references that key through another column
  (a junction's second side), the column is named like a key (``…_id``), and the values fit
  no other key (where two fit, the sibling guess was wrong more often than right);
* or the column has too few values to tell, but shares its first word with a column of its
  table found so (``vote_treasurer`` beside ``vote_president``), and its values fit that key;
* a table's own one-column key (a subtype keyed by its parent's key: ``statements`` keyed by
  ``anweisung_id`` among ``dokumente.dokument_id``) only in a distinctive key holding more
  values, and when its values are not a run of their own (``101, 102, 103``).

Where the values fit several keys and all but one reference that one by their own key (two
subtypes of one parent), the column references the parent.

Bounded: one query per table for the ranges of its candidate columns, and an inclusion query
only for the pairs whose ranges nest. Scored below every name rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from dbsynth.schema.infer.foreign import ParentKey, measure_inclusion
from dbsynth.schema.infer.names import key_suffix, norm
from dbsynth.schema.infer.result import InferredKey, Inference, Qualify, Query, Quote
from dbsynth.schema.model import Column, Schema, Table

NAME_SCORE_VALUES = 0.65
VALUES = "values fit one key"
#: Fewer distinct values than this say nothing (two codes fit many keys).
MIN_DISTINCT = 3
#: ... but a table's own key fits only a distinctive key holding more (a subtype's).
MIN_DISTINCT_OWN_KEY = 2
GROUPED = "named like a column found by its values"
#: The shared first word of a group of columns must be a word, not a letter or ``id``.
MIN_LEAD = 4


@dataclass(frozen=True)
class Extent:
    """Distinct count and range of a column's non-NULL values."""

    distinct: int
    low: object
    high: object

    def within(self, other: Extent) -> bool:
        """Could every value be one of ``other``'s? Ranges of values that do not compare
        (a SQLite column holding text in one table and integers in the other) cannot fit."""
        if not (self.distinct <= other.distinct and self.low is not None and other.low is not None):
            return False
        try:
            return bool(other.low <= self.low and self.high <= other.high)  # type: ignore[operator]
        except TypeError:
            return False


def key_family(column: Column) -> str | None:
    """Which values a key column holds, for comparing keys: integers, strings, or neither."""
    return "integer" if column.type.is_integer else "string" if column.type.is_string else None


def _extents(table: Table, names: list[str], query: Query, qualify: Qualify, quote: Quote,
             stats: Inference) -> dict[str, Extent]:
    measures = ", ".join(f"count(DISTINCT {quote(n)}), min({quote(n)}), max({quote(n)})" for n in names)
    row = query(f"SELECT {measures} FROM {qualify(table.name)}")[0]
    stats.queries += 1
    return {n: Extent(int(row[3 * i]), row[3 * i + 1], row[3 * i + 2]) for i, n in enumerate(names)}


def _distinctive(parent: ParentKey, extent: Extent) -> bool:
    """Text keys, and integer keys that are not ``1..n``: values no count would match."""
    if parent.types[0].is_string:
        return True
    return isinstance(extent.low, (int, float)) and extent.low > extent.distinct


def value_references(schema: Schema, parents: list[ParentKey], taken: dict[str, set[str]],
                     referenced: dict[str, set[str]], own_keys: dict[str, tuple[str, ...]],
                     query: Query, qualify: Qualify, quote: Quote, stats: Inference,
                     extents: dict[tuple[str, str], Extent] | None = None,
                     focus: set[str] | None = None) -> list[InferredKey]:
    """References for columns in ``taken``'s complement whose values fit exactly one key.

    ``taken``: per table, the columns already referencing something (or generated);
    ``referenced``: per table, the tables it already references; ``own_keys``: each table's
    primary key (a single-column key is not a reference). ``extents`` caches ranges between
    calls; ``focus`` limits a second call to columns a newly keyed table may be referenced by."""
    # keys of integers or strings only: a uuid, date or boolean key has no family to fit,
    # and measuring its range asks for min() where the engine may have none (uuid)
    singles = [p for p in parents if p.primary and len(p.columns) == 1
               and key_family(schema.table(p.table).column(p.columns[0])) is not None]
    if not singles:
        return []
    families = {p: key_family(schema.table(p.table).column(p.columns[0])) for p in singles}
    wanted = set(families.values())
    keyed: dict[str, list[ParentKey]] = {}
    for parent in singles:
        keyed.setdefault(parent.table, []).append(parent)
    columns_of: dict[str, list[Column]] = {}
    extents = {} if extents is None else extents
    for table in schema.tables:  # one query per table: its key's and its candidates' ranges
        columns = [c for c in table.columns if c.name not in taken.get(table.name, set())
                   and key_family(c) in wanted]
        names = [n for n in [c.name for c in columns] + [p.columns[0] for p in keyed.get(table.name, [])]
                 if (table.name, n) not in extents]
        if names:
            found = _extents(table, list(dict.fromkeys(names)), query, qualify, quote, stats)
            extents.update(((table.name, n), e) for n, e in found.items())
        columns_of[table.name] = columns
    parent_extent = {p: extents[(p.table, p.columns[0])] for p in singles}
    distinctive = [p for p in singles if _distinctive(p, parent_extent[p])]
    # which table each accepted reference from a table's one-column key points to
    key_references = {(k.table, k.columns): str(k.ref_table) for k in stats.accepted()
                      if k.kind == "foreign" and own_keys.get(k.table) == k.columns}
    out: list[InferredKey] = []
    for table in schema.tables:
        columns = columns_of[table.name]
        if not columns:
            continue
        groups: dict[str, ParentKey] = {}
        for column in columns:
            extent = extents[(table.name, column.name)]
            own_key = own_keys.get(table.name) == (column.name,)
            if extent.distinct < (MIN_DISTINCT_OWN_KEY if own_key else MIN_DISTINCT):
                continue
            if focus is not None and not any(p.table in focus and families[p] == key_family(column)
                                             and extent.within(parent_extent[p]) for p in singles):
                continue
            named = key_suffix(norm(column.name))
            mine = referenced.get(table.name, set())

            def takeable(parent: ParentKey, keys: int) -> bool:
                if own_key:  # a subtype: a distinctive key holding every value and more, and
                    # the values are not a run of their own (``101, 102, 103``: a sequence)
                    return (_distinctive(parent, parent_extent[parent]) and extent.distinct < keys
                            and not _run(extent))
                sibling = parent.table in mine and named
                return bool(_distinctive(parent, parent_extent[parent]) or sibling)

            def nests(parent: ParentKey) -> bool:
                return (parent.table != table.name and families[parent] == key_family(column)
                        and extent.within(parent_extent[parent]))

            # the keys a fit could be taken for (distinctive ones, the table's own parents'
            # where the column is named like a key) first: none nests, no queries
            could = distinctive + ([p for p in singles if p.table in mine] if named and not own_key else [])
            if not any(nests(p) for p in could):
                continue  # whichever key the values fit, it would not be taken
            nesting = [p for p in singles if nests(p)]
            fits = []
            for parent in nesting:
                distinct, included, keys = measure_inclusion(table, (column.name,), parent,
                                                             query, qualify, quote)
                stats.queries += 1
                stats.candidates += 1
                if distinct and included == distinct:
                    fits.append((parent, keys))
            fits = _top_of_chain(fits, key_references)
            if len(fits) != 1:
                continue  # no key, or several: the values cannot say which
            parent, keys = fits[0]
            sibling = parent.table in referenced.get(table.name, set()) and named
            if not takeable(parent, keys):
                continue
            out.append(InferredKey("foreign", table.name, (column.name,), NAME_SCORE_VALUES,
                                   {"name": VALUES, "name_score": NAME_SCORE_VALUES,
                                    "child_distinct": extent.distinct, "inclusion": 1.0,
                                    "coverage": round(extent.distinct / keys, 4) if keys else 0.0,
                                    "sibling": bool(sibling), "parent_strength": parent.strength},
                                   parent.table, parent.columns))
            groups.setdefault(_lead(column.name), parent)
        done = {k.columns[0] for k in out if k.table == table.name}
        out.extend(_grouped(table, [c for c in columns if c.name not in done], extents, groups,
                            query, qualify, quote, stats))
    return out


def _run(extent: Extent) -> bool:
    """Consecutive integers: a table's own sequence."""
    low, high = extent.low, extent.high
    return isinstance(low, int) and isinstance(high, int) and high - low + 1 == extent.distinct


def _top_of_chain(fits: list[tuple[ParentKey, int]],
                  key_references: dict[tuple[str, tuple[str, ...]], str]) -> list[tuple[ParentKey, int]]:
    """Of several keys holding the values, the one every other references by its own key
    (``belege.dokument_id`` → ``dokumente``: a subtype holds a subset of its parent's keys, so
    a value in the subtype is in the parent too); else all of them."""
    if len(fits) < 2:
        return fits
    for top, keys in fits:
        if all(key_references.get((p.table, p.columns)) == top.table for p, _ in fits if p != top):
            return [(top, keys)]
    return fits


def _lead(name: str) -> str:
    return norm(name).split("_")[0]


def _grouped(table: Table, columns: list[Column], extents: dict[tuple[str, str], Extent],
             groups: dict[str, ParentKey], query: Query, qualify: Qualify, quote: Quote,
             stats: Inference) -> list[InferredKey]:
    """Columns with too few values to tell, named like a column of the same table found to
    reference a key (``vote_treasurer`` beside ``vote_president``): a group of roles."""
    out = []
    for column in columns:
        parent = groups.get(_lead(column.name))
        distinct = extents[(table.name, column.name)].distinct
        if parent is None or not 0 < distinct < MIN_DISTINCT or len(_lead(column.name)) < MIN_LEAD:
            continue
        found, included, keys = measure_inclusion(table, (column.name,), parent, query, qualify, quote)
        stats.queries += 1
        stats.candidates += 1
        if found and included == found:
            out.append(InferredKey("foreign", table.name, (column.name,), NAME_SCORE_VALUES,
                                   {"name": GROUPED, "name_score": NAME_SCORE_VALUES,
                                    "child_distinct": found, "inclusion": 1.0,
                                    "coverage": round(found / keys, 4) if keys else 0.0,
                                    "parent_strength": parent.strength},
                                   parent.table, parent.columns))
    return out
