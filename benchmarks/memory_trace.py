"""Where memory goes during `synth`: resident memory at every step, and per streamed chunk.

Run:
    python benchmarks/memory_trace.py SOURCE_URL TARGET_URL [--scale X] [--stream-rows N]

e.g. the TPC-H file `benchmarks/tpch.py` builds (keep it with a copy) as the source, and an
empty PostgreSQL database or a new DuckDB file as the target (replaced). Prints one line per
progress event that starts a step, plus one per chunk of a streamed table: seconds, current
RSS (VmRSS) and peak RSS of this process. A flat RSS while a table streams means its chunks
are dropped once written; the peak before that is what the tables kept in memory cost.
"""

from __future__ import annotations

import argparse
import resource
import time

from dbsynth import pipeline


def rss_mb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) // 1024
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source")
    parser.add_argument("target")
    parser.add_argument("--stream-rows", type=int, default=pipeline.STREAM_ROWS)
    parser.add_argument("--sample-rows", type=int, default=200_000, help="as the CLI's default")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="e.g. 1.67 on TPC-H SF 1: a 10-million-row lineitem")
    args = parser.parse_args()
    pipeline.STREAM_ROWS = args.stream_rows
    started = time.perf_counter()
    last: list[tuple[str, str]] = []

    def progress(stage: str, table: str, rows: int) -> None:
        if last and last[-1] == (stage, table) and stage != "load":
            return
        last.append((stage, table))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(f"{time.perf_counter() - started:8.1f} s  rss {rss_mb():6d} MB  peak {peak:6d} MB"
              f"  {stage:<9} {table} {rows:,}", flush=True)

    pipeline.synth(args.source, args.target, progress=progress, replace=True,
                   sample_rows=args.sample_rows, scale=args.scale,
                   keep_frames=False)  # as the CLI runs it
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


if __name__ == "__main__":
    main()
