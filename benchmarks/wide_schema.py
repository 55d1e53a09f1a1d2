"""A wide schema end to end: inspect, train and generate on a generated database of many tables.

Run:
    python benchmarks/wide_schema.py [--tables 250] [--rows 200] [--out results.json]

Builds a DuckDB file of ``--tables`` tables with declared keys — chains (each table references
one of the few before it) and fan-out (early tables are referenced by many) — a few data
columns each (a number depending on the parent's, a category, a date), then times
``dbsynth inspect``, ``train`` and ``synth`` into a second DuckDB file, and reports seconds per
table, so one can see whether time per table stays flat as the schema widens.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from dbsynth import pipeline


def build(path: Path, tables: int, rows: int, seed: int) -> int:
    """Write the database; return its number of foreign keys."""
    rng = np.random.default_rng(seed)
    con = duckdb.connect(str(path))
    fks = 0
    values: dict[int, np.ndarray] = {}
    for i in range(tables):
        parents = sorted(set(rng.integers(max(0, i - 5), i, size=rng.integers(1, 3)))) if i else []
        if i and rng.random() < 0.3:
            parents = sorted(set(parents) | {int(rng.integers(0, min(i, 5)))})  # fan-out to early tables
        columns = [f"t{i}_id INTEGER PRIMARY KEY"]
        frame: dict[str, np.ndarray] = {f"t{i}_id": np.arange(1, rows + 1)}
        amount = rng.gamma(2.0, 50.0, size=rows)
        for p in parents:
            columns.append(f"t{p}_id INTEGER NOT NULL REFERENCES t{p} (t{p}_id)")
            links = rng.integers(1, rows + 1, size=rows)
            frame[f"t{p}_id"] = links
            amount = amount + 0.5 * values[p][links - 1]
            fks += 1
        values[i] = amount
        columns += ["amount DOUBLE", "status VARCHAR", "created DATE"]
        frame["amount"] = amount.round(2)
        frame["status"] = rng.choice(["new", "open", "closed"], size=rows, p=[0.2, 0.5, 0.3])
        frame["created"] = np.datetime64("2024-01-01") + rng.integers(0, 365, size=rows)
        con.execute(f"CREATE TABLE t{i} ({', '.join(columns)})")
        con.register("frame", pd.DataFrame(frame))
        con.execute(f"INSERT INTO t{i} SELECT * FROM frame")
        con.unregister("frame")
    con.close()
    return fks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=250)
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="dbsynth-wide-"))
    source, target = folder / "wide.duckdb", folder / "wide_synthetic.duckdb"
    fks = build(source, args.tables, args.rows, args.seed)
    url = f"duckdb:///{source}"
    timings = {}
    started = time.perf_counter()
    found = pipeline.inspect(url)
    timings["inspect"] = time.perf_counter() - started
    started = time.perf_counter()
    trained = pipeline.train(url)
    timings["train"] = time.perf_counter() - started
    started = time.perf_counter()
    result = pipeline.synth(url, f"duckdb:///{target}")
    timings["synth"] = time.perf_counter() - started
    results = {
        "tables": args.tables, "rows_per_table": args.rows, "foreign_keys": fks,
        "load_order_length": len(found.plan.order),
        "seconds": {k: round(v, 2) for k, v in timings.items()},
        "seconds_per_table": {k: round(v / args.tables, 4) for k, v in timings.items()},
        "synth_stages": {k: round(v, 2) for k, v in result.seconds.items()},
        "synthetic_rows": sum(result.rows.values()), "integrity_ok": result.integrity.ok,
        "trained_tables": len(trained.model.tables),
    }
    print(json.dumps(results, indent=2))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
