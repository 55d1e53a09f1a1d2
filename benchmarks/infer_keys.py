"""Key inference on a generated wide schema: time, data queries, recall and precision.

Run:
    python benchmarks/infer_keys.py [--tables 300] [--rows 200] [--out results.json]

Builds a DuckDB file of ``--tables`` tables that declare no keys at all: each table has its
own ``<table>_id``, one to three references to earlier tables (chains and fan-out, some with a
role prefix such as ``billing_``), and non-key integer, text and date columns that must not be
taken for keys. Then runs ``dbsynth``'s inference as ``dbsynth inspect`` does and scores it
against the keys the generator knows.
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

WORDS = ("account", "order", "invoice", "product", "region", "store", "supplier", "shipment",
         "campaign", "ticket", "device", "contract", "payment", "course", "project", "asset")


def table_name(i: int) -> str:
    return f"{WORDS[i % len(WORDS)]}_{i:04d}"


def build(path: Path, tables: int, rows: int, seed: int) -> tuple[set[tuple[str, str]], set[tuple[str, str, str]]]:
    """Write the key-less database; return the true primary and foreign keys."""
    rng = np.random.default_rng(seed)
    con = duckdb.connect(str(path))
    pks: set[tuple[str, str]] = set()
    fks: set[tuple[str, str, str]] = set()
    for i in range(tables):
        name = table_name(i)
        columns = [f"{name}_id INTEGER"]
        values = [np.arange(1, rows + 1)]
        pks.add((name, f"{name}_id"))
        parents = sorted(set(rng.integers(max(0, i - 20), i, size=rng.integers(1, 4)))) if i else []
        for p in parents:
            parent = table_name(int(p))
            prefix = "billing_" if rng.random() < 0.2 else ""
            columns.append(f"{prefix}{parent}_id INTEGER")
            values.append(rng.integers(1, rows + 1, size=rows))
            fks.add((name, f"{prefix}{parent}_id", parent))
        columns += ["quantity INTEGER", "label VARCHAR", "created DATE"]
        values += [rng.integers(1, 50, size=rows), None, None]
        con.execute(f"CREATE TABLE {name} ({', '.join(columns)})")
        frame = {c.split()[0]: v for c, v in zip(columns, values) if v is not None}
        frame["label"] = np.array([f"x{k}" for k in rng.integers(0, 30, size=rows)])
        frame["created"] = np.datetime64("2024-01-01") + rng.integers(0, 365, size=rows)
        con.register("frame", pd.DataFrame(frame))
        con.execute(f"INSERT INTO {name} SELECT * FROM frame")
        con.unregister("frame")
    con.close()
    return pks, fks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=300)
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="dbsynth-infer-"))
    path = folder / "wide.duckdb"
    started = time.perf_counter()
    true_pks, true_fks = build(path, args.tables, args.rows, args.seed)
    build_seconds = time.perf_counter() - started
    started = time.perf_counter()
    found = pipeline.inspect(f"duckdb:///{path}")
    inspect_seconds = time.perf_counter() - started
    assert found.inference is not None
    got_pks = {(t.name, ",".join(t.primary_key.columns)) for t in found.schema.tables if t.primary_key}
    got_fks = {(t.name, ",".join(fk.columns), fk.ref_table) for t in found.schema.tables
               for fk in t.foreign_keys}
    hit = len(got_fks & true_fks)
    results = {
        "tables": args.tables, "rows_per_table": args.rows,
        "columns": sum(len(t.columns) for t in found.schema.tables),
        "build_seconds": round(build_seconds, 2),
        "inspect_seconds": round(inspect_seconds, 2),
        "inference_seconds": round(found.inference.seconds, 2),
        "seconds_per_table": round(found.inference.seconds / args.tables, 4),
        "candidates": found.inference.candidates, "data_queries": found.inference.queries,
        "pk_exact": got_pks == true_pks,
        "fk_recall": round(hit / len(true_fks), 4), "fk_precision": round(hit / max(1, len(got_fks)), 4),
        "true_fks": len(true_fks),
    }
    print(json.dumps(results, indent=2))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
