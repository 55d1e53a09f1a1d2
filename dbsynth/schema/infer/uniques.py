"""Unique combinations of references the copy must keep: a link's pair under a surrogate key.

A table of links or results often has a surrogate key and, unique beside it, the pair it
links (``rekord(id, schwimmer_id, event_id)``: one record per swimmer and event), or no key at
all where one side's reference was not recognised (``ausgebildet_in(arzt, behandlung)``, the
treatment named in another language than its table). Key inference keys such a table by the
surrogate or by nothing, and the copy then repeats pairs the source never repeats.

So, once the keys and references are known, a table's *link columns* — its references and
its integer columns named as ids (``event_id``), not its own one-column key — are
declared UNIQUE together when there are two of them and the source holds each
combination once, never NULL, over enough rows to tell: at least :data:`MIN_ROWS`, and so many
that pairs drawn by chance over the values seen would repeat (:data:`MIN_EXPECTED_REPEATS`).
Only integers:
codes and numbers beside a reference are attributes of the link more often than its key. A table with no
key at all may count one more integer column that is no date or measure-like name among them
(the unrecognised side of a link), only where it has a recognised reference. A table whose
database declares its primary key is left as declared.
"""

from __future__ import annotations

import math

from dbsynth.schema.infer.composite import ordinal
from dbsynth.schema.infer.names import key_suffix, norm
from dbsynth.schema.infer.result import InferredKey, Inference, Qualify, Query, Quote
from dbsynth.schema.model import Column, Schema, Table

#: a combination unique over fewer rows says little (a few rows are unique on anything)
MIN_ROWS = 8
#: a pair: more columns are unique together by chance in a sample (a corpus of 110 real
#: schemas had 16 such triples, none a key)
MAX_COLUMNS = 2
#: how many repeated pairs chance alone would make (the birthday bound): where fewer, a
#: sample unique on the pair says nothing (a few bookings over many customers and branches)
MIN_EXPECTED_REPEATS = 1.0
SCORE_LINK = 0.7
LINK = "link columns unique together"


def _linkish(column: Column) -> bool:
    """An integer named as an id (``event_id``): a reference no rule recognised. Codes and
    numbers (``region_code``, ``invoice_number``) are rather attributes of the link."""
    name = norm(column.name)
    return column.type.is_integer and key_suffix(name) and name.endswith("id")


def link_columns(table: Table, references: set[str], keyed: bool) -> tuple[str, ...]:
    """The columns that together may identify a link (see the module docstring)."""
    own = table.primary_key.columns if table.primary_key else ()
    out = [c.name for c in table.columns if c.type.is_integer and (c.name in references or _linkish(c))
           and (c.name,) != own and c.generated is None]
    if not keyed and references and len(out) < MAX_COLUMNS:
        extra = [c.name for c in table.columns if c.name not in out and c.type.is_integer
                 and not ordinal(c) and c.generated is None]
        out += extra[:1]
    return tuple(out)


def link_uniques(schema: Schema, query: Query, qualify: Qualify, quote: Quote,
                 stats: Inference) -> list[InferredKey]:
    """UNIQUE keys on the link columns of ``schema``'s tables (keys and references applied)."""
    out = []
    for table in schema.tables:
        if table.primary_key is not None and table.primary_key.source == "declared":
            continue  # a key its database declares: its uniques are declared too
        references = {c for fk in table.foreign_keys for c in fk.columns}
        columns = link_columns(table, references, table.primary_key is not None)
        if not 2 <= len(columns) <= MAX_COLUMNS or not references & set(columns):
            continue
        if any(set(key) <= set(columns) for key in table.unique_column_sets()):
            continue  # unique already: it holds a key
        quoted = [quote(c) for c in columns]
        not_null = " AND ".join(f"{q} IS NOT NULL" for q in quoted)
        each = ", ".join(f"(SELECT count(DISTINCT {q}) FROM {qualify(table.name)})" for q in quoted)
        row = query(
            f"SELECT (SELECT count(*) FROM {qualify(table.name)}), (SELECT count(*) FROM "
            f"(SELECT DISTINCT {', '.join(quoted)} FROM {qualify(table.name)} WHERE {not_null}) AS d), "
            f"{each}")[0]
        stats.queries += 1
        stats.candidates += 1
        rows, distinct, space = int(row[0]), int(row[1]), math.prod(int(v) for v in row[2:])
        # rows drawn freely over the pairs seen would repeat about rows² / 2·space of them
        expected = rows * (rows - 1) / (2 * space) if space else 0.0
        if rows >= MIN_ROWS and distinct == rows and expected >= MIN_EXPECTED_REPEATS:
            out.append(InferredKey("unique", table.name, columns, SCORE_LINK,
                                   {"name": LINK, "rows": rows, "unique": True, "not_null": True,
                                    "repeats_by_chance": round(expected, 2)}))
    return out
