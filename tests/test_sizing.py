"""Per-table sizes: ``--rows TABLE=N`` and ``--table-scale TABLE=F``, with and without
``--scale``, on the demo (DuckDB) and Chinook; every copy is checked by SQL in the target
(rows written, children per parent, orphans).

Before sizing existed, ``generate``/``synth`` took no ``rows``/``table_scale`` (TypeError) and
the CLI no ``--rows``/``--table-scale`` (exit 2 "No such option"); a sizing that only scaled
the named table would leave its children at the source's totals (children per parent off
by the factor), and one that forgot the size check would fail it (``size in …``).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import run_sql

from dbsynth import pipeline
from dbsynth.errors import UsageError
from dbsynth.model.relational import RelationalModel, Sizing
from dbsynth.model.relational.sizing import parse_rows, parse_table_scale

SAMPLE_ROWS = 3000  # training reads this many rows per table: seconds per test


def duck(path: Path) -> str:
    return "duckdb:///" + str(path.resolve())


def count(url: str, table: str) -> int:
    return int(run_sql(url, f"SELECT count(*) FROM {table}")[0][0])


def per_parent(url: str, child: str, parent: str, key: str) -> tuple[float, float, float]:
    """Children per parent row (parents without children count as 0): mean, coefficient of
    variation, share of parents with none."""
    n = f"(SELECT p.{key}, count(c.{key}) AS n FROM {parent} p LEFT JOIN {child} c USING ({key}) GROUP BY 1)"
    mean, std, none = run_sql(url, f"SELECT avg(n), stddev_pop(n), avg(CASE WHEN n = 0 THEN 1.0 ELSE 0 END) FROM {n} t")[0]
    return float(mean), float(std) / float(mean), float(none)


def orphans(url: str, child: str, parent: str, key: str) -> int:
    return int(run_sql(url, f"SELECT count(*) FROM {child} c LEFT JOIN {parent} p USING ({key}) "
                            f"WHERE c.{key} IS NOT NULL AND p.{key} IS NULL")[0][0])


def assert_demo_integrity(url: str, result: pipeline.SynthResult) -> None:
    assert result.integrity.ok
    for table in ("patients", "lab_results", "treatments"):
        assert count(url, table) == result.rows[table]  # the summary says what was written
    for child in ("lab_results", "treatments"):
        assert orphans(url, child, "patients", "patient_id") == 0
    assert run_sql(url, "SELECT count(*) - count(DISTINCT patient_id) FROM patients")[0][0] == 0


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    from dbsynth.demo import build_demo_source

    path = tmp_path_factory.mktemp("sizing") / "demo.duckdb"
    build_demo_source(path)
    return duck(path)


@pytest.fixture(scope="module")
def demo_model(demo: str) -> RelationalModel:
    return pipeline.train(demo, sample_rows=SAMPLE_ROWS, seed=1).model


def test_rows_on_a_root_gives_exactly_n_rows_and_its_children_follow(
        demo: str, demo_model: RelationalModel, tmp_path: Path) -> None:
    target = duck(tmp_path / "rows.duckdb")
    result = pipeline.generate(demo_model, target, rows={"patients": 1000}, seed=3)
    assert count(target, "patients") == 1000
    for child in ("lab_results", "treatments"):  # same children per patient as the source
        real, made = per_parent(demo, child, "patients", "patient_id"), \
            per_parent(target, child, "patients", "patient_id")
        assert made[0] == pytest.approx(real[0], rel=0.15), child
    assert_demo_integrity(target, result)


def test_table_scale_multiplies_children_per_parent_keeping_their_shape(
        demo: str, demo_model: RelationalModel, tmp_path: Path) -> None:
    target = duck(tmp_path / "five.duckdb")
    result = pipeline.generate(demo_model, target, table_scale={"lab_results": 5}, seed=4)
    assert count(target, "patients") == count(demo, "patients")
    real_mean, real_cv, real_none = per_parent(demo, "lab_results", "patients", "patient_id")
    mean, cv, none = per_parent(target, "lab_results", "patients", "patient_id")
    assert mean == pytest.approx(5 * real_mean, rel=0.15)
    assert cv == pytest.approx(real_cv, rel=0.25)  # spread relative to the mean: same shape
    assert none == pytest.approx(real_none, abs=0.03)  # patients without results stay so
    other = per_parent(target, "treatments", "patients", "patient_id")[0]
    assert other == pytest.approx(per_parent(demo, "treatments", "patients", "patient_id")[0], rel=0.15)
    assert_demo_integrity(target, result)


def test_table_scale_combines_with_scale(demo: str, demo_model: RelationalModel,
                                         tmp_path: Path) -> None:
    target = duck(tmp_path / "both.duckdb")
    result = pipeline.generate(demo_model, target, scale=2, table_scale={"treatments": 3}, seed=5)
    assert count(target, "patients") == 2 * count(demo, "patients")
    real = per_parent(demo, "treatments", "patients", "patient_id")[0]
    assert per_parent(target, "treatments", "patients", "patient_id")[0] == pytest.approx(3 * real, rel=0.15)
    real = per_parent(demo, "lab_results", "patients", "patient_id")[0]
    assert per_parent(target, "lab_results", "patients", "patient_id")[0] == pytest.approx(real, rel=0.15)
    assert_demo_integrity(target, result)


def test_rows_on_a_child_rescales_its_counts_to_the_total(demo: str, demo_model: RelationalModel,
                                                          tmp_path: Path) -> None:
    target = duck(tmp_path / "child.duckdb")
    result = pipeline.generate(demo_model, target, scale=0.5, rows={"lab_results": 3000}, seed=6)
    assert count(target, "patients") == count(demo, "patients") // 2
    assert abs(count(target, "lab_results") - 3000) <= 1
    assert count(target, "treatments") == pytest.approx(count(demo, "treatments") / 2, rel=0.1)
    assert_demo_integrity(target, result)


@pytest.mark.postgres
def test_chinook_rows_and_table_scale(chinook_duckdb_url: str, tmp_path: Path) -> None:
    """customer is a root (its employee parent is a small lookup list); invoice its child,
    invoice_line the invoice's: the lines per invoice follow the source."""
    target = duck(tmp_path / "chinook.duckdb")
    result = pipeline.synth(chinook_duckdb_url, target, rows={"customer": 150},
                            table_scale={"invoice": 3}, seed=2, sample_rows=SAMPLE_ROWS)
    assert result.integrity.ok
    assert count(target, "customer") == 150
    real = per_parent(chinook_duckdb_url, "invoice", "customer", "customer_id")[0]
    assert per_parent(target, "invoice", "customer", "customer_id")[0] == pytest.approx(3 * real, rel=0.15)
    real = per_parent(chinook_duckdb_url, "invoice_line", "invoice", "invoice_id")[0]
    assert per_parent(target, "invoice_line", "invoice", "invoice_id")[0] == pytest.approx(real, rel=0.15)
    for child, parent, key in (("invoice", "customer", "customer_id"),
                               ("invoice_line", "invoice", "invoice_id"),
                               ("invoice_line", "track", "track_id")):
        assert orphans(target, child, parent, key) == 0
    for table in ("customer", "invoice", "invoice_line", "track"):
        assert count(target, table) == result.rows[table]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dbsynth.cli", *args], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "COLUMNS": "200"})


@pytest.mark.parametrize("flags, needle", [
    (["--rows", "patiens=10"], "no table 'patiens'; did you mean 'patients'?"),
    (["--table-scale", "lab_result=2"], "no table 'lab_result'; did you mean 'lab_results'?"),
    (["--rows", "patients=-1"], "the rows must be a whole number >= 0"),
    (["--table-scale", "lab_results=0"], "the factor must be a number > 0"),
    (["--rows", "patients"], "--rows wants TABLE=N"),
    (["--rows", "patients=1.5"], "is not a whole number"),
    (["--rows", "patients=9", "--table-scale", "patients=2"], "both --rows and --table-scale"),
])
def test_bad_sizes_are_one_line_and_write_nothing(demo: str, tmp_path: Path, flags: list[str],
                                                 needle: str) -> None:
    target = tmp_path / "never.duckdb"
    proc = cli("synth", demo, duck(target), "--sample-rows", "200", *flags)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], proc.stderr
    assert not target.exists()


def test_cli_synth_and_generate_take_the_options(demo: str, tmp_path: Path) -> None:
    target = tmp_path / "cli.duckdb"
    proc = cli("synth", demo, duck(target), "--sample-rows", "500", "--rows", "patients=400",
               "--table-scale", "treatments=2", "--json")
    assert proc.returncode == 0, proc.stderr
    assert count(duck(target), "patients") == 400
    real = per_parent(demo, "treatments", "patients", "patient_id")[0]
    assert per_parent(duck(target), "treatments", "patients", "patient_id")[0] == \
        pytest.approx(2 * real, rel=0.15)
    model = tmp_path / "m.dbsynth"
    assert cli("train", demo, "-o", str(model), "--sample-rows", "500").returncode == 0
    proc = cli("generate", str(model), duck(tmp_path / "g.duckdb"), "--rows", "treatmens=5")
    assert proc.returncode == 2 and "did you mean 'treatments'" in proc.stderr
    assert not (tmp_path / "g.duckdb").exists()
    proc = cli("generate", str(model), duck(tmp_path / "g.duckdb"), "--rows", "treatments=50")
    assert proc.returncode == 0, proc.stderr
    assert count(duck(tmp_path / "g.duckdb"), "treatments") == 50
    assert "--table-scale" in cli("synth", "--help").stdout


def test_copied_and_empty_tables_cannot_be_sized(demo_model: RelationalModel) -> None:
    """A copied table keeps the source's rows at every size, an empty one has none to size:
    asking is an error naming the table, not a silent no-op."""
    schema = demo_model.schema
    patients = schema.table("patients")
    copied = replace(schema, tables=tuple(replace(t, mode="copy") if t is patients else t
                                          for t in schema.tables))
    with pytest.raises(UsageError, match="patients is copied as it is"):
        Sizing(rows={"patients": 10}).check_tables(copied)
    Sizing(rows={"patients": 10}).check_tables(copied, settled=False)  # names only: fine
    empty = replace(schema, tables=tuple(replace(t, row_count=0) if t is patients else t
                                         for t in schema.tables))
    with pytest.raises(UsageError, match="patients is empty in the source"):
        Sizing(table_scale={"patients": 2}).check_tables(empty)
    with pytest.raises(UsageError, match="did you mean 'patients'"):
        Sizing(rows={"patient": 10}).check_tables(schema)


def test_ratios_follow_primary_links(demo_model: RelationalModel) -> None:
    """Unit: a child's ratio is its parent's times its own factor; --rows sets it outright."""
    sizing = Sizing(2.0, {"patients": 1000}, {"lab_results": 3})
    ratios = sizing.ratios(demo_model.schema, demo_model.tables)
    assert ratios["patients"] == pytest.approx(1000 / 5000)
    assert ratios["lab_results"] == pytest.approx(0.2 * 3)
    assert ratios["treatments"] == pytest.approx(0.2)
    planned = sizing.planned_rows(demo_model.schema, demo_model.tables)
    assert planned["patients"] == 1000
    # before training (refresh's plan), the children follow the parent training will choose
    before = sizing.planned_rows(demo_model.schema, {})
    assert before == pytest.approx(planned, rel=0.02)
    assert parse_rows(["a=1", " b = 2 "]) == {"a": 1, "b": 2}
    assert parse_table_scale(["a=2.5"]) == {"a": 2.5}
    assert not math.isnan(ratios["lab_results"])


def test_service_jobs_take_rows_and_table_scale(demo: str, tmp_path: Path) -> None:
    from test_service import LiveService, finished, wait_for, write_config, writable

    target, generated = tmp_path / "served.duckdb", tmp_path / "generated.duckdb"
    config = write_config(tmp_path / "svc", {"demo": demo, "out": writable(duck(target)),
                                             "gen": writable(duck(generated), allow_replace=True)},
                          concurrency=1)
    service = LiveService(config, tmp_path / "service.log").start()
    try:
        with service.client() as api:
            bad = api.post("/v1/jobs", json={"kind": "synth", "source": "demo", "target": "out",
                                             "table_scale": {"lab_results": 0}})
            assert bad.status_code == 422 and "table_scale" in bad.text
            body: dict[str, Any] = {"kind": "synth", "source": "demo", "target": "out",
                                    "sample_rows": 500, "rows": {"patient": 300}}
            failed = wait_for(api, api.post("/v1/jobs", json=body).json()["id"], finished)
            assert failed["status"] == "failed" and "did you mean 'patients'" in failed["error"]
            body["rows"] = {"patients": 300}
            body["table_scale"] = {"lab_results": 2}
            done = wait_for(api, api.post("/v1/jobs", json=body).json()["id"], finished)
            trained = wait_for(api, api.post("/v1/jobs", json={
                "kind": "train", "source": "demo", "name": "demo", "sample_rows": 500}).json()["id"], finished)
            assert trained["status"] == "succeeded", trained["error"]
            made = wait_for(api, api.post("/v1/jobs", json={
                "kind": "generate", "model": trained["result"]["model"]["id"], "target": "gen",
                "rows": {"treatments": 40}, "table_scale": {"lab_results": 0.5}}).json()["id"], finished)
            made_rows = count(duck(generated), "treatments"), count(duck(generated), "lab_results")
            refreshed = wait_for(api, api.post("/v1/jobs", json={
                "kind": "refresh", "source": "demo", "target": "gen", "sample_rows": 500,
                "rows": {"patients": 200}}).json()["id"], finished)
    finally:
        service.stop()
    assert refreshed["status"] == "succeeded", refreshed["error"]
    assert count(duck(generated), "patients") == refreshed["result"]["result"]["rows"]["patients"] == 200
    assert done["status"] == "succeeded", done["error"]
    assert done["result"]["rows"]["patients"] == count(duck(target), "patients") == 300
    real = per_parent(demo, "lab_results", "patients", "patient_id")[0]
    assert per_parent(duck(target), "lab_results", "patients", "patient_id")[0] == \
        pytest.approx(2 * real, rel=0.15)
    assert orphans(duck(target), "lab_results", "patients", "patient_id") == 0
    assert made["status"] == "succeeded", made["error"]
    assert made_rows[0] == made["result"]["rows"]["treatments"] == 40
    assert made_rows[1] == pytest.approx(count(demo, "lab_results") / 2, rel=0.1)


def test_service_synth_report_judges_row_counts_against_the_sizes_asked(tmp_path: Path) -> None:
    """A synth job with per-table sizes and a report: the report's row counts are judged
    against what was asked. Before: the worker gave the report neither the scale nor the
    sizes: it guessed the scale as the median ratio (0.25, from the resized people and their
    visits) and flagged the clinics, made at scale 2 as asked, as off."""
    from types import SimpleNamespace

    import duckdb

    from dbsynth.service.worker import run_synth

    source = tmp_path / "small.duckdb"
    con = duckdb.connect(str(source))
    con.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, age INTEGER, city TEXT)")
    con.execute("CREATE TABLE visits (vid INTEGER PRIMARY KEY, person_id INTEGER NOT NULL REFERENCES people(id),"
                " cost DOUBLE)")
    con.execute("INSERT INTO people SELECT i, 20 + i % 50, 'c' || (i % 7) FROM range(400) t(i)")
    con.execute("INSERT INTO visits SELECT i, i % 400, (i % 13) * 1.5 FROM range(1200) t(i)")
    con.execute("CREATE TABLE clinics (id INTEGER PRIMARY KEY, beds INTEGER)")  # a root on its own
    con.execute("INSERT INTO clinics SELECT i, 10 + i % 9 FROM range(60) t(i)")
    con.close()
    urls = {"src": duck(source), "out": duck(tmp_path / "out.duckdb")}
    config = SimpleNamespace(connections={n: SimpleNamespace(url=u) for n, u in urls.items()},
                             reports_dir=tmp_path / "reports", scrub=lambda text: text)
    job = SimpleNamespace(id="job1", params={"source": "src", "target": "out", "scale": 2.0, "seed": 0,
                                             "replace": False, "sample_rows": 2000, "report": True,
                                             "rows": {"people": 100}, "table_scale": {}})
    result = run_synth(job, config, None, lambda *args: None).result
    assert "report_error" not in result, result.get("report_error")
    assert count(urls["out"], "people") == 100 and count(urls["out"], "clinics") == 120
    assert result["report_summary"]["row_counts_off"] == 0


def test_cli_report_judges_row_counts_by_the_sizes_the_model_was_generated_with(
        demo: str, tmp_path: Path) -> None:
    """``report --model M --rows …`` judges each table against what that ``generate`` asked
    (its descendants following it by the model's links); without them a 300-patient copy of a
    demo is 'off' by its row counts, and sizes without the model are one clear line."""
    import json

    model, target = tmp_path / "m.dbsynth", duck(tmp_path / "sized.duckdb")
    assert cli("train", demo, "-o", str(model), "--sample-rows", "600").returncode == 0
    assert cli("generate", str(model), target, "--rows", "patients=300",
               "--table-scale", "treatments=2").returncode == 0
    plain, sized = tmp_path / "plain.json", tmp_path / "sized.json"
    proc = cli("report", demo, target, "--sample-rows", "400", "--scale", "1", "--json", str(plain))
    assert proc.returncode == 0, proc.stderr
    counts = json.loads(plain.read_text())["integrity"]["row_counts"]
    assert counts["patients"]["off"] and counts["treatments"]["off"]
    proc = cli("report", demo, target, "--sample-rows", "400", "--json", str(sized),
               "--model", str(model), "--rows", "patients=300", "--table-scale", "treatments=2")
    assert proc.returncode == 0, proc.stderr
    counts = json.loads(sized.read_text())["integrity"]["row_counts"]
    assert not any(c["off"] for c in counts.values()), counts
    assert counts["patients"]["synthetic"] == counts["patients"]["expected"] == 300
    proc = cli("report", demo, target, "--rows", "patients=300")
    assert proc.returncode == 2 and "need --model FILE" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_refresh_takes_the_sizes_and_plans_them(demo: str, db_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """``refresh`` sizes and conditions its copy as ``synth`` does, in both kinds of target,
    and its plan (shown before training) already has the children follow a sized parent.
    Before, refresh took ``--scale`` only (exit 2 "No such option: --rows")."""
    target = db_factory.new(name="refreshed")
    pipeline.refresh(demo, target, sample_rows=SAMPLE_ROWS, seed=1)  # a first copy to refresh
    flags = ["--rows", "patients=300", "--table-scale", "lab_results=2", "--sample-rows", "500"]
    proc = cli("refresh", demo, target, *flags, "--dry-run", "--json")
    assert proc.returncode == 0, proc.stderr
    planned = {t["name"]: t["rows"] for t in json.loads(proc.stdout)["plan"]["tables"]}
    source = {t: count(demo, t) for t in ("patients", "lab_results", "treatments")}
    assert planned["patients"] == 300
    assert planned["lab_results"] == pytest.approx(source["lab_results"] * 300 / source["patients"] * 2, rel=0.01)
    assert planned["treatments"] == pytest.approx(source["treatments"] * 300 / source["patients"], rel=0.01)
    before = count(target, "patients")
    proc = cli("refresh", demo, target, *flags, "--where", "patients: age >= 40")
    assert proc.returncode == 0, proc.stderr
    assert count(target, "patients") == 300 != before
    assert int(run_sql(target, "SELECT count(*) FROM patients WHERE age < 40 OR age IS NULL")[0][0]) == 0
    for child in ("lab_results", "treatments"):
        assert orphans(target, child, "patients", "patient_id") == 0
    real = per_parent(demo, "lab_results", "patients", "patient_id")[0]
    assert per_parent(target, "lab_results", "patients", "patient_id")[0] > 1.5 * real


@pytest.mark.parametrize("flags, needle", [
    (["--include", "patients", "--rows", "lab_results=5"],
     "--rows lab_results=…: lab_results is not refreshed (--include/--exclude leave it out)"),
    # it said "no table 'treatments'; did you mean 'patients'?" of a table the source has
    (["--exclude", "treatments", "--table-scale", "treatments=2"],
     "--table-scale treatments=…: treatments is not refreshed (--include/--exclude leave it out)"),
    (["--exclude", "treatments", "--where", "treatments: cost > 1"],
     "--where treatments: treatments is not refreshed (--include/--exclude leave it out)"),
    (["--exclude", "treatments", "--rows", "treatmentz=5"],  # a typo is still one
     "no table 'treatmentz'; did you mean 'treatments'?"),
])
def test_refresh_refuses_sizing_a_table_it_leaves_out(demo: str, tmp_path: Path,
                                                      flags: list[str], needle: str) -> None:
    """A size or condition for a table outside the selection is one line saying so (not
    "no table"), and nothing changes."""
    target = duck(tmp_path / "kept.duckdb")
    pipeline.refresh(demo, target, sample_rows=SAMPLE_ROWS, seed=1)
    before = count(target, "lab_results")
    proc = cli("refresh", demo, target, *flags)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], proc.stderr
    assert count(target, "lab_results") == before


def test_refresh_plans_the_parents_training_chooses_from_the_rows_it_reads(tmp_path: Path) -> None:
    """Training ranks a table's parents by the rows it reads (``sample_rows`` per table), so
    the plan does too. ``items`` references ``alpha`` (1000 rows) and ``zeta`` (2000): whole,
    ``alpha`` has more items per row; read 500 each, they tie and training takes ``zeta``. The
    plan followed ``alpha`` and showed 10000 items for ``--rows zeta=4000``; 20000 were written."""
    import duckdb

    path = tmp_path / "two_parents.duckdb"
    con = duckdb.connect(str(path))
    con.execute("""
        CREATE TABLE alpha (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL);
        CREATE TABLE zeta (id INTEGER PRIMARY KEY, score DOUBLE NOT NULL);
        CREATE TABLE items (id INTEGER PRIMARY KEY, alpha_id INTEGER NOT NULL REFERENCES alpha(id),
                            zeta_id INTEGER NOT NULL REFERENCES zeta(id), qty INTEGER NOT NULL);
        INSERT INTO alpha SELECT i, 'a' || (i % 17) FROM range(1, 1001) t(i);
        INSERT INTO zeta SELECT i, (i % 13) * 1.5 FROM range(1, 2001) t(i);
        INSERT INTO items SELECT i, 1 + (i * 7) % 1000, 1 + (i * 11) % 2000, i % 5
                          FROM range(1, 10001) t(i);
    """)
    con.close()
    source, target = duck(path), duck(tmp_path / "refreshed.duckdb")
    options: dict[str, Any] = {"rows": {"zeta": 4000}, "sample_rows": 500, "seed": 1}
    plan = pipeline.refresh(source, target, dry_run=True, **options).plan
    done = pipeline.refresh(source, target, **options)
    assert done.synth is not None
    planned = {t["name"]: t["rows"] for t in plan.tables}
    assert planned == done.synth.rows == {"alpha": 1000, "zeta": 4000, "items": 20000}


def test_refresh_plan_says_only_related_tables_get_fewer_rows(demo: str, tmp_path: Path) -> None:
    """With ``--only-related``, the tables not below the ``--where`` table are cut down to the
    rows it references after generating: the plan (their rows planned whole) says so. It said
    nothing: 7426 treatments planned, none written."""
    target = duck(tmp_path / "related.duckdb")
    options: dict[str, Any] = {"where": {"lab_results": "value > 0"},
                               "only_related": True, "sample_rows": SAMPLE_ROWS, "seed": 1}
    plan = pipeline.refresh(demo, target, dry_run=True, **options).plan
    notes = [n for n in plan.notes if n.startswith("--only-related")]
    assert notes == ["--only-related: patients, treatments keep only the rows the --where tables "
                     "reference, so they get fewer rows than planned (maybe none)"]
    done = pipeline.refresh(demo, target, **options)
    assert done.synth is not None
    planned = {t["name"]: t["rows"] for t in plan.tables}
    assert done.synth.rows["lab_results"] == planned["lab_results"]
    assert done.synth.rows["patients"] <= planned["patients"]
    assert done.synth.rows["treatments"] == 0 < planned["treatments"]
