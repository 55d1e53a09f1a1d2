"""Start-up cost of the CLI: wall time of `dbsynth --help` and the slowest imports behind it.

Run:
    python benchmarks/startup.py [--runs 3]

Prints the best wall time of `dbsynth --help` over the runs, the time Python needs just to
import dbsynth.cli, and the ten modules with the largest cumulative import time (from
`python -X importtime`), so a heavy library imported at start-up shows by name.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path


def best_wall(command: list[str], runs: int) -> float:
    """Best of `runs` wall times: the machine is shared, the minimum is the least noisy."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return min(times)


def slowest_imports(module: str, count: int) -> list[tuple[int, str]]:
    """(cumulative microseconds, module) of the slowest imports under `module`."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"],
                            check=True, capture_output=True, text=True)
    rows = []
    for line in result.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].strip()))
    return sorted(rows, reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cli = [str(Path(sys.executable).with_name("dbsynth")), "--help"]
    print(f"dbsynth --help: {best_wall(cli, args.runs):.2f} s (best of {args.runs})")
    bare = [sys.executable, "-c", "import dbsynth.cli"]
    print(f"import dbsynth.cli: {best_wall(bare, args.runs):.2f} s")
    for micros, module in slowest_imports("dbsynth.cli", 10):
        print(f"  {micros / 1e6:6.2f} s  {module}")


if __name__ == "__main__":
    main()
