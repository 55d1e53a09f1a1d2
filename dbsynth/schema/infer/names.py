"""Naming evidence: what a column's or a table's name says about keys, no data read.

Every rule is a convention of how people name keys and references, in English and in other
languages (German compounds and endings, as in the spider_de corpus), and scored below an
exact name so that the data must agree where the name is weaker.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from dbsynth.schema.model import Schema, SqlType
from dbsynth.schema.naming import pii_kind

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
#: Word parts of the names of natural text keys (``allergie_name``, ``title``).
NAME_WORDS = ("name", "title", "titel", "bezeichnung", "label")
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


#: Column names with their table's prefix stripped (``c_custkey`` → ``custkey``), while key
#: inference runs on a schema that names columns so (see :func:`table_prefixes_stripped`).
_UNPREFIXED: ContextVar[Mapping[str, str]] = ContextVar("dbsynth_unprefixed", default={})


def norm(name: str) -> str:
    """A name as lower-case words joined by ``_``, whatever its style: ``customerNumber``,
    ``CustomerNumber`` and ``customer_number`` all give ``customer_number`` (``ID`` → ``id``);
    under :func:`table_prefixes_stripped`, a column's name without its table's prefix."""
    name = _UNPREFIXED.get().get(name, name)
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return re.sub(r"[\s\-]+", "_", spaced).lower()


#: Endings that make a column name a key's name (``station_id``, ``order_no``, ``iso_code``).
KEY_SUFFIXES = ("id", "code", "key", "no", "nr", "num", "number", "nummer", "uuid", "kennung",
                "sk")  # sk: a surrogate key (TPC-DS's ss_customer_sk)


#: Endings long enough to say "key" even run together with a word, as German and Dutch
#: compounds write them (``zimmernummer``, ``zugkennung``, ``filialnummer``).
COMPOUND_KEY_SUFFIXES = ("nummer", "number", "kennung", "key")  # key: TPC-H's custkey, orderkey
#: Letters a compound needs before its key word: four before ``key`` (``custkey``, ``partkey``),
#: so that ``turkey``, ``monkey`` or ``hockey`` are not keys; three before the long ones.
_COMPOUND_STEM = {"key": 4}
#: Whole names that are identifiers by convention (a social security number, a user id…).
IDENTIFIER_NAMES = frozenset({"ssn", "isbn", "iban", "sku", "ean", "uid", "guid", "uuid"})


def key_suffix(name: str) -> bool:
    """``…_id``, ``…_code``, ``…_nummer``… as a last word of a normed name (``customerId``
    normed is ``customer_id``); a word merely ending in "id" (``paid``, ``valid``) is not;
    a compound ending in a long key word is (``zimmernummer``), unless it is a phone number."""
    words = name.split("_")
    if len(words) > 1 and words[-1] in KEY_SUFFIXES:
        return True
    last = words[-1]
    compound = any(last.endswith(s) and len(last) >= len(s) + _COMPOUND_STEM.get(s, 3)
                   for s in COMPOUND_KEY_SUFFIXES)
    return compound and pii_kind(name) is None


def identifier_name(name: str) -> bool:
    """A name that says "an identifier" by itself: ``nr``, ``ssn``, ``code2``, a letter and
    ``id`` (``cid``, ``pid``: an abbreviated key, often of a name in another language), or
    key-like."""
    bare = name.rstrip("0123456789") or name  # code2, iso3: a key word and a variant number
    return (bare in IDENTIFIER_NAMES or bare in KEY_SUFFIXES or key_suffix(name)
            or re.fullmatch(r"[a-z]id", bare) is not None)


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


def table_stems(table: str) -> set[str]:
    """Ways a column may name ``table``: as is, singular, and without a ``tbl_``-like prefix."""
    n = norm(table)
    out = {n, singular(n)}
    stripped = re.sub(r"^(tbl|tab|t|dim|fact|ref|lkp|lookup)_", "", n)
    out |= {stripped, singular(stripped)}
    return out


def compatible(a: SqlType, b: SqlType) -> bool:
    """Types a reference may join on: alike, or integers against text (``INT`` referencing
    a ``TEXT`` key holding digits: compared as text, and retyped in the copy)."""
    if (a.is_integer or a.is_string) and (b.is_integer or b.is_string):
        return True
    return a.name == b.name and a.name in ("uuid", "numeric")


def as_text_if_mixed(expression: str, own: SqlType, other: SqlType) -> str:
    return f"CAST({expression} AS VARCHAR)" if own.is_integer != other.is_integer else expression


def key_like_type(t: SqlType) -> bool:
    return t.is_integer or t.is_string or t.name in ("uuid", "numeric")


def role_of(column: str) -> str:
    return re.sub(r"_?(id|key|fk)$", "", norm(column)) or norm(column)


def people_table(table: str) -> bool:
    """A table of people: named so, or a name starting so (``useracct``, ``personen``)."""
    words = norm(table).split("_")
    return any(word.startswith(p) for word in words for p in PEOPLE_TABLES) or bool(
        table_stems(table) & PEOPLE_TABLES)


def reference_role(name: str) -> str:
    """What a reference names once its key word and number are dropped: ``vereinskennung_1``
    → ``verein``, ``enzym_id`` → ``enzym``, ``termin`` → ``termin``."""
    role = re.sub(r"_\d+$", "", name)
    role = re.sub(r"_?(id|key|fk|code|nr|no|num|nummer|number|kennung)$", "", role) or role
    return role.rstrip("_") or name


def initials(stem: str) -> str:
    """``domain`` → ``d``, ``domain_author`` → ``da``: the abbreviation of a key (``did``)."""
    return "".join(word[0] for word in stem.split("_") if word)


#: Words that join a noun to the words naming whose it is (``adresse_der_mitarbeiter``,
#: ``address_of_employee``) or that precede a noun (``dem_personal_zugewiesene_id``).
ARTICLES = frozenset({"der", "die", "das", "dem", "den", "des", "the"})
CONNECTORS = ARTICLES | {"von", "vom", "of"}


def phrase_nouns(name: str) -> list[str]:
    """The nouns of a reference written as a phrase: the head before a connector
    (``adresse`` in ``adresse_der_mitarbeiter``) and the word after an article (``personal``
    in ``dem_personal_zugewiesene_id``); none for a name without such words."""
    words = reference_role(name).split("_")
    out = []
    for i, word in enumerate(words):
        if word in CONNECTORS and i > 0 and words[i - 1] not in CONNECTORS:
            out.append(words[i - 1])
        if word in ARTICLES and i + 1 < len(words) and words[i + 1] not in CONNECTORS:
            out.append(words[i + 1])
    return list(dict.fromkeys(w for w in out if len(w) >= 4))


#: A table prefix is this short at most (``c`` in customer, ``ps`` in partsupp, ``ss`` in
#: store_sales): an abbreviation, never a word that could name a table itself.
MAX_TABLE_PREFIX = 3


def table_prefix(table: str, columns: list[str]) -> str | None:
    """The prefix every column of ``table`` carries, when the schema names columns after
    their table (TPC-H's ``c_custkey``, ``c_name`` in ``customer``; TPC-DS's ``ss_item_sk``
    in ``store_sales``): one to three letters, the table name's first letter and then letters
    of it in order, and ``_``; the table has at least two columns, each with more after it."""
    heads = {norm(c).split("_", 1)[0] for c in columns}
    if len(columns) < 2 or len(heads) != 1 or not all("_" in norm(c).strip("_") for c in columns):
        return None
    head = heads.pop()
    letters = re.sub(r"[^a-z]", "", norm(table))
    if not (head.isalpha() and len(head) <= MAX_TABLE_PREFIX and letters[:1] == head[:1]):
        return None
    rest = iter(letters[1:])
    return head if all(ch in rest for ch in head[1:]) else None


#: An application's prefix on its table names (WordPress's ``wp_``, phpBB's ``phpbb_``) is a
#: word this short at most, on this share of the tables (plugins' tables may lack it), and
#: of at least MIN_PREFIXED_TABLES of them.
MAX_SCHEMA_PREFIX = 8
SCHEMA_PREFIX_SHARE = 0.8
MIN_PREFIXED_TABLES = 3


def schema_table_prefix(tables: list[str]) -> str | None:
    """The word and ``_`` most of the schema's table names start with, when it names no
    table itself: ``wp_`` in ``wp_posts``, ``wp_postmeta``, ``wp_users`` (their columns say
    ``post_id``, never ``wp_post_id``). None for ``order``, ``order_line`` (a table)."""
    heads = [norm(t).split("_", 1)[0] + "_" for t in tables if "_" in norm(t).strip("_")]
    if not heads:
        return None
    head = max(set(heads), key=heads.count)
    count = heads.count(head)
    if (count < MIN_PREFIXED_TABLES or count < SCHEMA_PREFIX_SHARE * len(tables)
            or len(head) - 1 > MAX_SCHEMA_PREFIX or not head[:-1].isalnum()
            or head[:-1] in {norm(t) for t in tables}):
        return None
    return head


@contextmanager
def table_prefixes_stripped(schema: Schema) -> Iterator[dict[str, str]]:
    """While key inference runs: where at least two tables prefix their columns (see
    :func:`table_prefix`), :func:`norm` reads their columns without it, so ``o_custkey`` names
    ``c_custkey`` as ``custkey`` names ``custkey``. A name also found unprefixed elsewhere
    (or naming a table, or written whole after another table's prefix: ``usr_id`` in ``users``
    as ``posts.pst_usr_id`` names it) is left as it is. Table names are read without a
    prefix the schema puts on them (:func:`schema_table_prefix`: ``wp_posts`` as ``posts``,
    so ``post_id`` names it), unless that names another table. Yields the names stripped
    (column or table -> unprefixed)."""
    token = _UNPREFIXED.set({})
    try:
        prefixes = {t.name: table_prefix(t.name, [c.name for c in t.columns]) for t in schema.tables}
        stripped: dict[str, str] = {}
        if sum(p is not None for p in prefixes.values()) >= 2:
            plain = {c.name for t in schema.tables if prefixes[t.name] is None for c in t.columns}
            plain |= set(schema.table_names)
            unprefixed = {column.name: norm(column.name)[len(prefix) + 1:]
                          for table in schema.tables if (prefix := prefixes[table.name])
                          for column in table.columns}
            # a name another table writes after its own prefix (pst_usr_id naming usr_id)
            plain |= {name for name in unprefixed if norm(name) in unprefixed.values()}
            stripped.update((c, u) for c, u in unprefixed.items() if c not in plain)
        prefix = schema_table_prefix(list(schema.table_names))
        if prefix is not None:
            tables = {norm(t) for t in schema.table_names}
            stripped.update((t, norm(t)[len(prefix):]) for t in schema.table_names
                            if norm(t).startswith(prefix) and norm(t)[len(prefix):] not in tables)
        _UNPREFIXED.set(stripped)
        yield stripped
    finally:
        _UNPREFIXED.reset(token)
