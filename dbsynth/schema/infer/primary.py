"""Primary keys for tables that declare none: a column named like the table's key and unique
in the data, else the columns of a link: leading references and the date or position after
them (events, track lists), every column of a table of keys, three references, a unique
pair of references (a junction); with no rows, names and the table's shape alone."""

from __future__ import annotations

import re

from dbsynth.schema.infer.composite import classifying, event_key, unique_event_key
from dbsynth.schema.infer.names import (FIRST_COLUMN_SCORE, KEY_SUFFIXES, NAME_WORDS, identifier_name,
                                        initials, key_like_type, key_suffix, norm, reference_role,
                                        table_stems)
from dbsynth.schema.infer.roots import variants
from dbsynth.schema.infer.result import InferredKey, Inference, Qualify, Query, Quote
from dbsynth.schema.model import Column, Schema, Table

#: The name score of a key-like name that is not the table's own (``partei_id`` in ``party``).
GENERIC_KEY_SCORE = 0.7
#: An abbreviation run together with ``id`` (``stuid``, ``empid``, ``custid``): a key where it
#: is a table's first column, an integer, and named alike in another table (where it is
#: referenced; a word such as ``paid`` or ``valid`` is not).
ABBREVIATED_ID = re.compile(r"[a-z]{2,4}id")
#: A natural key of an empty table, by its name and place alone: just above the threshold.
NATURAL_EMPTY_SCORE = 0.65
#: An empty table of two alike columns keyed by both, by its shape alone.
LINK_EMPTY_SCORE = 0.65


def pk_name_score(table: Table, column: Column, references: frozenset[str] = frozenset(),
                   shared: frozenset[str] = frozenset()) -> float:
    """How strongly a column's name says "the key of this table" (0: not at all).

    1.0 ``id``/``<table>_id``; 0.8 a code or number of the table (``<table>_code``,
    ``customer_number``), its initials and ``id`` (``did`` in ``domain``) or its name with
    another ending and a key word (``abteilungsid`` in ``abteilung``); 0.7 any key-like
    name (``partei_id`` in ``party``: names in another language, or not the table's).
    """
    name = norm(column.name)
    stems = table_stems(table.name)
    if name == "id" or name in {f"{s}_id" for s in stems} or name in {f"{s}id" for s in stems}:
        return 1.0
    if name in {"code", "key", "uuid"} or name in {f"{s}_{suffix}" for s in stems for suffix in KEY_SUFFIXES}:
        return 0.8
    if name in {initials(s) + "id" for s in stems if s}:
        return 0.8
    role = reference_role(name)
    if role != name and variants(role) & set().union(*(variants(s) for s in stems)):
        return 0.8  # the table's name with another ending and a key word (abteilungsid)
    first = table.columns[0].name == column.name  # where tables keep their own key
    if not first or column.name in references:
        return 0.0
    if identifier_name(name) or (column.type.is_integer and ABBREVIATED_ID.fullmatch(name)
                                 and name in shared):
        return GENERIC_KEY_SCORE
    # a natural key (genre_name, a country code): text, and named alike in another table
    return FIRST_COLUMN_SCORE if column.type.is_string and name in shared else 0.0


def reference_like_columns(schema: Schema) -> set[str]:
    """Column names that look like references to some table (``<table>_id``), or are in a
    declared foreign key: a junction table's key is a pair of those."""
    names = {f"{stem}{sep}id" for t in schema.tables for stem in table_stems(t.name) for sep in ("_", "")}
    return {c.name for t in schema.tables for c in t.columns if norm(c.name) in names} | {
        c for t in schema.tables for fk in t.foreign_keys for c in fk.columns}


def owned_key_names(schema: Schema, fk_like: set[str],
                     shared: frozenset[str]) -> dict[str, tuple[set[str], set[str]]]:
    """Normed key name -> (tables owning it surely, tables owning it weakly), by name alone.

    Surely: a declared single-column key, a key named after its table (``aid`` in ``autor``).
    Weakly: a table's only key-like column (``lieder.song_id``); a table with two is rather
    a junction of references. Of several tables owning a name weakly, the only one with no
    other integer column (``lieder(song_id, titel)`` beside ``vocals(song_id, bandmate,
    type)``) owns it. Used where no rows can tell a key from a reference."""
    owned: dict[str, tuple[set[str], set[str]]] = {}
    for table in schema.tables:
        if table.primary_key is not None:
            if len(table.primary_key.columns) == 1:
                owned.setdefault(norm(table.primary_key.columns[0]), (set(), set()))[0].add(table.name)
            continue
        key_like = [c for c in table.columns if identifier_name(norm(c.name)) or norm(c.name) == "id"]
        for column in table.columns:
            score = pk_name_score(table, column, frozenset(fk_like), shared)
            if score >= 0.8:
                owned.setdefault(norm(column.name), (set(), set()))[0].add(table.name)
            elif score > 0 and key_like == [column]:
                owned.setdefault(norm(column.name), (set(), set()))[1].add(table.name)
    tables = {t.name: t for t in schema.tables}
    for name, (strong, weak) in owned.items():
        if strong or len(weak) < 2:
            continue
        plain = {t for t in weak if not any(c.type.is_integer and norm(c.name) != name
                                            for c in tables[t].columns)}
        if len(plain) == 1:  # the others hold an integer beside it: rather a reference
            weak.intersection_update(plain)
    return owned


def sole_first_names(schema: Schema) -> frozenset[str]:
    """Normed names of first columns that no other table has first (where a key is kept)."""
    seen: dict[str, int] = {}
    for table in schema.tables:
        if table.columns:
            name = norm(table.columns[0].name)
            seen[name] = seen.get(name, 0) + 1
    return frozenset(n for n, count in seen.items() if count == 1)


def shared_names(schema: Schema) -> frozenset[str]:
    """Normed column names found in more than one table (where a natural key is referenced)."""
    seen: dict[str, int] = {}
    for table in schema.tables:
        for name in {norm(c.name) for c in table.columns}:
            seen[name] = seen.get(name, 0) + 1
    return frozenset(n for n, count in seen.items() if count > 1)


def infer_primary_key(table: Table, query: Query, qualify: Qualify, quote: Quote,
                       fk_like: set[str], stats: Inference, shared: frozenset[str] = frozenset(),
                       other_keys: frozenset[str] = frozenset(),
                       sole_firsts: frozenset[str] = frozenset()) -> InferredKey | None:
    """The best unique, never-NULL column (by name), else a unique pair of key-like columns.

    ``other_keys`` are the normed names of other tables' keys: in a table with no rows to
    test, a column so named is a reference to that table, not this table's key;
    ``sole_firsts`` the normed names that are the first column of one table only."""
    candidates = [(c, pk_name_score(table, c, frozenset(fk_like), shared)) for c in table.columns
                  if key_like_type(c.type) and c.generated is None]
    named = [(c, s) for c, s in candidates if s > 0]
    pair_columns = [c.name for c in table.columns if c.name in fk_like or norm(c.name) in other_keys
                    or key_suffix(norm(c.name))][:6]
    measures = "".join(f", count({quote(c.name)}), count(DISTINCT {quote(c.name)})" for c, _ in named)
    row = query(f"SELECT count(*){measures} FROM {qualify(table.name)}")[0]
    stats.queries += 1
    rows = int(row[0])
    if rows:
        unique = [(c, s) for i, (c, s) in enumerate(named)
                  if int(row[1 + 2 * i]) == rows and int(row[2 + 2 * i]) == rows
                  and (s > FIRST_COLUMN_SCORE or rows >= 2)]  # a name-less key needs evidence
        if unique:
            column, name_score = max(unique, key=lambda cs: cs[1])  # first of the best names
            if name_score <= GENERIC_KEY_SCORE and _all_keys(table, pair_columns, rows, query,
                                                             qualify, quote, stats):
                return InferredKey("primary", table.name, tuple(pair_columns), 0.85,
                                   {"name": "every column a key: a link of them all", "rows": rows,
                                    "unique": True, "not_null": True})
            return InferredKey("primary", table.name, (column.name,), 0.5 + 0.5 * name_score,
                               {"name": name_score, "rows": rows, "unique": True, "not_null": True})
    else:  # empty: the names are all there is
        first = table.columns[0]
        if (norm(first.name) in sole_firsts and norm(first.name) in shared and first.type.is_string
                and any(word in norm(first.name) for word in NAME_WORDS)):
            # a natural key: a name first here and in no other table, found in others
            return InferredKey("primary", table.name, (first.name,), NATURAL_EMPTY_SCORE,
                               {"name": "natural key, first only here", "rows": 0})
        if _link_of_two(table, named):
            return InferredKey("primary", table.name, tuple(c.name for c in table.columns),
                               LINK_EMPTY_SCORE, {"name": "two columns alike, no rows: a link", "rows": 0})
        within = event_key(table, lambda n: n in pair_columns, position=True)
        if within is not None and not any(s >= 0.8 for c, s in named if c.name in within[0]):
            return InferredKey("primary", table.name, within[0] + (within[1],), NATURAL_EMPTY_SCORE,
                               {"name": "a position within the references before it", "rows": 0})
        own = [(c, s) for c, s in named if s >= 0.8 or norm(c.name) not in other_keys]
        if own:
            column, name_score = max(own, key=lambda cs: cs[1])
            sure = name_score >= 0.8 or (len(own) == 1 and name_score > FIRST_COLUMN_SCORE)
            return InferredKey("primary", table.name, (column.name,),
                               (0.9 if sure else 0.5) * name_score,
                               {"name": name_score, "rows": 0})
    # junction tables: a pair of reference-like columns that is unique together
    references = [c for c in pair_columns if c in fk_like or norm(c) in other_keys]
    if not rows and len(references) >= 2:  # empty: the first two references
        return InferredKey("primary", table.name, tuple(references[:2]), 0.7,
                           {"name": "two reference columns", "rows": 0})
    if not rows and len(table.columns) >= 2 and references[:1] == [table.columns[0].name]:
        second = table.columns[1]
        if second.type.is_integer and second.name not in pair_columns:
            # empty: a reference, then an integer no name says is a key: the link's other side
            return InferredKey("primary", table.name, (table.columns[0].name, second.name),
                               NATURAL_EMPTY_SCORE, {"name": "a reference and the integer after it",
                                                     "rows": 0})
    event = unique_event_key(table, lambda n: n in pair_columns, rows, query, qualify, quote, stats)
    if event is not None:  # references recurring over time: their pair is unique by chance
        return event
    if rows and _all_keys(table, pair_columns, rows, query, qualify, quote, stats):
        return InferredKey("primary", table.name, tuple(pair_columns), 0.85,
                           {"name": "every column a key: a link of them all", "rows": rows,
                            "unique": True, "not_null": True})
    if rows and _three_references(table, references, rows, query, qualify, quote, stats):
        return InferredKey("primary", table.name, tuple(references), 0.85,
                           {"name": "three reference columns", "rows": rows,
                            "unique": True, "not_null": True})
    alone = _unique_alone(table, references, rows, query, qualify, quote, stats)
    for i, a in enumerate(pair_columns):
        for b in pair_columns[i + 1:]:
            if {a, b} & alone and (table.columns[0].name not in pair_columns
                                   or classifying(b if a in alone else a)):
                continue  # not the smallest key: the first column or the unique reference keys it
            if rows and _unique_together(table, [a, b], rows, query, qualify, quote, stats):
                return InferredKey("primary", table.name, (a, b), 0.9,
                                   {"name": "two reference columns", "rows": rows,
                                    "unique": True, "not_null": True})
    return None


def _unique_alone(table: Table, names: list[str], rows: int, query: Query, qualify: Qualify,
                  quote: Quote, stats: Inference) -> set[str]:
    """The columns of ``names`` unique and never NULL by themselves."""
    if not rows or not names:
        return set()
    measures = ", ".join(f"count({quote(n)}), count(DISTINCT {quote(n)})" for n in names)
    row = query(f"SELECT {measures} FROM {qualify(table.name)}")[0]
    stats.queries += 1
    return {n for i, n in enumerate(names) if int(row[2 * i]) == rows == int(row[2 * i + 1])}


def _all_keys(table: Table, keys: list[str], rows: int, query: Query, qualify: Qualify,
              quote: Quote, stats: Inference) -> bool:
    """A table of three or four columns all named as keys (``circulation(document_id,
    draft_number, copy_number, employee_id)``), unique together: a link of them all, whose
    first column a few rows hold unique by chance."""
    if not 3 <= len(table.columns) <= 4 or len(keys) != len(table.columns):
        return False
    return _unique_together(table, keys, rows, query, qualify, quote, stats)


def _unique_together(table: Table, keys: list[str], rows: int, query: Query, qualify: Qualify,
                     quote: Quote, stats: Inference) -> bool:
    quoted = ", ".join(quote(k) for k in keys)
    not_null = " AND ".join(f"{quote(k)} IS NOT NULL" for k in keys)
    distinct = query(f"SELECT count(*) FROM (SELECT DISTINCT {quoted} FROM {qualify(table.name)} "
                     f"WHERE {not_null}) AS d")[0][0]
    stats.queries += 1
    return int(distinct) == rows


def _three_references(table: Table, references: list[str], rows: int, query: Query,
                      qualify: Qualify, quote: Quote, stats: Inference) -> bool:
    """Exactly three columns named as other tables' keys, unique together: a link of three
    (an authorship: author, institution, paper), whose pairs a small sample may hold unique."""
    return len(references) == 3 and _unique_together(table, references, rows, query, qualify,
                                                     quote, stats)


def _link_of_two(table: Table, named: list[tuple[Column, float]]) -> bool:
    """Two columns of one kind (both integers or both text), neither the table's own key by
    name: a link table (``cite(citing_id, cited_id)``, ``border(state_name, neighbour)``),
    keyed by both. A key beside a value of another kind (``genre(id, name)``) is an entity."""
    if len(table.columns) != 2 or any(s >= 0.8 for _, s in named):
        return False
    a, b = table.columns
    return (key_like_type(a.type) and key_like_type(b.type) and a.type.is_integer == b.type.is_integer
            and a.type.is_string == b.type.is_string)
