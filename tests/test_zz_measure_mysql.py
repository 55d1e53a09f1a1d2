"""Measurements for the note (not committed)."""
import csv
import time

import numpy as np
import pandas as pd

import dbsynth
from conftest import duckdb_url
from test_mysql import classicmodels_url  # noqa: F401  (fixture)


def test_measure_classicmodels(classicmodels_url, pg_database_factory, tmp_path):
    for label, target in (("duckdb", lambda: duckdb_url(tmp_path / f"cm{time.time()}.duckdb")),
                          ("postgres", lambda: pg_database_factory("cm"))):
        for run in range(2):
            url = target()
            t0 = time.perf_counter()
            r = dbsynth.synth(classicmodels_url, url, scale=1.0, seed=run)
            dt = time.perf_counter() - t0
            print(f"MEASURE classicmodels -> {label} run {run}: {dt:.2f} s total, "
                  f"seconds={ {k: round(v, 2) for k, v in r.seconds.items()} }, ok={r.integrity.ok}, "
                  f"rows={sum(r.rows.values())}")


def test_measure_insert_vs_load_data(maria_cluster, tmp_path):
    from dbsynth.connectors.registry import connect
    from dbsynth.schema.model import Column, SqlType, Table

    n = 200_000
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "id": np.arange(1, n + 1), "qty": rng.integers(0, 1000, n),
        "price": np.round(rng.random(n) * 100, 2), "label": [f"item {i % 977}" for i in range(n)],
        "day": pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 1500, n), unit="D")})
    ddl = ('CREATE TABLE {} (id INT PRIMARY KEY, qty INT, price DECIMAL(10,2), '
           'label VARCHAR(40), day DATETIME(6))')
    url = maria_cluster.create_database("measure")
    db = url.rsplit("/", 1)[1]
    maria_cluster.run(url, ddl.format("a") + ";" + ddl.format("b"))
    table = Table("a", tuple(Column(c, SqlType("integer")) for c in frame.columns))
    target = connect(url, role="target")
    session = target.begin_target()
    t0 = time.perf_counter()
    session.load(table, frame)
    session.commit()
    ins = time.perf_counter() - t0
    session.close()
    target.close()
    path = tmp_path / "rows.csv"
    frame.to_csv(path, index=False, header=False)
    import pymysql
    conn = pymysql.connect(host="127.0.0.1", port=maria_cluster.port, user="root", database=db,
                           local_infile=True)
    t0 = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute("SET foreign_key_checks = 0")
        cur.execute(f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE b FIELDS TERMINATED BY ',' "
                    "(id, qty, price, label, day)")
    conn.commit()
    raw = time.perf_counter() - t0
    counts = maria_cluster.run(url, "SELECT (SELECT count(*) FROM a), (SELECT count(*) FROM b)")
    print(f"MEASURE {n} rows: multi-row INSERT {ins:.2f} s ({n / ins:,.0f} rows/s); "
          f"LOAD DATA LOCAL INFILE {raw:.2f} s ({n / raw:,.0f} rows/s); ratio {ins / raw:.2f}; "
          f"counts {counts}")
