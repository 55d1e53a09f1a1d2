"""Scale-out: one process against partitions on a local Dask cluster, same model, same rows.

Run:
    python benchmarks/scaleout.py --scale 10 --workers 2 [--postgres postgresql://user@host/db]

Trains on the demo once, then generates and writes ``--scale`` × the demo into a DuckDB file
(workers send rows back to one writer) and, with ``--postgres`` (an existing database whose
``public`` schema may be replaced), into PostgreSQL (workers COPY into a staging schema). For
each: seconds, rows/s and peak RSS of the client process (the workers' memory is their own).
The local cluster's start-up (a few seconds) is included: it is what ``--workers`` costs.
Prints one JSON line per run.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from dbsynth import pipeline
from dbsynth.demo import build_demo_source
from dbsynth.scaleout import ScaleOut


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--partitions", type=int, default=None)
    parser.add_argument("--postgres", help="URL of a PostgreSQL database to write into")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        build_demo_source(folder / "demo.duckdb")
        trained = pipeline.train(f"duckdb:///{folder / 'demo.duckdb'}")
        targets = [("duckdb", lambda run: f"duckdb:///{folder / f'{run}.duckdb'}")]
        if args.postgres:
            targets.append(("postgres", lambda run: args.postgres))
        for engine, target_of in targets:
            for label, scale_out in [("one process", None),
                                     (f"dask, {args.workers} workers",
                                      ScaleOut(workers=args.workers, partitions=args.partitions))]:
                started = time.perf_counter()
                result = pipeline.generate(trained.model, target_of(label.split()[0]),
                                           scale=args.scale, seed=1, replace=True,
                                           scale_out=scale_out)
                seconds = time.perf_counter() - started
                rows = sum(result.rows.values())
                print(json.dumps({
                    "engine": engine, "run": label, "rows": rows, "seconds": round(seconds, 2),
                    "rows_per_s": round(rows / seconds), "integrity_ok": result.integrity.ok,
                    "client_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                }), flush=True)


if __name__ == "__main__":
    main()
