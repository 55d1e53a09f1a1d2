"""Databases built for tests: frames read and written through dbsynth's connectors, key-less
copies, demo pairs with known relations, broken copies.

Shared with ``benchmarks/sdmetrics_crosscheck.py``, which computes the SDMetrics figures stored
in ``tests/data/sdmetrics_crosscheck.json`` from the same pairs.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from dbsynth.connectors.registry import connect
from dbsynth.demo import build_demo_source
from dbsynth.schema.graph import build_plan
from dbsynth.schema.model import Schema
from dbsynth.writer.load import write_database


def read_frames(url: str) -> tuple[Schema, dict[str, pd.DataFrame]]:
    source = connect(url, schema=None, role="source")
    try:
        schema = source.introspect()
        return schema, {t.name: source.read_table(t) for t in schema.tables}
    finally:
        source.close()


def write_frames(url: str, schema: Schema, frames: dict[str, pd.DataFrame], with_fks: bool = True,
                 with_keys: bool = True) -> str:
    """Write ``frames`` into a fresh database; without FK constraints (broken copies), or
    without any key at all (what key inference must recover)."""
    if not with_fks or not with_keys:
        schema = replace(schema, tables=tuple(replace(t, foreign_keys=()) for t in schema.tables))
    if not with_keys:
        schema = replace(schema, tables=tuple(replace(t, primary_key=None, uniques=()) for t in schema.tables))
    target = connect(url, schema=None, role="target")
    try:
        write_database(target, schema, build_plan(schema), frames)
    finally:
        target.close()
    return url


def shuffled(schema: Schema, frames: dict[str, pd.DataFrame], seed: int = 0) -> dict[str, pd.DataFrame]:
    """Every non-key column shuffled on its own: marginals kept, every relation destroyed."""
    rng = np.random.default_rng(seed)
    out = {}
    for table in schema.tables:
        keys = set(table.primary_key.columns if table.primary_key else ())
        keys |= {c for fk in table.foreign_keys for c in fk.columns} | {c for u in table.uniques for c in u.columns}
        frame = frames[table.name].copy()
        for column in frame.columns:
            if column not in keys:
                frame[column] = frame[column].to_numpy()[rng.permutation(len(frame))]
        out[table.name] = frame
    return out


def build_demo_pairs(folder: Path) -> dict[str, tuple[str, str]]:
    """``demo_independent``: the demo against an independent draw of the same hospital;
    ``demo_shuffled``: against a copy of itself with every column shuffled."""
    real, other = folder / "real.duckdb", folder / "independent.duckdb"
    build_demo_source(real, seed=7)
    build_demo_source(other, seed=8)
    schema, frames = read_frames(f"duckdb:///{real}")
    broken = write_frames(f"duckdb:///{folder / 'shuffled.duckdb'}", schema, shuffled(schema, frames))
    return {"demo_independent": (f"duckdb:///{real}", f"duckdb:///{other}"),
            "demo_shuffled": (f"duckdb:///{real}", broken)}


def kill_mid_load(source_url: str, target_url: str) -> int:
    """SIGKILL ``dbsynth synth SOURCE TARGET --scale 10`` once it reports loading patients
    (the demo's first table); returns the killed pid. Fails if the load finished first."""
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "dbsynth.cli", "synth", source_url, target_url, "--scale", "10"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    assert proc.stderr is not None
    deadline = time.monotonic() + 240
    for line in proc.stderr:
        if "loading" in line and "patients" in line:
            time.sleep(0.05)
            proc.send_signal(signal.SIGKILL)
            break
        assert time.monotonic() < deadline
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the load finished before it could be killed"
    return proc.pid
