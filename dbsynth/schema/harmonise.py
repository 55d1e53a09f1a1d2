"""Foreign keys whose column type differs from the key it references.

Real databases hold them: a ``smallint`` column referencing an ``integer`` key, an ``INT``
column referencing a ``TEXT`` key (SQLite never checks, CSV loads guess types per file).
PostgreSQL refuses such a FOREIGN KEY in DDL and value comparisons mix ``1`` with ``'1'``, so
the copy gives each referencing column its key's type (the key's type is what the data means),
and says so. The rows are aligned to match by :func:`dbsynth.model.keys.align_reference_values`.
"""

from __future__ import annotations

from dataclasses import replace

from dbsynth.schema.model import Schema, SqlType


def _same(a: SqlType, b: SqlType) -> bool:
    return (a.name, a.length, a.precision, a.scale, a.enum) == (b.name, b.length, b.precision, b.scale, b.enum)


def harmonise_reference_types(schema: Schema) -> tuple[Schema, list[str]]:
    """The schema with every FK column typed like the key column it references, and one note
    per column changed (``table.column: integer → text, like parent.key``). Repeated until
    nothing changes, so a chain of references ends with the type of its last key."""
    notes: list[str] = []
    for _ in range(len(schema.tables) + 1):
        schema, changed = _harmonise_once(schema)
        if not changed:
            break
        notes += changed
    return schema, notes


def _harmonise_once(schema: Schema) -> tuple[Schema, list[str]]:
    wanted: dict[tuple[str, str], tuple[SqlType, str]] = {}
    for table in schema.tables:
        for fk in table.foreign_keys:
            if fk.ref_table not in schema.table_names:
                continue
            parent = schema.table(fk.ref_table)
            for column, ref in zip(fk.columns, fk.ref_columns):
                if column not in table.column_names or ref not in parent.column_names:
                    continue
                key_type = parent.column(ref).type
                if not _same(table.column(column).type, key_type):
                    wanted.setdefault((table.name, column), (key_type, f"{fk.ref_table}.{ref}"))
    if not wanted:
        return schema, []
    notes = []
    tables = []
    for table in schema.tables:
        columns = []
        for column in table.columns:
            change = wanted.get((table.name, column.name))
            if change is None or column.generated is not None:
                columns.append(column)
                continue
            key_type, key = change
            notes.append(f"{table.name}.{column.name}: {column.type.native or column.type.name} → "
                         f"{key_type.native or key_type.name}, like the key it references ({key})")
            columns.append(replace(column, type=replace(key_type, native=key_type.native)))
        tables.append(replace(table, columns=tuple(columns)))
    return replace(schema, tables=tuple(tables)), notes
