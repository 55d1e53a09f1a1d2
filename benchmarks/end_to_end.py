"""``dbsynth generate`` end to end, as a user runs it, against the database's own fast load.

Run:
    pip install tpchgen-cli            # the TPC-H generator (a Rust binary, from PyPI)
    python benchmarks/end_to_end.py [--sf 0.1] [--repeat 3] [--pg URL] [--out results.json]

TPC-H at ``--sf`` is built into a DuckDB file with its keys (``tpch.py``) and trained once
(``dbsynth train``). Then, for each target, best of ``--repeat``:

* **dbsynth**: ``dbsynth generate MODEL TARGET`` in a fresh process, timed from process start
  to exit (the command proves integrity by SQL before it exits): into a new DuckDB file, and
  into a new database of a PostgreSQL server (a throwaway one unless ``--pg``);
* **raw**: the same rows (those dbsynth wrote, exported before the clock starts) loaded the
  fast way, timed from connect to close: PostgreSQL gets bare tables, ``COPY`` of CSV text
  rendered beforehand, then its primary and foreign keys; DuckDB gets the tables with their
  keys declared (it cannot add foreign keys later) filled by ``INSERT … SELECT`` from
  Parquet.

The ratio is raw seconds over dbsynth seconds (1.0: as fast as the database itself); the
issue's targets are ≥ 0.5 into PostgreSQL and ≥ 0.3 into DuckDB.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402  (the throwaway PostgreSQL)
import tpch  # noqa: E402  (TPC-H's DDL with keys, and its build)

DBSYNTH = [sys.executable, "-m", "dbsynth.cli"]


def bare_ddl() -> str:
    """TPC-H's tables without any key (PostgreSQL adds them after the load)."""
    ddl = re.sub(r",\s*(PRIMARY KEY|FOREIGN KEY) \([^)]*\)( REFERENCES \w+ \([^)]*\))?", "", tpch.DDL)
    ddl = re.sub(r" REFERENCES \w+ \(\w+\)", "", ddl)
    return ddl.replace(" PRIMARY KEY", "")


def key_statements() -> list[str]:
    """ALTER TABLE … ADD for every key of TPC-H's DDL, primary keys first (as DuckDB lists
    them after reading the DDL)."""
    con = duckdb.connect(":memory:")
    con.execute(tpch.DDL)
    rows = con.execute("SELECT table_name, constraint_type, constraint_text FROM duckdb_constraints() "
                       "WHERE constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')").fetchall()
    con.close()
    rank = {"PRIMARY KEY": 0, "FOREIGN KEY": 1}
    return [f"ALTER TABLE {table} ADD {text}" for table, kind, text in
            sorted(rows, key=lambda r: (rank[r[1]], tpch.ORDER.index(r[0])))]


def generate(model: Path, target: str) -> float:
    started = time.perf_counter()
    done = subprocess.run([*DBSYNTH, "generate", str(model), target, "--seed", "1"],
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"dbsynth generate failed: {done.stderr.strip().splitlines()[-1:]}")
    return seconds


def export_rows(copy: Path, folder: Path) -> dict[str, str]:
    """The rows dbsynth wrote, as Parquet files (for DuckDB) and CSV text (for COPY)."""
    con = duckdb.connect(str(copy), read_only=True)
    csv: dict[str, str] = {}
    for table in tpch.ORDER:
        con.execute(f"COPY {table} TO '{folder / table}.parquet' (FORMAT parquet)")
        con.execute(f"COPY {table} TO '{folder / table}.csv' (FORMAT csv, HEADER false)")
        csv[table] = (folder / f"{table}.csv").read_text()
    con.close()
    return csv


def raw_duckdb(path: Path, parquet: Path) -> float:
    path.unlink(missing_ok=True)
    started = time.perf_counter()
    con = duckdb.connect(str(path))
    con.execute(tpch.DDL)
    for table in tpch.ORDER:
        con.execute(f"INSERT INTO {table} SELECT * FROM read_parquet('{parquet / table}.parquet')")
    con.close()
    return time.perf_counter() - started


def raw_postgres(url: str, csv: dict[str, str], keys: list[str]) -> float:
    from conftest import pg_conninfo

    started = time.perf_counter()
    with psycopg.connect(pg_conninfo(url)) as conn:
        conn.execute(bare_ddl())
        for table in tpch.ORDER:
            with conn.cursor().copy(f"COPY {table} FROM STDIN (FORMAT csv)") as copy:
                copy.write(csv[table])
        for statement in keys:
            conn.execute(statement)
        conn.commit()
    return time.perf_counter() - started


def best(times: list[float]) -> float:
    return round(min(times), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sf", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg", help="a PostgreSQL server to use (default: a throwaway one)")
    parser.add_argument("--tpchgen", default=shutil.which("tpchgen-cli") or "tpchgen-cli")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="dbsynth-e2e-"))
    cluster, stop = corpus.start_postgres(args.pg)
    result: dict[str, Any] = {"sf": args.sf, "repeat": args.repeat}
    try:
        source = tpch.build(args.sf, folder, args.tpchgen)
        model = folder / "tpch.dbsynth"
        started = time.perf_counter()
        subprocess.run([*DBSYNTH, "train", f"duckdb:///{source}", "-o", str(model)],
                       check=True, capture_output=True)
        result["train_seconds"] = round(time.perf_counter() - started, 2)

        duck_times = []
        for i in range(args.repeat):
            copy = folder / f"copy{i}.duckdb"
            duck_times.append(generate(model, f"duckdb:///{copy}"))
        exported = folder / "rows"
        exported.mkdir()
        csv = export_rows(folder / "copy0.duckdb", exported)
        con = duckdb.connect(str(folder / "copy0.duckdb"), read_only=True)
        result["rows"] = sum(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                             for t in tpch.ORDER)
        con.close()
        raw_duck = [raw_duckdb(folder / "raw.duckdb", exported) for _ in range(args.repeat)]
        pg_times, raw_pg = [], []
        keys = key_statements()
        for i in range(args.repeat):
            _, url = cluster.create_database(f"e2e_{i}")
            pg_times.append(generate(model, url))
            _, raw_url = cluster.create_database(f"e2e_raw_{i}")
            raw_pg.append(raw_postgres(raw_url, csv, keys))
        result["duckdb"] = {"dbsynth_seconds": best(duck_times), "raw_seconds": best(raw_duck),
                            "ratio": round(min(raw_duck) / min(duck_times), 3)}
        result["postgres"] = {"dbsynth_seconds": best(pg_times), "raw_seconds": best(raw_pg),
                              "ratio": round(min(raw_pg) / min(pg_times), 3)}
    finally:
        stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
