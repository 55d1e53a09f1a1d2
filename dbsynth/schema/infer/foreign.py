"""Foreign keys: candidates by name (exact, role prefix, table name, another ending or a
compound, person and hierarchy roles), then inclusion and coverage measured in SQL."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dbsynth.schema.infer.names import (BARE, GENERIC_KEY_NAMES, HIERARCHY_ROLES, NAME_SCORE_BARE,
                                        NAME_SCORE_COMPOUND, NAME_SCORE_EXACT, NAME_SCORE_HIERARCHY,
                                        NAME_SCORE_PERSON_ROLE, NAME_SCORE_ROLE_PREFIX,
                                        NAME_SCORE_SAME_NAME, NAME_SCORE_SAME_ROOT, PERSON_ROLES,
                                        as_text_if_mixed, compatible, norm, people_table, phrase_nouns,
                                        reference_role, role_of, table_stems)
from dbsynth.schema.infer.result import InferredKey, Inference, Qualify, Query, Quote
from dbsynth.schema.infer.roots import SAME_ROOT, RootIndex
from dbsynth.schema.model import Column, SqlType, Table


@dataclass(frozen=True)
class ParentKey:
    table: str
    columns: tuple[str, ...]
    types: tuple[SqlType, ...]
    primary: bool = True  # False: a UNIQUE key, referenced only by its own column name
    #: how surely this is the table's own key (declared 1.0; inferred: its name score), so
    #: that of two tables keyed by one column name, the one owning the name is the parent
    strength: float = 1.0


def name_index(parents: list[ParentKey]) -> dict[str, list[tuple[ParentKey, float]]]:
    """Column name -> parent keys it names exactly (``customer_id``, ``customerid``)."""
    index: dict[str, list[tuple[ParentKey, float]]] = {}
    for parent in parents:
        if len(parent.columns) != 1:
            continue
        key = norm(parent.columns[0])
        if key not in GENERIC_KEY_NAMES:  # the same column name in both tables
            index.setdefault(key, []).append((parent, NAME_SCORE_SAME_NAME))
        if parent.primary:  # only a table's primary key is what "<table>_id" names
            stems = table_stems(parent.table)
            named = ({f"{s}_{key}" for s in stems} | {f"{s}{key}" for s in stems}
                     | {f"{s}_id" for s in stems} | {f"{s}id" for s in stems})
            for name in named:
                index.setdefault(name, []).append((parent, NAME_SCORE_EXACT))
            role = role_of(key)
            for name in (stems | {role}) - GENERIC_KEY_NAMES - named - {key}:
                index.setdefault(name, []).append((parent, NAME_SCORE_BARE))
    return index


PHRASE = "noun of a phrase"  # the reason given to a phrase's noun naming a table
SHARED_KEY = "shared key"  # the reason given to a one-to-one candidate (both keyed by it)
#: ... whose column names the parent table (``einkauf_transaktions_id`` → ``transaktionen``)
SHARED_KEY_NAMED = "shared key naming the table"
#: The parent's key is named after its own table (a name score of 0.8 or more).
NAMED_PARENT_STRENGTH = 0.8


def fk_candidates(table: Table, column: Column, index: dict[str, list[tuple[ParentKey, float]]],
                   parents_by_table: dict[str, list[ParentKey]],
                   own_pk: tuple[str, ...],
                   roots: RootIndex[ParentKey] | None = None) -> list[tuple[ParentKey, float, str]]:
    """Parent keys ``column`` may reference, by name alone, with a name score and reason.

    ``own_pk`` is the table's key, declared or inferred; ``roots`` indexes the tables' primary
    keys by the roots of the tables' names (another ending, or part of a compound)."""
    name = norm(column.name)
    out: list[tuple[ParentKey, float, str]] = []
    best: dict[ParentKey, float] = {}
    for parent, score in index.get(name, []):
        best[parent] = max(best.get(parent, 0.0), score)
    out.extend((parent, score, BARE if score == NAME_SCORE_BARE else "name")
               for parent, score in best.items())
    if not out:  # a role prefix: billing_customer_id, parent_category_id
        parts = name.split("_")
        for i in range(1, len(parts)):
            for parent, score in index.get("_".join(parts[i:]), []):
                bare = f" to a {BARE}" if score == NAME_SCORE_BARE else ""
                out.append((parent, NAME_SCORE_ROLE_PREFIX * min(1.0, score / NAME_SCORE_SAME_NAME),
                            f"role prefix {'_'.join(parts[:i])!r}{bare}"))
            if out:
                break
    if roots is not None:  # also where an exact name exists: its data may refute it
        role = reference_role(name)
        for parent, how in roots.lookup(role):
            # an integer part of a compound without a key word is rather a count
            # (heimspiele: home games), whose small values any integer key holds
            counted = how != SAME_ROOT and role == name and column.type.is_integer
            if parent.table != table.name and not counted:
                score = NAME_SCORE_SAME_ROOT if how == SAME_ROOT else NAME_SCORE_COMPOUND
                out.append((parent, score, f"{how} of a {BARE}"))
    if roots is not None and not out:  # a phrase: adresse_der_mitarbeiter -> adressen
        for noun in phrase_nouns(name):
            for parent, how in roots.lookup(noun):
                if parent.table != table.name and how == SAME_ROOT:
                    out.append((parent, NAME_SCORE_COMPOUND, f"{PHRASE} {noun!r} of a {BARE}"))
    key_like = re.search(r"_?(id|key|fk)$", name) is not None or name in HIERARCHY_ROLES | {"reports_to"}
    if not out and key_like:  # a role word alone (author_rating, lead_time) names no key
        role = role_of(name)
        words = set(role.split("_")) | {role}
        if words & HIERARCHY_ROLES:
            for parent in parents_by_table.get(table.name, []):
                out.append((parent, NAME_SCORE_HIERARCHY, f"hierarchy role {role!r}"))
        if words & PERSON_ROLES:
            for parent_table, keys in parents_by_table.items():
                if people_table(parent_table) and parent_table != table.name:
                    out.extend((p, NAME_SCORE_PERSON_ROLE, f"person role {role!r}") for p in keys)
    kept = []
    out.sort(key=lambda candidate: -candidate[1])
    seen: set[ParentKey] = set()
    for parent, score, reason in out:
        if parent in seen:  # one candidate per parent key: its best name
            continue
        seen.add(parent)
        if len(parent.columns) != 1 or not compatible(column.type, parent.types[0]):
            continue
        if parent.table == table.name and (parent.columns == (column.name,) or column.name in own_pk):
            continue  # a key does not reference its own table
        if parent.table == table.name and score == NAME_SCORE_BARE:
            continue  # a column named after its own table is its label (partei.partei)
        if own_pk == (column.name,) and not (table_stems(parent.table) & {role_of(name)}):
            # Two tables keyed by one column (one-to-one): which is the parent is decided by
            # the data (the parent holds every child key and more), see score_fk.
            named = reason.endswith(f"of a {BARE}")  # the column names the parent table
            kept.append((parent, score, SHARED_KEY_NAMED if named else SHARED_KEY))
            continue
        kept.append((parent, score, reason))
    return kept


def measure_inclusion(child: Table, columns: tuple[str, ...], parent: ParentKey, query: Query,
               qualify: Qualify, quote: Quote) -> tuple[int, int, int]:
    """(distinct child values, how many the parent key holds, distinct parent keys) — SQL."""
    child_types = [child.column(c).type for c in columns]
    child_cols = ", ".join(f"{as_text_if_mixed(f'c.{quote(c)}', t, p)} AS k{i}"
                           for i, (c, t, p) in enumerate(zip(columns, child_types, parent.types)))
    parent_cols = ", ".join(f"{as_text_if_mixed(f'p.{quote(c)}', p, t)} AS k{i}"
                            for i, (c, t, p) in enumerate(zip(parent.columns, child_types, parent.types)))
    not_null = " AND ".join(f"c.{quote(c)} IS NOT NULL" for c in columns)
    join = " AND ".join(f"v.k{i} = k.k{i}" for i in range(len(columns)))
    row = query(
        f"WITH child_values AS (SELECT DISTINCT {child_cols} FROM {qualify(child.name)} AS c "
        f"WHERE {not_null}), parent_keys AS (SELECT DISTINCT {parent_cols} FROM "
        f"{qualify(parent.table)} AS p) SELECT (SELECT count(*) FROM child_values), "
        f"(SELECT count(*) FROM child_values AS v JOIN parent_keys AS k ON {join}), "
        f"(SELECT count(*) FROM parent_keys)")[0]
    return int(row[0]), int(row[1]), int(row[2])


def composite_candidates(table: Table, parents: list[ParentKey]) -> list[ParentKey]:
    """Multi-column parent keys whose every column name also appears in ``table`` (as
    :func:`norm` reads names: ``l_partkey`` in ``lineitem`` is ``ps_partkey`` in ``partsupp``
    where both tables prefix their columns)."""
    out = []
    for parent in parents:
        if len(parent.columns) < 2 or parent.table == table.name:
            continue
        own = [same_named_column(table, c) for c in parent.columns]
        if all(c is not None and compatible(c.type, t) for c, t in zip(own, parent.types)):
            out.append(parent)
    return out


def same_named_column(table: Table, name: str) -> Column | None:
    """The column of ``table`` named ``name``: written exactly so, else in another case, else
    as :func:`norm` reads it; so that of ``customerId`` and ``customer_id`` in one table, a
    key's ``customer_id`` is the one written alike, not whichever comes first."""
    for same in (lambda c: c.name == name, lambda c: c.name.lower() == name.lower(),
                 lambda c: norm(c.name) == norm(name)):
        found = next((c for c in table.columns if same(c)), None)
        if found is not None:
            return found
    return None


def undecided(found: list[InferredKey]) -> bool:
    """The best two parents of a column (sorted best first) are equal on every evidence: as
    named, as surely keyed, holding the child's values alike (or no values to test). Then
    the order of the tables would decide, and a wrong parent is worse than none."""
    if len(found) < 2:
        return False
    a, b = found[0], found[1]
    return (a.score == b.score and a.evidence.get("parent_strength") == b.evidence.get("parent_strength")
            and a.evidence.get("coverage") == b.evidence.get("coverage"))


def score_fk(table: Table, columns: tuple[str, ...], parent: ParentKey, name_score: float,
              reason: str, query: Query, qualify: Qualify, quote: Quote,
              stats: Inference) -> InferredKey:
    distinct, included, parent_keys = measure_inclusion(table, columns, parent, query, qualify, quote)
    stats.queries += 1
    inclusion = included / distinct if distinct else 0.0
    coverage = included / parent_keys if parent_keys else 0.0
    data_score = inclusion if distinct else 0.9  # nothing in the data contradicts the name
    child_type = table.column(columns[0]).type
    if not distinct and BARE in reason and child_type.is_integer != parent.types[0].is_integer:
        data_score = 0.0  # no data, and a label (text) named like an integer-keyed table
    evidence = {"name": reason, "name_score": name_score, "child_distinct": distinct,
                "inclusion": round(inclusion, 4), "coverage": round(coverage, 4),
                "parent_strength": parent.strength}
    same_keys = bool(distinct) and inclusion == 1.0 and coverage == 1.0
    # equal key sets, but only the child's key names the other table: a subtype of it
    subtype = reason == SHARED_KEY_NAMED and same_keys and parent.strength >= NAMED_PARENT_STRENGTH
    if reason in (SHARED_KEY, SHARED_KEY_NAMED) and not subtype and not (
            distinct and inclusion == 1.0 and coverage < 1.0):
        data_score = 0.0  # equal key sets (or none): the data cannot say which is the parent
        evidence["rejected"] = "one-to-one: the parent must hold every key of the child and more"
    return InferredKey("foreign", table.name, columns, name_score * data_score, evidence,
                       parent.table, parent.columns)
