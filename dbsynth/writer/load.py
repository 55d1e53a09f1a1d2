"""Write generated tables into a target in one transaction: mirror, load, fill, constrain.

Inside the transaction the target is judged (any of our tables already there needs
``replace``; an object outside our tables that depends on them always stops the run), then
the operations of :mod:`.plan` run in order: drops, types, each table's sequences, CREATE
TABLE, load and keys, the UPDATEs that fill cut foreign keys, foreign keys, identities.
This module executes them; which and in what order is the plan's alone. Any failure rolls
everything back, so the target is left exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dbsynth.connectors.base import Connector, Dependent, TargetSession
from dbsynth.errors import LoadError, UnsafeTargetError
from dbsynth.model.stream import Synthesis, TableData, TableStream, prefetched, prefetched_tables
from dbsynth.schema.graph import LoadPlan
from dbsynth.schema.model import ForeignKey, Schema, Table
from dbsynth.writer.objects import (
    NotCreated, create_object, drop_before_replace, is_mirrored, mirrored_views,
    object_statements,
)
from dbsynth.writer.plan import Operation, WritePlan, build_write_plan, kept_enums
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

    The target is judged again inside the transaction (it may have changed since
    :func:`refuse_unsafe_target`), then the :mod:`.plan` built for it is executed. A
    :class:`TableStream` is loaded chunk by chunk as it is generated, and a
    :class:`Synthesis` table by table as it is made, inside the same transaction: a table
    is let go once loaded."""
    synthesis = data if isinstance(data, Synthesis) else Synthesis.of(data, plan.order)
    if target.capabilities.swap_by_rename:  # DDL not transactional: stage, then one rename
        from dbsynth.writer.swap import write_by_swap

        return write_by_swap(target, schema, plan, synthesis, replace=replace,
                             progress=progress, not_created=not_created)
    with transaction(target) as session:
        write_plan = plan_for_session(session, schema, plan, replace, target.display_url)
        return execute_plan(session, write_plan, schema, synthesis, progress, not_created)


def plan_for_session(session: TargetSession, schema: Schema, plan: LoadPlan, replace: bool,
                     url: str) -> WritePlan:
    """The write plan for this target as it is now: our tables it has are dropped (if
    ``replace`` allows) with the views dbsynth mirrors on them, and the target's own grants
    on them given again; our enums it has with the same labels kept."""
    replacement = judge_target(session, schema, replace, url)
    caps = session.capabilities
    sname = session.schema_name
    kept = kept_enums(schema, session.existing_enums()) if caps.enums else frozenset()
    drops: list[str] = []
    grants: list[str] = []
    if replacement.tables:
        drops = drop_before_replace(schema, caps, sname)
        grants = session.grants_on(sorted(replacement.tables) + mirrored_views(schema, caps, sname))
    objects, _left_out = object_statements(schema, caps, sname)
    return build_write_plan(schema, plan, caps, sname, replacing=replacement.tables, kept=kept,
                            objects=objects, view_drops=drops, grants=grants)


def execute_plan(session: TargetSession, write_plan: WritePlan, schema: Schema,
                 synthesis: Synthesis, progress: Progress = quiet,
                 not_created: list[NotCreated] | None = None) -> dict[str, int]:
    """Run the operations in order; the data-dependent ones take the synthesis's tables as
    they come (in load order), and the cut keys once every table is made. A translated
    object the target refuses is listed in ``not_created`` (with what needed it)."""
    tables = prefetched_tables(iter(synthesis))
    gone: set[str] = set()  # objects not created: those that need them are not either
    refused = not_created if not_created is not None else []
    current: tuple[str, TableData | None] = ("", None)
    rows: dict[str, int] = {}
    for op in write_plan.operations:
        if op.kind in ("create_sequence", "load") and current[0] != op.table:
            current = _next_table(tables, op.table)
        if op.kind == "create_sequence":
            assert current[1] is not None
            start = _next_identity_values(schema.table(op.table), current[1]).get(op.columns[0], 1)
            session.execute(op.render(start))
        elif op.kind == "load":
            assert current[1] is not None
            rows[op.table] = _load(session, schema.table(op.table), op, current[1], progress)
            current = (op.table, None)  # loaded: the generator keeps only what later tables read
        elif op.kind == "fill_cut_key":
            extra = next(tables, None)  # ends the synthesis: cut keys are drawn at its end
            if extra is not None:
                raise LoadError(f"the synthesis handed over {extra[0]}, which the plan does not load")
            frame = synthesis.cut_columns()[op.table][list(op.columns)]
            session.update_columns(schema.table(op.table), op.key, frame)
        elif op.kind == "create_objects" and op.statement is not None:
            problem = create_object(session, op.statement, gone)
            if problem is not None:
                refused.append(problem)
        elif op.sql is not None:
            session.execute(op.sql)
    extra = next(tables, None)  # (already ended where cut keys were filled)
    if extra is not None:
        raise LoadError(f"the synthesis handed over {extra[0]}, which the plan does not load")
    progress("commit", "", sum(rows.values()))
    return rows


def _next_table(tables: Iterator[tuple[str, TableData]],
                name: str) -> tuple[str, TableData | None]:
    found = next(tables, None)
    if found is None or found[0] != name:
        raise LoadError(f"the synthesis handed over {found[0] if found else 'nothing'} "
                        f"where the plan loads {name}")
    return found


def _load(session: TargetSession, table: Table, op: Operation, data: TableData,
          progress: Progress) -> int:
    """One table's rows, chunk by chunk for a stream; returns the rows loaded."""
    progress("expect", table.name, len(data))
    progress("load", table.name, 0)
    if isinstance(data, TableStream):
        loaded = 0  # not data.rows: that counts the chunks generated, a chunk or two ahead
        for chunk in prefetched(data):  # the next chunk is generated while this one loads
            _load_table(session, table, op, chunk)
            loaded += len(chunk)
            progress("load", table.name, loaded)
            chunk = None  # loaded: not held while the next one is awaited
    else:
        _load_table(session, table, op, data)
        progress("load", table.name, len(data))
    return len(data)


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


def grants_given_again(target: Connector, schema: Schema, tables: Iterable[str]) -> list[str]:
    """The target's own grants on ``tables`` (replaced) and the views dbsynth mirrors, which
    :func:`plan_for_session` gives again after a replace: read without changing anything,
    for the dry run (the write reads them again inside its transaction)."""
    tables = sorted(tables)
    if not tables:
        return []
    session = target.begin_target()
    try:
        caps, sname = session.capabilities, session.schema_name
        return session.grants_on(tables + mirrored_views(schema, caps, sname))
    finally:
        session.rollback()
        session.close()


def refuse_unsafe_target(target: Connector, schema: Schema, replace: bool) -> Replacement:
    """Fail fast, before any work, if writing would overwrite a table or drop or break an
    object dbsynth does not own; else say what ``replace`` will drop (changes nothing)."""
    session = target.begin_target()
    try:
        replacement = judge_target(session, schema, replace, target.display_url)
    finally:
        session.rollback()
        session.close()
    return replacement


def judge_target(session: TargetSession, schema: Schema, replace: bool,
                     url: str) -> Replacement:
    """The one place a target is judged, for every engine and command: any of our tables
    already there (empty or not, whatever its definition) needs ``replace``; an object
    outside our tables that depends on them is never dropped, so it stops the run."""
    existing = session.existing_tables()
    # rows are read for ours only (a folder of files counts a file's rows when asked)
    if session.capabilities.case_insensitive_names:  # "Artist" there is our "artist"
        wanted = {n.lower(): n for n in schema.table_names}
        ours = {wanted[n.lower()]: existing[n] for n in existing if n.lower() in wanted}
    else:
        ours = {n: existing[n] for n in existing if n in schema.table_names}
    if not ours:
        return Replacement()
    if not replace:
        raise UnsafeTargetError(
            f"target {url} already has {_listed(ours)}; pass --replace to drop and recreate "
            f"{'it' if len(ours) == 1 else 'them'}")
    if not session.capabilities.transactional_ddl and not session.capabilities.swap_by_rename:
        raise UnsafeTargetError(
            f"target {url} already has {_listed(ours)}; replacing needs a write that can be "
            f"undone, and {session.capabilities.name} DDL is not transactional: write into "
            f"an empty database instead")
    # the mirrored views a replace drops (and makes again) are judged with the tables: an
    # object of the target's own on one would make its DROP VIEW fail halfway
    views = [v for v in mirrored_views(schema, session.capabilities, session.schema_name)
             if v not in ours]
    dependents: list[Dependent] = session.dependents(sorted(ours) + views)
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


def _next_identity_values(table: Table, frame: pd.DataFrame | TableStream) -> dict[str, int]:
    if isinstance(frame, TableStream):  # not generated yet: its keys' known upper bounds
        return {c: v for c, v in frame.next_keys.items()}
    out: dict[str, int] = {}
    for column in table.columns:
        if column.identity and column.type.is_integer:
            values = pd.to_numeric(frame[column.name], errors="coerce").dropna()
            out[column.name] = int(values.max()) + 1 if len(values) else 1
    return out


def _binary_as_bytes(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Text drawn for a binary column (one holding UTF-8 text in the source, modelled as
    text: model.columns.decode_binary_text) UTF-8 encoded, as the column holds it."""
    encoded = {}
    for column in table.columns:
        if column.type.name == "bytes" and column.name in frame.columns:
            values = frame[column.name]
            if values.dtype.kind not in "biufcmM" and any(isinstance(v, str) for v in values):
                encoded[column.name] = values.map(
                    lambda v: v.encode("utf-8") if isinstance(v, str) else v)
    return frame.assign(**encoded) if encoded else frame


def _load_table(session: TargetSession, table: Table, op: Operation,
                frame: pd.DataFrame) -> None:
    """Bulk-load one table (or chunk) as its load operation says. The caller's frame is
    never modified, and copied only when a cut key must be blanked."""
    frame = _binary_as_bytes(table, frame[list(table.data_columns)])
    if op.columns:
        frame = frame.assign(**{col: None for col in op.columns})
    if not op.by_depth:
        session.load(table, frame)
        return
    # The engine checks each statement against rows already present: insert by depth.
    for level in _self_reference_levels(table, frame, list(op.by_depth)):
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


