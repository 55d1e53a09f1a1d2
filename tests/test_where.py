"""Conditional generation: ``--where 'TABLE: condition'`` on the demo (DuckDB): every row of
the conditioned table satisfies the condition (checked by SQL in the target with the same
text), its children are generated for those rows only (no orphans, and as many per parent as
matching parents have in the source), the other columns are distributed like the source's
matching rows, and bad or impossible conditions are one line and leave the target as it was.

Before ``--where`` existed, ``generate``/``synth`` took no ``where`` (TypeError) and the CLI no
``--where`` (exit 2 "No such option"); a condition that only filtered the finished rows would
leave fewer rows than asked (size check) and children without parents; one that ignored the
children's sizes would give healthy patients as many lab results as everyone else.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from conftest import run_sql

from dbsynth import pipeline
from dbsynth.errors import UsageError
from dbsynth.model.relational import RelationalModel
from dbsynth.model.relational.conditions import Condition, parse_where
from dbsynth.report.fidelity import column_shapes, prepared, scored_columns

SAMPLE_ROWS = 3000  # training reads this many rows per table: seconds per test


def duck(path: Path) -> str:
    return "duckdb:///" + str(path.resolve())


def count(url: str, table: str, where: str = "TRUE") -> int:
    return int(run_sql(url, f"SELECT count(*) FROM {table} WHERE {where}")[0][0])


def failing(url: str, table: str, condition: str) -> int:
    """Rows where the condition is not TRUE (false or NULL), by SQL in the database."""
    return count(url, table, f"({condition}) IS NOT TRUE")


def orphans(url: str, child: str) -> int:
    return int(run_sql(url, f"SELECT count(*) FROM {child} c LEFT JOIN patients p USING (patient_id) "
                            "WHERE p.patient_id IS NULL")[0][0])


def per_matching_parent(url: str, child: str, condition: str) -> float:
    """Children per patient satisfying the condition (patients without any count as 0)."""
    return float(run_sql(url, f"SELECT count(c.patient_id) * 1.0 / count(DISTINCT p.patient_id) "
                              f"FROM patients p LEFT JOIN {child} c USING (patient_id) "
                              f"WHERE {condition}")[0][0])


def frame(url: str, sql: str) -> pd.DataFrame:
    con = duckdb.connect(url.removeprefix("duckdb:///"), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    from dbsynth.demo import build_demo_source

    path = tmp_path_factory.mktemp("where") / "demo.duckdb"
    build_demo_source(path)
    return duck(path)


@pytest.fixture(scope="module")
def demo_model(demo: str) -> RelationalModel:
    return pipeline.train(demo, sample_rows=SAMPLE_ROWS, seed=1).model


def test_condition_holds_on_every_row_and_children_follow_the_matching_parents(
        demo: str, demo_model: RelationalModel, tmp_path: Path) -> None:
    condition = "diagnosis = 'healthy-checkup' AND age >= 18"
    target = duck(tmp_path / "healthy.duckdb")
    result = pipeline.generate(demo_model, target, where={"patients": condition}, seed=3)
    assert result.integrity.ok  # keys, and every table's size as planned
    assert count(target, "patients") == count(demo, "patients")  # as many rows as the scale asks
    assert failing(target, "patients", condition) == 0
    for child in ("lab_results", "treatments"):
        assert orphans(target, child) == 0
        assert count(target, child) == result.rows[child]
        # healthy adults have few lab results and treatments: so do their synthetic copies
        real = per_matching_parent(demo, child, condition)
        assert per_matching_parent(target, child, condition) == pytest.approx(real, rel=0.2), child
        assert real < 0.6 * count(demo, child) / count(demo, "patients")  # the test can tell


def test_matching_rows_are_distributed_like_the_sources_matching_rows(
        demo: str, demo_model: RelationalModel, tmp_path: Path) -> None:
    """Fidelity against the source filtered the same way: the other columns (diagnosis
    depends on age in the demo) and the children's (lab tests depend on the diagnosis)."""
    condition = "age >= 65"
    target = duck(tmp_path / "old.duckdb")
    pipeline.generate(demo_model, target, where={"patients": condition}, seed=4)
    assert failing(target, "patients", condition) == 0
    schema = demo_model.schema
    for table, sql in (("patients", f"SELECT * FROM patients WHERE {condition}"),
                       ("lab_results", "SELECT l.* FROM lab_results l JOIN patients p "
                                       f"USING (patient_id) WHERE {condition}")):
        real, fake, everyone = frame(demo, sql), frame(target, f"SELECT * FROM {table}"), \
            frame(demo, f"SELECT * FROM {table}")
        kinds = {c: k for c, k in scored_columns(schema, {table: real}).kinds[table].items()
                 if c != "age"}
        shapes = column_shapes(prepared(real, kinds), prepared(fake, kinds), kinds)
        unconditioned = column_shapes(prepared(real, kinds), prepared(everyone, kinds), kinds)
        for name, shape in shapes.items():
            assert shape["score"] >= 0.8, (table, name, shape)
        if table == "patients":  # all patients differ from the old ones: the check can fail
            assert unconditioned["diagnosis"]["score"] < shapes["diagnosis"]["score"] - 0.1


def test_condition_on_a_child_selects_its_rows_and_keeps_the_parents(
        demo: str, demo_model: RelationalModel, tmp_path: Path) -> None:
    condition = "test_name IN ('glucose', 'hba1c') AND value > 6.5"
    target = duck(tmp_path / "child.duckdb")
    result = pipeline.generate(demo_model, target, where={"lab_results": condition}, seed=5,
                               scale=0.5)
    assert result.integrity.ok
    assert failing(target, "lab_results", condition) == 0
    # as many rows (those of parents no draw matches go to parents that match)
    assert count(target, "lab_results") == pytest.approx(count(demo, "lab_results") / 2, rel=0.01)
    assert count(target, "patients") == count(demo, "patients") // 2  # parents as before
    assert orphans(target, "lab_results") == 0


def test_condition_most_parents_never_meet_moves_their_rows_to_parents_that_do(
        demo: str, demo_model: RelationalModel, tmp_path: Path) -> None:
    """One test of five, which two patients in three never have in the source: their rows
    used to be dropped (size check failed: 16,293 lab_results written, 21,555 asked); now
    they go to patients the model gives such results, and the table keeps its size."""
    condition = "test_name = 'hba1c'"
    assert count(demo, "patients", "patient_id IN (SELECT patient_id FROM lab_results "
                                   f"WHERE {condition})") < 0.4 * count(demo, "patients")
    target = duck(tmp_path / "hba1c.duckdb")
    result = pipeline.generate(demo_model, target, where={"lab_results": condition}, seed=2)
    assert result.integrity.ok
    assert count(target, "lab_results") == result.rows["lab_results"] == count(demo, "lab_results")
    assert failing(target, "lab_results", condition) == 0
    assert orphans(target, "lab_results") == 0
    with_results = count(target, "patients", "patient_id IN (SELECT patient_id FROM lab_results)")
    assert with_results < 0.9 * count(target, "patients")  # carried by the patients that match


@pytest.mark.parametrize("condition", [
    "sex = 'F' AND (age BETWEEN 20 AND 40 OR diagnosis IN ('asthma', 'fracture'))",
    "last_name LIKE 'S%' AND NOT (weight_kg > 80)",
    "discharge_date IS NULL OR admission_date >= DATE '2024-01-01'",
    "weight_kg NOT IN (70.5, NULL)",  # SQL: never TRUE (NULL in the list)
    "diagnosis <> 'diabetes' AND age != 50 AND first_name ILIKE 'a%'",
])
def test_condition_counts_the_same_rows_as_sql(demo: str, demo_model: RelationalModel,
                                               condition: str) -> None:
    """The evaluator on frames agrees with DuckDB on the source's rows, NULLs included."""
    table = demo_model.schema.table("patients")
    rows = frame(demo, "SELECT * FROM patients")
    parsed = Condition.parse("patients", condition)
    parsed.check(table)
    assert int(parsed.holds(rows, table).sum()) == count(demo, "patients", condition)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dbsynth.cli", *args], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "COLUMNS": "200"})


@pytest.mark.parametrize("where, needle", [
    ("patients: agee >= 30", "no column 'agee' in patients; did you mean 'age'?"),
    ("patient: age >= 30", "no table 'patient'; did you mean 'patients'?"),
    ("patients: sex = F", "no column 'F' in patients (a text value goes in single quotes: 'F')"),
    ("age >= 30", "--where wants 'TABLE: condition'"),
])
def test_bad_conditions_are_one_line_and_write_nothing(demo: str, tmp_path: Path, where: str,
                                                      needle: str) -> None:
    target = tmp_path / "never.duckdb"
    proc = cli("synth", demo, duck(target), "--sample-rows", "200", "--where", where)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], proc.stderr
    assert not target.exists()


@pytest.mark.parametrize("condition, needle", [
    ("age + 1 > 30", "operator ADD is not supported"),
    ("lower(sex) = 'f'", "function LOWER is not supported"),
    ("age IN (SELECT 1)", "not a subquery"),
    ("sex = 30", "sex is text: it cannot be compared with 30"),
    ("age = 'thirty'", "'thirty' is not a number"),
    ("admission_date > 'soon'", "'soon' is not a date or timestamp"),
    ("age >=", "cannot parse"),
    ("patient_id < 10", "patient_id is a key"),
    ("email LIKE '%@x.org'", "email is not drawn by the model"),
    ("age > 1; DROP TABLE patients", "not several statements"),
])
def test_unsupported_conditions_are_refused_before_writing(
        demo_model: RelationalModel, tmp_path: Path, condition: str, needle: str) -> None:
    target = tmp_path / "never.duckdb"
    with pytest.raises(UsageError, match="^--where patients: ") as raised:
        pipeline.generate(demo_model, duck(target), where={"patients": condition})
    assert needle in str(raised.value) and "\n" not in str(raised.value)
    assert not target.exists()


def test_impossible_condition_is_a_clear_error_and_leaves_the_target_as_it_was(
        demo: str, tmp_path: Path) -> None:
    model = tmp_path / "m.dbsynth"
    assert cli("train", demo, "-o", str(model), "--sample-rows", "500").returncode == 0
    target = tmp_path / "kept.duckdb"
    proc = cli("generate", str(model), duck(target), "--where", "patients: age >= 30")
    assert proc.returncode == 0, proc.stderr
    before = hashlib.sha256(target.read_bytes()).hexdigest()
    for condition in ("patients: diagnosis = 'flu'",):  # a value never seen
        proc = cli("generate", str(model), duck(target), "--replace", "--where", condition)
        assert proc.returncode == 2, proc.stderr
        error = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
        assert len(error) == 1 and "no synthetic row of patients satisfies" in error[0], proc.stderr
        assert "the model never produced such rows" in error[0]
        assert "Traceback" not in proc.stderr
        assert hashlib.sha256(target.read_bytes()).hexdigest() == before
    assert failing(duck(target), "patients", "age >= 30") == 0
    assert not (tmp_path / "new.duckdb").exists()
    proc = cli("generate", str(model), duck(tmp_path / "new.duckdb"), "--where",
               "patients: age > 200")
    assert proc.returncode == 2 and not (tmp_path / "new.duckdb").exists()


def test_cli_synth_takes_where_and_help_says_so(demo: str, tmp_path: Path) -> None:
    target = duck(tmp_path / "cli.duckdb")
    proc = cli("synth", demo, target, "--sample-rows", "500", "--json", "--where",
               "patients: sex = 'F' AND age < 40", "--where", "treatments: cost > 100")
    assert proc.returncode == 0, proc.stderr
    assert failing(target, "patients", "sex = 'F' AND age < 40") == 0
    assert failing(target, "treatments", "cost > 100") == 0
    assert orphans(target, "treatments") == 0 and orphans(target, "lab_results") == 0
    assert "--where" in cli("synth", "--help").stdout
    assert "--where" in cli("generate", "--help").stdout
    assert "--only-related" in cli("synth", "--help").stdout


def test_where_parsing(demo_model: RelationalModel, tmp_path: Path) -> None:
    assert parse_where(["patients: a = 'x:y'", " t :b>1"]) == {"patients": "a = 'x:y'", "t": "b>1"}
    with pytest.raises(UsageError, match="names patients twice"):
        parse_where(["patients: age > 1", "patients: age < 9"])
    with pytest.raises(UsageError, match="no synthetic row of patients satisfies 'age > 200'"):
        pipeline.generate(demo_model, duck(tmp_path / "x.duckdb"), where={"patients": "age > 200"})
    assert not (tmp_path / "x.duckdb").exists()


def test_service_jobs_take_where(demo: str, tmp_path: Path) -> None:
    from test_service import LiveService, finished, wait_for, write_config, writable

    target = tmp_path / "served.duckdb"
    config = write_config(tmp_path / "svc", {"demo": demo, "out": writable(duck(target))},
                          concurrency=1)
    service = LiveService(config, tmp_path / "service.log").start()
    try:
        with service.client() as api:
            bad = api.post("/v1/jobs", json={"kind": "synth", "source": "demo", "target": "out",
                                             "where": {"patients": "age >"}})
            assert bad.status_code == 422 and "where" in bad.text and "cannot parse" in bad.text
            body: dict[str, Any] = {"kind": "synth", "source": "demo", "target": "out",
                                    "sample_rows": 500, "where": {"patients": "agee > 50"}}
            failed = wait_for(api, api.post("/v1/jobs", json=body).json()["id"], finished)
            assert failed["status"] == "failed" and "did you mean 'age'" in failed["error"]
            body["where"] = {"patients": "age > 50 AND sex = 'M'"}
            done = wait_for(api, api.post("/v1/jobs", json=body).json()["id"], finished)
    finally:
        service.stop()
    assert done["status"] == "succeeded", done["error"]
    assert done["result"]["rows"]["patients"] == count(duck(target), "patients") > 0
    assert failing(duck(target), "patients", "age > 50 AND sex = 'M'") == 0
    assert orphans(duck(target), "lab_results") == 0


@pytest.mark.postgres
def test_chinook_customers_of_some_countries_with_their_invoices(chinook_duckdb_url: str,
                                                                 tmp_path: Path) -> None:
    """customer is a root (its employee parent a small lookup list), invoice its child,
    invoice_line the invoice's (and a track's): the invoices are those of matching customers,
    every reference holds, and the matching customers look like the source's."""
    condition = "country IN ('USA', 'Canada', 'Brazil') AND company IS NULL"
    target = duck(tmp_path / "chinook.duckdb")
    result = pipeline.synth(chinook_duckdb_url, target, where={"customer": condition}, seed=2,
                            sample_rows=SAMPLE_ROWS)
    assert result.integrity.ok
    assert count(target, "customer") == count(chinook_duckdb_url, "customer")
    assert failing(target, "customer", condition) == 0
    for child, parent, key in (("invoice", "customer", "customer_id"),
                               ("invoice_line", "invoice", "invoice_id"),
                               ("invoice_line", "track", "track_id")):
        assert int(run_sql(target, f"SELECT count(*) FROM {child} c LEFT JOIN {parent} p "
                                   f"USING ({key}) WHERE p.{key} IS NULL")[0][0]) == 0
    assert count(target, "invoice") == result.rows["invoice"] > 0
    real = frame(chinook_duckdb_url, f"SELECT country FROM customer WHERE {condition}")
    fake = frame(target, "SELECT country FROM customer")
    shares = pd.concat([real.country.value_counts(normalize=True),
                        fake.country.value_counts(normalize=True)], axis=1).fillna(0)
    assert 1 - 0.5 * (shares.iloc[:, 0] - shares.iloc[:, 1]).abs().sum() >= 0.7  # TV complement


@pytest.mark.postgres
def test_chinook_only_related_keeps_what_the_matching_customers_reference(
        chinook_duckdb_url: str, tmp_path: Path) -> None:
    """Tracks only where a matching customer's invoice line points, albums and artists only
    of those tracks, playlists (nobody's reference) none; every reference still holds. The
    same run without --only-related keeps every track (how the test fails without it)."""
    condition = "country = 'Germany'"
    target = duck(tmp_path / "related.duckdb")
    result = pipeline.synth(chinook_duckdb_url, target, where={"customer": condition}, seed=2,
                            sample_rows=SAMPLE_ROWS, only_related=True)
    assert result.integrity.ok
    assert failing(target, "customer", condition) == 0
    assert count(target, "customer") == count(chinook_duckdb_url, "customer")
    used = "SELECT DISTINCT track_id FROM invoice_line"
    assert 0 < count(target, "track") == count(target, "track", f"track_id IN ({used})")
    assert count(target, "track") < count(chinook_duckdb_url, "track")
    assert count(target, "album") == count(target, "album",
                                           "album_id IN (SELECT album_id FROM track)")
    assert count(target, "playlist_track") == 0
    for child, parent, key in (("invoice_line", "track", "track_id"),
                               ("track", "album", "album_id"), ("album", "artist", "artist_id"),
                               ("customer", "employee", "support_rep_id")):
        ref = "employee_id" if key == "support_rep_id" else key
        assert int(run_sql(target, f"SELECT count(*) FROM {child} c LEFT JOIN {parent} p "
                                   f"ON c.{key} = p.{ref} WHERE c.{key} IS NOT NULL "
                                   f"AND p.{ref} IS NULL")[0][0]) == 0
    with pytest.raises(UsageError, match="--only-related keeps the rows a --where selects"):
        pipeline.synth(chinook_duckdb_url, duck(tmp_path / "never.duckdb"), only_related=True)
