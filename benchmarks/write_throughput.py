"""Write throughput of ``dbsynth generate`` against the database's own bulk load of the same rows.

Run:
    python benchmarks/write_throughput.py --scale 10 [--postgres postgresql://user@host/db]

Trains on the demo, generates one synthetic database at ``--scale``, then on each target
engine (a DuckDB file always; PostgreSQL when ``--postgres`` names an empty database):

* **raw load**: the same rows, already rendered in the engine's bulk format before the clock
  starts (CSV text for PostgreSQL ``COPY``, Arrow tables for DuckDB), loaded into plain
  tables, timed from connect to close: the engine's own speed, the ceiling;
* **dbsynth write**: ``write_database`` into an empty target, connect to close — DDL, the load
  through dbsynth's bulk path (rendering included), keys and constraints, commit;
* **dbsynth generate**: model sampling plus the write, as ``dbsynth generate`` runs it.

Each load runs ``--repeat`` times and the best time counts (the machine's noise is larger than
the differences measured). Ratios are rows/s of dbsynth over rows/s of the raw load (the issue's targets: write ≥ 0.5 on
PostgreSQL, ≥ 0.3 on DuckDB).
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd
import psycopg
import pyarrow as pa

from dbsynth import pipeline
from dbsynth.connectors.base import quote_ident
from dbsynth.connectors.duckdb import DuckDBConnector
from dbsynth.connectors.registry import connect
from dbsynth.demo import build_demo_source
from dbsynth.schema.graph import LoadPlan, build_plan
from dbsynth.schema.model import Schema
from dbsynth.writer.load import write_database


def raw_duckdb(path: Path, frames: dict[str, pd.DataFrame]) -> float:
    """Plain tables made from Arrow, timed from connect to close (as dbsynth's write is:
    DuckDB checkpoints a file when its last connection closes)."""
    tables = {n: pa.Table.from_pandas(f, preserve_index=False) for n, f in frames.items()}
    path.unlink(missing_ok=True)
    started = time.perf_counter()
    con = duckdb.connect(str(path))
    con.execute("BEGIN")
    for name, arrow in tables.items():
        con.register("arrow_in", arrow)
        con.execute(f"CREATE TABLE {quote_ident(name)} AS SELECT * FROM arrow_in")
        con.unregister("arrow_in")
    con.execute("COMMIT")
    con.close()
    return time.perf_counter() - started


def raw_postgres(url: str, schema: Schema, frames: dict[str, pd.DataFrame]) -> float:
    from dbsynth.writer.ddl import render_type

    texts = {}
    for name, frame in frames.items():
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False, header=False, na_rep="\\N")
        texts[name] = buffer.getvalue()
    target = connect(url, schema=None, role="target")
    args = target.url.translate_connect_args(username="user", database="dbname")  # type: ignore[attr-defined]
    target.close()
    drop = "; ".join(f"DROP TABLE IF EXISTS raw_{table.name}" for table in schema.tables)
    with psycopg.connect(**args) as conn:
        conn.execute(drop)
    started = time.perf_counter()  # connect to close, as dbsynth's write is timed
    with psycopg.connect(**args) as conn:
        with conn.cursor() as cur:
            for table in schema.tables:
                cols = ", ".join(f"{quote_ident(c.name)} {render_type(c.type, 'postgres')}"
                                 for c in table.columns if c.generated is None)
                cur.execute(f"CREATE TABLE raw_{table.name} ({cols})")
            for name, text in texts.items():
                with cur.copy(f"COPY raw_{name} FROM STDIN WITH (FORMAT csv, NULL '\\N')") as copy:
                    copy.write(text)
        conn.commit()
    seconds = time.perf_counter() - started
    with psycopg.connect(**args) as conn:
        conn.execute(drop)
    return seconds


def timed_write(url: str, schema: Schema, plan: LoadPlan, frames: dict[str, pd.DataFrame]) -> float:
    """dbsynth's write from connect to close, into an empty target (as the raw load starts)."""
    target = connect(url, schema=None, role="target")
    if isinstance(target, DuckDBConnector):
        target.path.unlink(missing_ok=True)
    else:
        write_database(target, schema, plan, {n: f.iloc[:0] for n, f in frames.items()},
                       replace=True)  # emptied, untimed
    target.close()
    started = time.perf_counter()
    target = connect(url, schema=None, role="target")
    write_database(target, schema, plan, frames, replace=True)
    target.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--postgres", help="an empty PostgreSQL database to write into")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs of each load")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="dbsynth-write-"))
    source = folder / "hospital.duckdb"
    build_demo_source(source)
    trained = pipeline.train(f"duckdb:///{source}")
    model = trained.model
    plan = build_plan(model.schema)
    started = time.perf_counter()
    frames = model.sample(plan, scale=args.scale, seed=0)
    sample_seconds = time.perf_counter() - started
    frames = {n: f[list(model.schema.table(n).data_columns)] for n, f in frames.items()}
    rows = sum(len(f) for f in frames.values())
    results: dict[str, object] = {"scale": args.scale, "rows": rows, "sample_seconds": round(sample_seconds, 2)}
    targets = [("duckdb", f"duckdb:///{folder / 'dbsynth.duckdb'}")]
    if args.postgres:
        targets.append(("postgres", args.postgres))
    for engine, url in targets:
        raw = min(raw_duckdb(folder / "raw.duckdb", frames) if engine == "duckdb"
                  else raw_postgres(url, model.schema, frames) for _ in range(args.repeat))
        write = min(timed_write(url, model.schema, plan, frames) for _ in range(args.repeat))
        results[engine] = {
            "raw_load_seconds": round(raw, 3), "raw_rows_per_s": round(rows / raw),
            "dbsynth_write_seconds": round(write, 3), "dbsynth_write_rows_per_s": round(rows / write),
            "write_ratio": round(raw / write, 3),
            "generate_seconds": round(sample_seconds + write, 3),
            "generate_ratio": round(raw / (sample_seconds + write), 3),
        }
    print(json.dumps(results, indent=2))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
