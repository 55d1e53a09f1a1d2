"""Keys of fact and junction tables, found once their references are known.

A table recording events or links (a booking per member and branch, a weather reading per
station and weekday, a doctor's training in a procedure) has no key column of its own: its
key is a pair or triple of its references, or its references plus a date or position. Names
cannot say which columns reference something before foreign keys are inferred, so this
runs after them, for the tables still without a key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from dbsynth.schema.infer.names import NAME_WORDS, key_suffix, norm
from dbsynth.schema.infer.result import InferredKey, Inference, Qualify, Query, Quote
from dbsynth.schema.model import Column, Table

#: Word parts of names of columns that order a fact (``startdatum``, ``schuljahr``,
#: ``wochentag``, ``position``): a fact table's key is often its references plus one of them.
ORDINAL_WORDS = ("date", "datum", "time", "zeit", "year", "jahr", "month", "monat", "week",
                 "woche", "day", "tag", "position", "rank", "rang", "seq", "order", "round", "runde")
#: Of those, the ones that order facts *within* something: never a key alone.
POSITION_WORDS = ("position", "rank", "rang", "seq")
#: Unique over this many rows is evidence enough for a first column whatever its name.
MANY_ROWS = 100
#: A fact table's key has at most this many columns (more are unique by chance in a sample).
MAX_COLUMNS = 3
#: Endings of references that classify a row (a code, a type) rather than link it.
CLASS_ENDINGS = ("code", "type", "typ")
SCORE_FIRST_UNIQUE = 0.7  # the first column, unique, where no reference is
#: A unique reference makes a table of details only where rows drawn freely over its parent's
#: rows would repeat at least this many (the birthday bound): 30 logins of 1,000 users are
#: unique by chance about two times in three, and say nothing about one row per user.
DETAILS_MIN_REPEATS = 1.0
SCORE_REFERENCES = 0.85  # a unique set of references only
SCORE_WITH_ORDINAL = 0.8  # references and a date or position


def ordinal(column: Column) -> bool:
    """A column that orders a table's facts: a date or time, or named like one."""
    name = norm(column.name)
    return column.type.is_temporal or any(re.search(word, name) for word in ORDINAL_WORDS)


def event_key(table: Table, is_reference: Callable[[str], bool],
              position: bool = False) -> tuple[tuple[str, ...], str] | None:
    """(leading references, the date or time right after them): how an event or history
    table is laid out (``job_history(employee_id, start_date, …)``, ``purchase(member_id,
    branch_id, year, total)``). Its key is those columns: the same references recur over
    time, and a sample where they happen not to recur says nothing. With ``position``, a
    position after them instead (``track(album_id, position, song_id)``: a position within
    the album). None for another layout."""
    lead: list[str] = []
    for column in table.columns:
        if is_reference(column.name):
            lead.append(column.name)
        elif lead and ordinal(column) and _position(column.name) == position:
            return tuple(lead), column.name
        else:
            return None
    return None


def unique_event_key(table: Table, is_reference: Callable[[str], bool], rows: int, query: Query,
                     qualify: Qualify, quote: Quote, stats: Inference) -> InferredKey | None:
    """The event key of ``table`` (see ``event_key``) if the data holds it and the references
    alone do not: where one or two are unique the date says since when (``coach(player_id,
    trainer_id, since_year)``), an attribute of the link; three references are unique
    together in a sample by chance (a patient's procedure during a stay, on a date)."""
    found = event_key(table, is_reference) or event_key(table, is_reference, position=True)
    if found is None or rows < 2:
        return None
    lead, when = found
    if len(lead) < MAX_COLUMNS and _unique(table, lead, rows, query, qualify, quote, stats):
        return None
    if not _unique(table, lead + (when,), rows, query, qualify, quote, stats):
        return None
    return InferredKey("primary", table.name, lead + (when,), SCORE_WITH_ORDINAL,
                       {"name": "references and the date or position after them", "rows": rows,
                        "unique": True, "not_null": True})


def fact_key(table: Table, references: list[str], query: Query, qualify: Qualify,
             quote: Quote, stats: Inference, parents: Mapping[str, str] | None = None
             ) -> InferredKey | None:
    """The references leading the table and the date after them (see ``event_key``), else
    all of the table's references, else all of them and its first date or position column,
    if unique and never NULL, in at most three columns, else its only reference, first, and
    the integer after it (``trained_in(physician_id, treatment, …)``); a table of two
    columns is keyed by both. None where a single column is unique (a pair would not be the
    smallest key): then the first column if it references nothing and says it is a key: the
    table has references (the first column is its own), or the column is a date (a
    calendar) or a name, or it is unique over many rows (a few rows are unique by chance); or the first column if it is a
    unique reference, the others (if any) by code or name, beside no other integer (a table
    of details, one row per parent row, classified by codes; other integers may be
    references no name revealed), where the table holds enough rows that chance would have
    repeated a parent (``parents``: the table each reference points at, to count its rows)."""
    pair = len(table.columns) == 2
    first = table.columns[0]
    if not references and not pair and not ordinal(first) and not natural_name(first):
        return None
    names = [c.name for c in table.columns]
    quoted = [quote(n) for n in names]
    row = query(f"SELECT count(*), " + ", ".join(f"count({q}), count(DISTINCT {q})" for q in quoted)
                + f" FROM {qualify(table.name)}")[0]
    stats.queries += 1
    rows = int(row[0])
    if rows < 2:
        return None
    unique = [n for i, n in enumerate(names) if int(row[1 + 2 * i]) == rows == int(row[2 + 2 * i])
              and not _position(n)  # a position is unique within something, not alone
              and (n == names[0] or n in references or key_suffix(norm(n)))]  # not a measure
    if unique:
        telling = bool(references) or ordinal(first) or natural_name(first) or rows >= MANY_ROWS
        if unique[0] == names[0] and names[0] not in references and telling:
            return InferredKey("primary", table.name, (names[0],), SCORE_FIRST_UNIQUE,
                               {"name": "first column, unique, in a table of references",
                                "rows": rows, "unique": True, "not_null": True})
        if any(n not in references for n in unique):
            return None
        if (references[0] == names[0] and unique[0] == names[0]  # details of one parent row each
                and all(classifying(n) for n in references[1:])  # the others: codes, names
                and not any(c.type.is_integer for c in table.columns[1:] if c.name not in references)
                and not _unique_by_chance(rows, (parents or {}).get(names[0]), query, qualify, stats)):
            return InferredKey("primary", table.name, (names[0],), SCORE_FIRST_UNIQUE,
                               {"name": "first column, a unique reference, others classify: details",
                                "rows": rows, "unique": True, "not_null": True})
    event = unique_event_key(table, lambda n: n in references, rows, query, qualify, quote, stats)
    if event is not None:
        return event
    firsts = [c.name for c in table.columns if c.name not in references and ordinal(c)][:1]
    tries: list[tuple[tuple[str, ...], float]] = []
    if pair:
        tries.append((tuple(names), SCORE_REFERENCES))
    if 2 <= len(references) <= MAX_COLUMNS:
        tries.append((tuple(references), SCORE_REFERENCES))
    if references and firsts and len(references) < MAX_COLUMNS:
        tries.append((tuple(references) + tuple(firsts), SCORE_WITH_ORDINAL))
    if references == [names[0]] and len(names) > 2 and table.columns[1].type.is_integer:
        # the reference first, an integer after it: a link whose other side no name reveals
        tries.append((tuple(names[:2]), SCORE_WITH_ORDINAL))
    for combo, score in tries:
        if _unique(table, combo, rows, query, qualify, quote, stats):
            ordered = tuple(n for n in names if n in combo)
            return InferredKey("primary", table.name, ordered, score,
                               {"name": "references of a fact table", "rows": rows,
                                "unique": True, "not_null": True})
    return None


def _unique_by_chance(rows: int, parent: str | None, query: Query, qualify: Qualify,
                      stats: Inference) -> bool:
    """Whether ``rows`` references to ``parent``'s rows, drawn freely, would likely all differ
    (fewer than :data:`DETAILS_MIN_REPEATS` repeats expected): then their being unique is no
    sign of one row per parent. Unknown parent: not by chance (the rule as it was)."""
    if parent is None:
        return False
    size = int(query(f"SELECT count(*) FROM {qualify(parent)}")[0][0])
    stats.queries += 1
    return size > 0 and rows * (rows - 1) / (2 * size) < DETAILS_MIN_REPEATS


def classifying(column: str) -> bool:
    """A reference by code, type or name (``haushaltstyp_code``, ``artist_name``): it
    classifies its row rather than making one side of a link, as an id or a table's name does."""
    name = norm(column)
    return name.endswith(CLASS_ENDINGS) or any(word in name for word in NAME_WORDS)


def natural_name(column: Column) -> bool:
    """A text column named as a name or title (``allergie_name``, ``title``): a natural key."""
    return column.type.is_string and any(word in norm(column.name) for word in NAME_WORDS)


def _position(name: str) -> bool:
    return any(re.search(word, norm(name)) for word in POSITION_WORDS)


def _unique(table: Table, combo: tuple[str, ...], rows: int, query: Query, qualify: Qualify,
            quote: Quote, stats: Inference) -> bool:
    quoted = [quote(c) for c in combo]
    not_null = " AND ".join(f"{q} IS NOT NULL" for q in quoted)
    distinct = query(f"SELECT count(*) FROM (SELECT DISTINCT {', '.join(quoted)} FROM "
                     f"{qualify(table.name)} WHERE {not_null}) AS d")[0][0]
    stats.queries += 1
    return int(distinct) == rows
