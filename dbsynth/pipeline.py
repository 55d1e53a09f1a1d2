"""The one pipeline the CLI and the service call: connector → schema → plan → model → writer → checks.

Nothing here prints or parses flags; progress leaves through a callback.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from dbsynth.connectors.registry import connect
from dbsynth.errors import IntegrityError, UnsafeTargetError, UsageError
from dbsynth.model.marginal import MarginalModel
from dbsynth.schema.graph import LoadPlan, build_plan
from dbsynth.schema.model import Schema
from dbsynth.writer.integrity import IntegrityReport, check_integrity
from dbsynth.writer.load import refuse_unsafe_target, write_database

#: progress(stage, table, rows): stage is read | fit | generate | load | commit | check
Progress = Callable[[str, str, int], None]

MIN_SCALE, MAX_SCALE = 0.1, 10.0


def _quiet(stage: str, table: str, rows: int) -> None:
    """Default progress callback: report nothing."""


@dataclass
class Inspection:
    schema: Schema
    plan: LoadPlan
    url: str

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "schema": self.schema.to_dict(), "plan": self.plan.to_dict()}


@dataclass
class SynthResult:
    source: str
    target: str
    rows: dict[str, int]
    integrity: IntegrityReport
    seconds: dict[str, float] = field(default_factory=dict)
    source_frames: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    synthetic_frames: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "rows": self.rows,
                "integrity": self.integrity.to_dict(), "seconds": self.seconds}


def inspect(url: str, schema: str | None = None) -> Inspection:
    """Read a database's schema and derive its load plan."""
    connector = connect(url, schema=schema, role="source")
    try:
        read = connector.introspect()
    finally:
        connector.close()
    return Inspection(read, build_plan(read), connector.display_url)


def synth(source_url: str, target_url: str, *, scale: float = 1.0, seed: int = 0,
          replace: bool = False, source_schema: str | None = None,
          target_schema: str | None = None, progress: Progress = _quiet) -> SynthResult:
    """Learn the source and write a synthetic copy into the target, then prove its integrity.

    Raises :class:`IntegrityError` (after the target is written) when a check fails.
    """
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise UsageError(f"--scale must be between {MIN_SCALE} and {MAX_SCALE}, got {scale}")
    timings: dict[str, float] = {}
    source = connect(source_url, schema=source_schema, role="source")
    try:
        target_schema = target_schema or (source_schema if _same_dialect(source_url, target_url) else None)
        target = connect(target_url, schema=target_schema, role="target")
        if target.location == source.location:
            raise UnsafeTargetError(
                f"target {target.display_url} is the source; dbsynth never writes into a source")
        started = time.perf_counter()
        schema = source.introspect()
        plan = build_plan(schema)
        refuse_unsafe_target(target, schema, replace)
        frames: dict[str, pd.DataFrame] = {}
        for name in plan.order:
            frames[name] = source.read_table(schema.table(name))
            progress("read", name, len(frames[name]))
        timings["read"] = time.perf_counter() - started
    finally:
        source.close()
    try:
        started = time.perf_counter()
        progress("fit", "", len(frames))
        model = MarginalModel.fit(schema, frames)
        timings["fit"] = time.perf_counter() - started
        started = time.perf_counter()
        synthetic = model.sample(plan, scale=scale, seed=seed)
        for name in plan.order:
            progress("generate", name, len(synthetic[name]))
        timings["generate"] = time.perf_counter() - started
        started = time.perf_counter()
        write_database(target, schema, plan, synthetic, replace=replace, progress=progress)
        timings["load"] = time.perf_counter() - started
        started = time.perf_counter()
        progress("check", "", 0)
        report = check_integrity(target, schema)
        timings["check"] = time.perf_counter() - started
    finally:
        target.close()
    result = SynthResult(source.display_url, target.display_url,
                         {n: len(synthetic[n]) for n in plan.order}, report, timings,
                         frames, synthetic)
    if not report.ok:
        first = report.violations[0]
        raise IntegrityError(
            f"integrity check failed in the target: {len(report.violations)} violation(s), "
            f"first: {first.kind} in {first.detail} ({first.count})",
            [v.__dict__ for v in report.violations], result)
    return result


def _same_dialect(a: str, b: str) -> bool:
    return a.split(":", 1)[0].split("+")[0] == b.split(":", 1)[0].split("+")[0]
