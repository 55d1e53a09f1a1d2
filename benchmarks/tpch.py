"""TPC-H as the source: train and generate time, peak memory and rows/s at several scale factors.

Run:
    pip install tpchgen-cli            # the TPC-H generator (a Rust binary, from PyPI)
    python benchmarks/tpch.py --sf 0.1 1 [--tpchgen PATH] [--out results.json]

For each scale factor: ``tpchgen-cli`` writes Parquet files offline, they are loaded into a
DuckDB file with TPC-H's primary and foreign keys declared (composite ``partsupp`` and
``lineitem`` keys included), then ``dbsynth synth`` (default ``--sample-rows`` 200,000) writes
a synthetic copy into a second DuckDB file. Each scale factor runs in a child process so its
peak memory (VmHWM) is its own. Training time should stay nearly flat across scale factors
(sampling) while generation grows about linearly with the rows written.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DDL = """
CREATE TABLE region (r_regionkey INTEGER PRIMARY KEY, r_name VARCHAR NOT NULL, r_comment VARCHAR);
CREATE TABLE nation (n_nationkey INTEGER PRIMARY KEY, n_name VARCHAR NOT NULL,
    n_regionkey INTEGER NOT NULL REFERENCES region (r_regionkey), n_comment VARCHAR);
CREATE TABLE supplier (s_suppkey BIGINT PRIMARY KEY, s_name VARCHAR, s_address VARCHAR,
    s_nationkey INTEGER NOT NULL REFERENCES nation (n_nationkey), s_phone VARCHAR,
    s_acctbal DECIMAL(15,2), s_comment VARCHAR);
CREATE TABLE customer (c_custkey BIGINT PRIMARY KEY, c_name VARCHAR, c_address VARCHAR,
    c_nationkey INTEGER NOT NULL REFERENCES nation (n_nationkey), c_phone VARCHAR,
    c_acctbal DECIMAL(15,2), c_mktsegment VARCHAR, c_comment VARCHAR);
CREATE TABLE part (p_partkey BIGINT PRIMARY KEY, p_name VARCHAR, p_mfgr VARCHAR, p_brand VARCHAR,
    p_type VARCHAR, p_size INTEGER, p_container VARCHAR, p_retailprice DECIMAL(15,2), p_comment VARCHAR);
CREATE TABLE partsupp (ps_partkey BIGINT NOT NULL REFERENCES part (p_partkey),
    ps_suppkey BIGINT NOT NULL REFERENCES supplier (s_suppkey), ps_availqty INTEGER,
    ps_supplycost DECIMAL(15,2), ps_comment VARCHAR, PRIMARY KEY (ps_partkey, ps_suppkey));
CREATE TABLE orders (o_orderkey BIGINT PRIMARY KEY,
    o_custkey BIGINT NOT NULL REFERENCES customer (c_custkey), o_orderstatus VARCHAR,
    o_totalprice DECIMAL(15,2), o_orderdate DATE, o_orderpriority VARCHAR, o_clerk VARCHAR,
    o_shippriority INTEGER, o_comment VARCHAR);
CREATE TABLE lineitem (l_orderkey BIGINT NOT NULL REFERENCES orders (o_orderkey),
    l_partkey BIGINT NOT NULL, l_suppkey BIGINT NOT NULL, l_linenumber INTEGER NOT NULL,
    l_quantity DECIMAL(15,2), l_extendedprice DECIMAL(15,2), l_discount DECIMAL(15,2),
    l_tax DECIMAL(15,2), l_returnflag VARCHAR, l_linestatus VARCHAR, l_shipdate DATE,
    l_commitdate DATE, l_receiptdate DATE, l_shipinstruct VARCHAR, l_shipmode VARCHAR,
    l_comment VARCHAR, PRIMARY KEY (l_orderkey, l_linenumber),
    FOREIGN KEY (l_partkey, l_suppkey) REFERENCES partsupp (ps_partkey, ps_suppkey));
"""
ORDER = ("region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem")


def build(sf: float, folder: Path, tpchgen: str) -> Path:
    import duckdb

    data = folder / "parquet"
    subprocess.run([tpchgen, "parquet", "-s", str(sf), f"--output-dir={data}"], check=True)
    path = folder / f"tpch_sf{sf}.duckdb"
    con = duckdb.connect(str(path))
    con.execute(DDL)
    for table in ORDER:
        con.execute(f"INSERT INTO {table} SELECT * FROM read_parquet('{data / table}.parquet')")
    con.close()
    return path


def run_one(sf: float, tpchgen: str) -> dict[str, object]:
    from dbsynth import pipeline

    folder = Path(tempfile.mkdtemp(prefix=f"dbsynth-tpch-{sf}-"))
    started = time.perf_counter()
    source = build(sf, folder, tpchgen)
    build_seconds = time.perf_counter() - started
    started = time.perf_counter()
    result = pipeline.synth(f"duckdb:///{source}", f"duckdb:///{folder / 'synthetic.duckdb'}",
                            sample_rows=200_000, keep_frames=False)  # as the CLI runs it
    wall = time.perf_counter() - started
    rows = sum(result.rows.values())
    peak = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
                if line.startswith("VmHWM")) / 1024
    shutil.rmtree(folder, ignore_errors=True)
    seconds = {k: round(v, 2) for k, v in result.seconds.items()}
    return {"sf": sf, "build_seconds": round(build_seconds, 1), "synth_seconds": round(wall, 1),
            "stages": seconds, "train_seconds": round(result.seconds["read"] + result.seconds["fit"], 2),
            "rows_written": rows, "rows_per_table": result.rows,
            "generate_and_write_rows_per_s": round(rows / result.seconds["generate+load"]),
            "peak_rss_mb": round(peak), "integrity_ok": result.integrity.ok}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sf", type=float, nargs="+", default=[0.1, 1.0])
    parser.add_argument("--tpchgen", default=shutil.which("tpchgen-cli") or "tpchgen-cli")
    parser.add_argument("--only", type=float, help=argparse.SUPPRESS)  # internal: one SF, in a child
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.only is not None:
        print(json.dumps(run_one(args.only, args.tpchgen)))
        return
    results = []
    for sf in args.sf:
        done = subprocess.run([sys.executable, __file__, "--only", str(sf), "--tpchgen", args.tpchgen],
                              capture_output=True, text=True)
        if done.returncode:
            results.append({"sf": sf, "error": done.stderr.strip().splitlines()[-1:]})
        else:
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(results[-1], indent=2), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
