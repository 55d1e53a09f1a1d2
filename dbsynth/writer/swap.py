"""Writing where DDL is not transactional: fresh tables in a staging schema, swapped in by one rename.

MySQL commits every CREATE and DROP by itself, so the one-transaction writer of :mod:`.load`
could not undo a failed replace. Its ``RENAME TABLE a TO b, c TO d, …`` is atomic though: the
tables are made, loaded, keyed and constrained in a new staging schema (a MySQL database)
while the target is untouched; one rename then moves the target's old tables out (into a
second new schema) and the staged ones in, and both new schemas are dropped. A failure or a
kill before the rename leaves the target as it was (but for the replaced tables' own
triggers, dropped just before it: MySQL moves no trigger to another schema); what the dead run staged is dropped by
the next run into the same server (each run holds a named lock while it lives, so a stage
whose lock is free is a dead one).
"""

from __future__ import annotations

import logging
import re
import uuid

from dbsynth.connectors.base import Connector, TargetSession, qualified, quote_ident
from dbsynth.errors import LoadError
from dbsynth.model.stream import Synthesis
from dbsynth.progress import Progress, quiet
from dbsynth.schema.graph import LoadPlan
from dbsynth.schema.model import Schema
from dbsynth.writer.load import execute_plan, judge_target
from dbsynth.writer.objects import NotCreated, object_statements
from dbsynth.writer.plan import build_swap_plan

#: the staging schema of a run, and the one the replaced tables are moved into
STAGE_PREFIX = "dbsynth__stage_"
OLD_PREFIX = "dbsynth__old_"
_OURS = re.compile(r"dbsynth__(?:stage|old)_([0-9a-f]{12})")

log = logging.getLogger(__name__)


def write_by_swap(target: Connector, schema: Schema, plan: LoadPlan, synthesis: Synthesis, *,
                  replace: bool = False, progress: Progress = quiet,
                  not_created: list[NotCreated] | None = None) -> dict[str, int]:
    """Write every table into ``target`` through a staging schema and one rename; returns
    rows per table. The target is judged first (as everywhere: our tables there need
    ``replace``); the rename itself fails, changing nothing, if the target changed since."""
    caps = target.capabilities
    token = uuid.uuid4().hex[:12]
    stage, old = STAGE_PREFIX + token, OLD_PREFIX + token
    session = target.begin_target()
    target_schema = session.schema_name
    try:
        _hold_lock(session, stage)
        clear_dead_stages(session)
        replacement = judge_target(session, schema, replace, target.display_url)
        objects, _left_out = object_statements(schema, caps, target_schema)
        triggers = [d.name for d in session.dependents(sorted(replacement.tables))
                    if d.kind == "trigger" and d.name] if replacement.tables else []
        write_plan = build_swap_plan(
            schema, plan, caps, target_schema, stage, old, replacing=replacement.tables,
            objects=objects, before_swap=[f"DROP TRIGGER {qualified(target_schema, t)}"
                                          for t in triggers])
        session.schema_name = stage  # rows are loaded (and cut keys filled) in the stage
        try:
            rows = execute_plan(session, write_plan, schema, synthesis, progress, not_created)
        except LoadError as exc:
            if stage in exc.message and "denied" in exc.message.lower():
                raise LoadError(
                    f"{exc.message}; {caps.name} targets are written through a staging "
                    f"{caps.schema_word.lower()} swapped in by one rename: the user needs "
                    f"all privileges on {caps.schema_word.lower()}s named "
                    f"{STAGE_PREFIX.replace('_', chr(92) + '_')}% and "
                    f"{OLD_PREFIX.replace('_', chr(92) + '_')}%") from None
            raise
        finally:
            session.schema_name = target_schema
        session.commit()
        return rows
    except BaseException:
        _drop_schemas(target, session, (stage, old))
        raise
    finally:
        session.close()


def _hold_lock(session: TargetSession, stage: str) -> None:
    """Take the run's named lock (released when its connection ends, killed or not)."""
    sql = session.capabilities.stage_lock
    if sql is None:
        return
    got = session.query(sql.format(_literal(stage)))
    if not got or got[0][0] != 1:
        raise LoadError(f"could not take the lock {stage!r} for the staging schema")


def clear_dead_stages(session: TargetSession) -> list[str]:
    """Drop the staging schemas (and the moved-out old tables) of runs that died: ours by
    name, and with their run's lock free. Returns the schemas dropped."""
    free = session.capabilities.stage_lock_free
    if free is None:
        return []
    dropped = []
    for (name,) in session.query("SELECT schema_name FROM information_schema.schemata "
                                 "WHERE schema_name LIKE 'dbsynth%'"):
        found = _OURS.fullmatch(str(name))
        if found is None:
            continue
        lock = session.query(free.format(_literal(STAGE_PREFIX + found.group(1))))
        if lock and lock[0][0] == 1:
            session.execute(f"DROP {session.capabilities.schema_word} IF EXISTS "
                            f"{quote_ident(str(name))}")
            log.warning("dropped %s, left by a dbsynth run that stopped before it ended", name)
            dropped.append(str(name))
    return dropped


def _drop_schemas(target: Connector, session: TargetSession, names: tuple[str, ...]) -> None:
    """After a failure: the stage and the old schema go (before the rename the old one is
    empty; after it, the stage is and the old one holds what was replaced). Through a new
    session if the failed one is unusable; a schema left behind is cleared by the next run."""
    word = session.capabilities.schema_word
    statements = [f"DROP {word} IF EXISTS {quote_ident(n)}" for n in names]
    try:
        session.rollback()
        for sql in statements:
            session.execute(sql)
        return
    except Exception:  # the connection died with the failure: try once on a fresh one
        pass
    try:
        fresh = target.begin_target()
        try:
            for sql in statements:
                fresh.execute(sql)
        finally:
            fresh.close()
    except Exception as exc:  # never hide the failure that got us here
        log.warning("could not drop the staging schemas %s (the next run will): %s",
                    ", ".join(names), exc)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
