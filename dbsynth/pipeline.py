"""The one pipeline the CLI and the service call: connector → schema → plan → model → writer → checks.

Nothing here prints or parses flags; progress leaves through a callback.
"""

from __future__ import annotations

import difflib
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from dbsynth.connectors.base import Connector, qualified, quote_ident, read_sql
from dbsynth.connectors.registry import connect, dialect_of, parse_url
from dbsynth.defaults import DEFAULT_SAMPLE_ROWS
from dbsynth.dialects import dialect_for_url
from dbsynth.errors import DriftError, IntegrityError, SchemaError, UnsafeTargetError, UsageError
from dbsynth.inspection import Inspection, KeyOptions, inspect, resolve_schema  # noqa: F401 - re-exported
from dbsynth.model.columns import decode_binary_text
from dbsynth.model.keys import align_count_keys, align_reference_values
from dbsynth.model.relational import DEFAULT_ENGINE, RelationalModel, Sizing
from dbsynth.model.relational.conditions import conditions_of
from dbsynth.model.stream import Synthesis, TableData
from dbsynth.model.store import DEFAULT_MAX_MODEL_SIZE, load_model, save_model
from dbsynth.schema.graph import LoadPlan, build_plan
from dbsynth.schema.infer import DEFAULT_THRESHOLD  # noqa: F401 - re-exported
from dbsynth.schema.model import Schema
from dbsynth.writer.integrity import IntegrityReport, check_integrity
from dbsynth.schema.select import select_tables
from dbsynth.writer.objects import NotCreated, object_statements
from dbsynth.writer.objects import summary as objects_summary_of
from dbsynth.writer.load import Replacement, refuse_unsafe_target, write_database
from dbsynth.writer.plan import WritePlan, build_write_plan, kept_enums
from dbsynth.progress import Progress, quiet

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from dbsynth.scaleout import ScaleOut
    from dbsynth.writer.drift import Drift

log = logging.getLogger(__name__)

SDV_ENGINE = "sdv-hma"  # the optional BUSL-licensed extra; imported only when asked for


MIN_SCALE, MAX_SCALE = 0.1, 10.0
#: A leaf table (one no other table references) bigger than this is generated in chunks of
#: this many rows while it is written, so memory does not grow with its size.
STREAM_ROWS = 200_000
#: seeds reach numpy's and scikit-learn's legacy generators, which take 32-bit seeds
MAX_SEED = 2**32 - 1
#: ``--versions`` writes one copy per version: more than this is a typo, not a plan
MAX_VERSIONS = 1000


@dataclass
class SynthResult:
    source: str
    target: str
    rows: dict[str, int]
    integrity: IntegrityReport
    seconds: dict[str, float] = field(default_factory=dict)
    source_frames: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    synthetic_frames: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    #: what --replace dropped; what the user should know (CHECKs left out of the target)
    replaced: Replacement = field(default_factory=Replacement)
    notes: list[str] = field(default_factory=list)
    #: columns written without a model of their values (NULL, or neutral values): also in
    #: ``notes``; the CLI exits 4 when there are any, so a script cannot miss them
    gaps: list[str] = field(default_factory=list)
    #: schema objects (views, indexes, triggers…): created per kind, and those not created
    #: with why (also in ``notes``); see :func:`dbsynth.writer.objects.summary`
    objects: dict[str, Any] = field(default_factory=dict)
    #: rows asked per table (scale × source, or per-table sizes), as the size check judged
    asked: dict[str, int] = field(default_factory=dict)
    #: ``synth(holdout=…)``: the keys of the real entities the model never saw
    control: dict[str, Any] | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "rows": self.rows,
                "integrity": self.integrity.to_dict(), "seconds": self.seconds,
                "replaced": self.replaced.to_dict(), "notes": self.notes, "gaps": self.gaps,
                "objects": self.objects}


@dataclass(frozen=True)
class TargetPlan:
    """How the schema lands in one target, settled before any data is read: the schema as
    written (CHECKs the target cannot hold left out; the model still enforces them), what
    --replace drops, and the notes saying so."""

    schema: Schema
    replaced: Replacement
    notes: tuple[str, ...]


def prepare_target(target: Connector, schema: Schema, replace: bool,
                   announce: bool = True, grants: bool = False) -> TargetPlan:
    """Refuse an unsafe target (see :func:`refuse_unsafe_target`), and settle which CHECKs
    the target can declare; each one left out gets a note. ``announce`` also logs the notes
    as warnings now, before the work (a refresh shows them in its plan instead). The
    source's grants are copied only with ``grants`` (roles differ between environments)."""
    from dbsynth.model.constraints import evaluation_problem
    from dbsynth.writer.ddl import held_checks, undeclared_cycle_keys, unheld_fk_actions
    from dbsynth.writer.objects import missing_extensions, object_statements, without_grants

    replaced = refuse_unsafe_target(target, schema, replace)
    schema = schema if grants else without_grants(schema)
    written, left_out = held_checks(schema, target.capabilities, target.probe)
    notes = [replaced.describe()] if replaced.tables else []
    for table, check, why in left_out:
        problem = evaluation_problem(check, table)
        enforced = ("still enforced on the generated rows" if problem is None
                    else f"not enforced on the generated rows either ({problem} for dbsynth)")
        notes.append(f"CHECK {check.name or check.expression} on {table.name} is left out of "
                     f"the target: {why} ({check.expression}); {enforced}")
    caps = target.capabilities
    for edge in undeclared_cycle_keys(build_plan(written), caps):
        notes.append(f"foreign key {edge.label} is left out of the target's DDL: {caps.name} "
                     "declares foreign keys only in CREATE TABLE, and this one closes a cycle; "
                     "dbsynth checks it by SQL after the load")
    for table, fk, action in unheld_fk_actions(written, caps):
        notes.append(f"foreign key {fk.label(table.name)} is declared without {action}: "
                     f"{caps.name} cannot declare that")
    missing = missing_extensions(written, caps, target.probe)
    if missing:
        raise SchemaError(f"the source uses extension{'s' * (len(missing) > 1)} "
                          f"{', '.join(missing)}, which {target.display_url} cannot create "
                          f"(not installed on its server); install it there, or copy to "
                          f"another server")
    _statements, left_out = object_statements(written, caps, target.schema_name)
    notes += [n.note() for n in left_out]
    for note in notes if announce else ():
        log.warning("%s", note)
    return TargetPlan(written, replaced, tuple(notes))


@dataclass
class Trained:
    """A fitted model plus what was read to fit it (frames kept for side-by-side views)."""

    model: RelationalModel
    source: str
    frames: dict[str, pd.DataFrame]
    seconds: dict[str, float]
    #: with a holdout: the keys of the real entities kept out of training (for the audit
    #: output only; never in the model file), see :mod:`dbsynth.model.holdout`
    control: dict[str, Any] | None = None


def train(source_url: str, *, source_schema: str | None = None,
          sample_rows: int | None = DEFAULT_SAMPLE_ROWS,
          seed: int = 0, engine: str = DEFAULT_ENGINE, engines: dict[str, str] | None = None,
          progress: Progress = quiet, keys: KeyOptions = KeyOptions(),
          holdout: float = 0.0) -> Trained:
    """Read the source (sampling big tables to ``sample_rows``) and fit the model.
    ``holdout``: the share of entities kept out of training as the audit's control set."""
    _check_seed(seed)
    _check_sample_rows(sample_rows)
    _check_holdout(holdout)
    if engine == SDV_ENGINE:
        raise UsageError("--engine sdv-hma has no safe model file (SDV models are pickles); "
                         "use it with `dbsynth synth`")
    check_engines(engine, engines)
    source = connect(source_url, schema=source_schema, role="source")
    try:
        schema, _ = resolve_schema(source, keys, lambda found: check_engine_tables(found, engines))
        return _train_from(source, schema, sample_rows, seed, engine, progress, engines,
                           holdout=holdout)
    finally:
        source.close()


def _train_from(source: Connector, schema: Schema, sample_rows: int | None, seed: int,
                engine: str, progress: Progress, engines: dict[str, str] | None = None,
                keep_frames_only: bool = False, holdout: float = 0.0) -> Trained:
    _check_seed(seed)
    check_engines(engine, engines)
    _check_sample_rows(sample_rows)
    started = time.perf_counter()
    frames: dict[str, pd.DataFrame] = {}
    for name in build_plan(schema).order:
        table = schema.table(name)
        limit = None if table.mode == "copy" else sample_rows  # copied tables are kept whole
        frames[name] = decode_binary_text(table.columns,
                                          source.read_table(table, limit=limit, seed=seed))
        progress("read", name, len(frames[name]))
    frames = align_reference_values(schema, frames)
    sampled = {t.name for t in schema.tables if len(frames[t.name]) < t.row_count}  # before any holdout
    control, held_frames = None, {}
    if holdout:
        from dbsynth.model.holdout import split

        frames, held = split(schema, frames, holdout, seed)
        control = held.keys(schema, {n: frames[n] for n in sampled})
        held_frames = held.frames
    counts = {} if keep_frames_only else _true_child_counts(source, schema, frames, sampled, held_frames)
    # The last read of the source: its snapshot (a PostgreSQL transaction, a SQLite WAL
    # reader) ends now, not after fitting, generating and writing, which can take hours.
    source.close()
    seconds = {"read": time.perf_counter() - started}
    started = time.perf_counter()
    progress("fit", "", len(frames))
    if keep_frames_only:  # an outside engine fits on the frames itself
        return Trained(RelationalModel(schema, {}, []), source.display_url, frames, seconds)
    model = RelationalModel.fit(schema, frames, engine=engine, engines=engines, seed=seed,
                                child_counts=counts)
    seconds["fit"] = time.perf_counter() - started
    return Trained(model, source.display_url, frames, seconds, control)


def _true_child_counts(source: Connector, schema: Schema, frames: dict[str, pd.DataFrame],
                       sampled: set[str], held: dict[str, pd.DataFrame] | None = None,
                       ) -> dict[tuple[str, tuple[str, ...]], dict[tuple[Any, ...], int]]:
    """When a table was ``sampled``, children per parent are counted by SQL in the source: a
    sample of children would undercount every parent. Children ``held`` out of training
    (the audit's control set) are taken off those counts: the model must not learn them."""
    from dbsynth.model.relational.links import key_tuples

    out: dict[tuple[str, tuple[str, ...]], dict[tuple[Any, ...], int]] = {}
    for table in schema.tables:
        for fk in table.foreign_keys:
            if fk.ref_table == table.name or fk.ref_table not in schema.table_names:
                continue
            if table.name not in sampled and fk.ref_table not in sampled:
                continue
            sql = read_sql("", "child_counts").format(
                columns=", ".join(quote_ident(c) for c in fk.columns),
                child=qualified(source.schema_name, table.name),
                not_null=" AND ".join(f"{quote_ident(c)} IS NOT NULL" for c in fk.columns))
            counted = {tuple(row[:-1]): int(row[-1]) for row in source.query(sql)}
            aligned = align_count_keys(counted, frames[fk.ref_table], fk.ref_columns)
            if held and table.name in held:
                for key in key_tuples(held[table.name], fk.columns):
                    if key in aligned:
                        aligned[key] = max(0, aligned[key] - 1)
            out[(table.name, fk.columns)] = aligned
    return out


def save(trained: Trained, path: Path) -> None:
    save_model(trained.model, path)


def load(path: Path, max_size: int = DEFAULT_MAX_MODEL_SIZE) -> RelationalModel:
    """A model file, refused when it unpacks to more than ``max_size`` bytes."""
    return load_model(path, max_size)


def generate(model: RelationalModel, target_url: str, *, scale: float = 1.0, seed: int = 0,
             replace: bool = False, target_schema: str | None = None,
             progress: Progress = quiet, scale_out: ScaleOut | None = None,
             grants: bool = False, rows: Mapping[str, int] | None = None,
             table_scale: Mapping[str, float] | None = None,
             where: Mapping[str, str] | None = None, only_related: bool = False,
             keep_frames: bool = True) -> SynthResult:
    """Sample a synthetic database from ``model``, write it, prove its integrity
    (in partitions on a Dask cluster with ``scale_out``); ``grants``: the source's too.
    ``rows`` and ``table_scale`` size single tables (see :class:`Sizing`); ``where``
    ({table: SQL condition}) makes every row of a table satisfy a condition; with
    ``only_related``, the other tables keep only the rows it references. ``keep_frames``
    keeps the generated tables in the result (``synthetic_frames``); without it each table
    is made as the writer asks for it and let go once loaded, as :func:`synth` does."""
    sizing = sizing_of(scale, rows, table_scale, where, only_related)
    model.check_where(sizing)  # and the sizes, against the model's schema
    _check_seed(seed)
    if scale_out is not None and sizing.only_related:
        raise UsageError("--only-related needs the whole database in one process: no scale-out")
    if scale_out is not None:
        from dbsynth.scaleout import check_reachable

        check_reachable(scale_out)
    target = connect(target_url, schema=target_schema, role="target")
    try:
        prepared = prepare_target(target, model.schema, replace, grants=grants)
        result = _generate_into(model, target, target_url, sizing, seed, replace, progress, "",
                                scale_out=scale_out, keep_frames=keep_frames, prepared=prepared)
    finally:
        target.close()
    if not keep_frames:
        result.synthetic_frames = {}
    return result


def generate_versions(model: RelationalModel, target_url: str, *, versions: int = 1,
                      seed: int = 0, target_schema: str | None = None,
                      **options: Any) -> list[SynthResult]:
    """K independent copies (seeds ``seed``, ``seed+1``…), each in its own file or schema."""
    check_options(seed=seed, versions=versions)
    return [generate(model, url, seed=seed + k, target_schema=schema_name, **options)
            for k, (url, schema_name) in enumerate(version_targets(target_url, target_schema,
                                                                   versions, model.schema))]


def version_targets(target_url: str, target_schema: str | None, versions: int,
                    schema: Schema) -> list[tuple[str, str | None]]:
    """Where version k goes: ``copy_v1.duckdb`` for DuckDB files, schema ``<name>_v1`` otherwise."""
    if versions == 1:
        return [(target_url, target_schema)]
    if dialect_for_url(target_url).file_database:
        path, mark, query = target_url.partition("?")  # ?memory_limit=1.5GB stays as it is
        stem, dot, ext = path.rpartition(".")
        if not dot or "/" in ext:
            stem, ext = path, dialect_for_url(target_url).name
        return [(f"{stem}_v{k}.{ext}{mark}{query}", target_schema) for k in range(1, versions + 1)]
    base = target_schema or (schema.name if schema.dialect == dialect_for_url(target_url).name
                             else dialect_for_url(target_url).default_schema)
    return [(target_url, f"{base}_v{k}") for k in range(1, versions + 1)]


def synth(source_url: str, target_url: str, *, scale: float = 1.0, seed: int = 0,
          replace: bool = False, source_schema: str | None = None,
          target_schema: str | None = None, sample_rows: int | None = DEFAULT_SAMPLE_ROWS,
          engine: str = DEFAULT_ENGINE, engines: dict[str, str] | None = None,
          progress: Progress = quiet, keys: KeyOptions = KeyOptions(),
          scale_out: ScaleOut | None = None, keep_frames: bool = True,
          grants: bool = False, rows: Mapping[str, int] | None = None,
          table_scale: Mapping[str, float] | None = None, holdout: float = 0.0,
          where: Mapping[str, str] | None = None, only_related: bool = False) -> SynthResult:
    """Learn the source and write a synthetic copy into the target, then prove its integrity.
    ``grants`` also copies the source's privileges where the target's server has the roles.
    ``rows`` (a table's rows) and ``table_scale`` (a factor on a table's children per
    parent) size single tables on top of ``scale`` (see :class:`Sizing`). ``where``
    ({table: SQL condition}) makes every synthetic row of a table satisfy the condition, its
    descendants generated for those rows (see :mod:`dbsynth.model.relational.conditions`;
    the model is trained on all rows); with ``only_related``, the tables not below a
    conditioned one keep only the rows it references. ``holdout`` keeps
    that share of entities out of training (``result.control``: their keys, for
    :func:`report`'s attack audit).

    ``keep_frames`` keeps the rows read for training and the generated tables in the result
    (for side-by-side views); without it they are let go before generating, which lowers
    the peak memory of big runs.

    Refusals (target is the source, target holds rows) happen before any data is read.
    Raises :class:`IntegrityError` (after the target is written) when a check fails.
    """
    sizing = sizing_of(scale, rows, table_scale, where, only_related)
    _check_seed(seed)
    _check_sample_rows(sample_rows)
    _check_holdout(holdout)
    check_engines(engine, engines)
    if holdout and engine == SDV_ENGINE:
        raise UsageError("--audit/--holdout train dbsynth's own model: not with --engine sdv-hma")
    if engine == SDV_ENGINE and sizing.per_table:
        raise UsageError("--rows and --table-scale are not available with --engine sdv-hma "
                         "(it samples the whole database at one scale)")
    if engine == SDV_ENGINE and sizing.where:
        raise UsageError("--where is not available with --engine sdv-hma (it samples the "
                         "whole database unconditioned)")
    if scale_out is not None and sizing.only_related:
        raise UsageError("--only-related needs the whole database in one process: no scale-out")
    if scale_out is not None:
        if engine == SDV_ENGINE:
            raise UsageError("sdv-hma samples the whole database in one process: no scale-out")
        from dbsynth.scaleout import check_reachable

        check_reachable(scale_out)
    source = connect(source_url, schema=source_schema, role="source")
    try:
        target = _open_target(source, source_url, source_schema, target_url, target_schema)
        def check_names(found: Schema) -> None:
            check_engine_tables(found, engines)
            sizing.check_tables(found, settled=False)

        schema, _ = resolve_schema(source, keys, check_names)
        sizing.check_tables(schema)  # table modes are settled now (copied tables: not sized)
        prepared = prepare_target(target, schema, replace, grants=grants)
        if engine == SDV_ENGINE:
            from dbsynth.model.sdv_engine import check_available

            check_available(schema)
        trained = _train_from(source, schema, sample_rows, seed, engine, progress, engines,
                              keep_frames_only=engine == SDV_ENGINE, holdout=holdout)
    finally:
        source.close()
    sampler: Callable[[LoadPlan], dict[str, pd.DataFrame]] | None = None
    if engine == SDV_ENGINE:
        from dbsynth.model.sdv_engine import sample_with_hma  # optional, BUSL-licensed extra

        def hma(plan: LoadPlan) -> dict[str, pd.DataFrame]:
            return sample_with_hma(schema, trained.frames, scale, seed)

        sampler = hma
    if not keep_frames and sampler is None:
        trained.frames.clear()  # the model is fitted: the training rows are not needed any more
    try:
        result = _generate_into(trained.model, target, target_url, sizing, seed, replace, progress,
                                trained.source, trained.frames, sampler, scale_out, keep_frames,
                                prepared)
    finally:
        target.close()
    if not keep_frames:
        result.synthetic_frames = {}
    result.seconds = trained.seconds | result.seconds
    result.control = trained.control
    return result


ON_DRIFT = ("fail", "recreate", "migrate")


@dataclass
class RefreshPlan:
    """What a refresh will do, shown before it does it (and all that ``--dry-run`` does)."""

    source: str
    target: str
    on_drift: str
    tables: list[dict[str, Any]]  # name, mode, source rows, rows to write
    notes: list[str]  # tables pulled in by foreign keys
    drift: Drift
    ddl: list[str]
    #: None: the refresh may go ahead; else why the policy stops it
    refused: str | None = None
    #: the target's tables it drops and recreates, and what goes with them
    replaces: Replacement = field(default_factory=Replacement)
    #: the write plan ``ddl`` prints: what the writer will execute, in order
    operations: WritePlan = field(default_factory=lambda: WritePlan(()))

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "on_drift": self.on_drift,
                "tables": self.tables, "notes": self.notes, "drift": self.drift.to_dict(),
                "ddl": self.ddl, "operations": [op.to_dict() for op in self.operations.operations],
                "refused": self.refused, "replaces": self.replaces.to_dict()}


@dataclass
class RefreshResult:
    plan: RefreshPlan
    applied: bool
    synth: SynthResult | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"plan": self.plan.to_dict(), "applied": self.applied,
                "result": self.synth.to_dict() if self.synth else None}


def refresh(source_url: str, target_url: str, *, on_drift: str = "fail", dry_run: bool = False,
            include: tuple[str, ...] = (), exclude: tuple[str, ...] = (), scale: float = 1.0,
            seed: int = 0, source_schema: str | None = None, target_schema: str | None = None,
            sample_rows: int | None = DEFAULT_SAMPLE_ROWS, keys: KeyOptions = KeyOptions(),
            progress: Progress = quiet, grants: bool = False,
            rows: Mapping[str, int] | None = None, table_scale: Mapping[str, float] | None = None,
            where: Mapping[str, str] | None = None, only_related: bool = False) -> RefreshResult:
    """Replace the target's copy of the selected tables with a fresh synthetic one, sized
    and conditioned as :func:`synth` does (``rows``, ``table_scale``, ``where``).

    The target's existing tables are compared with the source's schema first; drift is
    handled by ``on_drift``: ``fail`` (stop, touch nothing), ``migrate`` (go ahead when every
    change only adds), ``recreate`` (go ahead whatever changed). The new rows replace the old
    in one transaction: readers see the old copy or the new one, never a mix. Tables of the
    target outside the selection are never touched. ``dry_run`` returns the plan only. The
    target's own grants on the tables replaced are kept; ``grants`` adds the source's."""
    if on_drift not in ON_DRIFT:
        raise UsageError(f"--on-drift must be one of {', '.join(ON_DRIFT)}, got {on_drift!r}")
    sizing = sizing_of(scale, rows, table_scale, where, only_related)
    _check_seed(seed)
    _check_sample_rows(sample_rows)
    source = connect(source_url, schema=source_schema, role="source")
    try:
        target = _open_target(source, source_url, source_schema, target_url, target_schema)
        try:
            schema, _ = resolve_schema(source, keys)
            existing = target.introspect()
            sizing.check_tables(schema, settled=False)  # a misspelt table: "did you mean"
            selected, notes = select_tables(schema, include, exclude,
                                            frozenset(existing.table_names))
            _check_sized_selected(sizing, selected)
            schema = selected
            sizing.check_tables(schema)
            if not grants:  # (also for the plan of a refused refresh: prepare_target says why)
                from dbsynth.writer.objects import without_grants

                schema = without_grants(schema)
            try:
                prepared: TargetPlan | None = prepare_target(target, schema, True, announce=False,
                                                             grants=grants)
                blocked = None
            except UnsafeTargetError as exc:  # an object outside the selection depends on it
                prepared, blocked = None, exc.message
            plan = _refresh_plan(schema, notes, source, target, existing, on_drift,
                                 replace(sizing, fixed=_kept_code_lists(source, schema)),
                                 prepared, blocked, sample_rows)
            if dry_run:
                return RefreshResult(plan, applied=False)
            if plan.refused:
                raise DriftError(plan.refused, plan)  # drift, or a table we must not break
            trained = _train_from(source, schema, sample_rows, seed, DEFAULT_ENGINE, progress)
            result = _generate_into(trained.model, target, target_url, sizing, seed, True,
                                    progress, trained.source, trained.frames, prepared=prepared)
            result.seconds = trained.seconds | result.seconds
            return RefreshResult(plan, applied=True, synth=result)
        finally:
            target.close()
    finally:
        source.close()


def _check_sized_selected(sizing: Sizing, selected: Schema) -> None:
    """A table sized or conditioned is one the refresh writes: a table of the source that
    ``--include``/``--exclude`` leave out is not written, so its size would be ignored."""
    named = [(f"--rows {n}=…", n) for n in sizing.rows] + \
        [(f"--table-scale {n}=…", n) for n in sizing.table_scale] + \
        [(c.flag, n) for n, c in sizing.where.items()]
    for flag, name in named:
        if name not in selected.table_names:
            raise UsageError(f"{flag}: {name} is not refreshed (--include/--exclude leave it "
                             f"out); select it too, or drop the {flag.split()[0]}")


def _kept_code_lists(source: Connector, schema: Schema) -> frozenset[str]:
    """The lookup lists whose codes training will keep (and so their rows, at any scale),
    read from their few rows: a refresh's plan is shown before training."""
    from dbsynth.model import keys
    from dbsynth.model.relational.fit import keeps_its_codes

    small = [t for t in schema.tables if t.mode != "copy" and keys.is_lookup_list(schema, t, t.row_count)]
    return frozenset(t.name for t in small if keeps_its_codes(schema, t, source.read_table(t)))


def _refresh_plan(schema: Schema, notes: list[str], source: Connector, target: Connector,
                  existing: Schema, on_drift: str, sizing: Sizing, prepared: TargetPlan | None,
                  blocked: str | None, sample_rows: int | None = None) -> RefreshPlan:
    """``existing``: the target's schema as it is; ``blocked``: why the target's tables
    cannot be replaced (objects depend on them). The rows to write are planned before
    training, so tables below a sized one follow the parent training will most likely
    choose (reading ``sample_rows`` per table), and a condition's effect on its children's
    sizes is not known yet."""
    from dbsynth.writer import ddl

    if prepared is not None:
        schema = prepared.schema  # as the target will declare it
        notes = notes + list(prepared.notes)
    load_plan = build_plan(schema)
    caps = target.capabilities
    undeclared = frozenset((e.table, e.fk.columns)
                           for e in ddl.undeclared_cycle_keys(load_plan, caps))
    from dbsynth.writer.drift import compare  # refresh only: synth and generate need none

    drift = compare(schema, existing, caps.name, undeclared)
    refused = None
    if blocked:  # DROP TABLE would fail on them: say so before, not halfway through
        refused = blocked + " (or select the tables they belong to too)"
    elif drift.changes and on_drift == "fail":
        refused = (f"the target's schema drifted from the source ({len(drift.changes)} changes, "
                   f"first: {drift.changes[0].describe()}); see --dry-run, then choose "
                   f"--on-drift migrate (additive changes) or recreate")
    elif not drift.additive_only and on_drift == "migrate":
        first = next(c for c in drift.changes if not c.additive)
        refused = (f"--on-drift migrate applies additive changes only; this one is not: "
                   f"{first.describe()} (use --on-drift recreate)")
    planned = sizing.planned_rows(schema, {}, sample_rows)
    tables = [{"name": t.name, "mode": t.mode, "source_rows": t.row_count, "rows": planned[t.name]}
              for t in (schema.table(n) for n in load_plan.order)]
    if sizing.where:
        notes = notes + ["rows below a --where table are planned for all its rows: the copy "
                         "sizes them for the matching ones"]
    if sizing.only_related:
        from dbsynth.model.relational.related import below

        whole = below(schema, sizing.where)
        cut = [n for n in load_plan.order if n not in whole]
        if cut:
            notes = notes + [f"--only-related: {', '.join(cut)} keep only the rows the --where "
                             "tables reference, so they get fewer rows than planned (maybe none)"]
    replacing = (prepared.replaced.tables if prepared is not None
                 else [n for n in load_plan.order if n in existing.table_names])
    kept = kept_enums(schema, {e.name: tuple(e.values) for e in existing.enums})
    from dbsynth.writer.objects import drop_before_replace

    from dbsynth.writer.load import grants_given_again

    objects, _left_out = object_statements(schema, caps, target.schema_name)
    if caps.swap_by_rename:  # staged and swapped in (the run names its own stage)
        from dbsynth.writer.plan import build_swap_plan

        operations = build_swap_plan(schema, load_plan, caps, target.schema_name,
                                     "<stage>", "<replaced>", replacing=replacing,
                                     rows={t["name"]: t["rows"] for t in tables}, objects=objects)
    else:  # the target's own grants, given again after a replace (as the writer reads them)
        operations = build_write_plan(
            schema, load_plan, caps, target.schema_name, replacing=replacing,
            kept=kept if caps.enums else frozenset(),
            rows={t["name"]: t["rows"] for t in tables}, objects=objects,
            view_drops=drop_before_replace(schema, caps, target.schema_name) if replacing else (),
            grants=grants_given_again(target, schema, replacing))
    return RefreshPlan(source.display_url, target.display_url, on_drift, tables, notes, drift,
                       operations.lines(), refused,
                       prepared.replaced if prepared is not None else Replacement(), operations)


def report(source_url: str, target_url: str, *, source_schema: str | None = None,
           target_schema: str | None = None, sample_rows: int | None = None,
           target_column: str | None = None, seed: int = 0, keys: KeyOptions = KeyOptions(),
           scale: float | None = None, control: dict[str, Any] | None = None,
           asked: dict[str, int] | None = None, progress: Progress = quiet) -> dict[str, Any]:
    """Judge ``target`` as a synthetic copy of ``source`` (both only read): fidelity,
    detection, ML utility, privacy, integrity. Returns JSON-ready data (see dbsynth.report).
    ``scale``: the scale the copy was made at, to judge its row counts (None: estimated);
    ``asked``: the rows asked per table (``SynthResult.asked``, where per-table sizes were
    given); ``control``: the held-out keys of a holdout training (``Trained.control``), for
    the attack-based privacy audit."""
    from dbsynth.report.build import build_report, json_ready

    _check_sample_rows(sample_rows)
    _check_seed(seed)
    if scale is not None:
        _check_scale(scale)
    if control is not None:
        from dbsynth.model.holdout import check_control

        check_control(control)  # its shape now; its columns once the schema is read
    if target_column is not None:
        _split_target_column(target_column)
    source = connect(source_url, schema=source_schema, role="source")
    try:
        target = connect(target_url, schema=_target_schema(source_url, source_schema, target_url,
                                                           target_schema), role="source")  # read only
        try:
            schema, _ = resolve_schema(
                source, keys, lambda found: check_target_column(found, target_column))
            if control is not None:
                from dbsynth.model.holdout import check_control

                check_control(control, schema)
            return json_ready(build_report(schema, source, target, sample_rows=sample_rows,
                                           target_column=target_column, seed=seed, scale=scale,
                                           control=control, asked=asked, progress=progress))
        finally:
            target.close()
    finally:
        source.close()


def _generate_into(model: RelationalModel, target: Connector, target_url: str,
                   scale: float | Sizing, seed: int, replace: bool, progress: Progress, source_label: str,
                   source_frames: dict[str, pd.DataFrame] | None = None,
                   sampler: Callable[[LoadPlan], dict[str, pd.DataFrame]] | None = None,
                   scale_out: ScaleOut | None = None, keep_frames: bool = True,
                   prepared: TargetPlan | None = None) -> SynthResult:
    prepared = prepared or prepare_target(target, model.schema, replace)
    schema = prepared.schema  # as the target declares it; the model generates by its own
    sizing = model.settled(scale, seed)  # with what a --where does to its children's sizes
    expected = sizing.planned_rows(model.schema, model.tables)
    plan = build_plan(schema)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    if scale_out is not None:
        from dbsynth.scaleout import generate_partitioned

        refused_out: list[NotCreated] = []
        rows = generate_partitioned(model, target, target_url, scale_out, scale=sizing, seed=seed,
                                    replace=replace, stream_rows=STREAM_ROWS, progress=progress,
                                    written=schema, not_created=refused_out)
        seconds["generate+load"] = time.perf_counter() - started
        gaps = _unmodelled(model, rows)
        kept = _kept_codes(model)
        for note in refused_out:
            log.warning("%s", note.note())
        return _checked(SynthResult(source_label, target.display_url, rows,
                                    IntegrityReport(), seconds, source_frames or {},
                                    replaced=prepared.replaced,
                                    notes=list(prepared.notes) + [n.note() for n in refused_out]
                                    + kept + gaps, gaps=gaps,
                                    objects=objects_summary(schema, target, refused_out)),
                        target, schema, progress, expected)
    synthetic: dict[str, TableData] | Synthesis
    if sampler is not None:
        synthetic = sampler(plan)
    elif keep_frames or sizing.only_related:  # only related rows: every table made first
        synthetic = model.sample_all_at_once(plan, scale=sizing, seed=seed,
                                             stream_rows=STREAM_ROWS, progress=progress)
        if sizing.only_related:
            from dbsynth.model.relational.related import below, only_related

            synthetic = only_related(model.schema, synthetic, sizing.where)
            whole = below(model.schema, sizing.where)
            expected.update({n: len(f) for n, f in synthetic.items() if n not in whole})
    else:  # each table made as the writer asks for it, and let go once loaded
        synthetic = model.sample_table_by_table(plan, scale=sizing, seed=seed,
                                                stream_rows=STREAM_ROWS, progress=progress)
    refused: list[NotCreated] = []
    rows = write_database(target, schema, plan, synthetic, replace=replace, progress=progress,
                          not_created=refused)
    seconds["generate+load"] = time.perf_counter() - started
    frames = ({n: f for n, f in synthetic.items() if isinstance(f, pd.DataFrame)}  # streams are gone
              if isinstance(synthetic, dict) else {})
    gaps = _unmodelled(model, rows)
    kept = _kept_codes(model)
    result = SynthResult(source_label, target.display_url, rows, IntegrityReport(), seconds,
                         source_frames or {}, frames, prepared.replaced,
                         list(prepared.notes) + [n.note() for n in refused] + kept + gaps, gaps,
                         objects_summary(schema, target, refused))
    for note in refused:
        log.warning("%s", note.note())
    return _checked(result, target, schema, progress, expected)


def objects_summary(schema: Schema, target: Connector, refused: list[NotCreated]
                    ) -> dict[str, Any]:
    """What the copy holds of the schema's objects, and what it lacks with why."""
    statements, left_out = object_statements(schema, target.capabilities, target.schema_name)
    return objects_summary_of(statements, left_out + refused)


def _kept_codes(model: RelationalModel) -> list[str]:
    """A warning per lookup list whose text codes are written as the source has them (see
    :func:`dbsynth.model.keys.fit_key`): source values in a copy are never unsaid."""
    notes = []
    for name, fitted in model.tables.items():
        for column, spec in fitted.keys.items():
            if spec.style == "lookup" and spec.codes and fitted.copied is None:
                shown = ", ".join(repr(c) for c in spec.codes[:5]) + (", …" if len(spec.codes) > 5 else "")
                notes.append(f"{name}.{column}: the {len(spec.codes)} codes of this lookup list are "
                             f"kept as in the source ({shown}); its other columns are synthetic")
    for note in notes:
        log.warning("%s", note)
    return notes


def _unmodelled(model: RelationalModel, rows: dict[str, int]) -> list[str]:
    """A warning per column written without a model of its values (NULL in every row, or
    neutral generated values), so nothing is left NULL silently."""
    from dbsynth.model.structured import unmodelled_notes

    notes: list[str] = []
    for table in model.schema.tables:
        fitted = model.tables.get(table.name)
        if fitted is not None and table.mode != "copy":
            notes += unmodelled_notes(table, fitted.columns, rows.get(table.name, 0))
    for note in notes:
        log.warning("%s", note)
    return notes


def expected_rows(schema: Schema, scale: float) -> dict[str, int]:
    """Rows asked for per table: the source's, times ``scale`` (copied tables: as they are)."""
    return Sizing(scale).planned_rows(schema, {})


def clean(target: str) -> list[Path]:
    """Remove what killed writes to new DuckDB files left (``.NAME.dbsynth-new-PID-…`` and
    its ``.wal``, whose process is gone) beside ``target``: a ``duckdb:///`` URL, a target
    file's path, or a folder (every target in it); for a ``csv:///`` or ``parquet:///`` URL,
    the staging folders killed writes to that folder left. Returns what was removed."""
    from dbsynth.connectors.duckdb import remove_stale_builds

    beside = False
    if "://" in target:
        dialect = dialect_of(target)
        if dialect not in ("duckdb", "csv", "parquet"):
            raise UsageError("clean is for DuckDB targets and folders of files: a PostgreSQL "
                             "or SQLite write that is killed rolls back and leaves nothing")
        database = parse_url(target).database
        if not database:
            raise UsageError(f"a {dialect} URL needs a path: "
                             + ("duckdb:///path/file.duckdb" if dialect == "duckdb"
                                else f"{dialect}:///path/folder"))
        target, beside = database, dialect != "duckdb"  # a folder target: its own leftovers
    where = Path(target).expanduser().resolve()
    if not where.parent.is_dir():
        raise UsageError(f"no such folder: {where.parent}")
    return remove_stale_builds(where, beside=beside)


def _checked(result: SynthResult, target: Connector, schema: Schema,
             progress: Progress, expected: dict[str, int]) -> SynthResult:
    """Prove the written copy's integrity and sizes (``expected``: rows asked per table) by
    SQL in the target; raise if either fails."""
    progress("check", "", 0)
    started = time.perf_counter()
    report = result.integrity = check_integrity(target, schema, expected)
    result.asked = expected
    result.seconds["check"] = time.perf_counter() - started
    if not report.ok:
        first = report.violations[0]
        raise IntegrityError(
            f"integrity check failed in the target: {len(report.violations)} violation(s), "
            f"first: {first.kind} in {first.detail} ({first.count})",
            [v.__dict__ for v in report.violations], result)
    return result


def check_engines(engine: str, engines: dict[str, str] | None) -> None:
    """Unknown engine names are usage errors; sdv-hma is whole-database, not per table."""
    from dbsynth.model.table import ENGINES

    for name in [engine, *(engines or {}).values()]:
        if name not in ENGINES and name != SDV_ENGINE:
            raise UsageError(f"unknown engine {name!r} (available: {', '.join([*ENGINES, SDV_ENGINE])})"
                             f"{_did_you_mean(name, [*ENGINES, SDV_ENGINE])}")
    if SDV_ENGINE in (engines or {}).values():
        raise UsageError("sdv-hma models the whole database: use --engine sdv-hma, not per table")


def check_options(*, scale: float = 1.0, seed: int = 0, versions: int = 1) -> None:
    """The numeric options of a run, checked before anything is opened or read."""
    _check_scale(scale)
    if not 1 <= versions <= MAX_VERSIONS:
        raise UsageError(f"--versions must be between 1 and {MAX_VERSIONS}, got {versions}")
    _check_seed(seed)
    if seed + versions - 1 > MAX_SEED:  # version k is written with seed + k
        raise UsageError(f"--seed {seed} with --versions {versions} passes the largest seed, "
                         f"{MAX_SEED}")


def check_engine_tables(schema: Schema, engines: dict[str, str] | None) -> None:
    """Each table given its own engine exists in the source."""
    for table in engines or {}:
        if table not in schema.table_names:
            raise UsageError(f"--table-engine {table}=…: no table {table!r}"
                             f"{_did_you_mean(table, schema.table_names)}")


def _split_target_column(target: str) -> tuple[str, str]:
    table, dot, column = target.rpartition(".")
    if not dot or not table or not column:
        raise UsageError(f"--target wants TABLE.COLUMN, got {target!r}")
    return table, column


def check_target_column(schema: Schema, target: str | None) -> None:
    """The ML utility target names a table and column of the source (checked before the
    report reads any rows; whether the column can be scored is known only from its data)."""
    if target is None:
        return
    table, column = _split_target_column(target)
    if table not in schema.table_names:
        raise UsageError(f"--target {target}: no table {table!r}{_did_you_mean(table, schema.table_names)}")
    columns = schema.table(table).column_names
    if column not in columns:
        raise UsageError(f"--target {target}: {table} has no column {column!r}"
                         f"{_did_you_mean(column, columns)}")


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _check_seed(seed: int) -> None:
    if not 0 <= seed <= MAX_SEED:
        raise UsageError(f"--seed must be between 0 and {MAX_SEED}, got {seed}")


def _check_sample_rows(sample_rows: int | None) -> None:
    if sample_rows is not None and sample_rows < 1:
        raise UsageError(f"--sample-rows must be positive, got {sample_rows}")


def _check_holdout(holdout: float) -> None:
    if holdout == 0:  # no audit: the holdout module (numpy, pandas) is not needed to say so
        return
    from dbsynth.model.holdout import MAX_SHARE

    if not 0 <= holdout <= MAX_SHARE:
        raise UsageError(f"--holdout must be between 0 and {MAX_SHARE}, got {holdout}")


def planned_rows(model: RelationalModel, scale: float = 1.0, rows: Mapping[str, int] | None = None,
                 table_scale: Mapping[str, float] | None = None) -> dict[str, int]:
    """Rows per table that ``generate`` of ``model`` with these sizes asks for: a report judges
    a copy made with ``--rows``/``--table-scale`` by them (tables below a sized one follow it
    along the model's own links, which only the model knows)."""
    sizing = sizing_of(scale, rows, table_scale)
    sizing.check_tables(model.schema)
    return sizing.planned_rows(model.schema, model.tables)


def sizing_of(scale: float, rows: Mapping[str, int] | None = None,
              table_scale: Mapping[str, float] | None = None,
              where: Mapping[str, str] | None = None, only_related: bool = False) -> Sizing:
    """The sizes and conditions asked for, checked as far as they can be without a schema
    (a condition's syntax, here)."""
    _check_scale(scale)
    sizing = Sizing(scale, dict(rows or {}), dict(table_scale or {}), conditions_of(where),
                    only_related=only_related)
    sizing.check()
    return sizing


def _check_scale(scale: float) -> None:
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise UsageError(f"--scale must be between {MIN_SCALE} and {MAX_SCALE}, got {scale}")


def _target_schema(source_url: str, source_schema: str | None, target_url: str,
                   target_schema: str | None) -> str | None:
    """The target's schema: as asked, else the source's on the same engine, else the default."""
    return target_schema or (source_schema if _same_dialect(source_url, target_url) else None)


def _open_target(source: Connector, source_url: str, source_schema: str | None, target_url: str,
                 target_schema: str | None) -> Connector:
    """The target to write, refused when it is the source (same server, database, schema)."""
    target = connect(target_url, schema=_target_schema(source_url, source_schema, target_url,
                                                       target_schema), role="target")
    if target.location == source.location:
        target.close()
        raise UnsafeTargetError(
            f"target {target.display_url} is the source; dbsynth never writes into a source")
    return target


def _same_dialect(a: str, b: str) -> bool:
    return dialect_of(a) == dialect_of(b)
