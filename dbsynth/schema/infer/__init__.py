"""Keys the database never declared: primary and foreign keys inferred from names and data.

Inference runs in two steps so that it stays bounded on schemas with thousands of tables:

1. **Candidates from names and types only** (no data read). A primary-key candidate is a
   column named like a key of its table (``id``, ``<table>_id``, ``code``…); a foreign-key
   candidate is a column named after another table's key (``customer_id`` → ``customer``'s
   ``customer_id`` or ``customers.id``, a role prefix such as ``billing_customer_id``, or a
   person role such as ``support_rep_id``/``reports_to`` → a people table), with a compatible
   type. Names are looked up in dictionaries, not compared pairwise.
2. **Evidence from the data, computed in SQL in the source** (never pulled into memory):
   uniqueness and NOT NULL-ness for primary keys; for foreign keys, the share of the child's
   distinct values found in the parent key (*inclusion*) and the share of parent keys used
   (*coverage*).

Each inferred key carries a score in [0, 1] and its evidence; keys scoring at least the
threshold are used exactly like declared ones.

Modules: ``names`` (what names say: key words, table stems, roles), ``roots`` (names that
differ by an ending or sit inside a compound word), ``integral`` (floats holding whole
numbers, seen as integers), ``primary`` (a key for a table declaring none), ``foreign``
(reference candidates and their inclusion in SQL), ``values`` (references no name reveals,
by values that fit one key), ``composite`` (keys of fact and junction tables, once their
references are known), ``result`` (what is returned). This driver runs them in that order
(keys, references by name, by values, fact keys, then references to the new keys, then
``uniques``: link columns unique together) and applies the accepted keys to the schema.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from dbsynth.schema.infer.alternate import ALTERNATE, alternate_references
from dbsynth.schema.infer.composite import classifying, fact_key
from dbsynth.schema.infer.foreign import (SHARED_KEY, ParentKey, composite_candidates,
                                          fk_candidates, name_index, same_named_column, score_fk,
                                          undecided)
from dbsynth.schema.infer.integral import integral_floats
from dbsynth.schema.infer.names import (NAME_SCORE_EXACT, norm, reference_role, singular,
                                        table_prefixes_stripped)
from dbsynth.schema.infer.primary import (GENERIC_KEY_SCORE, infer_primary_key, owned_key_names,
                                          reference_like_columns, shared_names, sole_first_names)
from dbsynth.schema.infer.result import DEFAULT_THRESHOLD, InferredKey, Inference, Qualify, Query, Quote
from dbsynth.schema.infer.roots import MIN_COMPOUND_ROOT, RootIndex, variants
from dbsynth.schema.infer.uniques import link_uniques
from dbsynth.schema.infer.values import Extent, value_references
from dbsynth.schema.model import ForeignKey, PrimaryKey, Schema, Table, UniqueConstraint

__all__ = ["DEFAULT_THRESHOLD", "Inference", "InferredKey", "Qualify", "Query", "infer_keys", "norm",
           "singular", "with_inferred_keys"]


def infer_keys(schema: Schema, query: Query, qualify: Qualify, quote: Quote,
               threshold: float = DEFAULT_THRESHOLD) -> Inference:
    """Infer a primary key for every table without one and foreign keys for every column
    not already in a declared foreign key. Names are read without a prefix their table puts
    on every column (``c_custkey`` in ``customer``: see ``names.table_prefixes_stripped``)."""
    with table_prefixes_stripped(schema):
        return _infer_keys(schema, query, qualify, quote, threshold)


def _infer_keys(schema: Schema, query: Query, qualify: Qualify, quote: Quote,
                threshold: float) -> Inference:
    started = time.perf_counter()
    stats = Inference(threshold=threshold)
    schema = integral_floats(schema, query, qualify, quote, stats)
    all_names = {table.name: table for table in schema.tables}
    fk_like = reference_like_columns(schema)
    shared = shared_names(schema)
    owned = owned_key_names(schema, fk_like, shared)
    sole_firsts = sole_first_names(schema)

    primary: dict[str, tuple[str, ...]] = {}
    strength: dict[str, float] = {}
    for table in schema.tables:
        if table.primary_key is not None:
            primary[table.name] = table.primary_key.columns
            continue
        other_keys = frozenset(n for n, (strong, weak) in owned.items()
                               if strong - {table.name} or (weak and table.name not in weak))
        found = infer_primary_key(table, query, qualify, quote, fk_like, stats, shared, other_keys,
                                  sole_firsts)
        if found is not None:
            stats.keys.append(found)
            if found.score >= threshold:
                primary[table.name] = found.columns
                name_score = found.evidence.get("name")
                strength[table.name] = name_score if isinstance(name_score, float) else 0.9

    parents: list[ParentKey] = []
    for name, cols in primary.items():
        table = all_names[name]
        parents.append(ParentKey(name, cols, tuple(table.column(c).type for c in cols),
                                  strength=strength.get(name, 1.0)))
    for table in schema.tables:
        for unique in table.key_uniques:
            if unique.columns != primary.get(table.name):
                parents.append(ParentKey(table.name, unique.columns,
                                          tuple(table.column(c).type for c in unique.columns), False))
    index = name_index(parents)
    named = frozenset(n for n, entries in index.items()
                      if any(p.primary and s >= NAME_SCORE_EXACT for p, s in entries))
    roots = RootIndex((p.table, p) for p in parents if p.primary and len(p.columns) == 1)
    by_table: dict[str, list[ParentKey]] = {}
    for parent in parents:
        if len(parent.columns) == 1:
            by_table.setdefault(parent.table, []).append(parent)

    for table in schema.tables:
        declared = _referencing(schema, table)
        own_key = primary.get(table.name, ())
        own_pk = set(own_key)
        declared |= _composite_references(table, parents, declared, own_pk, threshold, query, qualify,
                                          quote, stats, named)
        for column in table.columns:
            if column.name in declared or column.generated is not None:
                continue
            found = []
            for parent, score, reason in fk_candidates(table, column, index, by_table, own_key, roots):
                stats.candidates += 1
                found.append(score_fk(table, (column.name,), parent, score, reason,
                                       query, qualify, quote, stats))
            if found:  # one reference per column: the best-scoring parent
                found.sort(key=lambda k: (-k.score, -k.evidence.get("parent_strength", 1.0),
                                          -k.evidence.get("coverage", 0.0)))
                if undecided(found):  # two parents named alike, the data cannot choose
                    found = [replace(k, score=min(k.score, threshold - 1e-3),
                                     evidence=k.evidence | {"rejected": "two parents alike, no data to choose"})
                             for k in found]
                stats.keys.append(found[0])
                stats.keys.extend(replace(k, score=min(k.score, threshold - 1e-3),
                                          evidence=k.evidence | {"lost_to": found[0].ref_table})
                                  for k in found[1:] if k.score >= threshold)
                stats.keys.extend(k for k in found[1:] if k.score < threshold)
    taken, _ = _taken(schema, stats)
    stats.keys.extend(alternate_references(schema, primary, taken, query, qualify, quote, stats))
    extents: dict[tuple[str, str], Extent] = {}
    stats.keys.extend(_by_values(schema, parents, primary, stats, query, qualify, quote, extents))
    keyed = _fact_keys(schema, primary, threshold, stats, query, qualify, quote, named)
    if keyed:  # a calendar keyed only now: the dates referencing it
        parents += keyed
        stats.keys.extend(_by_values(schema, parents, primary, stats, query, qualify, quote, extents,
                                     {p.table for p in keyed}))
    stats.keys.extend(link_uniques(with_inferred_keys(schema, stats), query, qualify, quote, stats))
    stats.seconds = time.perf_counter() - started
    return stats


def _referencing(schema: Schema, table: Table) -> set[str]:
    """The table's columns in a declared foreign key, or in one onto a table outside the
    schema: such a column references that table, not one of the same name in this schema."""
    return {c for fk in table.foreign_keys for c in fk.columns} | schema.outside_columns(table.name)


def _composite_references(table: Table, parents: list[ParentKey], declared: set[str],
                          own_pk: set[str], threshold: float, query: Query, qualify: Qualify,
                          quote: Quote, stats: Inference, named: frozenset[str] = frozenset()) -> set[str]:
    """References to multi-column keys whose column names all appear in ``table``: the
    columns of those accepted. ``named``: column names naming a table's one-column key."""
    used: set[str] = set()
    # the widest key first: (doc, draft, copy) of a table of copies, which itself references
    # the drafts' (doc, draft), before the drafts' key on a part of the same columns
    for parent in sorted(composite_candidates(table, parents), key=lambda p: -len(p.columns)):
        own = [same_named_column(table, p) for p in parent.columns]
        cols = tuple(c.name for c in own if c is not None)  # all found: a candidate
        if set(cols) & (declared | used):
            continue
        # the table's own key is the parent's (one-to-one): the parent must hold more keys;
        # unless every column names another table's key: two junctions of the same tables
        shared = {norm(c) for c in own_pk} == {norm(c) for c in parent.columns}
        if shared and all(norm(c) in named for c in cols):
            continue
        stats.candidates += 1
        stats.keys.append(score_fk(table, cols, parent, NAME_SCORE_EXACT,
                                    SHARED_KEY if shared else "same column names",
                                    query, qualify, quote, stats))
        used |= set(cols) if stats.keys[-1].score >= threshold else set()
    return used


def _borrowed_key(table: Table, references: set[str], stats: Inference,
                  threshold: float) -> InferredKey | None:
    """The table's inferred one-column key if it is rather a reference: named like a key but
    not after this table (``firma_id`` in ``beschäftigung``), referencing another table, in
    a table with another reference not by code or name (a junction whose sample happens to
    be unique on it; ``haushaltstyp_code`` classifies the row, see ``composite.classifying``),
    and not named inside the table's name (a subtype keyed by its parent's key)."""
    key = next((k for k in stats.accepted() if k.kind == "primary" and k.table == table.name), None)
    if key is None or len(key.columns) != 1 or key.evidence.get("name") != GENERIC_KEY_SCORE:
        return None
    if key.columns[0] not in references or len(references) < 2:
        return None
    if all(classifying(c) for c in references - {key.columns[0]}):
        return None  # the others reference a code or a name: a classification, not a link
    role = reference_role(norm(key.columns[0]))
    whole = norm(table.name).replace("_", "")
    if any(len(v) >= MIN_COMPOUND_ROOT and v in whole for v in variants(role)):
        return None  # named inside the table's name (dokument_id in zu_vernichtende_dokumente)
    return key


def _fact_keys(schema: Schema, primary: dict[str, tuple[str, ...]], threshold: float,
               stats: Inference, query: Query, qualify: Qualify, quote: Quote,
               named: frozenset[str]) -> list[ParentKey]:
    """Keys of the tables still without one, from their references (see ``composite``), and
    the references to those keys from other tables by name; the new keys."""
    new: list[ParentKey] = []
    for table in schema.tables:
        references = {c for fk in table.foreign_keys for c in fk.columns} | {
            c for k in stats.accepted() if k.kind == "foreign" and k.table == table.name for c in k.columns}
        references -= schema.outside_columns(table.name)
        borrowed = _borrowed_key(table, references, stats, threshold)
        if table.name in primary and borrowed is None:
            continue
        parents = {c: fk.ref_table for fk in table.foreign_keys for c in fk.columns} | {
            c: k.ref_table for k in stats.accepted() if k.kind == "foreign" and k.table == table.name
            and k.ref_table is not None for c in k.columns}
        found = fact_key(table, [c.name for c in table.columns if c.name in references],
                         query, qualify, quote, stats, parents)
        if found is not None and found.score >= threshold:
            if borrowed is not None:  # a junction's first reference, unique by chance
                index = stats.keys.index(borrowed)
                stats.keys[index] = replace(borrowed, score=min(borrowed.score, threshold - 1e-3),
                                            evidence=borrowed.evidence | {"lost_to": list(found.columns)})
            stats.keys.append(found)
            primary[table.name] = found.columns
            new.append(ParentKey(table.name, found.columns,
                                 tuple(table.column(c).type for c in found.columns), strength=0.9))
    for table in schema.tables:
        taken = _referencing(schema, table) | {
            c for k in stats.accepted() if k.kind == "foreign" and k.table == table.name for c in k.columns}
        _composite_references(table, new, taken, set(primary.get(table.name, ())), threshold,
                              query, qualify, quote, stats, named)
    return new


def _by_values(schema: Schema, parents: list[ParentKey], primary: dict[str, tuple[str, ...]],
               stats: Inference, query: Query, qualify: Qualify, quote: Quote,
               extents: dict[tuple[str, str], Extent], focus: set[str] | None = None) -> list[InferredKey]:
    """References for the columns no name matched, from their values (see ``values``)."""
    taken, referenced = _taken(schema, stats)
    return value_references(schema, parents, taken, referenced, primary, query, qualify, quote, stats,
                            extents, focus)


def _taken(schema: Schema, stats: Inference) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Per table, the columns already referencing a key (declared, or inferred and accepted)
    or generated, and the tables it references."""
    taken: dict[str, set[str]] = {}
    referenced: dict[str, set[str]] = {}
    for table in schema.tables:
        taken[table.name] = {c.name for c in table.columns if c.generated is not None}
        taken[table.name] |= schema.outside_columns(table.name)
        referenced[table.name] = set()
        for fk in table.foreign_keys:
            taken[table.name] |= set(fk.columns)
            referenced[table.name].add(fk.ref_table)
    for key in stats.accepted():
        if key.kind == "foreign":
            taken[key.table] |= set(key.columns)
            referenced[key.table].add(str(key.ref_table))
    return taken, referenced


def with_inferred_keys(schema: Schema, inference: Inference) -> Schema:
    """The schema plus every accepted inferred key (marked ``source="inferred"``): UNIQUE
    keys, and the alternate keys accepted references point to, declared UNIQUE."""
    accepted = inference.accepted()
    alternates: dict[str, list[tuple[str, ...]]] = {}
    for k in accepted:
        if k.kind == "foreign" and k.evidence.get(ALTERNATE):
            alternates.setdefault(str(k.ref_table), []).append(tuple(k.ref_columns or ()))
        if k.kind == "unique":
            alternates.setdefault(k.table, []).append(k.columns)
    tables = []
    for table in schema.tables:
        pk = next((k for k in accepted if k.kind == "primary" and k.table == table.name), None)
        fks = [ForeignKey(k.columns, str(k.ref_table), tuple(k.ref_columns or ()), None, "inferred")
               for k in accepted if k.kind == "foreign" and k.table == table.name]
        changes: dict[str, Any] = {}
        if pk is not None and table.primary_key is None:
            changes["primary_key"] = PrimaryKey(pk.columns, None, "inferred")
        if fks:
            changes["foreign_keys"] = table.foreign_keys + tuple(fks)
        key = changes["primary_key"].columns if "primary_key" in changes else None
        have = set(table.unique_column_sets()) | ({key} if key else set())
        uniques = [UniqueConstraint(c) for c in dict.fromkeys(alternates.get(table.name, [])) if c not in have]
        if uniques:
            changes["uniques"] = table.uniques + tuple(uniques)
        tables.append(replace(table, **changes) if changes else table)
    return replace(schema, tables=tuple(tables))
