"""Start-up cost of the CLI and of small runs (issue 19): wall times, best of N.

Run:
    python benchmarks/startup.py [--runs 5] [--skip-synth]

Prints the best wall time over the runs of:
- `dbsynth --help` and `dbsynth synth --help`, and bare `import dbsynth.cli`;
- `dbsynth inspect` of the demo DuckDB (`dbsynth.demo`, 34k rows, keys declared);
- `dbsynth synth` of a ~5,000-row DuckDB (the demo cut to its first 745 patients) into a new
  DuckDB file, against `python -c 'import <the libraries that synth loads>'` (the ratio the
  issue bounds at 1.5);
and the slowest imports behind `import dbsynth.cli` (from `python -X importtime`), so a heavy
library imported at start-up shows by name.

dbsynth's own bytecode is compiled first (as `pip install` does): an editable install under
PYTHONDONTWRITEBYTECODE=1 would otherwise recompile its ~80 modules on every run (~0.15 s),
which no installed copy pays, while the libraries it is compared with have their bytecode.
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: patients kept from the demo so that the three tables hold about 5,000 rows together
SMALL_PATIENTS = 745


def best_wall(command: list[str], runs: int, before: list[str] | None = None) -> float:
    """Best of `runs` wall times: the machine is shared, the minimum is the least noisy.
    `before` (if any) runs untimed before each run (e.g. removing the last run's target)."""
    return best_times(command, runs, before)[0]


def best_times(command: list[str], runs: int, before: list[str] | None = None
               ) -> tuple[float, float]:
    """Best wall time and best CPU time (user + system, threads included) of `runs` runs:
    on a loaded machine the CPU time moves less than the wall time."""
    walls, cpus = [], []
    for _ in range(runs):
        if before:
            subprocess.run(before, check=True, capture_output=True)
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        walls.append(time.perf_counter() - started)
        done = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(done.ru_utime + done.ru_stime - used.ru_utime - used.ru_stime)
    return min(walls), min(cpus)


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


def build_sources(directory: Path) -> tuple[Path, Path]:
    """The demo DuckDB and a ~5,000-row copy of it (first patients and their children)."""
    import duckdb

    from dbsynth.demo import build_demo_source

    demo, small = directory / "demo.duckdb", directory / "small.duckdb"
    build_demo_source(demo)
    build_demo_source(small)
    con = duckdb.connect(str(small))
    try:
        for table in ("lab_results", "treatments", "patients"):
            con.execute(f"DELETE FROM {table} WHERE patient_id > {SMALL_PATIENTS}")
        con.execute("CHECKPOINT")
        rows = sum(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                   for t in ("patients", "lab_results", "treatments"))
    finally:
        con.close()
    print(f"small source: {rows} rows in 3 tables")
    return demo, small


def libraries_loaded(command: list[str]) -> list[str]:
    """Top-level third-party packages a dbsynth command has imported by the time it exits."""
    probe = ("import atexit, sys\n"
             "def _show():\n"
             "    names = {m.split('.')[0] for m in list(sys.modules)}\n"
             "    keep = sorted(n for n in names if n not in sys.stdlib_module_names\n"
             "                  and not n.startswith('_') and n != 'dbsynth')\n"
             "    sys.stderr.write('LOADED ' + ' '.join(keep) + '\\n')\n"
             "atexit.register(_show)\n"
             f"sys.argv = {['dbsynth', *command]!r}\n"
             "from dbsynth.cli import main\n"
             "main()\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    line = [x for x in done.stderr.splitlines() if x.startswith("LOADED ")]
    if not line:
        raise SystemExit(f"probe failed: {done.stderr[-2000:]}")
    importable = []
    for name in line[-1].split()[1:]:  # some entries are not importable on their own
        if subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True).returncode == 0:
            importable.append(name)
    return importable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-synth", action="store_true", help="only --help, import and inspect")
    args = parser.parse_args()
    runs = args.runs
    spec = importlib.util.find_spec("dbsynth")
    assert spec is not None and spec.submodule_search_locations, "dbsynth is not installed"
    subprocess.run([sys.executable, "-m", "compileall", "-q", *spec.submodule_search_locations],
                   check=True)
    dbsynth = str(Path(sys.executable).with_name("dbsynth"))
    print(f"dbsynth --help: {best_wall([dbsynth, '--help'], runs):.2f} s (best of {runs})")
    print(f"dbsynth synth --help: {best_wall([dbsynth, 'synth', '--help'], runs):.2f} s")
    print(f"import dbsynth.cli: {best_wall([sys.executable, '-c', 'import dbsynth.cli'], runs):.2f} s")
    for micros, module in slowest_imports("dbsynth.cli", 10):
        print(f"  {micros / 1e6:6.2f} s  {module}")
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        demo, small = build_sources(directory)
        inspect = [dbsynth, "inspect", f"duckdb:///{demo}"]
        print(f"dbsynth inspect demo: {best_wall(inspect, runs):.2f} s")
        if args.skip_synth:
            return
        target = directory / "out.duckdb"
        synth = ["synth", f"duckdb:///{small}", f"duckdb:///{target}"]
        clear = ["rm", "-f", str(target), f"{target}.wal"]
        libraries = libraries_loaded(synth)
        subprocess.run(clear, check=True)
        imports = [sys.executable, "-c", f"import {', '.join(libraries)}"]
        bare, bare_cpu = best_times(imports, runs)
        full, full_cpu = best_times([dbsynth, *synth], runs, before=clear)
        print(f"import of the {len(libraries)} libraries synth loads: {bare:.2f} s "
              f"(CPU {bare_cpu:.2f} s) ({' '.join(libraries)})")
        print(f"dbsynth synth ~5k rows -> new DuckDB: {full:.2f} s (CPU {full_cpu:.2f} s); "
              f"ratio {full / bare:.2f}, CPU ratio {full_cpu / bare_cpu:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
