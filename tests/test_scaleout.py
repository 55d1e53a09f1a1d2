"""Scale-out: partitions generated on a local Dask cluster, written straight to the target.

A partitioned copy must be as sound as a single-process one: every key unique across
partitions, every foreign key resolved (cycles, self references, composite keys and a FK to a
UNIQUE column included), copy-mode tables written once, nothing left behind in the target.
Integrity is proved here by the test's own SQL, not only by dbsynth's check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import run_sql, url_kind, zoo_sql

from dbsynth import pipeline
from dbsynth.errors import IntegrityError
from dbsynth.demo import build_demo_source
from dbsynth.schema.metadata import load_metadata, metadata_from_schema, to_yaml
from dbsynth.schema.model import Schema
from dbsynth.scaleout import ScaleOut

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def dask_scheduler() -> Iterator[str]:
    """A running two-worker Dask cluster, addressed like a remote one: dask://host:port."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:
        yield "dask://" + cluster.scheduler_address.removeprefix("tcp://")


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def integrity_by_sql(url: str, schema: Schema) -> dict[str, int]:
    """Duplicate keys and orphans per table and constraint, counted by this test's SQL."""
    found: dict[str, int] = {}
    for table in schema.tables:
        keys = [table.primary_key.columns] if table.primary_key else []
        keys += [u.columns for u in table.uniques]
        for key in keys:
            cols = ", ".join(q(c) for c in key)
            found[f"dup {table.name}{key}"] = run_sql(
                url, f"SELECT count(*) FROM (SELECT {cols} FROM {q(table.name)} "
                     f"WHERE {' AND '.join(f'{q(c)} IS NOT NULL' for c in key)} "
                     f"GROUP BY {cols} HAVING count(*) > 1) d")[0][0]
        for fk in table.foreign_keys:
            on = " AND ".join(f"c.{q(a)} = p.{q(b)}" for a, b in zip(fk.columns, fk.ref_columns))
            present = " AND ".join(f"c.{q(a)} IS NOT NULL" for a in fk.columns)
            found[f"orphans {table.name}{fk.columns}"] = run_sql(
                url, f"SELECT count(*) FROM {q(table.name)} c LEFT JOIN {q(fk.ref_table)} p "
                     f"ON {on} WHERE {present} AND p.{q(fk.ref_columns[0])} IS NULL")[0][0]
    return found


def row_counts(url: str, schema: Schema) -> dict[str, int]:
    return {t.name: run_sql(url, f"SELECT count(*) FROM {q(t.name)}")[0][0] for t in schema.tables}


def test_partitioned_zoo_is_as_sound_as_one_process(zoo_url: str, db_factory, dask_scheduler: str,  # type: ignore[no-untyped-def]
                                                   tmp_path: Path) -> None:
    found = pipeline.inspect(zoo_url)
    data = yaml.safe_load(to_yaml(metadata_from_schema(found.schema, found.inference), found.schema))
    data["tables"]["skill"]["mode"] = "copy"  # a reference table: written once, not per partition
    (tmp_path / "dbsynth.yaml").write_text(yaml.safe_dump(data))
    keys = pipeline.KeyOptions(metadata=load_metadata(tmp_path / "dbsynth.yaml"))
    single, parted = db_factory.new(name="single"), db_factory.new(name="parted")
    one = pipeline.synth(zoo_url, single, seed=4, scale=2.0, keys=keys)
    many = pipeline.synth(zoo_url, parted, seed=4, scale=2.0, keys=keys,
                          scale_out=ScaleOut(executor=dask_scheduler, partitions=3))
    assert one.integrity.ok and many.integrity.ok, many.integrity.violations
    schema = pipeline.inspect(zoo_url).schema
    mine = integrity_by_sql(parted, schema)
    assert mine and all(v == 0 for v in mine.values()), {k: v for k, v in mine.items() if v}
    assert integrity_by_sql(single, schema) == mine  # both all zero, over the same checks
    counts_one, counts_many = row_counts(single, schema), row_counts(parted, schema)
    assert counts_many == many.rows | {n: 0 for n in counts_many if n not in many.rows}
    assert counts_many["skill"] == counts_one["skill"] == row_counts(zoo_url, schema)["skill"]
    assert counts_many["product"] == counts_one["product"]  # a small root: shared, written once
    for name in ("person", "employee", "person_skill"):
        assert 0.6 * counts_one[name] <= counts_many[name] <= 1.4 * counts_one[name], name
    # every table within 10% of scale × source, as in one process: order lines (a key of the
    # shared order's key and a line number) came out at 60% when partitions dropped them
    source_rows = row_counts(zoo_url, schema)
    for name, rows in source_rows.items():
        asked = rows if name == "skill" else round(2.0 * rows)
        assert abs(counts_many[name] - asked) <= max(1, 0.1 * asked), (name, counts_many[name], asked)
    # the cut foreign key of the cycle was filled, and hierarchies reach across rows
    assert run_sql(parted, "SELECT count(head_person_id) FROM department")[0][0] > 0
    assert run_sql(parted, "SELECT count(manager_id) FROM employee")[0][0] > 0
    if url_kind(parted) == "postgres":  # staged load: the staging schema is gone
        stages = run_sql(parted, "SELECT count(*) FROM pg_namespace "
                                 "WHERE nspname LIKE 'dbsynth_stage_%'")[0][0]
        assert stages == 0


def test_cli_workers_builds_its_own_cluster(db_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "hospital.duckdb"
    build_demo_source(source)
    target = db_factory.new(name="workers")
    proc = subprocess.run(
        [sys.executable, "-m", "dbsynth.cli", "synth", f"duckdb:///{source}", target,
         "--workers", "2", "--partitions", "4", "--seed", "5", "--json"],
        capture_output=True, text=True, timeout=600, env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["integrity"]["ok"] is True
    assert result["rows"]["patients"] == 5000
    ids, distinct, low = run_sql(target, "SELECT count(*), count(DISTINCT lab_result_id), "
                                         "min(lab_result_id) FROM lab_results")[0]
    assert ids == distinct == result["rows"]["lab_results"] > 15000
    assert low == 1  # partition 0's first key: strides start where one process starts
    partitions_seen = run_sql(target, "SELECT count(DISTINCT (patient_id - 1) % 4) FROM patients")[0][0]
    assert partitions_seen == 4


def test_unreachable_scheduler_is_one_line_before_any_work(tmp_path: Path) -> None:
    source = tmp_path / "hospital.duckdb"
    build_demo_source(source)
    proc = subprocess.run(
        [sys.executable, "-m", "dbsynth.cli", "synth", f"duckdb:///{source}",
         f"duckdb:///{tmp_path / 'out.duckdb'}", "--executor", "dask://127.0.0.1:9"],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines() == [
        "error: cannot reach the Dask scheduler at dask://127.0.0.1:9: Connection refused"]
    assert not (tmp_path / "out.duckdb").exists()


OWNED_SOURCE = """
CREATE TABLE member (id integer PRIMARY KEY, username varchar(8) NOT NULL UNIQUE,
                     postal_code varchar(5) UNIQUE);
INSERT INTO member SELECT i, left(md5(CAST(i AS varchar)), 8), lpad(CAST(i * 37 % 99999 AS varchar), 5, '0')
    FROM {series} AS s(i);
CREATE TABLE fx (currency char(3) NOT NULL, day date NOT NULL, rate numeric(10, 4),
                 PRIMARY KEY (currency, day));
INSERT INTO fx SELECT chr(CAST(65 + (c - c % 26) / 26 AS integer)) || chr(CAST(65 + c % 26 AS integer)) || 'X', DATE '2024-01-01' + CAST(d AS integer), (c + d) % 7 / 3.0
    FROM {currencies} AS a(c), {days} AS b(d);
"""


def test_drawn_unique_values_are_owned_by_one_partition(db_factory, dask_scheduler: str) -> None:  # type: ignore[no-untyped-def]
    """Tables too big to be shared (12,000 rows) with unique values that are drawn, not
    numbered: text columns and a composite key of a code and a date. Each partition may
    only make the values it owns, so the partitions' rows never collide."""
    series = {"postgres": "generate_series({}, {})", "duckdb": "range({}, {} + 1)"}[db_factory.kind]
    source = db_factory.new(OWNED_SOURCE.format(
        series=series.format(1, 12000), currencies=series.format(0, 39),
        days=series.format(0, 299)), name="owned")
    target = db_factory.new(name="owned_copy")
    result = pipeline.synth(source, target, seed=2,
                            scale_out=ScaleOut(executor=dask_scheduler, partitions=3))
    assert result.integrity.ok
    schema = pipeline.inspect(source).schema
    mine = integrity_by_sql(target, schema)
    assert all(v == 0 for v in mine.values()), mine
    assert result.rows["member"] == 12000 and result.rows["fx"] >= 10800  # within 10%


def test_a_table_off_its_size_fails_a_partitioned_run(db_factory, dask_scheduler: str) -> None:  # type: ignore[no-untyped-def]
    """The size check is a violation in scale-out as in one process: a key of two booleans
    has 4 values, scale 2 asks for 8 rows, and the run fails naming the table."""
    source = db_factory.new("CREATE TABLE pair (a boolean NOT NULL, b boolean NOT NULL, n integer NOT NULL, "
                            "PRIMARY KEY (a, b)); INSERT INTO pair VALUES (true, true, 1), "
                            "(true, false, 2), (false, true, 3), (false, false, 4);", name="pairs")
    target = db_factory.new(name="pairs_copy")
    with pytest.raises(IntegrityError, match="size in pair: 4 rows, 8 asked"):
        pipeline.synth(source, target, seed=2, scale=2.0,
                       scale_out=ScaleOut(executor=dask_scheduler, partitions=2))


@pytest.mark.postgres
def test_staged_load_keeps_an_enum_another_table_uses(pg_database_factory, dask_scheduler: str) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL-only by nature (the staged load is how a server takes many writers): a
    target table dbsynth does not write uses our enum type; the publish keeps that type
    (same labels) instead of failing to drop it, and leaves the table as it was."""
    source = pg_database_factory("zoo_enum_src")
    run_sql(source, zoo_sql("postgres"))
    labels = run_sql(source, "SELECT enum_range(NULL::mood)::text")[0][0].strip("{}").split(",")
    target = pg_database_factory("zoo_enum_dst")
    quoted = ", ".join("'" + label + "'" for label in labels)
    run_sql(target, f"CREATE TYPE mood AS ENUM ({quoted}); CREATE TABLE survey (m mood); "
                    f"INSERT INTO survey VALUES ('{labels[0]}'), ('{labels[-1]}')")
    result = pipeline.synth(source, target, seed=2,
                            scale_out=ScaleOut(executor=dask_scheduler, partitions=2))
    assert result.integrity.ok
    assert run_sql(target, "SELECT count(*) FROM survey")[0][0] == 2
    schema = pipeline.inspect(source).schema
    table, column = next((t, c) for t in schema.tables for c in t.columns if c.type.enum == "mood")
    typed = run_sql(target, "SELECT count(*) FROM information_schema.columns WHERE "
                            f"table_name = '{table.name}' AND column_name = '{column.name}' "
                            "AND udt_schema = 'public' AND udt_name = 'mood'")[0][0]
    assert typed == 1  # our copy's column uses the kept type, in the target's schema
    assert run_sql(target, f"SELECT count({q(column.name)}) FROM {q(table.name)}")[0][0] > 0


NOT_NULL_CYCLE = """
CREATE TABLE store (store_id INTEGER PRIMARY KEY,
                    manager_staff_id INTEGER NOT NULL UNIQUE REFERENCES staff (staff_id),
                    city TEXT NOT NULL);
CREATE TABLE staff (staff_id INTEGER PRIMARY KEY,
                    store_id INTEGER NOT NULL REFERENCES store (store_id), salary INTEGER NOT NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
INSERT INTO staff SELECT i, 1 + (i % 50), 1000 + 37 * (i % 91) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)
INSERT INTO store SELECT i, i + 50, 'city ' || (i % 7) FROM n;
"""


def test_partitioned_not_null_cycle(db_factory, dask_scheduler: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """store <-> staff, both NOT NULL: the store's manager is held; stores (a small root) are
    written once, staff (children of stores) in every partition; every key still resolves."""
    import sqlite3

    con = sqlite3.connect(tmp_path / "cycle.db")
    con.executescript(NOT_NULL_CYCLE)
    con.close()
    source = f"sqlite:///{tmp_path / 'cycle.db'}"
    target = db_factory.new(name="cycle")
    result = pipeline.synth(source, target, seed=5, keys=pipeline.KeyOptions(infer=False),
                            scale_out=ScaleOut(executor=dask_scheduler, partitions=2))
    assert result.integrity.ok, result.integrity.violations
    schema = pipeline.inspect(source, keys=pipeline.KeyOptions(infer=False)).schema
    mine = integrity_by_sql(target, schema)
    assert mine and all(v == 0 for v in mine.values()), {k: v for k, v in mine.items() if v}
    counts = row_counts(target, schema)
    assert counts["store"] == 50 and 0.9 * 600 <= counts["staff"] <= 1.1 * 600
    assert run_sql(target, "SELECT count(*) FROM store WHERE manager_staff_id IS NULL") == [(0,)]
