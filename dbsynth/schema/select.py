"""Table selection for a refresh: ``--include``/``--exclude`` patterns, closed over foreign keys.

A selected child needs its parents in the target, or its foreign keys would point nowhere, so
every table a selected table references is selected too (transitively), even when a pattern
excluded it; each such addition is reported in a note.
"""

from __future__ import annotations

from dataclasses import replace
from fnmatch import fnmatchcase

from dbsynth.errors import UsageError
from dbsynth.schema.model import Schema
from dbsynth.schema.objects import select_objects


def select_tables(schema: Schema, include: tuple[str, ...] = (),
                  exclude: tuple[str, ...] = (), in_target: frozenset[str] = frozenset()
                  ) -> tuple[Schema, list[str]]:
    """The schema restricted to the chosen tables and their parents; notes on what was pulled
    in. ``in_target``: the target's tables, which objects reading a chosen table and one
    left out may use (see :func:`select_objects`)."""
    for pattern in (*include, *exclude):
        if not any(fnmatchcase(name, pattern) for name in schema.table_names):
            raise UsageError(f"pattern {pattern!r} matches no table "
                             f"(tables: {', '.join(schema.table_names)})")
    chosen = {name for name in schema.table_names
              if (not include or any(fnmatchcase(name, p) for p in include))
              and not any(fnmatchcase(name, p) for p in exclude)}
    if not chosen:
        raise UsageError("--include/--exclude leave no table to refresh")
    notes: list[str] = []
    pending = sorted(chosen)
    while pending:
        table = schema.table(pending.pop())
        for fk in table.foreign_keys:
            if fk.ref_table not in chosen and fk.ref_table in schema.table_names:
                chosen.add(fk.ref_table)
                pending.append(fk.ref_table)
                notes.append(f"{fk.ref_table} added: {fk.label(table.name)} needs its rows")
    if len(chosen) == len(schema.tables):
        return schema, notes
    objects, skipped = select_objects(schema.objects, chosen, in_target - chosen)
    return replace(schema, tables=tuple(t for t in schema.tables if t.name in chosen),
                   objects=objects), notes + skipped
