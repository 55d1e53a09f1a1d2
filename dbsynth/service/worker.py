"""One job, in its own OS process: ``python -m dbsynth.service.worker JOB_ID [--config F]``.

The dispatcher marks the job ``running`` and starts this process; it calls the pipeline with a
progress callback that writes per-table progress into the catalog (at most every 0.5 s), and
finishes the job with its result or its one-line error. Cancelling is killing this process:
the pipeline writes the target in one transaction, so a killed job leaves the target as it
was. If the service process dies, this process exits too (its job is then marked failed by
the next service start), so no orphan keeps writing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import update

from dbsynth import pipeline
from dbsynth.defaults import AUDIT_HOLDOUT
from dbsynth.errors import DbsynthError, IntegrityError, ModelError, UsageError
from dbsynth.service.catalog import COMMIT_STAGE, Catalog, Job, Model, new_id, utcnow
from dbsynth.service.config import ServiceConfig, load_config

PROGRESS_INTERVAL = 0.5  # seconds between two progress writes of one job
PARENT_CHECK_INTERVAL = 1.0


class JobCancelled(DbsynthError):
    """The job was cancelled while it ran; nothing was committed."""


class ProgressWriter:
    """The pipeline's progress callback, kept in memory and written to the catalog throttled."""

    def __init__(self, catalog: Catalog, job_id: str, interval: float = PROGRESS_INTERVAL) -> None:
        self.catalog, self.job_id, self.interval = catalog, job_id, interval
        self.state: dict[str, Any] = {"stage": "", "tables": {}}
        self.written = 0.0
        self.lock = threading.Lock()  # the next table is generated (and reported) by a thread

    def __call__(self, stage: str, table: str, rows: int) -> None:
        with self.lock:
            self._report(stage, table, rows)

    def _report(self, stage: str, table: str, rows: int) -> None:
        if stage == COMMIT_STAGE:
            self.claim_commit(rows)
            return
        if stage == "expect":
            self.state["tables"].setdefault(table, {"stage": "", "rows": 0})["expected"] = rows
            return
        changed = stage != self.state["stage"]
        self.state["stage"] = stage
        if table:
            entry = self.state["tables"].setdefault(table, {"stage": "", "rows": 0})
            changed = changed or entry["stage"] != stage
            entry.update(stage=stage, rows=int(rows))
        # A new step shows at once (a few per table); row counts within a step are throttled.
        if changed or time.monotonic() - self.written >= self.interval:
            self.flush()

    def claim_commit(self, rows: int) -> None:
        """Called just before the target's commit: from here on the job is written, so a
        cancel must lose. If a cancel won first, stop here: the transaction rolls back."""
        self.state["stage"] = COMMIT_STAGE
        if not self.catalog.claim_commit(self.job_id, jsonable(self.state)):
            raise JobCancelled("the job was cancelled before its target was committed")
        self.written = time.monotonic()

    def flush(self) -> None:
        self.catalog.set_progress(self.job_id, jsonable(self.state))
        self.written = time.monotonic()


@dataclass
class Outcome:
    """What a job produced: its result, and for a train job the model row to add with it."""

    result: dict[str, Any]
    model: Model | None = None


Step = Callable[[Job, ServiceConfig, Catalog, ProgressWriter], Outcome]


def _url(config: ServiceConfig, name: str) -> str:
    connection = config.connections.get(name)
    if connection is None:
        raise UsageError(f"unknown connection {name!r} (no longer in the service config)")
    return connection.url


def _write_report(config: ServiceConfig, job_id: str, found: dict[str, Any]) -> dict[str, Any]:
    config.reports_dir.mkdir(parents=True, exist_ok=True)
    path = config.reports_dir / f"{job_id}.json"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(jsonable(found), allow_nan=False), encoding="utf-8")
    temporary.replace(path)
    return jsonable(found.get("summary", {}))


def _training_rows(p: dict[str, Any]) -> int:
    """A job's training sample per table: its own, else the pipeline's default (never whole
    tables by omission)."""
    return int(p.get("sample_rows") or pipeline.DEFAULT_SAMPLE_ROWS)


def run_synth(job: Job, config: ServiceConfig, catalog: Catalog, progress: ProgressWriter) -> Outcome:
    p = job.params
    source, target = _url(config, p["source"]), _url(config, p["target"])
    written = pipeline.synth(source, target, scale=p["scale"], seed=p["seed"], replace=p["replace"],
                             sample_rows=_training_rows(p), progress=progress,
                             rows=p.get("rows"), table_scale=p.get("table_scale"),
                             where=p.get("where"), only_related=bool(p.get("only_related")),
                             holdout=AUDIT_HOLDOUT if p.get("audit") else 0.0,
                             keep_frames=False)  # the result is its dict: no frames in memory
    result = written.to_dict()
    if p.get("report") or p.get("audit"):
        # The target is written: the job succeeds whatever the report does; a failed
        # report is said in the result, not in the job's status.
        progress("report", "", 0)
        try:
            found = pipeline.report(source, target, sample_rows=p.get("sample_rows"),
                                    seed=p["seed"], scale=p["scale"], asked=written.asked,
                                    control=written.control, progress=progress)
            result["report_summary"] = _write_report(config, job.id, found)
        except Exception as exc:  # noqa: BLE001 - a written target is never a failed job
            message = exc.message if isinstance(exc, DbsynthError) else f"{type(exc).__name__}: {exc}"
            result["report_error"] = config.scrub(message.strip().splitlines()[0] if message.strip() else "")
    return Outcome(result)


def control_path(model_path: Path) -> Path:
    """Where a holdout train job keeps its held-out keys: beside the model file, never in it."""
    return model_path.with_suffix(".control.json")


def _model_control(catalog: Catalog, model_id: str) -> dict[str, Any]:
    """The control set of a stored model trained with a holdout; anything else is one line."""
    row = catalog.get_model(model_id)
    if row is None:
        raise ModelError(f"model {model_id} does not exist")
    path = control_path(Path(row.path))
    if not path.exists():
        raise UsageError(f"model {model_id} was trained without a holdout: it has no control set "
                         "(train it with holdout, e.g. 0.2)")
    return json.loads(path.read_text(encoding="utf-8"))


def run_report(job: Job, config: ServiceConfig, catalog: Catalog, progress: ProgressWriter) -> Outcome:
    p = job.params
    control = _model_control(catalog, p["model"]) if p.get("model") else None
    found = pipeline.report(_url(config, p["source"]), _url(config, p["target"]),
                            sample_rows=p.get("sample_rows"), seed=p["seed"], scale=p.get("scale"),
                            control=control, progress=progress)
    return Outcome({"report_summary": _write_report(config, job.id, found)})


def run_train(job: Job, config: ServiceConfig, catalog: Catalog, progress: ProgressWriter) -> Outcome:
    p = job.params
    trained = pipeline.train(_url(config, p["source"]), sample_rows=_training_rows(p),
                             seed=p["seed"], progress=progress, holdout=float(p.get("holdout") or 0.0))
    model_id = new_id()
    config.models_dir.mkdir(parents=True, exist_ok=True)
    path = config.models_dir / f"{model_id}.dbsynth"
    pipeline.save(trained, path)
    if trained.control is not None:
        temporary = control_path(path).with_suffix(".tmp")
        temporary.write_text(json.dumps(jsonable(trained.control)), encoding="utf-8")
        temporary.replace(control_path(path))
    tables = [t.name for t in trained.model.schema.tables]
    # The model row is added with the job's success (see _finish), so a cancelled train
    # job never leaves a model behind in the catalog.
    row = Model(id=model_id, name=p["name"], source=p["source"], path=str(path),
                created_at=utcnow(), size=path.stat().st_size, tables=tables)
    return Outcome({"model": {"id": model_id, "name": p["name"], "tables": tables,
                              "holdout": float(p.get("holdout") or 0.0)},
                    "seconds": trained.seconds}, row)


def run_generate(job: Job, config: ServiceConfig, catalog: Catalog, progress: ProgressWriter) -> Outcome:
    p = job.params
    row = catalog.get_model(p["model"])
    if row is None:
        raise ModelError(f"model {p['model']} no longer exists")
    model = pipeline.load(Path(row.path))
    return Outcome(pipeline.generate(model, _url(config, p["target"]), scale=p["scale"],
                                     seed=p["seed"], replace=p["replace"], progress=progress,
                                     rows=p.get("rows"), table_scale=p.get("table_scale"),
                                     where=p.get("where"),
                                     only_related=bool(p.get("only_related")),
                                     keep_frames=False).to_dict())


def run_refresh(job: Job, config: ServiceConfig, catalog: Catalog, progress: ProgressWriter) -> Outcome:
    p = job.params
    found = pipeline.refresh(
        _url(config, p["source"]), _url(config, p["target"]), on_drift=p["on_drift"],
        dry_run=p["dry_run"], include=tuple(p["include"]), exclude=tuple(p["exclude"]),
        scale=p["scale"], seed=p["seed"], sample_rows=_training_rows(p), progress=progress,
        rows=p.get("rows"), table_scale=p.get("table_scale"), where=p.get("where"),
        only_related=bool(p.get("only_related")))
    return Outcome(found.to_dict())


STEPS: dict[str, Step] = {"synth": run_synth, "report": run_report, "train": run_train,
                          "generate": run_generate, "refresh": run_refresh}


def run(job_id: str, config: ServiceConfig) -> int:
    """Run one job the dispatcher marked running; returns the process exit code."""
    catalog = Catalog(config.catalog_url)
    try:
        job = catalog.get_job(job_id)
        if job is None or job.status != "running":
            return 2
        progress = ProgressWriter(catalog, job_id)
        try:
            outcome = STEPS[job.kind](job, config, catalog, progress)
        except JobCancelled:
            return 1  # the job is already marked cancelled
        except DbsynthError as exc:
            progress.flush()
            catalog.transition(job_id, ["running"], "failed", error=config.scrub(exc.message),
                               result=_partial_result(exc))
            return 1
        except Exception as exc:  # noqa: BLE001 - a job never ends without a status
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            progress.flush()
            catalog.transition(job_id, ["running"], "failed",
                               error=config.scrub(f"internal error: {type(exc).__name__}: {first}"))
            return 1
        progress.flush()
        _finish(catalog, job.id, outcome)
        return 0
    finally:
        catalog.close()


def _partial_result(exc: DbsynthError) -> dict[str, Any] | None:
    """What a failed job still has to show: the written copy's summary when its integrity
    check failed, the plan when a refresh stopped on drift."""
    if isinstance(exc, IntegrityError) and hasattr(exc.result, "to_dict"):
        return jsonable(exc.result.to_dict())
    plan = getattr(exc, "plan", None)
    if hasattr(plan, "to_dict"):
        return jsonable({"plan": plan.to_dict()})
    return None


def _finish(catalog: Catalog, job_id: str, outcome: Outcome) -> None:
    """Mark the job succeeded (only if it still runs) and add its model in the same transaction."""
    with catalog.session() as session:
        moved = session.execute(update(Job).where(Job.id == job_id, Job.status == "running")
                                .values(status="succeeded", result=jsonable(outcome.result),
                                        finished_at=utcnow()))
        if outcome.model is None:
            return
        if moved.rowcount:  # type: ignore[attr-defined]
            session.add(outcome.model)
        else:  # cancelled meanwhile: the model file (and its control set) belongs to nobody
            Path(outcome.model.path).unlink(missing_ok=True)
            control_path(Path(outcome.model.path)).unlink(missing_ok=True)


def jsonable(value: Any) -> Any:
    """JSON-ready data: numpy scalars as numbers, NaN/inf as null, anything else as text."""
    def default(item: Any) -> Any:
        return item.item() if hasattr(item, "item") else str(item)

    return json.loads(json.dumps(value, default=default), parse_constant=lambda _: None)


def _exit_with_parent() -> None:
    """Exit (without committing anything) when the service process that started us is gone."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(PARENT_CHECK_INTERVAL)
            if os.getppid() != parent:
                os._exit(75)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dbsynth.service.worker")
    parser.add_argument("job_id")
    parser.add_argument("--config", type=Path, default=None)
    args = parser.parse_args(argv)
    _exit_with_parent()
    try:
        config = load_config(args.config)
    except DbsynthError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    return run(args.job_id, config)


if __name__ == "__main__":
    sys.exit(main())
