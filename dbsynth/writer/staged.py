"""Loading by many writers at once: partitions fill a staging schema, one transaction publishes it.

On an engine with concurrent writers (PostgreSQL), each partition of a scaled-out run writes
its rows straight into the target database, but into a private staging schema beside the
target one, whose tables have no keys or constraints yet. When every partition has committed,
one transaction moves the staged tables (and enums) into the target schema, adds keys, checks
and foreign keys, advances identities and drops the staging schema. Until that commit the
target schema is untouched (but for the extensions and domains the staged tables' columns
use, created there first); if anything fails, the staging schema is dropped and the target is
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
from dbsynth.writer import ddl
from dbsynth.writer.objects import create_table_statements, partition_names, run_objects
from dbsynth.writer.load import (
    add_constraints, advance_identities, clear_target, transaction, used_enums,
)

log = logging.getLogger(__name__)

STAGE_PREFIX = "dbsynth_stage_"
#: in the staging schema: one row per committed partition, written in the partition's own
#: transaction, so a partition run again (Dask reruns the tasks of a worker that died) sees
#: that its rows are already there instead of loading them twice
DONE_TABLE = "_dbsynth_partitions"


def create_stage(target: Connector, schema: Schema, plan: LoadPlan) -> str:
    """A new staging schema holding our empty tables (no keys yet); returns its name."""
    if not target.capabilities.concurrent_writers:
        raise LoadError(f"{target.dialect} targets take one writer at a time; no staged load")
    stage = STAGE_PREFIX + uuid.uuid4().hex[:12]
    with transaction(target) as session:
        session.execute(f"CREATE SCHEMA {quote_ident(stage)}")
        session.execute(f"CREATE TABLE {qualified(stage, DONE_TABLE)} "
                        f"(partition integer PRIMARY KEY, rows text NOT NULL)")
        kept = _kept_enums(session, schema)
        for enum in used_enums(schema):
            if enum.name not in kept:
                session.execute(ddl.create_enum(stage, enum.name, enum.values))
        run_objects(session, schema, after_load=False)  # extensions, domains: in the target
        in_target = {name: session.schema_name for name in kept}  # used from there
        in_target |= {o.name: session.schema_name for o in schema.objects if o.kind == "domain"}
        for name in plan.order:
            for statement in create_table_statements(  # with its partitions, if partitioned
                    ddl.create_table(schema.table(name), schema, plan, session.capabilities,
                                     stage, in_target), name, schema, session.capabilities, stage):
                session.execute(statement)
    return stage


def _kept_enums(session: TargetSession, schema: Schema) -> set[str]:
    """Our enum types the target already has with the same labels: kept, not replaced
    (tables we do not write may use them), as the one-process writer does."""
    existing = session.existing_enums()
    return {e.name for e in used_enums(schema) if existing.get(e.name) == tuple(e.values)}


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
    for name in plan.order:
        if name in skip:
            continue
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
                  replace: bool) -> None:
    """Move the staged tables into the target schema and constrain them, atomically."""
    with transaction(target) as session:
        kept_grants = clear_target(session, schema, plan, replace, target.display_url)
        kept = {e.name for e in used_enums(schema)} - _stage_enums(session, stage)
        for enum in used_enums(schema):
            if enum.name in kept:
                continue  # the stage's tables already use the target's own type
            session.execute(f"DROP TYPE IF EXISTS {qualified(session.schema_name, enum.name)}")
            session.execute(f"ALTER TYPE {qualified(stage, enum.name)} "
                            f"SET SCHEMA {quote_ident(session.schema_name)}")
        for name in [*plan.order, *partition_names(schema, session.capabilities)]:
            session.execute(f"ALTER TABLE {qualified(stage, name)} "
                            f"SET SCHEMA {quote_ident(session.schema_name)}")
        add_constraints(session, schema, plan)
        advance_identities(session, schema)
        for refused in run_objects(session, schema, after_load=True):  # views, indexes…
            log.warning("%s", refused.note())
        for grant in kept_grants:  # what the target granted on what was replaced
            session.execute(grant)
        session.execute(f"DROP TABLE {qualified(stage, DONE_TABLE)}")
        session.execute(f"DROP SCHEMA {quote_ident(stage)}")


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
