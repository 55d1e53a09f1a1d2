"""Write generated tables into a target in one transaction: mirror, load, fill, constrain.

Order of work inside the transaction:
1. refuse if any table we would write already exists (unless ``replace``), and always if
   dropping it would drop or break an object outside our tables (a view, a foreign key);
2. drop our tables (and enums) that exist, create enums;
3. table by table in load order: create its sequences and the table, bulk-load it (cut foreign
   keys to fill as NULL, held ones with their values; self references by depth on engines
   that check them row by row), then add the keys CREATE TABLE left out (see :mod:`.ddl`);
4. fill the cut foreign keys by UPDATE; add foreign keys; advance identities;
5. commit. Any failure rolls everything back, so the target is left exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dbsynth.connectors.base import Connector, Dependent, TargetSession, qualified
from dbsynth.errors import LoadError, UnsafeTargetError
from dbsynth.model.stream import Synthesis, TableData, TableStream
from dbsynth.schema.graph import LoadPlan
from dbsynth.schema.model import EnumType, ForeignKey, Schema, Table
from dbsynth.writer import ddl
from dbsynth.writer.objects import (
    NotCreated, create_table_statements, drop_before_replace, is_mirrored, mirrored_views,
    run_objects,
)
from dbsynth.progress import Progress, quiet


@contextmanager
def transaction(target: Connector) -> Iterator[TargetSession]:
    """One transaction on ``target``: committed when the block ends normally, rolled back on
    any error or interrupt, closed either way."""
    session = target.begin_target()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def write_database(target: Connector, schema: Schema, plan: LoadPlan,
                   data: Mapping[str, TableData] | Synthesis, *, replace: bool = False,
                   progress: Progress = quiet,
                   not_created: list[NotCreated] | None = None) -> dict[str, int]:
    """Write every table (one per name) into ``target`` atomically; returns rows per table.
    Schema objects (views, indexes, triggers…) come too; translations the target refused
    are added to ``not_created``.

    A :class:`TableStream` is loaded chunk by chunk as it is generated, and a
    :class:`Synthesis` table by table as it is made, inside the same transaction: a table
    is let go once loaded."""
    synthesis = data if isinstance(data, Synthesis) else Synthesis.of(data, plan.order)
    rows: dict[str, int] = {}
    with transaction(target) as session:
        kept_grants = clear_target(session, schema, plan, replace, target.display_url)
        _create_types(session, schema)
        run_objects(session, schema, after_load=False)  # extensions, domains
        upfront = session.capabilities.deferred_fk_checks  # every FK declared: tables first
        if upfront:
            for name in plan.order:
                _create_table(session, schema, plan, schema.table(name), None)
        for name, table_data in synthesis:
            table = schema.table(name)
            if not upfront:
                _create_table(session, schema, plan, table, table_data)
            progress("expect", name, len(table_data))
            progress("load", name, 0)
            if isinstance(table_data, TableStream):
                for chunk in table_data:
                    _load_table(session, table, plan, chunk)
                    progress("load", name, table_data.rows)
            else:
                _load_table(session, table, plan, table_data)
                progress("load", name, len(table_data))
            rows[name] = len(table_data)
            for statement in ddl.keys_after_load(table, schema, plan, session.capabilities,
                                                 session.schema_name):
                session.execute(statement)
            del table_data  # loaded: the generator keeps only what later tables read
        _fill_cut_keys(session, schema, plan, synthesis.cut_columns())
        _add_foreign_keys(session, schema, plan)
        advance_identities(session, schema)
        (not_created if not_created is not None else []).extend(
            run_objects(session, schema, after_load=True))  # views, indexes, triggers…
        for grant in kept_grants:  # what the target granted on what was replaced
            session.execute(grant)
        progress("commit", "", sum(rows.values()))
    return rows


@dataclass(frozen=True)
class Replacement:
    """What ``--replace`` drops in the target: our tables that exist (with their rows), and
    what goes with them or is affected (triggers, indexes; DuckDB views that read them)."""

    tables: dict[str, int] = field(default_factory=dict)
    also: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"tables": self.tables, "also": list(self.also)}

    def describe(self) -> str:
        """One line for the user, or "" when nothing is replaced."""
        if not self.tables:
            return ""
        text = "dbsynth drops and recreates " + _listed(self.tables) + " in the target"
        return text + (f"; also touched: {', '.join(self.also)}" if self.also else "")


def refuse_unsafe_target(target: Connector, schema: Schema, replace: bool) -> Replacement:
    """Fail fast, before any work, if writing would overwrite a table or drop or break an
    object dbsynth does not own; else say what ``replace`` will drop (changes nothing)."""
    session = target.begin_target()
    try:
        replacement = _refuse_existing(session, schema, replace, target.display_url)
    finally:
        session.rollback()
        session.close()
    return replacement


def _refuse_existing(session: TargetSession, schema: Schema, replace: bool,
                     url: str) -> Replacement:
    """The one place a target is judged, for every engine and command: any of our tables
    already there (empty or not, whatever its definition) needs ``replace``; an object
    outside our tables that depends on them is never dropped, so it stops the run."""
    existing = session.existing_tables()
    if session.capabilities.case_insensitive_names:  # "Artist" there is our "artist"
        wanted = {n.lower(): n for n in schema.table_names}
        ours = {wanted[n.lower()]: c for n, c in existing.items() if n.lower() in wanted}
    else:
        ours = {n: c for n, c in existing.items() if n in schema.table_names}
    if not ours:
        return Replacement()
    if not replace:
        raise UnsafeTargetError(
            f"target {url} already has {_listed(ours)}; pass --replace to drop and recreate "
            f"{'it' if len(ours) == 1 else 'them'}")
    dependents: list[Dependent] = session.dependents(sorted(ours))
    blocking = [d.description for d in dependents  # mirrored ones are made again
                if d.blocks and not is_mirrored(schema, session.capabilities, d.kind, d.name)]
    if blocking:
        raise UnsafeTargetError(
            f"replacing {_listed(ours)} in {url} would drop or break what depends on "
            f"{'it' if len(ours) == 1 else 'them'}: {', '.join(blocking)}; dbsynth drops only "
            f"the tables it writes: drop or change those objects first")
    return Replacement(dict(sorted(ours.items())),
                       tuple(d.description for d in dependents if not d.blocks))


def _listed(tables: Mapping[str, int]) -> str:
    return "table " * (len(tables) == 1) + "tables " * (len(tables) > 1) + ", ".join(
        f"{n} ({'empty' if c == 0 else f'{c} rows'})" for n, c in sorted(tables.items()))


def clear_target(session: TargetSession, schema: Schema, plan: LoadPlan, replace: bool,
                 url: str) -> list[str]:
    """Judge the target again inside the writing transaction (it may have changed since
    :func:`refuse_unsafe_target`), then drop our tables that exist. Returns the GRANTs the
    target had on what is dropped, to give again once it is created anew."""
    replacement = _refuse_existing(session, schema, replace, url)
    ours = [n for n in reversed(plan.order) if n in replacement.tables]
    if not ours:
        return []
    drops = drop_before_replace(schema, session.capabilities, session.schema_name)
    grants = session.grants_on(ours + mirrored_views(schema, session.capabilities,
                                                     session.schema_name))
    for statement in drops:
        session.execute(statement)  # views dbsynth mirrors: created again after the load
    # No CASCADE: a view or another table's FK on one of ours makes the drop (and the whole
    # run) fail with the engine's message, instead of silently losing the dependent object.
    if session.capabilities.multi_table_drop:  # one statement: cycles among ours are fine
        session.execute("DROP TABLE " + ", ".join(qualified(session.schema_name, n) for n in ours))
    else:
        for name in ours:
            session.execute(f"DROP TABLE {qualified(session.schema_name, name)}")
    return grants


def _create_types(session: TargetSession, schema: Schema) -> None:
    """Enums our tables use (kept when the target has the same labels: tables we do not
    write may use them), and no stale identity sequence of ours on DuckDB."""
    caps = session.capabilities
    sname = session.schema_name
    for table in schema.tables:
        for column in table.columns:
            if column.identity and column.type.is_integer and caps.identity_kind == "sequence":
                seq = qualified(sname, ddl.sequence_name(table, column))
                session.execute(f"DROP SEQUENCE IF EXISTS {seq}")
    if not caps.enums:  # enums are text there
        return
    existing = session.existing_enums()
    for enum in used_enums(schema):
        if existing.get(enum.name) == tuple(enum.values):
            continue
        session.execute(f"DROP TYPE IF EXISTS {qualified(sname, enum.name)}")
        session.execute(ddl.create_enum(sname, enum.name, enum.values))


def _create_table(session: TargetSession, schema: Schema, plan: LoadPlan, table: Table,
                  data: TableData | None) -> None:
    """A table's sequences and CREATE TABLE, just before its load (its parents are loaded
    and keyed by then, as DuckDB's inline foreign keys need); ``data`` None: before any load,
    where no sequence is needed (foreign keys checked at COMMIT)."""
    next_values = _next_identity_values(table, data) if data is not None else {}
    for statement in ddl.create_sequences(table, session.capabilities, session.schema_name,
                                          next_values):
        session.execute(statement)
    for statement in create_table_statements(  # with its partitions, if partitioned
            ddl.create_table(table, schema, plan, session.capabilities, session.schema_name),
            table.name, schema, session.capabilities, session.schema_name):
        session.execute(statement)


def used_enums(schema: Schema) -> list[EnumType]:
    used: set[str] = set()
    for table in schema.tables:
        for column in table.columns:
            t = column.type.element if column.type.name == "array" else column.type
            if t is not None and t.name == "enum" and t.enum:
                used.add(t.enum)
    return [e for e in schema.enums if e.name in used]


def _next_identity_values(table: Table, frame: pd.DataFrame | TableStream) -> dict[str, int]:
    if isinstance(frame, TableStream):  # not generated yet: its keys' known upper bounds
        return {c: v for c, v in frame.next_keys.items()}
    out: dict[str, int] = {}
    for column in table.columns:
        if column.identity and column.type.is_integer:
            values = pd.to_numeric(frame[column.name], errors="coerce").dropna()
            out[column.name] = int(values.max()) + 1 if len(values) else 1
    return out


def _load_table(session: TargetSession, table: Table, plan: LoadPlan,
                frame: pd.DataFrame) -> None:
    """Bulk-load one table (or chunk): cut foreign keys to fill go as NULL, filled after the
    load (held ones come drawn and go as they are). The caller's frame is never modified,
    and copied only when a cut key must be blanked."""
    frame = frame[list(table.data_columns)]
    cut = {col: None for edge in plan.filled if edge.table == table.name for col in edge.fk.columns}
    if cut:
        frame = frame.assign(**cut)
    caps = session.capabilities
    checked_self_refs = [e.fk for e in plan.self_references if e.table == table.name
                         and not caps.fk_after_load and not caps.deferred_fk_checks]
    if not checked_self_refs:
        session.load(table, frame)
        return
    # The engine checks each statement against rows already present: insert by depth.
    for level in _self_reference_levels(table, frame, checked_self_refs):
        session.load(table, frame.iloc[level])


def _self_reference_levels(table: Table, frame: pd.DataFrame,
                           fks: list[ForeignKey]) -> list[np.ndarray]:
    """Row positions grouped so that each group only references rows of earlier groups."""
    n = len(frame)
    depth = np.full(n, -1)
    key_index: dict[tuple[str, ...], dict[tuple, int]] = {}
    parents: list[list[int]] = [[] for _ in range(n)]
    for fk in fks:
        index = key_index.setdefault(fk.ref_columns, {
            tuple(row): i for i, row in enumerate(frame[list(fk.ref_columns)].itertuples(index=False))})
        for i, row in enumerate(frame[list(fk.columns)].itertuples(index=False)):
            values = tuple(row)
            if any(pd.isna(v) for v in values):
                continue
            j = index.get(values)
            if j is None or j == i:
                continue
            parents[i].append(j)
    remaining = set(range(n))
    level = 0
    levels: list[np.ndarray] = []
    while remaining:
        ready = [i for i in remaining if all(depth[p] >= 0 and depth[p] < level for p in parents[i])]
        if not ready:
            raise LoadError(f"self reference in {table.name} forms a cycle; cannot order rows")
        for i in ready:
            depth[i] = level
        remaining.difference_update(ready)
        levels.append(np.array(sorted(ready)))
        level += 1
    return levels


def _fill_cut_keys(session: TargetSession, schema: Schema, plan: LoadPlan,
                   cut_columns: Mapping[str, pd.DataFrame]) -> None:
    for edge in plan.filled:  # held cut keys were loaded with their rows
        table = schema.table(edge.table)
        key = table.row_key()
        if key is None:
            raise LoadError(f"cannot fill cut foreign key {edge.label}: {table.name} has no key")
        cols = list(key) + [c for c in edge.fk.columns if c not in key]
        session.update_columns(table, key, cut_columns[table.name][cols])


def add_constraints(session: TargetSession, schema: Schema, plan: LoadPlan) -> None:
    """Keys and checks of every loaded table, then every foreign key (after the load: faster)."""
    for name in plan.order:
        for statement in ddl.keys_after_load(schema.table(name), schema, plan,
                                             session.capabilities, session.schema_name):
            session.execute(statement)
    _add_foreign_keys(session, schema, plan)


def _add_foreign_keys(session: TargetSession, schema: Schema, plan: LoadPlan) -> None:
    """Every foreign key the engine adds after the load, once every key exists."""
    for name in plan.order:
        for statement in ddl.foreign_keys_after_load(schema.table(name), schema,
                                                     session.capabilities, session.schema_name):
            session.execute(statement)


def advance_identities(session: TargetSession, schema: Schema) -> None:
    """Identity columns continue after the loaded keys, so the target's own inserts work."""
    for table in schema.tables:
        for column in table.columns:
            if column.identity and column.type.is_integer:
                session.advance_sequence(table, column.name)
