"""Schema objects beyond tables (indexes, views, functions, triggers, domains, composite
types, comments…) as
immutable data, so a copy can carry what the application runs on, not just its tables.

Each object keeps its definition as the source's catalog renders it (``pg_get_viewdef``,
``duckdb_views().sql``, ``sqlite_master.sql``): the same engine replays it as it is; another
engine gets what sqlglot can translate (see :mod:`dbsynth.writer.objects`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

ObjectKind = Literal[
    "partition key", "partition", "extension", "domain", "type", "sequence", "function", "procedure",
    "aggregate", "index", "view", "materialized view", "trigger", "comment", "policy", "grant",
    "check", "check validation", "foreign key", "default", "constraint", "inheritance",
    "virtual table", "rebuild",
]

#: kinds in the order they are created when nothing else decides (dependencies first)
KIND_ORDER: tuple[ObjectKind, ...] = (
    "partition key", "partition", "extension", "domain", "type", "sequence", "default", "function",
    "procedure", "aggregate", "check", "check validation", "view", "materialized view", "index",
    "constraint", "foreign key", "inheritance", "virtual table", "rebuild", "trigger", "comment",
    "policy", "grant",
)

#: kinds other objects can depend on (by name; an index, trigger or comment is named after
#: its table, which is not a dependency on it)
DEPENDABLE_KINDS = frozenset({"extension", "domain", "type", "sequence", "function", "procedure",
                              "aggregate", "view", "materialized view", "check", "virtual table"})

#: kinds written with their table's CREATE TABLE (declarative partitioning), not as objects
WITH_TABLE_KINDS = frozenset({"partition key", "partition"})

#: kinds created before the tables (column types and defaults may use them)
BEFORE_LOAD_KINDS = frozenset({"extension", "domain", "type", "partition key", "partition"})


@dataclass(frozen=True)
class SchemaObject:
    """One object of the source schema.

    ``name`` is unique per kind (functions carry their argument types: ``f(integer)``);
    ``depends_on`` names the tables and other objects (by ``name``) it needs, so an object
    whose needs are outside the selection is skipped, and objects are created in an order
    that works; ``table`` is the table it belongs to (an index, trigger or comment), if any;
    ``after_load`` objects are created once the rows are in (a trigger then never fires on
    synthetic rows, a materialized view holds them)."""

    kind: ObjectKind
    name: str
    definition: str
    dialect: str
    depends_on: tuple[str, ...] = ()
    table: str | None = None
    after_load: bool = True

    @property
    def label(self) -> str:
        """How messages name it: ``view active_customer``."""
        return f"{self.kind} {self.name}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "definition": self.definition,
                "dialect": self.dialect, "depends_on": list(self.depends_on),
                "table": self.table, "after_load": self.after_load}


def object_from_dict(data: dict[str, Any]) -> SchemaObject:
    """The inverse of :meth:`SchemaObject.to_dict` (the caller maps errors to SchemaError)."""
    kind = str(data["kind"])
    if kind not in KIND_ORDER:
        raise ValueError(f"unknown schema object kind {kind!r}")
    table = data.get("table")
    return SchemaObject(kind, str(data["name"]), str(data["definition"]),  # type: ignore[arg-type]
                        str(data["dialect"]), tuple(map(str, data.get("depends_on", ()))),
                        None if table is None else str(table),
                        bool(data.get("after_load", kind not in BEFORE_LOAD_KINDS)))


def select_objects(objects: tuple[SchemaObject, ...], tables: set[str],
                   beside: frozenset[str] = frozenset()
                   ) -> tuple[tuple[SchemaObject, ...], list[str]]:
    """The objects whose every dependency is one of ``tables`` or another kept object, and a
    note for each one left out (an object is never half created).

    ``beside`` are tables the target already holds and keeps (a refresh of some tables): an
    object that reads a selected table and one of those is kept too, since the target has
    what it needs (its view must come back after the replace), with those dependencies
    dropped; an object that reads none of ``tables`` (itself or through a view) is left to
    the target as it is: a trigger on a kept table calling a kept function is already there."""
    kept = {(o.kind, o.name): o for o in objects}
    notes: list[str] = []
    changed = True
    while changed:
        changed = False
        own = {o.name for o in kept.values() if o.kind in DEPENDABLE_KINDS}
        reading = _reading(tuple(kept.values()), tables)
        for key, obj in list(kept.items()):
            missing = [d for d in obj.depends_on if d not in tables and d not in own]
            if missing and (any(d not in beside for d in missing)
                            or not any(d in tables or d in reading for d in obj.depends_on)):
                del kept[key]
                notes.append(f"{obj.label} is not copied: it depends on "
                             f"{', '.join(sorted(missing))}, outside the selected tables")
                changed = True
    return tuple(_without(kept[(o.kind, o.name)], beside) for o in objects
                 if (o.kind, o.name) in kept), notes


def _reading(objects: tuple[SchemaObject, ...], tables: set[str]) -> set[str]:
    """Names of the dependable objects that read one of ``tables``, directly or through
    another such object (a view on a view); a function no table is named in is not one."""
    found: set[str] = set()
    grew = True
    while grew:
        grew = False
        for obj in objects:
            if (obj.kind in DEPENDABLE_KINDS and obj.name not in found
                    and any(d in tables or d in found for d in obj.depends_on)):
                found.add(obj.name)
                grew = True
    return found


def _without(obj: SchemaObject, beside: frozenset[str]) -> SchemaObject:
    """``obj`` without its dependencies on tables the target keeps (they are there)."""
    if not beside.intersection(obj.depends_on):
        return obj
    return replace(obj, depends_on=tuple(d for d in obj.depends_on if d not in beside))


def creation_order(objects: tuple[SchemaObject, ...]) -> list[SchemaObject]:
    """Dependencies first; otherwise by :data:`KIND_ORDER`, then source order (stable)."""
    rank = {k: i for i, k in enumerate(KIND_ORDER)}
    pending = sorted(objects, key=lambda o: rank[o.kind])
    done: set[str] = set()
    known = {o.name for o in objects if o.kind in DEPENDABLE_KINDS}
    out: list[SchemaObject] = []
    while pending:
        ready = next((o for o in pending
                      if all(d in done or d not in known or d == o.name for d in o.depends_on)),
                     pending[0])  # a cycle: take the first, its creation says what is wrong
        out.append(ready)
        done.add(ready.name)
        pending.remove(ready)
    return out
