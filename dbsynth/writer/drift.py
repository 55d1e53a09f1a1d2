"""Schema drift: how a target's existing tables differ from the mirror the source would get.

A refresh writes the source's schema into a target that usually holds an older mirror of it.
Before touching it, the two are compared table by table — tables, columns, types (as the
target dialect would spell the source's type), NULL-ability, primary, unique and foreign keys
(and their ON DELETE / ON UPDATE actions) — and each difference is a :class:`Change`. A change
is *additive* when it only adds (a table, a column, a key, a constraint): applying it loses
nothing the target has. Removals, type and action changes are not additive. Tables of the
target the source does not select are never touched.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from dbsynth.dialects import Dialect, get_dialect
from dbsynth.schema.model import Schema, SqlType, Table


@dataclass(frozen=True)
class Change:
    kind: str  # add_table | add_column | drop_column | type | nullable | primary_key | unique
    #            | foreign_key | enum
    table: str
    detail: str
    additive: bool

    def describe(self) -> str:
        return f"{'+' if self.additive else '!'} {self.table}: {self.detail}"


@dataclass(frozen=True)
class Drift:
    changes: tuple[Change, ...]
    #: tables of the target the selection does not name: left exactly as they are
    untouched: tuple[str, ...]
    #: none of the selected tables exists in the target yet: a first load, not a drift
    first_load: bool

    @property
    def additive_only(self) -> bool:
        return all(c.additive for c in self.changes)

    def to_dict(self) -> dict[str, Any]:
        return {"changes": [asdict(c) for c in self.changes], "untouched": list(self.untouched),
                "first_load": self.first_load, "additive_only": self.additive_only}


def compare(source: Schema, target: Schema, target_dialect: str,
            undeclared: frozenset[tuple[str, tuple[str, ...]]] = frozenset()) -> Drift:
    """Differences between the source's selected tables and the same names in the target.
    ``undeclared`` foreign keys (table, columns) are ones the target cannot declare (DuckDB,
    a cut cycle edge): their absence there is not a drift."""
    existing = {t.name: t for t in target.tables}
    present = [t for t in source.tables if t.name in existing]
    untouched = tuple(sorted(set(existing) - set(source.table_names)))
    if not present:
        return Drift((), untouched, first_load=True)
    changes = _enum_changes(source, target)
    for table in source.tables:
        if table.name not in existing:
            changes.append(Change("add_table", table.name, "new table", True))
            continue
        changes += _table_changes(table, existing[table.name], target_dialect, undeclared)
    return Drift(tuple(changes), untouched, first_load=False)


def _table_changes(want: Table, have: Table, dialect: str,
                   undeclared: frozenset[tuple[str, tuple[str, ...]]]) -> list[Change]:
    out: list[Change] = []
    name = want.name
    have_columns = {c.name: c for c in have.columns}
    for column in want.columns:
        old = have_columns.get(column.name)
        if old is None:
            out.append(Change("add_column", name, f"new column {column.name} "
                                                  f"{_type_text(column.type, dialect)}", True))
            continue
        new_type, old_type = _type_text(column.type, dialect), _type_text(old.type, dialect)
        if new_type != old_type:
            out.append(Change("type", name, f"column {column.name} type {old_type} -> {new_type}",
                              False))
        if column.nullable != old.nullable:
            detail = "NOT NULL" if not column.nullable else "NULL allowed"
            out.append(Change("nullable", name, f"column {column.name} becomes {detail}",
                              not column.nullable))  # a new NOT NULL only adds a constraint
    for column in have.columns:
        if column.name not in {c.name for c in want.columns}:
            out.append(Change("drop_column", name, f"column {column.name} is not in the source",
                              False))
    want_pk = want.primary_key.columns if want.primary_key else None
    have_pk = have.primary_key.columns if have.primary_key else None
    if want_pk != have_pk:
        out.append(Change("primary_key", name, f"primary key {_cols(have_pk)} -> {_cols(want_pk)}",
                          have_pk is None))
    want_uniques = {u.columns for u in want.key_uniques}  # (an index is an object)
    have_uniques = {u.columns for u in have.key_uniques}
    for cols in sorted(want_uniques - have_uniques):
        out.append(Change("unique", name, f"new UNIQUE {_cols(cols)}", True))
    for cols in sorted(have_uniques - want_uniques):
        out.append(Change("unique", name, f"UNIQUE {_cols(cols)} is not in the source", False))
    want_fks = {(f.columns, f.ref_table, f.ref_columns) for f in want.foreign_keys
                if (name, f.columns) not in undeclared}
    have_fks = {(f.columns, f.ref_table, f.ref_columns) for f in have.foreign_keys}
    for cols, ref, ref_cols in sorted(want_fks - have_fks):
        out.append(Change("foreign_key", name, f"new foreign key {_cols(cols)} -> {ref}{_cols(ref_cols)}",
                          True))
    for cols, ref, ref_cols in sorted(have_fks - want_fks):
        out.append(Change("foreign_key", name,
                          f"foreign key {_cols(cols)} -> {ref}{_cols(ref_cols)} is not in the source",
                          False))
    return out + _action_changes(want, have, get_dialect(dialect))


def _action_changes(want: Table, have: Table, caps: Dialect) -> list[Change]:
    """Foreign keys on both sides whose ON DELETE / ON UPDATE differ, as far as the target
    can hold the source's (a copy written before actions were kept has NO ACTION). Not
    additive: the key behaves otherwise once applied."""
    def held(action: str) -> str:
        return action if action in caps.fk_actions else "NO ACTION"

    have_fks = {(f.columns, f.ref_table, f.ref_columns): f for f in have.foreign_keys}
    out: list[Change] = []
    for fk in want.foreign_keys:
        old = have_fks.get((fk.columns, fk.ref_table, fk.ref_columns))
        if old is None:
            continue
        for event, new_action, old_action in (("DELETE", fk.on_delete, old.on_delete),
                                              ("UPDATE", fk.on_update, old.on_update)):
            if held(new_action) != held(old_action):
                out.append(Change("foreign_key", want.name,
                                  f"foreign key {_cols(fk.columns)} -> {fk.ref_table}"
                                  f"{_cols(fk.ref_columns)}: ON {event} {held(old_action)} -> "
                                  f"{held(new_action)}", False))
    return out


def _enum_changes(source: Schema, target: Schema) -> list[Change]:
    """Enum types both sides have, with other labels: new labels add, others do not."""
    have = {e.name: e.values for e in target.enums}
    out: list[Change] = []
    for enum in source.enums:
        old = have.get(enum.name)
        if old is None or tuple(old) == tuple(enum.values):
            continue
        dropped = [v for v in old if v not in enum.values]
        detail = (f"labels {', '.join(old)} -> {', '.join(enum.values)}"
                  + (f" ({', '.join(dropped)} no longer exist)" if dropped else ""))
        out.append(Change("enum", f"type {enum.name}", detail, not dropped))
    return out


def _type_text(sql_type: SqlType, dialect: str | Dialect) -> str:
    """The type as the target spells it (DuckDB keeps no VARCHAR length, so none is compared)."""
    found = get_dialect(dialect)
    text = found.render_type(sql_type)
    return text if found.keeps_varchar_length else re.sub(r"VARCHAR\(\d+\)", "VARCHAR", text)


def _cols(cols: tuple[str, ...] | None) -> str:
    return "(none)" if cols is None else "(" + ", ".join(cols) + ")"
