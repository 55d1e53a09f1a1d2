"""End-to-end time per corpus database, as a user sees it: process start to integrity checked.

Run:
    python benchmarks/corpus_speed.py [--only NAME ...] [--limit N] [--budget 2.0]

For each corpus database (the same sources as ``corpus.py``: spider_de SQLite files,
classicmodels, Chinook on a throwaway PostgreSQL, demo, zoo) this runs, each in a fresh
process and timed from its start:

1. ``dbsynth synth SOURCE TARGET --replace --json`` into a new DuckDB file (declared keys
   and inference on, as a new user runs it; integrity is proved inside that command);
2. the alternative a test-data tool offers at best: copying the real rows (read every
   table with pandas through dbsynth's connector, write them into a new DuckDB file) — the
   floor any copy-and-mask tool pays on the same machine in the same run.

It prints seconds, seconds per 10k source rows (a database under 10k rows counts as 10k:
the budget for a small database is the budget itself) and the ratio to the copy. A database
over ``--budget`` seconds per 10k rows is listed at the end and makes the exit code 1.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402  (the corpus sources and the throwaway PostgreSQL)

COPY_SCRIPT = """
import sys, duckdb
from dbsynth import pipeline
from dbsynth.connectors.registry import connect
source, target = sys.argv[1], sys.argv[2]
found = pipeline.inspect(source, keys=pipeline.KeyOptions(infer=False))
con = connect(source, role="source")
out = duckdb.connect(target)
for table in found.schema.tables:
    frame = con.read_table(table)
    out.register("rows", frame)
    out.execute(f'CREATE TABLE "{table.name}" AS SELECT * FROM rows')
    out.unregister("rows")
out.close()
con.close()
"""


def timed(command: list[str]) -> tuple[float, int, str]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    last = (done.stderr.strip().splitlines() or [""])[-1]
    return time.perf_counter() - started, done.returncode, last


def measure(source: corpus.Source, folder: Path) -> dict[str, Any]:
    rows = sum(source.truth.rows.values())
    target = folder / f"{source.name}.speed.duckdb"
    seconds, code, last = timed([str(Path(sys.executable).parent / "dbsynth"), "synth", source.url,
                                 f"duckdb:///{target}", "--replace", "--json"])
    copy_target = folder / f"{source.name}.plain-copy.duckdb"
    copy_seconds, copy_code, _ = timed([sys.executable, "-c", COPY_SCRIPT, source.url, str(copy_target)])
    per_10k = seconds / max(1.0, rows / 10_000)
    return {"name": source.name, "rows": rows, "tables": len(source.truth.rows),
            "seconds": round(seconds, 2), "exit": code, "error": last if code else None,
            "seconds_per_10k_rows": round(per_10k, 2),
            "copy_seconds": round(copy_seconds, 2) if copy_code == 0 else None,
            "ratio_to_copy": round(seconds / copy_seconds, 2) if copy_code == 0 else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="corpus database names")
    parser.add_argument("--limit", type=int, help="at most this many databases")
    parser.add_argument("--budget", type=float, default=2.0, help="seconds per 10k rows allowed")
    parser.add_argument("--pg", help="a PostgreSQL server to use (default: a throwaway one)")
    parser.add_argument("--out", type=Path, default=Path("corpus-speed.json"))
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="dbsynth-speed-"))
    cluster, stop = corpus.start_postgres(args.pg)
    results: list[dict[str, Any]] = []
    try:
        for source in corpus.sources(folder, set(args.only) if args.only else None, cluster, args.limit):
            result = measure(source, folder)
            results.append(result)
            print(f"{result['name'][:28]:28} {result['rows']:8}r  {result['seconds']:6.1f}s  "
                  f"{result['seconds_per_10k_rows']:5.2f}s/10k  copy {result['copy_seconds']}s  "
                  f"x{result['ratio_to_copy']}  exit {result['exit']} {result['error'] or ''}", flush=True)
    finally:
        stop()
    over = [r for r in results if r["seconds_per_10k_rows"] > args.budget or r["exit"] != 0]
    ratios = sorted(r["ratio_to_copy"] for r in results if r["ratio_to_copy"] is not None)
    summary = {"databases": len(results), "over_budget_or_failed": [r["name"] for r in over],
               "slowest_seconds_per_10k_rows": max((r["seconds_per_10k_rows"] for r in results), default=0),
               "median_seconds": sorted(r["seconds"] for r in results)[len(results) // 2] if results else 0,
               "median_ratio_to_copy": ratios[len(ratios) // 2] if ratios else None,
               "total_seconds": round(sum(r["seconds"] for r in results), 1)}
    print(json.dumps(summary, indent=2))
    args.out.write_text(json.dumps({"totals": summary, "databases": results}, indent=2))
    sys.exit(1 if over else 0)


if __name__ == "__main__":
    main()
