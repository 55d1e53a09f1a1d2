"""The attack audit on the demo and Chinook: a dbsynth copy, a verbatim copy of the trained-on
rows, and a dbsynth copy with 10% of its rows' values copied from trained-on rows.

Run:
    python benchmarks/privacy_audit.py [--only demo chinook] [--sample-rows 20000]

Each source is trained with a 20% holdout of entities (``pipeline.train(holdout=0.2)``); the
three copies are written to new DuckDB files and reported with the control set; the seconds
the audit adds are the report's time with the control set minus without it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(Path(__file__).resolve().parent)]

from dbsynth import pipeline  # noqa: E402
from dbsynth.demo import build_demo_source  # noqa: E402
from dbsynth.model.holdout import key_texts  # noqa: E402
from databases import read_frames, write_frames  # noqa: E402


def copies(source: str, folder: Path, seed: int = 1) -> tuple[dict[str, str], dict[str, Any]]:
    trained = pipeline.train(source, holdout=0.2, seed=seed)
    good = f"duckdb:///{folder / 'dbsynth.duckdb'}"
    pipeline.generate(trained.model, good, seed=seed)
    schema, real = read_frames(source)
    held = {t: set(c["keys"]) for t, c in trained.control["tables"].items()}
    seen = {t: f[[k not in held.get(t, set()) for k in key_texts(f, schema.table(t).row_key() or ())]]
            if schema.table(t).row_key() else f for t, f in real.items()}
    verbatim = write_frames(f"duckdb:///{folder / 'verbatim.duckdb'}", schema, seen)
    _, synthetic = read_frames(good)
    rng = np.random.default_rng(seed)
    mixed = {}
    for table in schema.tables:
        frame, pool = synthetic[table.name].copy(), seen[table.name]
        keys = set(table.row_key() or ()) | {c for fk in table.foreign_keys for c in fk.columns} \
            | {c for u in table.uniques for c in u.columns}
        data = [c for c in frame.columns if c not in keys]
        n = int(round(0.1 * len(frame)))
        if n and len(pool) and data:
            rows = rng.choice(len(frame), size=n, replace=False)
            picked = rng.choice(len(pool), size=n)
            for c in data:
                values = frame[c].to_numpy(dtype=object, copy=True)
                values[rows] = pool[c].iloc[picked].to_numpy(dtype=object)
                frame[c] = pd.Series(values, index=frame.index).astype(frame[c].dtype, errors="ignore") \
                    if frame[c].dtype != object else values
        mixed[table.name] = frame
    tenth = write_frames(f"duckdb:///{folder / 'tenth.duckdb'}", schema, mixed)
    return {"dbsynth": good, "verbatim trained rows": verbatim, "10% rows copied": tenth}, trained.control


def measure(name: str, source: str, sample_rows: int) -> list[dict[str, Any]]:
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        targets, control = copies(source, Path(tmp))
        for label, target in targets.items():
            started = time.perf_counter()
            found = pipeline.report(source, target, sample_rows=sample_rows, control=control)
            seconds = time.perf_counter() - started
            audit = found["privacy"]["audit"]
            attacks = audit["attacks"]
            entity = attacks["entity"] or {}
            row = {"database": name, "copy": label, "risk": audit["risk"],
                   "reproduction": audit["reproduction_risk"], "attacks": audit["attack_risk"],
                   "entity": {k: round(v["risk"], 3) for k, v in entity.items() if isinstance(v, dict) and "risk" in v},
                   "report_seconds": round(seconds, 1)}
            if label == "dbsynth":
                started = time.perf_counter()
                pipeline.report(source, target, sample_rows=sample_rows)
                row["audit_adds_seconds"] = round(seconds - (time.perf_counter() - started), 1)
            print(json.dumps(row), flush=True)
            out.append(row)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", default=["demo", "chinook"])
    parser.add_argument("--sample-rows", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if "demo" in args.only:
            build_demo_source(Path(tmp) / "demo.duckdb")
            measure("demo", f"duckdb:///{Path(tmp) / 'demo.duckdb'}", args.sample_rows)
        if "chinook" in args.only:
            from corpus import build_chinook, start_postgres

            cluster, stop = start_postgres(None)
            try:
                measure("chinook", build_chinook(cluster).url, args.sample_rows)
            finally:
                stop()


if __name__ == "__main__":
    main()
