"""`dbsynth refresh`: replace a target's copy, after checking its schema for drift.

Targets of both kinds (the source is the demo in DuckDB). Outcomes are read back from the
target: rows replaced, drift refused or applied by policy, dry runs changing nothing, the
table selection closed over foreign keys, and readers never seeing a half-loaded copy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import psycopg
import pytest
from conftest import duckdb_path, pg_conninfo, run_sql, url_kind

from dbsynth import pipeline
from dbsynth.demo import build_demo_source
from dbsynth.errors import DriftError, UsageError


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = Path(tmp_path_factory.mktemp("demo")) / "hospital.duckdb"
    build_demo_source(path)
    return f"duckdb:///{path}"


def fingerprint(url: str) -> list[tuple]:
    """Row counts and a content checksum per demo table (what a reader would see)."""
    return [run_sql(url, f"SELECT '{t}', count(*), sum(hash_col) FROM (SELECT "
                         f"{'hashtext' if url_kind(url) == 'postgres' else 'hash'}(CAST({k} AS text)"
                         f" || CAST({c} AS text)) % 1000003 AS hash_col FROM {t}) x")[0]
            for t, k, c in [("patients", "patient_id", "age"), ("lab_results", "lab_result_id", "value"),
                            ("treatments", "treatment_id", "patient_id")]]


def columns_of(url: str, table: str) -> list[str]:
    return [r[0] for r in run_sql(url, "SELECT column_name FROM information_schema.columns "
                                       f"WHERE table_name = '{table}' ORDER BY ordinal_position")]


def test_refresh_replaces_rows_and_handles_drift_by_policy(demo: str, db_factory) -> None:  # type: ignore[no-untyped-def]
    target = db_factory.new(name="staging")
    first = pipeline.refresh(demo, target, seed=1)
    assert first.applied and first.plan.drift.first_load and first.synth.integrity.ok
    before = fingerprint(target)
    again = pipeline.refresh(demo, target, seed=2)  # same schema: no drift, new rows
    assert again.applied and not again.plan.drift.changes
    after = fingerprint(target)
    assert after != before and after[0][1] == before[0][1] == 5000

    run_sql(target, "ALTER TABLE lab_results ADD COLUMN note VARCHAR(20)")  # staging-only column
    with pytest.raises(DriftError, match="column note is not in the source"):
        pipeline.refresh(demo, target, seed=3)  # default: fail, touch nothing
    with pytest.raises(DriftError, match="additive changes only"):
        pipeline.refresh(demo, target, seed=3, on_drift="migrate")
    assert fingerprint(target) == after and "note" in columns_of(target, "lab_results")
    done = pipeline.refresh(demo, target, seed=3, on_drift="recreate")
    assert done.applied and done.synth.integrity.ok
    assert "note" not in columns_of(target, "lab_results")

    run_sql(target, "ALTER TABLE treatments DROP COLUMN cost")  # the source has it: additive
    plan = pipeline.refresh(demo, target, dry_run=True, on_drift="migrate").plan
    assert [c.kind for c in plan.drift.changes] == ["add_column"] and plan.refused is None
    migrated = pipeline.refresh(demo, target, seed=4, on_drift="migrate")
    assert migrated.applied and "cost" in columns_of(target, "treatments")
    assert run_sql(target, "SELECT count(cost) FROM treatments")[0][0] > 0


def test_dry_run_touches_nothing_and_shows_the_ddl(demo: str, db_factory) -> None:  # type: ignore[no-untyped-def]
    target = db_factory.new(name="dry")
    pipeline.refresh(demo, target, seed=1)
    before = fingerprint(target)
    result = pipeline.refresh(demo, target, seed=9, dry_run=True, on_drift="recreate")
    assert not result.applied and result.synth is None
    assert fingerprint(target) == before
    assert any(s.startswith("CREATE TABLE") and "lab_results" in s for s in result.plan.ddl)
    assert [t["name"] for t in result.plan.tables] == ["patients", "lab_results", "treatments"]
    assert all(t["rows"] == t["source_rows"] for t in result.plan.tables)


def test_selection_pulls_in_parents_and_leaves_the_rest(demo: str, db_factory) -> None:  # type: ignore[no-untyped-def]
    target = db_factory.new(name="picked")
    run_sql(target, "CREATE TABLE unrelated (x INTEGER); INSERT INTO unrelated VALUES (7)")
    result = pipeline.refresh(demo, target, include=("treat*",))
    assert {t["name"] for t in result.plan.tables} == {"patients", "treatments"}
    assert any(n.startswith("patients added") for n in result.plan.notes)
    tables = {r[0] for r in run_sql(target, "SELECT table_name FROM information_schema.tables "
                                            "WHERE table_schema IN ('public', 'main')")}
    assert tables == {"patients", "treatments", "unrelated"}  # lab_results not selected
    assert run_sql(target, "SELECT x FROM unrelated") == [(7,)]
    assert pipeline.refresh(demo, target, exclude=("lab_results",), dry_run=True).plan.drift.untouched \
        == ("unrelated",)
    with pytest.raises(UsageError, match="matches no table"):
        pipeline.refresh(demo, target, include=("nosuch*",), dry_run=True)


def test_readers_never_see_a_half_loaded_copy(demo: str, db_factory) -> None:  # type: ignore[no-untyped-def]
    target = db_factory.new(name="readers")
    pipeline.refresh(demo, target, seed=1)
    old = fingerprint(target)
    seen: list[object] = []

    def look(stage: str, table: str, rows: int) -> None:
        if stage == "load" and table == "treatments" and rows > 0:  # patients & labs loaded
            seen.append(read_while_loading(target))

    pipeline.refresh(demo, target, seed=5, scale=2.0, progress=look)
    assert seen, "the reader never ran"
    assert seen[0] in (old[1][1], "blocked")  # the old lab results, or wait for the new
    assert fingerprint(target)[1][1] > old[1][1]  # scale 2: the new copy is bigger


def read_while_loading(url: str) -> object:
    """Lab result rows as another session sees them in the middle of the refresh."""
    if url_kind(url) == "postgres":
        with psycopg.connect(pg_conninfo(url), autocommit=True) as conn:
            conn.execute("SET lock_timeout = '300ms'")
            try:
                return conn.execute("SELECT count(*) FROM lab_results").fetchone()[0]
            except psycopg.errors.LockNotAvailable:
                return "blocked"  # the refresh holds the table until it commits
    con = duckdb.connect(str(duckdb_path(url)))  # same process: the same database instance
    try:
        return con.execute("SELECT count(*) FROM lab_results").fetchone()[0]
    finally:
        con.close()


def test_cli_refresh_drift_is_one_line_and_json_plan(demo: str, db_factory) -> None:  # type: ignore[no-untyped-def]
    target = db_factory.new(name="cli")
    pipeline.refresh(demo, target, seed=1)
    run_sql(target, "ALTER TABLE patients ADD COLUMN badge INTEGER")
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-m", "dbsynth.cli", "refresh", demo, target],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 3
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert "patients: column badge is not in the source" in proc.stderr
    assert "badge" in proc.stdout  # the plan, with the drift, on stdout
    proc = subprocess.run([sys.executable, "-m", "dbsynth.cli", "refresh", demo, target, "--dry-run"],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 3  # the dry run answers as the refresh would: refused
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert proc.stderr.startswith("error: dry run: the refresh would be refused")
    assert "DDL" in proc.stdout and "badge" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "dbsynth.cli", "refresh", demo, target,
                           "--dry-run", "--on-drift", "recreate", "--json"],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)["plan"]
    assert plan["drift"]["changes"][0]["kind"] == "drop_column" and plan["refused"] is None
    assert "badge" in columns_of(target, "patients")  # dry run: still there


ENUM_SOURCE = {
    "postgres": """
        CREATE TYPE status AS ENUM ('open', 'closed');
        CREATE TABLE ticket (id integer PRIMARY KEY, state status NOT NULL);
        CREATE TABLE task (id integer PRIMARY KEY, state status);
        INSERT INTO ticket SELECT g, (CASE WHEN g % 3 = 0 THEN 'open' ELSE 'closed' END)::status
            FROM generate_series(1, 60) g;
        INSERT INTO task SELECT g, 'open' FROM generate_series(1, 20) g;""",
    "duckdb": """
        CREATE TYPE status AS ENUM ('open', 'closed');
        CREATE TABLE ticket (id integer PRIMARY KEY, state status NOT NULL);
        CREATE TABLE task (id integer PRIMARY KEY, state status);
        INSERT INTO ticket SELECT g, CASE WHEN g % 3 = 0 THEN 'open' ELSE 'closed' END
            FROM range(1, 61) t(g);
        INSERT INTO task SELECT g, 'open' FROM range(1, 21) t(g);""",
}


def test_a_shared_enum_is_kept_and_its_labels_are_compared(db_factory) -> None:  # type: ignore[no-untyped-def]
    source = db_factory.new(ENUM_SOURCE[db_factory.kind], name="enum_src")
    target = db_factory.new(name="enum_tgt")
    pipeline.refresh(source, target, seed=1)
    tasks = run_sql(target, "SELECT count(*) FROM task")[0][0]
    # task keeps using the enum: refreshing ticket alone must not drop and recreate the type
    result = pipeline.refresh(source, target, seed=2, include=("ticket",))
    assert result.applied and result.synth.integrity.ok
    assert run_sql(target, "SELECT count(*) FROM task")[0][0] == tasks
    assert not any("TYPE" in s for s in result.plan.ddl)
    # a label renamed in the source is a drift, and not an additive one
    if db_factory.kind == "postgres":
        run_sql(source, "ALTER TYPE status RENAME VALUE 'closed' TO 'done'")
    else:  # DuckDB cannot alter an enum: rebuild the source's type with the new label
        run_sql(source, "ALTER TABLE ticket ALTER state TYPE VARCHAR; ALTER TABLE task ALTER state TYPE VARCHAR;"
                        "DROP TYPE status; CREATE TYPE status AS ENUM ('open', 'done');"
                        "UPDATE ticket SET state = 'done' WHERE state = 'closed';"
                        "ALTER TABLE ticket ALTER state TYPE status; ALTER TABLE task ALTER state TYPE status")
    plan = pipeline.refresh(source, target, dry_run=True).plan
    enum_changes = [c for c in plan.drift.changes if c.kind == "enum"]
    assert enum_changes and not enum_changes[0].additive and "closed no longer exist" in enum_changes[0].detail
    assert plan.refused is not None


def test_dry_run_into_a_missing_duckdb_file_creates_nothing(demo: str, tmp_path: Path) -> None:
    """A DuckDB-only case: looking at a target that does not exist yet must not create it."""
    missing = tmp_path / "not_yet.duckdb"
    plan = pipeline.refresh(demo, f"duckdb:///{missing}", dry_run=True).plan
    assert plan.drift.first_load and plan.refused is None
    assert not missing.exists()


def test_a_foreign_key_from_outside_the_selection_is_foreseen(demo: str, db_factory) -> None:  # type: ignore[no-untyped-def]
    target = db_factory.new(name="dependent")
    pipeline.refresh(demo, target, seed=1, include=("patients",))
    run_sql(target, "CREATE TABLE visit (patient_id INTEGER REFERENCES patients (patient_id));"
                    "INSERT INTO visit VALUES (1)")
    plan = pipeline.refresh(demo, target, include=("patients",), dry_run=True).plan
    assert plan.refused is not None and "visit" in plan.refused and "patients" in plan.refused
    with pytest.raises(DriftError, match="would drop or break what depends on"):
        pipeline.refresh(demo, target, include=("patients",))
    assert run_sql(target, "SELECT count(*) FROM visit")[0][0] == 1
