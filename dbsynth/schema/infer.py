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
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from dbsynth.schema.naming import pii_kind
from dbsynth.schema.word_roots import SAME_ROOT, RootIndex
from dbsynth.schema.model import Column, ForeignKey, PrimaryKey, Schema, SqlType, Table

Query = Callable[[str], list[tuple[Any, ...]]]
#: Renders ``table`` as a qualified, quoted SQL name; ``quote`` quotes one identifier.
Qualify = Callable[[str], str]

DEFAULT_THRESHOLD = 0.6

#: Column names that say "a person" (resolved to a people table) or "my parent" (a self
#: reference), when the name itself names no table.
PERSON_ROLES = frozenset({
    "rep", "representative", "manager", "boss", "supervisor", "reports", "reports_to", "owner",
    "author", "creator", "created_by", "updated_by", "modified_by", "assignee", "assigned_to",
    "approver", "approved_by", "agent", "employee", "staff", "salesperson", "seller", "user",
    "head", "lead", "mentor", "contact", "winner", "loser", "follower",
    # the same roles in German (names are often written in the users' language)
    "leiter", "chef", "vorgesetzter", "besitzer", "eigentümer", "autor", "ersteller",
    "verkäufer", "vertreter", "betreuer", "benutzer", "nutzer", "kontaktperson", "mitarbeiter",
    "gewinner", "verlierer", "sieger",
})
HIERARCHY_ROLES = frozenset({"parent", "manager", "boss", "supervisor", "reports_to", "reports",
                             "head", "lead", "mentor", "leiter", "chef", "vorgesetzter"})
#: Words that name a table of people, also as the start of a longer name (``useracct``,
#: ``benutzerprofile``, ``personen``).
PEOPLE_TABLES = frozenset({"employee", "user", "person", "people", "staff", "member", "account",
                           "agent", "customer", "player", "student",
                           "mitarbeiter", "benutzer", "nutzer", "leute", "mitglied", "kunde",
                           "spieler", "schüler", "personal"})
FIRST_COLUMN_SCORE = 0.3  # a natural key: the first column, unique, whatever its name
NAME_SCORE_EXACT = 1.0  # customer_id -> customer.customer_id | customers.id
NAME_SCORE_SAME_NAME = 0.95  # partei_id -> party.partei_id (the key's own name, not the table's)
#: Key names too common to say which table they belong to (``code`` is the key of many).
GENERIC_KEY_NAMES = frozenset({"id", "code", "key", "uuid", "name", "no", "nr", "number", "num"})
NAME_SCORE_ROLE_PREFIX = 0.8  # billing_customer_id -> customer
NAME_SCORE_PERSON_ROLE = 0.7  # support_rep_id -> employee, reports_to -> employee (self)
NAME_SCORE_HIERARCHY = 0.75  # manager_id in employee: its own table before another people table
#: A column named after a table, or after its key without the suffix, with no key suffix of
#: its own (``termin`` -> ``termin.termin_id``, ``bezirk`` -> ``landkreis.bezirk_id``,
#: ``subcountry.country`` -> ``country.code2``): a weaker name, so the data must agree.
NAME_SCORE_BARE = 0.85
BARE = "table name"  # the reason given to such a candidate
#: A column naming a table with another ending (``enzym_id`` -> ``enzyme``) or as part of a
#: compound word (``siegerflugzeug`` -> ``flugzeug``, ``schüler_id`` -> ``oberschüler``).
NAME_SCORE_SAME_ROOT = 0.9
NAME_SCORE_COMPOUND = 0.75


@dataclass(frozen=True)
class InferredKey:
    """One inferred key: ``kind`` is ``primary`` or ``foreign`` (then ``ref_*`` are set)."""

    kind: str
    table: str
    columns: tuple[str, ...]
    score: float
    evidence: dict[str, Any]
    ref_table: str | None = None
    ref_columns: tuple[str, ...] | None = None

    def label(self) -> str:
        own = f"{self.table}({', '.join(self.columns)})"
        if self.kind == "primary":
            return own
        return f"{own} -> {self.ref_table}({', '.join(self.ref_columns or ())})"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "table": self.table, "columns": list(self.columns),
                               "score": round(self.score, 3), "evidence": self.evidence}
        if self.kind == "foreign":
            out.update(ref_table=self.ref_table, ref_columns=list(self.ref_columns or ()))
        return out


@dataclass
class Inference:
    """Every key considered (used or not), how long it took and how many data queries ran."""

    keys: list[InferredKey] = field(default_factory=list)
    threshold: float = DEFAULT_THRESHOLD
    seconds: float = 0.0
    queries: int = 0
    candidates: int = 0

    def accepted(self) -> list[InferredKey]:
        return [k for k in self.keys if k.score >= self.threshold]

    def to_dict(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "seconds": round(self.seconds, 3),
                "data_queries": self.queries, "candidates": self.candidates,
                "keys": [k.to_dict() | {"used": k.score >= self.threshold} for k in self.keys]}


# ------------------------------------------------------------------------------- names
def norm(name: str) -> str:
    """A name as lower-case words joined by ``_``, whatever its style: ``customerNumber``,
    ``CustomerNumber`` and ``customer_number`` all give ``customer_number`` (``ID`` → ``id``)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return re.sub(r"[\s\-]+", "_", spaced).lower()


#: Endings that make a column name a key's name (``station_id``, ``order_no``, ``iso_code``).
KEY_SUFFIXES = ("id", "code", "key", "no", "nr", "num", "number", "nummer", "uuid", "kennung")


#: Endings long enough to say "key" even run together with a word, as German and Dutch
#: compounds write them (``zimmernummer``, ``zugkennung``, ``filialnummer``).
COMPOUND_KEY_SUFFIXES = ("nummer", "number", "kennung")
#: Whole names that are identifiers by convention (a social security number, a user id…).
IDENTIFIER_NAMES = frozenset({"ssn", "isbn", "iban", "sku", "ean", "uid", "guid", "uuid"})


def _key_suffix(name: str) -> bool:
    """``…_id``, ``…_code``, ``…_nummer``… as a last word of a normed name (``customerId``
    normed is ``customer_id``); a word merely ending in "id" (``paid``, ``valid``) is not;
    a compound ending in a long key word is (``zimmernummer``), unless it is a phone number."""
    words = name.split("_")
    if len(words) > 1 and words[-1] in KEY_SUFFIXES:
        return True
    last = words[-1]
    compound = any(last.endswith(s) and len(last) >= len(s) + 3 for s in COMPOUND_KEY_SUFFIXES)
    return compound and pii_kind(name) is None


def _identifier_name(name: str) -> bool:
    """A name that says "an identifier" by itself: ``nr``, ``ssn``, ``code2``, or key-like."""
    bare = name.rstrip("0123456789") or name  # code2, iso3: a key word and a variant number
    return bare in IDENTIFIER_NAMES or bare in KEY_SUFFIXES or _key_suffix(name)


def singular(name: str) -> str:
    """English singular of a table name, good enough for key names (``categories`` →
    ``category``, ``addresses`` → ``address``, ``people`` → ``person``)."""
    n = name.lower()
    if n == "people":
        return "person"
    for plural, single in (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch"),
                           ("shes", "sh"), ("ses", "se")):
        if n.endswith(plural) and len(n) > len(plural) + 1:
            return n[: -len(plural)] + single
    if n.endswith("s") and not n.endswith("ss") and len(n) > 2:
        return n[:-1]
    return n


def _stems(table: str) -> set[str]:
    """Ways a column may name ``table``: as is, singular, and without a ``tbl_``-like prefix."""
    n = norm(table)
    out = {n, singular(n)}
    stripped = re.sub(r"^(tbl|tab|t|dim|fact|ref|lkp|lookup)_", "", n)
    out |= {stripped, singular(stripped)}
    return out


def _compatible(a: SqlType, b: SqlType) -> bool:
    """Types a reference may join on: alike, or integers against text (``INT`` referencing
    a ``TEXT`` key holding digits: compared as text, and retyped in the copy)."""
    if (a.is_integer or a.is_string) and (b.is_integer or b.is_string):
        return True
    return a.name == b.name and a.name in ("uuid", "numeric")


def _as_text_if_mixed(expression: str, own: SqlType, other: SqlType) -> str:
    return f"CAST({expression} AS VARCHAR)" if own.is_integer != other.is_integer else expression


def _key_like_type(t: SqlType) -> bool:
    return t.is_integer or t.is_string or t.name in ("uuid", "numeric")


# ------------------------------------------------------------------------ primary keys
def _pk_name_score(table: Table, column: Column, references: frozenset[str] = frozenset(),
                   shared: frozenset[str] = frozenset()) -> float:
    """How strongly a column's name says "the key of this table" (0: not at all).

    1.0 ``id``/``<table>_id``; 0.8 a code or number of the table (``<table>_code``,
    ``customer_number``) or its initial and ``id`` (``did`` in ``domain``); 0.7 any key-like
    name (``partei_id`` in ``party``: names in another language, or not the table's).
    """
    name = norm(column.name)
    stems = _stems(table.name)
    if name == "id" or name in {f"{s}_id" for s in stems} or name in {f"{s}id" for s in stems}:
        return 1.0
    if name in {"code", "key", "uuid"} or name in {f"{s}_{suffix}" for s in stems for suffix in KEY_SUFFIXES}:
        return 0.8
    if name in {_initials(s) + "id" for s in stems if s}:
        return 0.8
    first = table.columns[0].name == column.name  # where tables keep their own key
    if not first or column.name in references:
        return 0.0
    if _identifier_name(name):
        return 0.7
    # a natural key (genre_name, a country code): text, and named alike in another table
    return FIRST_COLUMN_SCORE if column.type.is_string and name in shared else 0.0


def _initials(stem: str) -> str:
    """``domain`` → ``d``, ``domain_author`` → ``da``: the abbreviation of a key (``did``)."""
    return "".join(word[0] for word in stem.split("_") if word)


def _reference_like_columns(schema: Schema) -> set[str]:
    """Column names that look like references to some table (``<table>_id``), or are in a
    declared foreign key: a junction table's key is a pair of those."""
    names = {f"{stem}{sep}id" for t in schema.tables for stem in _stems(t.name) for sep in ("_", "")}
    return {c.name for t in schema.tables for c in t.columns if norm(c.name) in names} | {
        c for t in schema.tables for fk in t.foreign_keys for c in fk.columns}


def _owned_key_names(schema: Schema, fk_like: set[str],
                     shared: frozenset[str]) -> dict[str, tuple[set[str], set[str]]]:
    """Normed key name -> (tables owning it surely, tables owning it weakly), by name alone.

    Surely: a declared single-column key, a key named after its table (``aid`` in ``autor``).
    Weakly: a table's only key-like column (``lieder.song_id``); a table with two is rather
    a junction of references. Used where no rows can tell a key from a reference."""
    owned: dict[str, tuple[set[str], set[str]]] = {}
    for table in schema.tables:
        if table.primary_key is not None:
            if len(table.primary_key.columns) == 1:
                owned.setdefault(norm(table.primary_key.columns[0]), (set(), set()))[0].add(table.name)
            continue
        key_like = [c for c in table.columns if _identifier_name(norm(c.name)) or norm(c.name) == "id"]
        for column in table.columns:
            score = _pk_name_score(table, column, frozenset(fk_like), shared)
            if score >= 0.8:
                owned.setdefault(norm(column.name), (set(), set()))[0].add(table.name)
            elif score > 0 and key_like == [column]:
                owned.setdefault(norm(column.name), (set(), set()))[1].add(table.name)
    return owned


def _shared_names(schema: Schema) -> frozenset[str]:
    """Normed column names found in more than one table (where a natural key is referenced)."""
    seen: dict[str, int] = {}
    for table in schema.tables:
        for name in {norm(c.name) for c in table.columns}:
            seen[name] = seen.get(name, 0) + 1
    return frozenset(n for n, count in seen.items() if count > 1)


def _infer_primary_key(table: Table, query: Query, qualify: Qualify, quote: Callable[[str], str],
                       fk_like: set[str], stats: Inference, shared: frozenset[str] = frozenset(),
                       other_keys: frozenset[str] = frozenset()) -> InferredKey | None:
    """The best unique, never-NULL column (by name), else a unique pair of key-like columns.

    ``other_keys`` are the normed names of other tables' keys: in a table with no rows to
    test, a column so named is a reference to that table, not this table's key."""
    candidates = [(c, _pk_name_score(table, c, frozenset(fk_like), shared)) for c in table.columns
                  if _key_like_type(c.type) and c.generated is None]
    named = [(c, s) for c, s in candidates if s > 0]
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
            return InferredKey("primary", table.name, (column.name,), 0.5 + 0.5 * name_score,
                               {"name": name_score, "rows": rows, "unique": True, "not_null": True})
    else:  # empty: the names are all there is
        own = [(c, s) for c, s in named if s >= 0.8 or norm(c.name) not in other_keys]
        if own:
            column, name_score = max(own, key=lambda cs: cs[1])
            sure = name_score >= 0.8 or (len(own) == 1 and name_score > FIRST_COLUMN_SCORE)
            return InferredKey("primary", table.name, (column.name,),
                               (0.9 if sure else 0.5) * name_score,
                               {"name": name_score, "rows": 0})
    # junction tables: a pair of reference-like columns that is unique together
    pair_columns = [c.name for c in table.columns if c.name in fk_like or norm(c.name) in other_keys
                    or _key_suffix(norm(c.name))][:6]
    references = [c for c in pair_columns if c in fk_like or norm(c) in other_keys]
    if not rows and len(references) >= 2:  # empty: the first two references
        return InferredKey("primary", table.name, tuple(references[:2]), 0.7,
                           {"name": "two reference columns", "rows": 0})
    for i, a in enumerate(pair_columns):
        for b in pair_columns[i + 1:]:
            qa, qb = quote(a), quote(b)
            distinct = query(f"SELECT count(*) FROM (SELECT DISTINCT {qa}, {qb} FROM "
                             f"{qualify(table.name)} WHERE {qa} IS NOT NULL AND {qb} IS NOT NULL) AS d")[0][0]
            stats.queries += 1
            if rows and int(distinct) == rows:
                return InferredKey("primary", table.name, (a, b), 0.9,
                                   {"name": "two reference columns", "rows": rows,
                                    "unique": True, "not_null": True})
    return None


# ------------------------------------------------------------------------ foreign keys
@dataclass(frozen=True)
class _ParentKey:
    table: str
    columns: tuple[str, ...]
    types: tuple[SqlType, ...]
    primary: bool = True  # False: a UNIQUE key, referenced only by its own column name
    #: how surely this is the table's own key (declared 1.0; inferred: its name score), so
    #: that of two tables keyed by one column name, the one owning the name is the parent
    strength: float = 1.0


def _name_index(parents: list[_ParentKey]) -> dict[str, list[tuple[_ParentKey, float]]]:
    """Column name -> parent keys it names exactly (``customer_id``, ``customerid``)."""
    index: dict[str, list[tuple[_ParentKey, float]]] = {}
    for parent in parents:
        if len(parent.columns) != 1:
            continue
        key = norm(parent.columns[0])
        if key not in GENERIC_KEY_NAMES:  # the same column name in both tables
            index.setdefault(key, []).append((parent, NAME_SCORE_SAME_NAME))
        if parent.primary:  # only a table's primary key is what "<table>_id" names
            stems = _stems(parent.table)
            named = ({f"{s}_{key}" for s in stems} | {f"{s}{key}" for s in stems}
                     | {f"{s}_id" for s in stems} | {f"{s}id" for s in stems})
            for name in named:
                index.setdefault(name, []).append((parent, NAME_SCORE_EXACT))
            role = _role_of(key)
            for name in (stems | {role}) - GENERIC_KEY_NAMES - named - {key}:
                index.setdefault(name, []).append((parent, NAME_SCORE_BARE))
    return index


def _role_of(column: str) -> str:
    return re.sub(r"_?(id|key|fk)$", "", norm(column)) or norm(column)


SHARED_KEY = "shared key"  # the reason given to a one-to-one candidate (both keyed by it)


def _people_table(table: str) -> bool:
    """A table of people: named so, or a name starting so (``useracct``, ``personen``)."""
    words = norm(table).split("_")
    return any(word.startswith(p) for word in words for p in PEOPLE_TABLES) or bool(
        _stems(table) & PEOPLE_TABLES)


def _reference_role(name: str) -> str:
    """What a reference names once its key word and number are dropped: ``vereinskennung_1``
    → ``verein``, ``enzym_id`` → ``enzym``, ``termin`` → ``termin``."""
    role = re.sub(r"_\d+$", "", name)
    role = re.sub(r"_?(id|key|fk|code|nr|no|num|nummer|number|kennung)$", "", role) or role
    return role.rstrip("_") or name


def _fk_candidates(table: Table, column: Column, index: dict[str, list[tuple[_ParentKey, float]]],
                   parents_by_table: dict[str, list[_ParentKey]],
                   own_pk: tuple[str, ...],
                   roots: RootIndex[_ParentKey] | None = None) -> list[tuple[_ParentKey, float, str]]:
    """Parent keys ``column`` may reference, by name alone, with a name score and reason.

    ``own_pk`` is the table's key, declared or inferred; ``roots`` indexes the tables' primary
    keys by the roots of the tables' names (another ending, or part of a compound)."""
    name = norm(column.name)
    out: list[tuple[_ParentKey, float, str]] = []
    best: dict[_ParentKey, float] = {}
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
    if not out and roots is not None:
        role = _reference_role(name)
        for parent, how in roots.lookup(role):
            # an integer part of a compound without a key word is rather a count
            # (heimspiele: home games), whose small values any integer key holds
            counted = how != SAME_ROOT and role == name and column.type.is_integer
            if parent.table != table.name and not counted:
                score = NAME_SCORE_SAME_ROOT if how == SAME_ROOT else NAME_SCORE_COMPOUND
                out.append((parent, score, f"{how} of a {BARE}"))
    key_like = re.search(r"_?(id|key|fk)$", name) is not None or name in HIERARCHY_ROLES | {"reports_to"}
    if not out and key_like:  # a role word alone (author_rating, lead_time) names no key
        role = _role_of(name)
        words = set(role.split("_")) | {role}
        if words & HIERARCHY_ROLES:
            for parent in parents_by_table.get(table.name, []):
                out.append((parent, NAME_SCORE_HIERARCHY, f"hierarchy role {role!r}"))
        if words & PERSON_ROLES:
            for parent_table, keys in parents_by_table.items():
                if _people_table(parent_table) and parent_table != table.name:
                    out.extend((p, NAME_SCORE_PERSON_ROLE, f"person role {role!r}") for p in keys)
    kept = []
    out.sort(key=lambda candidate: -candidate[1])
    seen: set[_ParentKey] = set()
    for parent, score, reason in out:
        if parent in seen:  # one candidate per parent key: its best name
            continue
        seen.add(parent)
        if len(parent.columns) != 1 or not _compatible(column.type, parent.types[0]):
            continue
        if parent.table == table.name and (parent.columns == (column.name,) or column.name in own_pk):
            continue  # a key does not reference its own table
        if parent.table == table.name and score == NAME_SCORE_BARE:
            continue  # a column named after its own table is its label (partei.partei)
        if own_pk == (column.name,) and not (_stems(parent.table) & {_role_of(name)}):
            # Two tables keyed by one column (one-to-one): which is the parent is decided by
            # the data (the parent holds every child key and more), see _score_fk.
            kept.append((parent, score, SHARED_KEY))
            continue
        kept.append((parent, score, reason))
    return kept


def _inclusion(child: Table, columns: tuple[str, ...], parent: _ParentKey, query: Query,
               qualify: Qualify, quote: Callable[[str], str]) -> tuple[int, int, int]:
    """(distinct child values, how many the parent key holds, distinct parent keys) — SQL."""
    child_types = [child.column(c).type for c in columns]
    child_cols = ", ".join(f"{_as_text_if_mixed(f'c.{quote(c)}', t, p)} AS k{i}"
                           for i, (c, t, p) in enumerate(zip(columns, child_types, parent.types)))
    parent_cols = ", ".join(f"{_as_text_if_mixed(f'p.{quote(c)}', p, t)} AS k{i}"
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


def _composite_candidates(table: Table, parents: list[_ParentKey]) -> list[_ParentKey]:
    """Multi-column parent keys whose every column name also appears in ``table``."""
    names = {c.name.lower(): c for c in table.columns}
    out = []
    for parent in parents:
        if len(parent.columns) < 2 or parent.table == table.name:
            continue
        if all(c.lower() in names and _compatible(names[c.lower()].type, t)
               for c, t in zip(parent.columns, parent.types)):
            out.append(parent)
    return out


# ---------------------------------------------------------------------------- driver
def infer_keys(schema: Schema, query: Query, qualify: Qualify, quote: Callable[[str], str],
               threshold: float = DEFAULT_THRESHOLD) -> Inference:
    """Infer a primary key for every table without one and foreign keys for every column
    not already in a declared foreign key."""
    started = time.perf_counter()
    stats = Inference(threshold=threshold)
    all_names = {table.name: table for table in schema.tables}
    fk_like = _reference_like_columns(schema)
    shared = _shared_names(schema)
    owned = _owned_key_names(schema, fk_like, shared)

    primary: dict[str, tuple[str, ...]] = {}
    strength: dict[str, float] = {}
    for table in schema.tables:
        if table.primary_key is not None:
            primary[table.name] = table.primary_key.columns
            continue
        other_keys = frozenset(n for n, (strong, weak) in owned.items()
                               if strong - {table.name} or (weak and table.name not in weak))
        found = _infer_primary_key(table, query, qualify, quote, fk_like, stats, shared, other_keys)
        if found is not None:
            stats.keys.append(found)
            if found.score >= threshold:
                primary[table.name] = found.columns
                name_score = found.evidence.get("name")
                strength[table.name] = name_score if isinstance(name_score, float) else 0.9

    parents: list[_ParentKey] = []
    for name, cols in primary.items():
        table = all_names[name]
        parents.append(_ParentKey(name, cols, tuple(table.column(c).type for c in cols),
                                  strength=strength.get(name, 1.0)))
    for table in schema.tables:
        for unique in table.uniques:
            if unique.columns != primary.get(table.name):
                parents.append(_ParentKey(table.name, unique.columns,
                                          tuple(table.column(c).type for c in unique.columns), False))
    index = _name_index(parents)
    roots = RootIndex((p.table, p) for p in parents if p.primary and len(p.columns) == 1)
    by_table: dict[str, list[_ParentKey]] = {}
    for parent in parents:
        if len(parent.columns) == 1:
            by_table.setdefault(parent.table, []).append(parent)

    for table in schema.tables:
        declared = {c for fk in table.foreign_keys for c in fk.columns}
        own_key = primary.get(table.name, ())
        own_pk = set(own_key)
        for parent in _composite_candidates(table, parents):
            if set(parent.columns) & declared or {c.lower() for c in own_pk} == {c.lower() for c in parent.columns}:
                continue  # a table's own key references another only if declared so
            cols = tuple(next(c.name for c in table.columns if c.name.lower() == p.lower())
                         for p in parent.columns)
            stats.candidates += 1
            stats.keys.append(_score_fk(table, cols, parent, NAME_SCORE_EXACT, "same column names",
                                        query, qualify, quote, stats))
            declared |= set(cols) if stats.keys[-1].score >= threshold else set()
        for column in table.columns:
            if column.name in declared or column.generated is not None:
                continue
            found = []
            for parent, score, reason in _fk_candidates(table, column, index, by_table, own_key, roots):
                stats.candidates += 1
                found.append(_score_fk(table, (column.name,), parent, score, reason,
                                       query, qualify, quote, stats))
            if found:  # one reference per column: the best-scoring parent
                found.sort(key=lambda k: (-k.score, -k.evidence.get("parent_strength", 1.0),
                                          -k.evidence.get("coverage", 0.0)))
                if _undecided(found):  # two parents named alike, the data cannot choose
                    found = [replace(k, score=min(k.score, threshold - 1e-3),
                                     evidence=k.evidence | {"rejected": "two parents alike, no data to choose"})
                             for k in found]
                stats.keys.append(found[0])
                stats.keys.extend(replace(k, score=min(k.score, threshold - 1e-3),
                                          evidence=k.evidence | {"lost_to": found[0].ref_table})
                                  for k in found[1:] if k.score >= threshold)
                stats.keys.extend(k for k in found[1:] if k.score < threshold)
    stats.seconds = time.perf_counter() - started
    return stats


def _undecided(found: list[InferredKey]) -> bool:
    """The best two parents of a column (sorted best first) are equal on every evidence: as
    named, as surely keyed, holding the child's values alike (or no values to test). Then
    the order of the tables would decide, and a wrong parent is worse than none."""
    if len(found) < 2:
        return False
    a, b = found[0], found[1]
    return (a.score == b.score and a.evidence.get("parent_strength") == b.evidence.get("parent_strength")
            and a.evidence.get("coverage") == b.evidence.get("coverage"))


def _score_fk(table: Table, columns: tuple[str, ...], parent: _ParentKey, name_score: float,
              reason: str, query: Query, qualify: Qualify, quote: Callable[[str], str],
              stats: Inference) -> InferredKey:
    distinct, included, parent_keys = _inclusion(table, columns, parent, query, qualify, quote)
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
    if reason == SHARED_KEY and not (distinct and inclusion == 1.0 and coverage < 1.0):
        data_score = 0.0  # equal key sets (or none): the data cannot say which is the parent
        evidence["rejected"] = "one-to-one: the parent must hold every key of the child and more"
    return InferredKey("foreign", table.name, columns, name_score * data_score, evidence,
                       parent.table, parent.columns)


# --------------------------------------------------------------------------- applying
def with_inferred_keys(schema: Schema, inference: Inference) -> Schema:
    """The schema plus every accepted inferred key (marked ``source="inferred"``)."""
    accepted = inference.accepted()
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
        tables.append(replace(table, **changes) if changes else table)
    return replace(schema, tables=tuple(tables))
