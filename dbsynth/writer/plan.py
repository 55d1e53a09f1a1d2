"""The write plan: every operation that puts a synthetic copy into a target, in order, as data.

One builder (:func:`build_write_plan`) decides the order for a target's capabilities; the
one-transaction writer (:mod:`.load`) executes the list, ``refresh --dry-run`` prints it, and
the staged scale-out loader (:mod:`.staged`) runs its phases. Rendering SQL stays in
:mod:`.ddl`; nothing here executes (the shape of alembic: compare → plan objects → render).

Most operations carry their statement. Three depend on the generated data and are rendered
or run only when executed: ``create_sequence`` (DuckDB: the start value is past the loaded
keys, known after generation), ``load`` (the rows) and ``fill_cut_key`` (an UPDATE of the
keys cut to break a cycle, drawn once every table exists). The dry run describes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from dbsynth.dialects import Dialect, qualified, quote_ident
from dbsynth.errors import LoadError
from dbsynth.schema.graph import LoadPlan
from dbsynth.schema.model import EnumType, ForeignKey, Schema, Table
from dbsynth.writer import ddl
from dbsynth.writer.objects import (
    ObjectStatement, create_table_statements, partition_names, sequence_default,
)

OperationKind = Literal[
    "create_stage", "drop_views", "drop_tables", "drop_sequence", "drop_type", "create_type",
    "move_type", "create_sequence", "create_table", "move_table", "load", "add_key",
    "fill_cut_key", "add_foreign_key", "advance_identity", "create_objects", "grant",
    "drop_stage",
]
#: the staged loader runs ``prepare`` in one transaction, ``load`` in the partitions' own,
#: ``finish`` in the publishing one; the one-transaction writer runs them all in order
Phase = Literal["prepare", "load", "finish"]

#: the one that stands where the table's sequence is made once its load is known
SEQUENCE_START = "START WITH "


@dataclass(frozen=True)
class Operation:
    """One step. ``sql`` is its statement when known at planning time (None for the data
    dependent kinds); ``columns`` are the identity column of a sequence or an advance, the
    row key and cut columns a fill sets, the cut columns a load leaves NULL; ``by_depth``
    the self references a load must respect row by row (rows go in by depth); ``rows`` the
    expected rows of a load, when known; ``statement`` the schema object a
    ``create_objects`` step creates (a translation the target may refuse: then it is
    listed as not created instead of failing the copy)."""

    kind: OperationKind
    table: str = ""
    sql: str | None = None
    phase: Phase = "prepare"
    columns: tuple[str, ...] = ()
    key: tuple[str, ...] = ()
    sequence: str = ""
    by_depth: tuple[ForeignKey, ...] = ()
    rows: int | None = None
    statement: ObjectStatement | None = None

    def render(self, start: int) -> str:
        """The statement of a ``create_sequence``, once its start value is known."""
        if self.kind != "create_sequence":
            raise LoadError(f"{self.kind} has no statement rendered at execution time")
        return f"CREATE SEQUENCE {self.sequence} {SEQUENCE_START}{int(start)}"

    def describe(self) -> str:
        """One line: the statement, or what a data-dependent step will do."""
        if self.sql is not None:
            return " ".join(self.sql.split())
        if self.kind == "create_sequence":
            return (f"-- CREATE SEQUENCE {self.sequence} {SEQUENCE_START}<after the loaded "
                    f"{self.table}.{self.columns[0]}>")
        if self.kind == "load":
            count = f"{self.rows:,} rows" if self.rows is not None else "rows"
            how = [f"{', '.join(self.columns)} NULL until filled"] if self.columns else []
            how += ["by self-reference depth"] if self.by_depth else []
            return f"-- load {count} into {self.table}" + (f" ({'; '.join(how)})" if how else "")
        if self.kind == "fill_cut_key":
            cut = ", ".join(c for c in self.columns if c not in self.key)
            return f"-- UPDATE {self.table} SET {cut} (cut foreign key, filled after the load)"
        return f"-- {self.kind.replace('_', ' ')} {self.table}".rstrip()

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "table": self.table or None, "sql": self.sql,
                "phase": self.phase, "describe": self.describe()}


def replace_phase(op: Operation, phase: Phase) -> Operation:
    return replace(op, phase=phase)


@dataclass(frozen=True)
class WritePlan:
    """The operations for one target, in the order they run."""

    operations: tuple[Operation, ...]

    def phase(self, phase: Phase) -> tuple[Operation, ...]:
        return tuple(op for op in self.operations if op.phase == phase)

    def lines(self) -> list[str]:
        """What the dry run prints: each statement, and a comment for each data step."""
        return [op.describe() for op in self.operations]


def used_enums(schema: Schema) -> list[EnumType]:
    """Enum types our tables use (also as array items)."""
    used: set[str] = set()
    for table in schema.tables:
        for column in table.columns:
            t = column.type.element if column.type.name == "array" else column.type
            if t is not None and t.name == "enum" and t.enum:
                used.add(t.enum)
    return [e for e in schema.enums if e.name in used]


def kept_enums(schema: Schema, existing: Mapping[str, tuple[str, ...]]) -> frozenset[str]:
    """Our enums the target already has with the same labels: kept, not replaced (tables we
    do not write may use them)."""
    return frozenset(e.name for e in used_enums(schema) if existing.get(e.name) == tuple(e.values))


def build_write_plan(schema: Schema, plan: LoadPlan, caps: Dialect, schema_name: str, *,
                     replacing: Iterable[str] = (), kept: frozenset[str] = frozenset(),
                     stage: str | None = None, rows: Mapping[str, int] | None = None,
                     objects: Iterable[ObjectStatement] = (), view_drops: Iterable[str] = (),
                     grants: Iterable[str] = ()) -> WritePlan:
    """The ordered operations that write ``schema``'s tables into ``schema_name``.

    ``replacing``: our tables the target already has (dropped first); ``kept``: enums kept
    as they are (:func:`kept_enums`); ``stage``: a staging schema to load into first (see
    :mod:`.staged`); ``rows``: expected rows per table, for the descriptions of loads;
    ``objects``: the schema objects' statements (:func:`.objects.object_statements`): those
    needed by tables (extensions, domains) before them, the rest (views, indexes, functions,
    triggers, …) once the tables are loaded and keyed, in the order given; ``view_drops``:
    the views dbsynth mirrors on replaced tables, dropped before them (made again after);
    ``grants``: the target's own grants on what is replaced, given again at the end."""
    ops: list[Operation] = []
    objects = [s for s in objects if not s.with_table]  # partitions go with their table
    before = [Operation("create_objects", sql=s.sql, statement=s) for s in objects
              if not s.obj.after_load]
    after = [Operation("create_objects", sql=s.sql, phase="finish", statement=s)
             for s in objects if s.obj.after_load]
    drops = [Operation("drop_views", sql=sql) for sql in view_drops]
    if stage is None:
        ops += drops
        ops += _drops(plan, caps, schema_name, set(replacing))
        ops += _sequence_drops(schema, caps, schema_name)
        ops += _types(schema, caps, schema_name, kept)
        ops += before
        ops += _tables_and_loads(schema, plan, caps, schema_name, rows or {})
        ops += _fills(schema, plan)
    else:
        ops += _staged(schema, plan, caps, schema_name, set(replacing), kept, stage, rows or {},
                       before, drops)
    ops += _foreign_keys(schema, plan, caps, schema_name)
    ops += _advances(schema, caps, schema_name)
    ops += after
    ops += [Operation("grant", sql=sql, phase="finish") for sql in grants]
    if stage is not None:
        ops.append(Operation("drop_stage", sql=f"DROP TABLE {qualified(stage, STAGE_DONE)}",
                             phase="finish"))
        ops.append(Operation("drop_stage", sql=f"DROP SCHEMA {quote_ident(stage)}", phase="finish"))
    return WritePlan(tuple(ops))


def build_swap_plan(schema: Schema, plan: LoadPlan, caps: Dialect, schema_name: str,
                    stage: str, old: str, *, replacing: Iterable[str] = (),
                    rows: Mapping[str, int] | None = None,
                    objects: Iterable[ObjectStatement] = (),
                    before_swap: Iterable[str] = ()) -> WritePlan:
    """The operations of a write where DDL is not transactional but one rename of many
    tables is atomic (``caps.swap_rename``, MySQL): every table is made, loaded, keyed and
    constrained in the fresh schema ``stage``; then one rename moves the target's tables
    being replaced into ``old`` and the staged ones into the target; then ``old`` and
    ``stage`` are dropped and the schema objects made on the tables in place. Until the
    rename the target is untouched, so a failure anywhere before it (dropping ``stage``)
    leaves it as it was. ``before_swap``: statements run just before the rename (MySQL
    moves no trigger to another schema: the replaced tables' triggers are dropped there,
    as a replace drops them with the tables everywhere)."""
    if caps.swap_rename is None:
        raise LoadError(f"{caps.name} cannot swap tables in by one rename")
    replacing = set(replacing)
    word = caps.schema_word
    ops = [Operation("create_stage", sql=f"CREATE {word} {quote_ident(stage)}")]
    if replacing:
        ops.append(Operation("create_stage", sql=f"CREATE {word} {quote_ident(old)}"))
    ops += build_write_plan(schema, plan, caps, stage, rows=rows).operations
    # the target itself may not exist yet: made only now, once the copy is ready
    ops.append(Operation("create_stage", sql=f"CREATE {word} IF NOT EXISTS "
                                             f"{quote_ident(schema_name)}", phase="finish"))
    ops += [Operation("drop_tables", sql=sql, phase="finish") for sql in before_swap]
    pairs = [f"{qualified(schema_name, n)} TO {qualified(old, n)}"
             for n in plan.order if n in replacing]
    pairs += [f"{qualified(stage, n)} TO {qualified(schema_name, n)}" for n in plan.order]
    ops.append(Operation("move_table", sql=caps.swap_rename.format(", ".join(pairs)),
                         phase="finish"))
    if replacing:
        ops.append(Operation("drop_stage", sql=f"DROP {word} {quote_ident(old)}", phase="finish"))
    ops.append(Operation("drop_stage", sql=f"DROP {word} {quote_ident(stage)}", phase="finish"))
    ops += [Operation("create_objects", sql=s.sql, phase="finish", statement=s)
            for s in objects if not s.with_table]
    return WritePlan(tuple(ops))


#: in a staging schema: one row per committed partition (see :mod:`.staged`)
STAGE_DONE = "_dbsynth_partitions"


def _drops(plan: LoadPlan, caps: Dialect, schema_name: str, replacing: set[str],
           phase: Phase = "prepare") -> list[Operation]:
    """Our tables that exist, children first. No CASCADE: a view or another table's FK on
    one of ours makes the drop (and the whole run) fail with the engine's message, instead
    of silently losing the dependent object."""
    ours = [n for n in reversed(plan.order) if n in replacing]
    if not ours:
        return []
    if caps.multi_table_drop:  # one statement: cycles among ours are fine
        names = ", ".join(qualified(schema_name, n) for n in ours)
        return [Operation("drop_tables", sql=f"DROP TABLE {names}", phase=phase)]
    return [Operation("drop_tables", n, f"DROP TABLE {qualified(schema_name, n)}", phase)
            for n in ours]


def _identity_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if c.identity and c.type.is_integer]


def _sequence_drops(schema: Schema, caps: Dialect, schema_name: str) -> list[Operation]:
    """No stale identity sequence of ours where identities are sequences (DuckDB)."""
    if caps.identity_kind != "sequence":
        return []
    return [Operation("drop_sequence", t.name, "DROP SEQUENCE IF EXISTS "
                      + qualified(schema_name, ddl.sequence_name(t, t.column(c))))
            for t in schema.tables for c in _identity_columns(t)]


def _types(schema: Schema, caps: Dialect, schema_name: str, kept: frozenset[str]) -> list[Operation]:
    if not caps.enums:  # enums are text there
        return []
    ops: list[Operation] = []
    for enum in used_enums(schema):
        if enum.name in kept:
            continue
        ops.append(Operation("drop_type",
                             sql=f"DROP TYPE IF EXISTS {qualified(schema_name, enum.name)}"))
        ops.append(Operation("create_type", sql=ddl.create_enum(schema_name, enum.name, enum.values)))
    return ops


def _tables_and_loads(schema: Schema, plan: LoadPlan, caps: Dialect, schema_name: str,
                      rows: Mapping[str, int]) -> list[Operation]:
    """Each table's sequences, CREATE TABLE, load and keys, in load order (its parents are
    loaded and keyed by then, as DuckDB's inline foreign keys need). Where foreign keys are
    checked at COMMIT, every table is created first, then loaded."""
    upfront = caps.deferred_fk_checks
    created: list[Operation] = []
    loaded: list[Operation] = []
    for name in plan.order:
        table = schema.table(name)
        steps = created if upfront else loaded
        if caps.identity_kind == "sequence":
            steps += [Operation("create_sequence", name, None, "load", (c,),
                                sequence=qualified(schema_name, ddl.sequence_name(table, table.column(c))))
                      for c in _identity_columns(table)]
        steps += [Operation("create_table", name, sql, "load") for sql in create_table_statements(
            ddl.create_table(table, schema, plan, caps, schema_name), name, schema, caps,
            schema_name)]  # a partitioned table with its partitions
        loaded.append(_load(table, plan, caps, rows))
        loaded += [Operation("add_key", name, s, "load")
                   for s in ddl.keys_after_load(table, schema, plan, caps, schema_name)]
    return created + loaded


def _load(table: Table, plan: LoadPlan, caps: Dialect, rows: Mapping[str, int]) -> Operation:
    """A table's bulk load: cut foreign keys to fill go as NULL (held ones with their
    values); self references by depth on engines that check them row by row."""
    cut = tuple(c for edge in plan.filled if edge.table == table.name for c in edge.fk.columns)
    by_depth = tuple(e.fk for e in plan.self_references if e.table == table.name
                     and e not in plan.looped  # not declared there: no order to keep
                     and not caps.fk_after_load and not caps.deferred_fk_checks)
    return Operation("load", table.name, phase="load", columns=cut, by_depth=by_depth,
                     rows=rows.get(table.name))


def _fills(schema: Schema, plan: LoadPlan) -> list[Operation]:
    """UPDATEs that set the cut foreign keys loaded as NULL (held ones load with their rows)."""
    ops = []
    for edge in plan.filled:
        table = schema.table(edge.table)
        key = table.row_key()
        if key is None:
            raise LoadError(f"cannot fill cut foreign key {edge.label}: {table.name} has no key")
        cols = tuple(key) + tuple(c for c in edge.fk.columns if c not in key)
        ops.append(Operation("fill_cut_key", table.name, None, "finish", cols, key=tuple(key)))
    return ops


def _foreign_keys(schema: Schema, plan: LoadPlan, caps: Dialect,
                  schema_name: str) -> list[Operation]:
    """Every foreign key the engine adds after the load, once every key exists."""
    return [Operation("add_foreign_key", name, s, "finish")
            for name in plan.order
            for s in ddl.foreign_keys_after_load(schema.table(name), schema, caps, schema_name)]


def _advances(schema: Schema, caps: Dialect, schema_name: str) -> list[Operation]:
    """Identities continue after the loaded keys, so the application's own inserts work
    (where the engine needs telling: DuckDB's sequences start there, SQLite's rowid does)."""
    if caps.advance_identity is None:
        return []
    ops = []
    for table in schema.tables:
        for column in _identity_columns(table):
            if sequence_default(table.name, column, schema, caps):
                continue  # its sequence is moved with its default (a "default" object)
            target = qualified(schema_name, table.name)
            ops.append(Operation("advance_identity", table.name, caps.advance_identity.format(
                table=target, table_literal=target.replace("'", "''"),
                column=quote_ident(column), column_literal=column.replace("'", "''")),
                "finish", (column,)))
    return ops


def _staged(schema: Schema, plan: LoadPlan, caps: Dialect, schema_name: str,
            replacing: set[str], kept: frozenset[str], stage: str,
            rows: Mapping[str, int], before: list[Operation],
            view_drops: list[Operation]) -> list[Operation]:
    """A staging schema with our tables (no keys), loaded by the partitions with cut and
    self-referencing keys as they are; then, in one transaction, the target's old tables
    dropped, the staged enums and tables moved into the target schema and keyed.
    Extensions, domains and composite types (``before``) are made in the target itself, where the staged
    tables' columns use them; mirrored views on replaced tables are dropped first."""
    ops = [Operation("create_stage", sql=f"CREATE SCHEMA {quote_ident(stage)}"),
           Operation("create_stage", sql=f"CREATE TABLE {qualified(stage, STAGE_DONE)} "
                                         f"(partition integer PRIMARY KEY, rows text NOT NULL)")]
    enums = [e for e in used_enums(schema) if e.name not in kept] if caps.enums else []
    ops += [Operation("create_type", sql=ddl.create_enum(stage, e.name, e.values)) for e in enums]
    ops += before
    in_target = {name: schema_name for name in kept}  # used from there
    in_target |= {o.name: schema_name for o in schema.objects if o.kind in ("domain", "type")}
    ops += [Operation("create_table", n, sql) for n in plan.order
            for sql in create_table_statements(  # a partitioned table with its partitions
                ddl.create_table(schema.table(n), schema, plan, caps, stage, in_target),
                n, schema, caps, stage)]
    ops += [Operation("load", n, phase="load", rows=rows.get(n)) for n in plan.order]
    ops += [replace_phase(op, "finish") for op in view_drops]
    ops += _drops(plan, caps, schema_name, replacing, phase="finish")
    for e in enums:
        ops.append(Operation("drop_type", sql=f"DROP TYPE IF EXISTS {qualified(schema_name, e.name)}",
                             phase="finish"))
        ops.append(Operation("move_type", sql=f"ALTER TYPE {qualified(stage, e.name)} "
                                              f"SET SCHEMA {quote_ident(schema_name)}", phase="finish"))
    ops += [Operation("move_table", n, f"ALTER TABLE {qualified(stage, n)} "
                                       f"SET SCHEMA {quote_ident(schema_name)}", "finish")
            for n in [*plan.order, *partition_names(schema, caps)]]
    ops += [Operation("add_key", n, s, "finish") for n in plan.order
            for s in ddl.keys_after_load(schema.table(n), schema, plan, caps, schema_name)]
    return ops

