"""Floats that hold whole numbers: integer keys as a copy without a schema stores them.

A table loaded from CSV, or from a dump whose integer column was declared ``REAL``, types
an integer key ``DOUBLE`` (``1.0``, ``2.0``). Key inference is about names and values, not
storage, so such a column is seen as an integer while keys are inferred; the schema keeps
its type. One SQL query per table with float columns, never the rows themselves.
"""

from __future__ import annotations

from dataclasses import replace

from dbsynth.schema.infer.result import Inference, Qualify, Query, Quote
from dbsynth.schema.model import Schema, SqlType, Table

FLOAT_TYPES = frozenset({"real", "double"})
#: What an integral float column is seen as during inference.
INTEGRAL = SqlType("bigint", native="integral float")


def integral_floats(schema: Schema, query: Query, qualify: Qualify, quote: Quote,
                    stats: Inference) -> Schema:
    """The schema with every float column whose non-NULL values are all whole numbers (and
    that holds at least one) typed as an integer; other columns as they are."""
    tables = []
    for table in schema.tables:
        floats = [c for c in table.columns if c.type.name in FLOAT_TYPES and c.generated is None]
        if not floats:
            tables.append(table)
            continue
        tables.append(_retyped(table, [c.name for c in floats], query, qualify, quote, stats))
    return replace(schema, tables=tuple(tables))


def _retyped(table: Table, names: list[str], query: Query, qualify: Qualify, quote: Quote,
             stats: Inference) -> Table:
    measures = ", ".join(f"count({quote(n)}), sum(CASE WHEN {quote(n)} <> round({quote(n)}) "
                         "THEN 1 ELSE 0 END)" for n in names)
    row = query(f"SELECT {measures} FROM {qualify(table.name)}")[0]
    stats.queries += 1
    whole = {n for i, n in enumerate(names) if int(row[2 * i]) > 0 and not row[2 * i + 1]}
    if not whole:
        return table
    columns = tuple(replace(c, type=INTEGRAL) if c.name in whole else c for c in table.columns)
    return replace(table, columns=columns)
