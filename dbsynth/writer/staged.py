"""Loading by many writers at once: partitions fill a staging schema, one transaction publishes it.

On an engine with concurrent writers (PostgreSQL), each partition of a scaled-out run writes
its rows straight into the target database, but into a private staging schema beside the
target one, whose tables have no keys or constraints yet. When every partition has committed,
one transaction moves the staged tables (and enums) into the target schema, adds keys, checks
and foreign keys, advances identities and drops the staging schema. Until that commit the
target schema is untouched; if anything fails, the staging schema is dropped and the target is
left as it was.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping

import pandas as pd

from dbsynth.connectors.base import Connector, TargetSession, qualified, quote_ident
from dbsynth.connectors.registry import connect
from dbsynth.errors import LoadError
from dbsynth.model.stream import TableStream
from dbsynth.schema.graph import LoadPlan
from dbsynth.schema.model import Schema
from dbsynth.writer.load import judge_target, transaction
from dbsynth.writer.objects import (
    NotCreated, create_object, drop_before_replace, mirrored_views, object_statements,
)
from dbsynth.writer.plan import (
    STAGE_DONE, Operation, build_write_plan, kept_enums, used_enums,
)

STAGE_PREFIX = "dbsynth_stage_"
#: in the staging schema: one row per committed partition, written in the partition's own
#: transaction, so a partition run again (Dask reruns the tasks of a worker that died) sees
#: that its rows are already there instead of loading them twice
DONE_TABLE = STAGE_DONE

log = logging.getLogger(__name__)


def create_stage(target: Connector, schema: Schema, plan: LoadPlan,
                 not_created: list[NotCreated]) -> str:
    """A new staging schema holding our empty tables (no keys yet): the ``prepare`` phase of
    the staged write plan; returns its name. Objects refused go to ``not_created``."""
    if not target.capabilities.concurrent_writers:
        raise LoadError(f"{target.dialect} targets take one writer at a time; no staged load")
    stage = STAGE_PREFIX + uuid.uuid4().hex[:12]
    with transaction(target) as session:
        kept = kept_enums(schema, session.existing_enums())
        objects, _ = object_statements(schema, session.capabilities, session.schema_name)
        staged = build_write_plan(schema, plan, session.capabilities, session.schema_name,
                                  kept=kept, stage=stage, objects=objects)
        _run_statements(session, staged.phase("prepare"), not_created)
    return stage


def load_into_stage(target_url: str, stage: str, partition: int, schema: Schema,
                    plan: LoadPlan, frames: Mapping[str, pd.DataFrame | TableStream],
                    skip: frozenset[str] = frozenset()) -> dict[str, int]:
    """One partition's rows into the staging tables, in one transaction of its own (no
    constraints there yet, so cut and self-referencing keys load as they are). Tables in
    ``skip`` are written by another partition. Returns the rows written per table (those
    of the earlier run when this partition had already committed)."""
    target = connect(target_url, schema=stage, role="target")
    try:
        with transaction(target) as session:
            return _load_partition(session, stage, partition, schema, plan, frames, skip)
    finally:
        target.close()


def _load_partition(session: TargetSession, stage: str, partition: int, schema: Schema,
                    plan: LoadPlan, frames: Mapping[str, pd.DataFrame | TableStream],
                    skip: frozenset[str]) -> dict[str, int]:
    """The partition's rows and its completion mark, in ``session``'s transaction."""
    done = session.query(f"SELECT rows FROM {qualified(stage, DONE_TABLE)} "
                         f"WHERE partition = {int(partition)}")
    if done:
        return {str(k): int(v) for k, v in json.loads(done[0][0]).items()}
    written: dict[str, int] = {}
    staged = build_write_plan(schema, plan, session.capabilities, session.schema_name, stage=stage)
    for op in staged.phase("load"):  # in the partition's own transaction
        if op.table in skip:
            continue
        name = op.table
        table = schema.table(name)
        data = frames[name]
        chunks = data if isinstance(data, TableStream) else [data]
        written[name] = 0
        for chunk in chunks:
            session.load(table, chunk[list(table.data_columns)])
            written[name] += len(chunk)
    rows = json.dumps(written).replace("'", "''")
    session.execute(f"INSERT INTO {qualified(stage, DONE_TABLE)} VALUES ({int(partition)}, '{rows}')")
    return written


def publish_stage(target: Connector, schema: Schema, plan: LoadPlan, stage: str,
                  replace: bool, not_created: list[NotCreated]) -> None:
    """The ``finish`` phase of the staged write plan, atomically: the target's old tables
    dropped, the staged ones (and enums) moved into the target schema and constrained,
    identities advanced, the staging schema dropped. Objects the target refuses are added
    to ``not_created``, so the summary lists them as the single-process write does."""
    with transaction(target) as session:
        replacement = judge_target(session, schema, replace, target.display_url)
        kept = frozenset(e.name for e in used_enums(schema)) - _stage_enums(session, stage)
        caps, sname = session.capabilities, session.schema_name
        objects, _ = object_statements(schema, caps, sname)
        drops: list[str] = []
        grants: list[str] = []
        if replacement.tables:  # mirrored views go and come back; the target's grants stay
            drops = drop_before_replace(schema, caps, sname)
            grants = session.grants_on(sorted(replacement.tables) + mirrored_views(schema, caps, sname))
        staged = build_write_plan(schema, plan, caps, sname, replacing=replacement.tables,
                                  kept=kept, stage=stage, objects=objects, view_drops=drops,
                                  grants=grants)
        _run_statements(session, staged.phase("finish"), not_created)


def _run_statements(session: TargetSession, operations: tuple[Operation, ...],
                    not_created: list[NotCreated]) -> None:
    """A phase of the staged plan outside the partitions: statements only (the stage has no
    constraints, so no cut key waits to be filled and no sequence for a start value). A
    translated object the target refuses goes to ``not_created``."""
    gone: set[str] = set()
    for op in operations:
        if op.kind == "create_objects" and op.statement is not None:
            refused = create_object(session, op.statement, gone)
            if refused is not None:
                not_created.append(refused)
            continue
        if op.sql is None:
            raise LoadError(f"the staged plan has a {op.kind} step outside the partitions")
        session.execute(op.sql)


def _stage_enums(session: TargetSession, stage: str) -> set[str]:
    return {str(row[0]) for row in session.query(
        "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
        f"WHERE t.typtype = 'e' AND n.nspname = '{stage}'")}


def drop_stage(target: Connector, stage: str) -> None:
    """Remove a staging schema and everything in it (ours alone, so CASCADE is safe)."""
    if not stage.startswith(STAGE_PREFIX):
        raise LoadError(f"refusing to drop {stage!r}: not a dbsynth staging schema")
    with transaction(target) as session:
        session.execute(f"DROP SCHEMA IF EXISTS {quote_ident(stage)} CASCADE")
