"""Time each pipeline stage of `synth` on the demo database at several scales.

Run: python benchmarks/synth_demo.py [--scales 1 10]
Prints one JSON line per scale: rows written and seconds per stage (read, fit, generate,
load, check). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import dbsynth
from dbsynth.demo import build_demo_source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="dbsynth-bench-"))
    source = folder / "hospital.duckdb"
    build_demo_source(source)
    for scale in args.scales:
        target = folder / f"copy_{scale}.duckdb"
        started = time.perf_counter()
        result = dbsynth.synth(f"duckdb:///{source}", f"duckdb:///{target}", scale=scale, seed=1)
        total = time.perf_counter() - started
        rows = sum(result.rows.values())
        print(json.dumps({
            "scale": scale, "rows": rows, "seconds": round(total, 2),
            "rows_per_second": round(rows / total),
            "stages": {k: round(v, 2) for k, v in result.seconds.items()},
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "integrity_ok": result.integrity.ok,
        }))


if __name__ == "__main__":
    main()
