"""The ``dbsynth`` command: parse flags, call the pipeline, render with rich. Nothing more.

Every :class:`~dbsynth.errors.DbsynthError` becomes one line on stderr and a non-zero exit;
an unexpected exception does too (set ``DBSYNTH_DEBUG=1`` to see its traceback).
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from dbsynth import inspection
from dbsynth.connectors.registry import MaskingFilter, mask_secrets
from dbsynth.defaults import AUDIT_HOLDOUT, DEFAULT_SAMPLE_ROWS
from dbsynth.errors import DbsynthError, IntegrityError, UsageError
from dbsynth.lazy import LazyModule
from dbsynth.schema.infer import DEFAULT_THRESHOLD
from dbsynth.schema.vet import dropped_reason
from dbsynth.writer.integrity import IntegrityReport

if TYPE_CHECKING:
    from dbsynth import pipeline
else:  # imported by the first command that uses it: --help and inspect need no pandas
    pipeline = LazyModule("dbsynth.pipeline")

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode=None,
                  help="Synthetic copies of SQL databases, with keys and constraints proved.")
out = Console()
err = Console(stderr=True)

SchemaOpt = Annotated[str | None, typer.Option("--schema", metavar="NAME", help="Source schema (PostgreSQL: public, DuckDB and SQLite: main).")]
ScaleOpt = Annotated[float, typer.Option(metavar="X", help="Rows relative to the source (0.1 … 10).")]
ReplaceOpt = Annotated[bool, typer.Option("--replace", help="Drop and recreate target tables named like ours (empty or not); says which first. Never drops objects that depend on them.")]
TargetOpt = Annotated[str, typer.Argument(metavar="TARGET", help="Target database URL (written).")]
TargetSchemaOpt = Annotated[str | None, typer.Option("--target-schema", metavar="NAME", help="Target schema (default: like the source on the same engine, else the engine's default).")]
DEFAULT_REPORT_ROWS = 20_000
EngineOpt = Annotated[str, typer.Option("--engine", metavar="ENGINE", help="Table engine: cart (default), copula; synth only: sdv-hma (needs the optional sdv extra).")]
TableEngineOpt = Annotated[list[str] | None, typer.Option("--table-engine", metavar="TABLE=ENGINE", help="Per-table engine, TABLE=ENGINE (repeatable).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
GrantsOpt = Annotated[bool, typer.Option("--grants", help="Also copy the source's grants and ownership (PostgreSQL: schema, tables, views, sequences, functions), where the target's server has the roles; those it lacks are named.")]
ExecutorOpt = Annotated[str | None, typer.Option("--executor", metavar="URL", help="Generate in partitions on this Dask scheduler: dask://host:port (needs the dask extra).")]
WorkersOpt = Annotated[int | None, typer.Option("--workers", metavar="N", help="Generate in partitions on a local Dask cluster of N worker processes (needs the dask extra).")]
PartitionsOpt = Annotated[int | None, typer.Option("--partitions", metavar="N", help="With --executor/--workers: number of partitions (default: one per worker thread).")]
RowsOpt = Annotated[list[str] | None, typer.Option("--rows", metavar="TABLE=N", help="Give TABLE about N rows (repeatable; replaces --scale for it). On a table with a parent, its children per parent are rescaled to add up to N. Tables below it follow it (same children per parent).")]
WhereOpt = Annotated[list[str] | None, typer.Option("--where", metavar="'TABLE: CONDITION'", help="Every synthetic row of TABLE satisfies the SQL CONDITION, e.g. \"patients: age >= 30 AND sex = 'F'\" (repeatable, one table each; =, <>, <, <=, >, >=, AND, OR, NOT, IN, BETWEEN, IS [NOT] NULL, LIKE; text and dates in single quotes). Its rows are drawn from the model trained on all rows and kept when they match, as many as the sizes ask; tables below it are generated for those rows; a condition on a child table selects its rows only (its parents are generated as usual). An impossible condition is an error, nothing written.")]
OnlyRelatedOpt = Annotated[bool, typer.Option("--only-related", help="With --where: the tables not below a conditioned table keep only the rows it references (directly or through other kept rows); the others are left empty. Builds the whole copy in memory before writing.")]
TableScaleOpt = Annotated[list[str] | None, typer.Option("--table-scale", metavar="TABLE=F", help="Give each parent row F times as many TABLE rows, same shape of counts (repeatable; on top of --scale; on a table without a parent: F times its rows). Tables below it follow it.")]


def _scale_out(executor: str | None, workers: int | None, partitions: int | None) -> Any:
    """The scale-out settings, or None to generate in this process."""
    if executor is None and workers is None:
        if partitions is not None:
            raise UsageError("--partitions needs --executor or --workers")
        return None
    from dbsynth.scaleout import ScaleOut  # only a scale-out run needs it

    return ScaleOut(executor, workers, partitions)


MetadataOpt = Annotated[Path | None, typer.Option("--metadata", metavar="FILE", help="Metadata file from `dbsynth inspect -o` (YAML, or SDV's metadata JSON): keys, column kinds, table modes.")]
InferOpt = Annotated[bool, typer.Option("--infer-keys/--no-infer-keys", help="Infer primary and foreign keys the database does not declare.")]
ThresholdOpt = Annotated[float, typer.Option("--key-threshold", metavar="X", help="Inferred keys scoring at least this (0-1) are used.")]


_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*", re.IGNORECASE)
_SIZE_FACTORS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def _size(text: str, flag: str) -> int:
    """``2GB``, ``500 MB``, ``1048576``: a byte count (units are powers of 1024)."""
    found = _SIZE.fullmatch(text)
    size = int(float(found[1]) * _SIZE_FACTORS[found[2].lower()]) if found else 0
    if size < 1:
        raise UsageError(f"{flag} wants a positive size such as 2GB or 500MB, got {text!r}")
    return size


def _output(path: Path | None, flag: str) -> None:
    """An output path must be writable as a file: refused before any work, not after it."""
    if path is None:
        return
    if path.is_dir():
        raise UsageError(f"{flag} {path}: is a directory; give a file name")
    parent = path.absolute().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent  # missing folders are created: the nearest existing one counts
    if not parent.is_dir():
        raise UsageError(f"{flag} {path}: {parent} is not a directory")
    try:  # a real probe: permission bits say nothing to root or on a read-only mount
        tempfile.TemporaryFile(dir=parent).close()
    except OSError as exc:
        raise UsageError(f"{flag} {path}: cannot write in {parent}: "
                         f"{exc.strerror or type(exc).__name__}") from None
    if path.exists() and not os.access(path, os.W_OK):
        raise UsageError(f"{flag} {path}: not writable")


def _keys(infer: bool, threshold: float, metadata: Path | None) -> inspection.KeyOptions:
    if metadata is None:  # the metadata module (and yaml) loads only for a file
        return inspection.KeyOptions(infer, threshold, None)
    from dbsynth.schema.metadata import load_metadata

    return inspection.KeyOptions(infer, threshold, load_metadata(metadata))



def _engine_line(engine: dict[str, Any]) -> str:
    """``engine: PostgreSQL 16.4 (postgres): transactional DDL, foreign keys after the load, …``"""
    caps = engine.get("capabilities", {})
    said = [("transactional DDL" if caps.get("transactional_ddl") else "DDL not transactional"),
            *(["staged tables swapped in by one rename"] if caps.get("swap_by_rename") else []),
            ("foreign keys added after the load" if caps.get("fk_after_load")
             else "foreign keys declared in CREATE TABLE"),
            *(["foreign keys checked at COMMIT"] if caps.get("deferred_fk_checks") else []),
            ("concurrent writers" if caps.get("concurrent_writers") else "one writer at a time"),
            f"identities as {caps.get('identity_kind')}",
            *([] if caps.get("enums") else ["enums as text"]),
            *([] if caps.get("arrays") else ["arrays as JSON text"])]
    return escape(f"engine: {engine.get('version')} ({engine.get('dialect')}): " + ", ".join(said))

@app.command()
def inspect(url: Annotated[str, typer.Argument(metavar="URL", help="Database URL: postgresql://…, duckdb:///file.duckdb or sqlite:///file.db")],
            schema: SchemaOpt = None,
            output: Annotated[Path | None, typer.Option("-o", "--output", metavar="FILE", help="Write the metadata file to edit (dbsynth.yaml; a .json name writes SDV's metadata format).")] = None,
            metadata: MetadataOpt = None, infer_keys: InferOpt = True,
            key_threshold: ThresholdOpt = DEFAULT_THRESHOLD,
            as_json: JsonOpt = False) -> None:
    """Show tables, row counts, declared and inferred keys, the load order and cycle cuts."""
    with _errors():
        _output(output, "-o")
        keys = _keys(infer_keys, key_threshold, metadata)
        found = inspection.inspect(url, schema=schema, keys=keys)
        if output is not None:
            from dbsynth.schema.metadata import metadata_from_schema, write_metadata

            written = metadata_from_schema(found.schema, found.inference)
            if keys.metadata is not None:  # skipped tables are not in the schema: keep their entries
                written.tables.update({n: m for n, m in keys.metadata.tables.items() if m.mode == "skip"})
            _writing(output, "-o", lambda: write_metadata(output, written, found.schema))
    if as_json:
        print(json.dumps(found.to_dict(), indent=2, default=str))
        return
    scores = {(k.table, k.columns, k.ref_table): k.score
              for k in (found.inference.keys if found.inference else [])}

    def source(kind: str, table: str, columns: tuple[str, ...], ref: str | None = None) -> str:
        if kind == "declared":
            return ""
        score = scores.get((table, columns, ref))
        return f"  [{kind}{f' {score:.2f}' if score is not None else ''}]"

    grid = RichTable(title=f"{found.url}  schema {found.schema.name}")
    for col in ("table", "rows", "primary key", "foreign keys", "unique", "checks"):
        grid.add_column(col)
    for table in found.schema.tables:
        pk = table.primary_key
        grid.add_row(
            table.name, str(table.row_count),
            ", ".join(pk.columns) + source(pk.source, table.name, pk.columns) if pk else "-",
            "\n".join(f"{', '.join(fk.columns)} → {fk.ref_table}({', '.join(fk.ref_columns)})"
                      + source(fk.source, table.name, fk.columns, fk.ref_table)
                      for fk in table.foreign_keys) or "-",
            "\n".join(", ".join(u.columns) for u in table.uniques) or "-",
            str(len(table.checks)))
    out.print(grid)
    out.print(_engine_line(found.engine), soft_wrap=True, highlight=False)
    if found.inference is not None:
        inference = found.inference
        rejected = [k for k in inference.keys if k.score < inference.threshold]
        dropped = [k for k in rejected if dropped_reason(k)]
        out.print(f"key inference: {len(inference.accepted())} keys used (score ≥ {inference.threshold}), "
                  f"{len(rejected)} rejected ({len(dropped)} dropped as unsafe), "
                  f"{inference.candidates} candidates, "
                  f"{inference.queries} data queries, {inference.seconds:.2f}s")
        for key in dropped:
            out.print(f"  dropped {escape(key.label())}  score {key.evidence['score_before']:.2f}: "
                      f"{escape(str(dropped_reason(key)))}")
        for key in rejected:
            if key not in dropped:
                out.print(f"  rejected {escape(key.label())}  score {key.score:.2f}  {escape(str(key.evidence))}")
    out.print("load order: " + " → ".join(found.plan.order))
    kinds: dict[str, int] = {}
    for obj in found.schema.objects:
        kinds[obj.kind] = kinds.get(obj.kind, 0) + 1
    if kinds:
        out.print("schema objects: " + ", ".join(f"{n} {k}" for k, n in kinds.items()),
                  highlight=False)
    for edge in found.plan.cut:
        out.print(f"cycle cut at {escape(edge.label)} ({found.plan.describe_cut(edge)})")
    for edge in found.plan.self_references:
        out.print(f"self reference {edge.label}")
    if output is not None:
        out.print(f"metadata written to {output}: edit it and pass it back with --metadata")


@app.command()
def synth(source: Annotated[str, typer.Argument(metavar="SOURCE", help="Source database URL (read only).")],
          target: TargetOpt,
          scale: ScaleOpt = 1.0,
          seed: Annotated[int, typer.Option(metavar="N", help="Same seed, same rows.")] = 0,
          replace: ReplaceOpt = False,
          schema: SchemaOpt = None,
          target_schema: TargetSchemaOpt = None,
          sample_rows: Annotated[int, typer.Option("--sample-rows", metavar="N", help="Train on at most about this many rows per table.")] = DEFAULT_SAMPLE_ROWS,
          engine: EngineOpt = "cart", table_engine: TableEngineOpt = None,
          metadata: MetadataOpt = None, infer_keys: InferOpt = True,
          key_threshold: ThresholdOpt = DEFAULT_THRESHOLD,
          report: Annotated[Path | None, typer.Option("--report", metavar="FILE", help="Then write the HTML report of the copy here (see `dbsynth report`).")] = None,
          report_json: Annotated[Path | None, typer.Option("--report-json", metavar="FILE", help="Then write the report as JSON here (with or without --report).")] = None,
          executor: ExecutorOpt = None, workers: WorkersOpt = None, partitions: PartitionsOpt = None,
          grants: GrantsOpt = False, as_json: JsonOpt = False,
          rows: RowsOpt = None, table_scale: TableScaleOpt = None, where: WhereOpt = None,
          only_related: OnlyRelatedOpt = False,
          audit: Annotated[bool, typer.Option("--audit", help=f"Train on {1 - AUDIT_HOLDOUT:.0%} of the entities and attack the copy with the other {AUDIT_HOLDOUT:.0%} as control: privacy.audit in the report (the report is built; its JSON holds the control keys).")] = False) -> None:
    """Learn SOURCE and write a synthetic copy into TARGET, then prove its integrity there."""
    with _errors(), _progress(quiet=as_json) as progress:
        _output(report, "--report")
        _output(report_json, "--report-json")
        keys = _keys(infer_keys, key_threshold, metadata)
        scale_out = _scale_out(executor, workers, partitions)
        engines = _table_engines(table_engine)
        sizes = _sizes(rows, table_scale, where, only_related)
        try:
            result = pipeline.synth(source, target, scale=scale, seed=seed, replace=replace,
                                    source_schema=schema, target_schema=target_schema,
                                    sample_rows=sample_rows, engine=engine,
                                    engines=engines, progress=progress,
                                    keys=keys, scale_out=scale_out, keep_frames=False,
                                    grants=grants, holdout=AUDIT_HOLDOUT if audit else 0.0, **sizes)
        except IntegrityError as exc:
            if isinstance(exc.result, pipeline.SynthResult):
                _render_result(exc.result, as_json)
            raise
        found = None
        if report is not None or report_json is not None or audit:
            found = pipeline.report(source, target, source_schema=schema, target_schema=target_schema,
                                    sample_rows=DEFAULT_REPORT_ROWS, seed=seed, keys=keys,
                                    scale=scale, asked=result.asked, control=result.control,
                                    progress=progress)
            _write_report(found, report, report_json, ("--report", "--report-json"))
    _render_result(result, as_json)
    if not as_json:
        for written in (p for p in (report, report_json) if p is not None):
            out.print(f"report written to {written}")
        if audit and found is not None:
            out.print(_audit_line(found))
    _exit_on_gaps([result])


@app.command()
def refresh(source: Annotated[str, typer.Argument(metavar="SOURCE", help="Source database URL (read only).")],
            target: Annotated[str, typer.Argument(metavar="TARGET", help="Target database URL whose copy is replaced.")],
            on_drift: Annotated[str, typer.Option("--on-drift", metavar="MODE", help="When the target's schema differs: fail (default), migrate (additive changes only) or recreate.")] = "fail",
            dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan (tables, modes, rows, drift, DDL) and touch nothing.")] = False,
            include: Annotated[list[str] | None, typer.Option("--include", metavar="PATTERN", help="Refresh only tables matching this pattern (repeatable; * and ? wildcards).")] = None,
            exclude: Annotated[list[str] | None, typer.Option("--exclude", metavar="PATTERN", help="Leave out tables matching this pattern (repeatable); parents of selected tables stay in.")] = None,
            scale: ScaleOpt = 1.0,
            seed: Annotated[int, typer.Option(metavar="N", help="Same seed, same rows.")] = 0,
            schema: SchemaOpt = None, target_schema: TargetSchemaOpt = None,
            sample_rows: Annotated[int, typer.Option("--sample-rows", metavar="N", help="Train on at most about this many rows per table.")] = DEFAULT_SAMPLE_ROWS,
            metadata: MetadataOpt = None, infer_keys: InferOpt = True,
            key_threshold: ThresholdOpt = DEFAULT_THRESHOLD,
            grants: GrantsOpt = False, as_json: JsonOpt = False,
            rows: RowsOpt = None, table_scale: TableScaleOpt = None, where: WhereOpt = None,
            only_related: OnlyRelatedOpt = False) -> None:
    """Replace TARGET's synthetic copy with a fresh one, after checking its schema for drift."""
    from dbsynth.errors import DriftError

    with _errors(), _progress(quiet=as_json) as progress:
        sizes = _sizes(rows, table_scale, where, only_related)
        try:
            result = pipeline.refresh(
                source, target, on_drift=on_drift, dry_run=dry_run, include=tuple(include or ()),
                exclude=tuple(exclude or ()), scale=scale, seed=seed, source_schema=schema,
                target_schema=target_schema, sample_rows=sample_rows,
                keys=_keys(infer_keys, key_threshold, metadata), progress=progress,
                grants=grants, **sizes)
        except DriftError as exc:
            if isinstance(exc.plan, pipeline.RefreshPlan) and not as_json:
                _render_refresh_plan(exc.plan, show_ddl=False)
            raise
    refused = result.plan.refused if not result.applied else None
    if as_json:
        print(json.dumps(result.to_dict(), indent=2, default=str))
    elif not result.applied:
        _render_refresh_plan(result.plan, show_ddl=True)
        out.print(f"dry run: nothing was changed; {escape(refused or 'the refresh would go ahead')}",
                  highlight=False)
    if refused:  # a dry run answers like the refresh would: refused is a failure
        with _errors():
            raise DriftError(f"dry run: the refresh would be refused: {refused}")
    if as_json or not result.applied:
        return
    _render_refresh_plan(result.plan, show_ddl=False)
    assert result.synth is not None
    _render_result(result.synth, False)
    _exit_on_gaps([result.synth])


def _render_refresh_plan(plan: pipeline.RefreshPlan, show_ddl: bool) -> None:
    grid = RichTable(title=f"refresh plan: {plan.source} → {plan.target}", title_justify="left")
    for name in ("table", "mode", "source rows", "rows to write"):
        grid.add_column(name, justify="right" if "rows" in name else "left")
    for t in plan.tables:
        grid.add_row(t["name"], t["mode"], f"{t['source_rows']:,}", f"{t['rows']:,}")
    out.print(grid)
    for note in plan.notes:
        out.print(f"  note: {escape(note)}", highlight=False)
    drift = plan.drift
    if drift.first_load:
        out.print("  schema: none of these tables exists in the target yet (first load)")
    elif not drift.changes:
        out.print("  schema: no drift")
    else:
        out.print(f"  schema drift ({len(drift.changes)} changes; + additive, ! not additive), "
                  f"policy --on-drift {plan.on_drift}:", highlight=False)
        for change in drift.changes:
            out.print(f"    {escape(change.describe())}", highlight=False)
    if drift.untouched:
        out.print(f"  left untouched in the target: {', '.join(drift.untouched)}", highlight=False)
    if show_ddl:
        out.print("  DDL and loads, in one transaction (the write plan the writer runs, in order; "
                  "-- lines depend on the generated rows), then the integrity check:")
        for line in plan.ddl:
            end = "" if line.startswith("--") else ";"
            out.print("    " + escape(" ".join(line.split())) + end, highlight=False)


@app.command()
def train(source: Annotated[str, typer.Argument(metavar="SOURCE", help="Source database URL (read only).")],
          output: Annotated[Path, typer.Option("-o", "--output", metavar="FILE", help="Model file to write.")] = Path("model.dbsynth"),
          sample_rows: Annotated[int, typer.Option("--sample-rows", metavar="N", help="Train on at most about this many rows per table.")] = DEFAULT_SAMPLE_ROWS,
          seed: Annotated[int, typer.Option(metavar="N", help="Seed of the training sample.")] = 0,
          engine: EngineOpt = "cart", table_engine: TableEngineOpt = None,
          metadata: MetadataOpt = None, infer_keys: InferOpt = True,
          key_threshold: ThresholdOpt = DEFAULT_THRESHOLD,
          schema: SchemaOpt = None, as_json: JsonOpt = False,
          holdout: Annotated[float, typer.Option("--holdout", metavar="F", help="Keep this share of entities (a row of the entity table with its descendants) out of training, as the privacy audit's control set; needs --control.")] = 0.0,
          control: Annotated[Path | None, typer.Option("--control", metavar="FILE", help="With --holdout: write the held-out keys here (JSON; never in the model file). Pass it to `dbsynth report --control`.")] = None) -> None:
    """Learn SOURCE and save the model to a file (JSON, no rows, no executable payload;
    tables in mode copy keep their rows)."""
    with _errors(), _progress(quiet=as_json) as progress:
        _output(output, "-o")
        if holdout and control is None:
            raise UsageError("--holdout needs --control FILE: where the held-out keys are written")
        if control is not None and not holdout:
            raise UsageError("--control is written by --holdout F (a share of entities, e.g. 0.2)")
        _output(control, "--control")
        keys, engines = _keys(infer_keys, key_threshold, metadata), _table_engines(table_engine)
        trained = pipeline.train(source, source_schema=schema, sample_rows=sample_rows,
                                 seed=seed, engine=engine, engines=engines,
                                 progress=progress, keys=keys, holdout=holdout)
        _writing(output, "-o", lambda: pipeline.save(trained, output))
        if control is not None:
            text = json.dumps(trained.control, indent=1, default=str)
            _writing(control, "--control", lambda: _write_text(control, text))
    summary = {"model": str(output), "source": trained.source,
               "tables": {n: len(f) for n, f in trained.frames.items()},
               "seconds": trained.seconds}
    if as_json:
        print(json.dumps(summary, indent=2, default=str))
    else:
        out.print(f"model of {len(trained.frames)} tables written to {output}")


@app.command()
def generate(model: Annotated[Path, typer.Argument(metavar="MODEL", help="Model file from `dbsynth train`.")],
             target: TargetOpt,
             scale: ScaleOpt = 1.0,
             seed: Annotated[int, typer.Option(metavar="N", help="Same model and seed, same rows.")] = 0,
             versions: Annotated[int, typer.Option(metavar="K", help="Write K independent copies: file_v1.duckdb… or schema_v1….")] = 1,
             replace: ReplaceOpt = False,
             target_schema: TargetSchemaOpt = None,
             executor: ExecutorOpt = None, workers: WorkersOpt = None, partitions: PartitionsOpt = None,
             max_model_size: Annotated[str, typer.Option("--max-model-size", help="Refuse a model file that unpacks to more than this (e.g. 500MB, 8GB).")] = "2GB",
             grants: GrantsOpt = False, as_json: JsonOpt = False,
             rows: RowsOpt = None, table_scale: TableScaleOpt = None,
             where: WhereOpt = None, only_related: OnlyRelatedOpt = False) -> None:
    """Write synthetic copies from a model file into TARGET (the source is not needed)."""
    with _errors(), _progress(quiet=as_json) as progress:
        limit = _size(max_model_size, "--max-model-size")
        scale_out = _scale_out(executor, workers, partitions)
        pipeline.check_options(scale=scale, seed=seed, versions=versions)
        sizes = _sizes(rows, table_scale, where, only_related)
        pipeline.sizing_of(scale, **sizes)  # bad values: refused before the model is read
        fitted = pipeline.load(model, limit)
        try:
            results = pipeline.generate_versions(
                fitted, target, versions=versions, seed=seed, target_schema=target_schema,
                scale=scale, replace=replace, progress=progress, scale_out=scale_out,
                grants=grants, keep_frames=False, **sizes)  # tables let go once loaded
        except IntegrityError as exc:
            if isinstance(exc.result, pipeline.SynthResult):
                _render_result(exc.result, as_json)
            raise
    if as_json:
        print(json.dumps([r.to_dict() for r in results], indent=2, default=str))
    else:
        for result in results:
            _render_result(result, False)
    _exit_on_gaps(results)


@app.command()
def report(source: Annotated[str, typer.Argument(metavar="SOURCE", help="Source database URL (read only).")],
           target: Annotated[str, typer.Argument(metavar="TARGET", help="Synthetic copy to judge (read only; any tool's).")],
           output: Annotated[Path | None, typer.Option("-o", "--output", metavar="FILE", help="Write the HTML report here (one self-contained file).")] = None,
           json_output: Annotated[Path | None, typer.Option("--json", metavar="FILE", help="Write the report as JSON here.")] = None,
           target_column: Annotated[str | None, typer.Option("--target", metavar="TABLE.COLUMN", help="ML utility target, TABLE.COLUMN (default: picked automatically).")] = None,
           sample_rows: Annotated[int, typer.Option("--sample-rows", metavar="N", help="Read at most about this many rows per table on each side.")] = DEFAULT_REPORT_ROWS,
           schema: SchemaOpt = None, target_schema: TargetSchemaOpt = None,
           metadata: MetadataOpt = None, seed: Annotated[int, typer.Option(metavar="N", help="Seed of samples and splits.")] = 0,
           scale: Annotated[float | None, typer.Option(metavar="F", help="The scale the copy was made at, to judge its row counts (default: estimated from them).")] = None,
           control: Annotated[Path | None, typer.Option("--control", metavar="FILE", help="Held-out keys from `dbsynth train --holdout F --control FILE`: adds the attack-based privacy audit.")] = None,
           fail_on: Annotated[list[str] | None, typer.Option("--fail-on", metavar="CONDITION", help="Exit non-zero when a condition on a JSON figure holds, e.g. 'privacy.audit.risk > 0.2' (repeatable).")] = None,
           model: Annotated[Path | None, typer.Option("--model", metavar="FILE", help="The model file the copy was generated from: each table's rows are judged against what its generate asked (with --scale, --rows, --table-scale as given there).")] = None,
           rows: RowsOpt = None, table_scale: TableScaleOpt = None) -> None:
    """Judge TARGET as a synthetic copy of SOURCE: fidelity, detection, ML utility, privacy, integrity."""
    with _errors(), _progress(quiet=False) as progress:
        _output(output, "-o")
        _output(json_output, "--json")
        from dbsynth.report.conditions import failed, parse

        conditions = parse(fail_on or [])
        held = _control_file(control) if control is not None else None
        asked = _asked_rows(model, scale, rows, table_scale)
        found = pipeline.report(source, target, source_schema=schema, target_schema=target_schema,
                                sample_rows=sample_rows, target_column=target_column, seed=seed,
                                keys=_keys(True, DEFAULT_THRESHOLD, metadata),
                                scale=1.0 if asked is not None and scale is None else scale,
                                control=held, asked=asked, progress=progress)
        _write_report(found, output, json_output)
        holding = failed(found, conditions)
    _print_summary(found)
    if holding:
        typer.echo(f"report: failed on {'; '.join(holding)}", err=True)
        raise typer.Exit(1)


def _asked_rows(model: Path | None, scale: float | None, rows: list[str] | None,
                table_scale: list[str] | None) -> dict[str, int] | None:
    """Rows per table the copy's ``generate`` asked for, from its model (None: no model, the
    report judges by ``scale × source``)."""
    if model is None and not rows and not table_scale:
        return None
    if model is None:
        raise UsageError("--rows and --table-scale need --model FILE, the model the copy was "
                         "generated from: the tables below a sized one follow it by the model's links")
    sizes = _sizes(rows, table_scale, None, False)
    scale = 1.0 if scale is None else scale
    pipeline.sizing_of(scale, sizes["rows"], sizes["table_scale"])  # refused before the model is read
    return pipeline.planned_rows(pipeline.load(model), scale, sizes["rows"], sizes["table_scale"])


def _control_file(path: Path) -> dict[str, Any]:
    """The held-out keys ``train --holdout`` wrote; anything else is one clear line."""
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--control: cannot read {path}: {exc.strerror or exc}") from None
    except ValueError:
        raise UsageError(f"--control: {path} is not a control file (JSON) of `train --holdout`") from None
    from dbsynth.model.holdout import check_control

    try:
        check_control(found)
    except UsageError as exc:
        raise UsageError(f"--control: {path}: {exc.message}") from None
    return found


def _audit_line(found: dict[str, Any]) -> str:
    """One line of the privacy audit for the terminal."""
    audit = found.get("privacy", {}).get("audit", {})
    parts = [f"privacy audit risk {audit.get('risk', 0):.3f}"]
    if "attack_risk" in audit:
        parts.append(f"attacks {audit['attack_risk']:.3f}, reproduction {audit['reproduction_risk']:.3f} "
                     f"(control: {audit['attacks'].get('control_share', 0):.0%} of {audit['attacks'].get('entity_table')})")
    return "; ".join(parts)


def _write_report(found: dict[str, Any], html_path: Path | None, json_path: Path | None,
                  flags: tuple[str, str] = ("-o", "--json")) -> None:
    """The report as HTML and/or JSON; ``flags`` name the options in a write error."""
    from dbsynth.report.html import render_html

    if html_path is not None:
        text = render_html(found)
        _writing(html_path, flags[0], lambda: _write_text(html_path, text))
    if json_path is not None:
        text = json.dumps(found, indent=2, allow_nan=False)
        _writing(json_path, flags[1], lambda: _write_text(json_path, text))


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _writing(path: Path, flag: str, write: Callable[[], None]) -> None:
    """Run ``write``; a file system refusal (full disk, a directory appeared) is one line."""
    try:
        write()
    except OSError as exc:
        raise UsageError(f"{flag} {path}: cannot write: {exc.strerror or type(exc).__name__}") from None


def _print_summary(found: dict[str, Any]) -> None:
    grid = RichTable(title=f"{found['target']} as a copy of {found['source']}")
    grid.add_column("measure")
    grid.add_column("value")
    for name, value in found["summary"].items():
        grid.add_row(name.replace("_", " "), "–" if value is None else
                     f"{value:.3f}" if isinstance(value, float) else str(value))
    out.print(grid)
    for cast in found.get("casts", []):
        read = "cast to" if cast["how"] == "cast" else "compared as text, source type"
        out.print(f"{cast['table']}.{cast['column']}: written as {cast['written']}, {read} {cast['source']}")


@app.command()
def demo(directory: Annotated[Path | None, typer.Option("--dir", metavar="DIR", help="Where to put the demo files (default: a temp dir).")] = None,
         seed: Annotated[int, typer.Option(metavar="N", help="Seed of the synthetic copy.")] = 0,
         as_json: JsonOpt = False) -> None:
    """Build a hospital database in DuckDB, synthesize it into a second file, compare them."""
    from dbsynth.demo import build_demo_source

    folder = directory or Path(tempfile.mkdtemp(prefix="dbsynth-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    source, target = folder / "hospital.duckdb", folder / "hospital_synthetic.duckdb"
    for stale in (target, Path(f"{target}.wal")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    with _errors(), _progress(quiet=as_json) as progress:
        build_demo_source(source)
        result = pipeline.synth(f"duckdb:///{source}", f"duckdb:///{target}", seed=seed,
                                progress=progress)
    if as_json:
        payload = result.to_dict() | {"comparison": _demo_comparison(result)}
        print(json.dumps(payload, indent=2, default=str))
        return
    _render_result(result, False)
    grid = RichTable(title="real vs synthetic")
    for col in ("statistic", "real", "synthetic"):
        grid.add_column(col)
    for name, real, synthetic in _demo_comparison(result):
        grid.add_row(name, real, synthetic)
    out.print(grid)
    out.print(f"source {source}\ntarget {target}\ndone in {time.perf_counter() - started:.1f}s")


def _sizes(rows: list[str] | None, table_scale: list[str] | None,
           where: list[str] | None, only_related: bool) -> dict[str, Any]:
    """``--rows``, ``--table-scale``, ``--where`` and ``--only-related`` as the pipeline's
    keyword arguments."""
    from dbsynth.model.relational.conditions import parse_where
    from dbsynth.model.relational.sizing import parse_rows, parse_table_scale

    return {"rows": parse_rows(rows or []), "table_scale": parse_table_scale(table_scale or []),
            "where": parse_where(where or []), "only_related": only_related}


def _table_engines(pairs: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs or []:
        table, sep, engine = pair.rpartition("=")
        if not sep or not table or not engine:
            raise UsageError(f"--table-engine wants TABLE=ENGINE, got {pair!r}")
        out[table] = engine
    return out


def _demo_comparison(result: pipeline.SynthResult) -> list[tuple[str, str, str]]:
    real, fake = result.source_frames, result.synthetic_frames
    rows: list[tuple[str, str, str]] = []
    for table in ("patients", "lab_results", "treatments"):
        rows.append((f"{table} rows", str(len(real[table])), str(len(fake[table]))))
    for label, table, column, fn in (
            ("mean age", "patients", "age", "mean"), ("std age", "patients", "age", "std"),
            ("share female", "patients", "sex", "F"), ("mean lab value", "lab_results", "value", "mean"),
            ("mean treatment cost", "treatments", "cost", "mean")):
        rows.append((label, _stat(real[table][column], fn), _stat(fake[table][column], fn)))
    per_patient = (len(real["lab_results"]) / max(1, len(real["patients"])),
                   len(fake["lab_results"]) / max(1, len(fake["patients"])))
    rows.append(("lab results per patient", f"{per_patient[0]:.2f}", f"{per_patient[1]:.2f}"))
    return rows


def _stat(values: Any, fn: str) -> str:
    import pandas as pd

    if fn in ("mean", "std"):
        nums = pd.to_numeric(values.map(float), errors="coerce")
        return f"{getattr(nums, fn)():.2f}"
    return f"{(values == fn).mean():.3f}"


def _render_result(result: pipeline.SynthResult, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result.to_dict(), indent=2, default=str))
        return
    out.print(_integrity_table(result.integrity))
    status = "[green]integrity OK[/green]" if result.integrity.ok else "[red]integrity FAILED[/red]"
    total = sum(result.rows.values())
    out.print(f"{status}: {total} rows in {len(result.rows)} tables written to {result.target}")
    created = result.objects.get("created", {})
    missing = result.objects.get("not_created", [])
    if created or missing:
        made = ", ".join(f"{n} {kind}" for kind, n in sorted(created.items())) or "none"
        out.print(f"schema objects created: {made}"
                  + (f"; {len(missing)} not created (listed in the warnings, and as "
                     f"\"objects\" in --json)" if missing else ""), highlight=False)


GAPS_EXIT_CODE = 4


def _exit_on_gaps(results: list[pipeline.SynthResult]) -> None:
    """A copy with columns dbsynth could not model (written NULL, or neutral values) is
    written and checked, but not what was asked: say so in one line and exit 4."""
    gaps = [gap for result in results for gap in result.gaps]
    if gaps:
        err.print(f"warning: {len(gaps)} column(s) written without a model of their values "
                  f"(listed above, and as \"gaps\" in --json): exit {GAPS_EXIT_CODE}", highlight=False)
        raise typer.Exit(GAPS_EXIT_CODE)


def _integrity_table(report: IntegrityReport) -> RichTable:
    grid = RichTable(title="integrity in the target")
    for col in ("table", "rows", "orphans", "duplicate keys", "NOT NULL violations"):
        grid.add_column(col, justify="right" if col != "table" else "left")
    for t in report.tables:
        rows = str(t.rows) if t.expected is None or t.expected == t.rows else f"{t.rows} (asked {t.expected})"
        grid.add_row(t.table, rows, str(t.orphans), str(t.duplicates), str(t.null_violations))
    for v in report.violations:
        grid.add_row(f"[red]{v.table}[/red]", "", "", "", f"[red]{v.kind}: {v.detail} ({v.count})[/red]")
    return grid


@app.command()
def clean(target: Annotated[str, typer.Argument(metavar="TARGET", help="DuckDB target: duckdb:///file.duckdb, the file's path, or a folder; or a csv:/// or parquet:/// folder target.")],
          as_json: JsonOpt = False) -> None:
    """Remove the hidden files (.NAME.dbsynth-new-PID-…@HOST, .wal) a killed write to a new DuckDB file, or to a folder of files, left."""
    with _errors():
        removed = pipeline.clean(target)
    if as_json:
        print(json.dumps({"removed": [str(p) for p in removed]}, indent=2))
        return
    for path in removed:
        out.print(f"removed {escape(str(path))}", highlight=False)
    out.print(f"{len(removed)} leftover file(s) removed", highlight=False)


ConfigOpt = Annotated[Path | None, typer.Option("--config", metavar="FILE", help="Service config file (YAML; default: $DBSYNTH_CONFIG, else environment variables only).")]
db_app = typer.Typer(no_args_is_help=True, help="The service's job catalog.")
app.add_typer(db_app, name="db")


def _service_extra() -> None:
    """The service's packages are an extra: say how to get them, in one line."""
    from dbsynth.errors import UsageError
    from dbsynth.service import SERVICE_EXTRA_HINT

    try:
        import alembic  # noqa: F401
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise UsageError(SERVICE_EXTRA_HINT) from None


@app.command()
def serve(config: ConfigOpt = None,
          host: Annotated[str, typer.Option(metavar="ADDRESS", help="Address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(metavar="N", help="Port to listen on.")] = 8080,
          upgrade: Annotated[bool, typer.Option("--upgrade", help="Upgrade a catalog that is behind this dbsynth first (a missing catalog is always created).")] = False) -> None:
    """Run the HTTP service: jobs (synth, train, generate, refresh, report) over named connections."""
    with _errors():
        _service_extra()
        from dbsynth.service.server import serve as run_service

        run_service(config, host, port, upgrade)


@db_app.command("upgrade")
def db_upgrade(config: ConfigOpt = None) -> None:
    """Create or upgrade the service's job catalog to the current schema."""
    with _errors():
        _service_extra()
        from dbsynth.service.server import upgrade_catalog

        where, revision = upgrade_catalog(config)
    out.print(f"catalog {where} is at revision {revision}", highlight=False)


@contextmanager
def _errors() -> Iterator[None]:
    """Turn failures into one line on stderr and an exit code."""
    try:
        yield
    except DbsynthError as exc:
        err.print(f"[red]error:[/red] {escape(mask_secrets(exc.message))}", highlight=False, soft_wrap=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        err.print("interrupted; the target was left as it was")
        raise typer.Exit(130) from None
    except MemoryError:
        err.print("[red]error:[/red] out of memory (try a smaller --scale or --sample-rows, or a "
                  "DuckDB URL's ?memory_limit=)", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except Exception as exc:  # noqa: BLE001 - last line of defence: never a traceback
        if os.environ.get("DBSYNTH_DEBUG"):
            raise
        first = mask_secrets(str(exc).strip().splitlines()[0]) if str(exc).strip() else ""
        err.print(f"[red]internal error:[/red] {type(exc).__name__}: {escape(first)} "
                  "(set DBSYNTH_DEBUG=1 for the traceback)", highlight=False, soft_wrap=True)
        raise typer.Exit(70) from None


@contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[str, str, int], None]]:
    """Progress on stderr, silent with --json: bars with rows/s per table on a terminal,
    otherwise one line per step (with rows/s once a table's step has rows), for logs."""
    if quiet:
        yield lambda stage, table, rows: None
    elif err.is_terminal:
        with _ProgressBars() as bars:
            yield bars.report
    else:
        yield _ProgressLines().report


_STAGE_LABELS = {"read": "read", "generate": "generating", "load": "loading", "fit": "learning",
                 "commit": "committing", "check": "checking integrity"}


def _rate(rows: int, seconds: float) -> str:
    if rows <= 0 or seconds <= 0:
        return ""
    per_second = rows / seconds
    return (f"{per_second / 1e6:.2f} M rows/s" if per_second >= 1e6
            else f"{per_second / 1e3:.1f} k rows/s" if per_second >= 1e3
            else f"{per_second:.0f} rows/s")


class _ProgressLines:
    """One line per progress event; the rate counts from the step's first event."""

    def __init__(self) -> None:
        self.started: dict[tuple[str, str], float] = {}

    def report(self, stage: str, table: str, rows: int) -> None:
        if stage == "expect":
            return
        what = _STAGE_LABELS.get(stage, stage)
        if not table:
            err.print(f"  {what}", highlight=False)
            return
        now = time.perf_counter()
        began = self.started.setdefault((stage, table), now)
        count = f"{rows:>12,} rows" if rows or stage == "read" else ""
        err.print(f"  {what:<11} {table:<28} {count}  {_rate(rows, now - began)}".rstrip(),
                  highlight=False)


class _ProgressBars:
    """A rich bar per table and step, with its rows and rows/s."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bars = Progress(TextColumn("{task.description}"), BarColumn(bar_width=24),
                             TextColumn("{task.completed:>12,.0f} rows"),
                             TextColumn("{task.fields[rate]:>16}"), TimeElapsedColumn(),
                             console=err)
        self.tasks: dict[tuple[str, str], Any] = {}
        self.expected: dict[str, int] = {}
        self.started: dict[tuple[str, str], float] = {}

    def __enter__(self) -> _ProgressBars:
        self.bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bars.stop()

    def report(self, stage: str, table: str, rows: int) -> None:
        if stage == "expect":
            self.expected[table] = rows
            return
        what = _STAGE_LABELS.get(stage, stage)
        if not table:
            self.bars.console.print(f"  {what}", highlight=False)
            return
        key = (stage, table)
        now = time.perf_counter()
        if key not in self.tasks:
            total = self.expected.get(table) if stage == "load" else None
            self.tasks[key] = self.bars.add_task(f"  {what:<11} {table:<28}", total=total, rate="")
            self.started[key] = now
        rate = _rate(rows, now - self.started[key])
        if stage == "load" or not rows:
            self.bars.update(self.tasks[key], completed=rows, rate=rate)
        else:  # other steps report a table once, when it is done: a full bar
            self.bars.update(self.tasks[key], completed=rows, total=rows, rate=rate)


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM (docker stop, a scheduler's kill) unwinds like Ctrl-C: transactions roll back
    and a scale-out run drops its staging schema, instead of dying mid-write."""
    raise KeyboardInterrupt


def main() -> None:
    logging.basicConfig(format="warning: %(message)s", level=logging.WARNING, stream=sys.stderr)
    for handler in logging.getLogger().handlers:
        handler.addFilter(MaskingFilter())  # a warning quoting a URL shows it masked
    signal.signal(signal.SIGTERM, _terminated)
    # click's exception base (newer typer vendors its own copy of click: take it from typer)
    click_error = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
    try:
        code = app(standalone_mode=False)
    except click_error as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `dbsynth` or `dbsynth db`: the help
            exc.show()
            sys.exit(exc.exit_code)
        ctx = getattr(exc, "ctx", None)  # a flag the parser rejects: one line, like ours
        where = f" (see {ctx.command_path} --help)" if ctx is not None else ""
        message = " ".join(exc.format_message().split())
        err.print(f"[red]error:[/red] {escape(message)}{escape(where)}", highlight=False,
                  soft_wrap=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
