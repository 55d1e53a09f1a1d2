"""The report: numbers that agree with SDMetrics, and broken copies that score worse.

A good synthetic copy of the demo is compared with deliberately broken ones, written to
PostgreSQL and DuckDB: shuffled columns (relations destroyed), orphaned children, copied
rows. Each must score clearly worse on the metric that exists to catch it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dbsynth import pipeline
from dbsynth.demo import build_demo_source
from dbsynth.report.fidelity import fidelity
from databases import build_demo_pairs, read_frames, shuffled, write_frames

CROSSCHECK = Path(__file__).parent / "data" / "sdmetrics_crosscheck.json"
ROWS = 3000  # --sample-rows of the test reports: small and quick


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = Path(tmp_path_factory.mktemp("demo")) / "hospital.duckdb"
    build_demo_source(path)
    return f"duckdb:///{path}"


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str]]:
    return build_demo_pairs(Path(tmp_path_factory.mktemp("pairs")))


@pytest.mark.parametrize("label", ["demo_independent", "demo_shuffled"])
def test_fidelity_agrees_with_sdmetrics(label: str, pairs: dict[str, tuple[str, str]]) -> None:
    """Our numbers against SDMetrics' QualityReport on the same data (figures stored by
    benchmarks/sdmetrics_crosscheck.py), within ±0.02 — and live when sdmetrics is installed."""
    stored = json.loads(CROSSCHECK.read_text())[label]
    real_url, synthetic_url = pairs[label]
    schema, real = read_frames(real_url)
    _, synthetic = read_frames(synthetic_url)
    ours = fidelity(schema, real, synthetic)
    for name, value in stored.items():
        assert ours[name] == pytest.approx(value, abs=0.02), name
    try:
        import sdmetrics  # noqa: F401 - optional (BUSL-licensed dependency chain)
    except ImportError:
        return
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from sdmetrics_crosscheck import sdmetrics_scores

    live = sdmetrics_scores(schema, real, synthetic)
    for name, value in live.items():
        assert ours[name] == pytest.approx(value, abs=0.02), name


@pytest.fixture(scope="module")
def good_copy(demo: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = Path(tmp_path_factory.mktemp("good")) / "good.duckdb"
    pipeline.synth(demo, f"duckdb:///{path}", seed=1)
    return f"duckdb:///{path}"


def _broken(kind: str, demo: str, good_copy: str, target: str) -> str:
    schema, good = read_frames(good_copy)
    if kind == "good":
        return write_frames(target, schema, good)
    if kind == "shuffled":
        return write_frames(target, schema, shuffled(schema, good))
    if kind == "orphans":
        labs = good["lab_results"].copy()
        labs.loc[labs.index[::10], "patient_id"] = 10**7  # a tenth of the results lose their patient
        return write_frames(target, schema, good | {"lab_results": labs}, with_fks=False)
    _, real = read_frames(demo)
    return write_frames(target, schema, real)  # "copied": the source itself


@pytest.fixture(scope="module")
def targets(demo: str, good_copy: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The good copy and three broken ones (DuckDB targets here; the PostgreSQL variant is below)."""
    folder = Path(tmp_path_factory.mktemp("broken"))
    return {kind: _broken(kind, demo, good_copy, f"duckdb:///{folder / kind}.duckdb")
            for kind in ("good", "shuffled", "orphans", "copied")}


@pytest.fixture(scope="module")
def reports(demo: str, targets: dict[str, str]) -> dict[str, dict]:
    return {kind: pipeline.report(demo, target, sample_rows=ROWS) for kind, target in targets.items()}


def test_a_good_copy_scores_well(reports: dict[str, dict]) -> None:
    summary = reports["good"]["summary"]
    assert summary["overall"] > 0.85 and summary["integrity_ok"]
    assert summary["detection_auc"] < 0.7 and summary["exact_copy_share"] < 0.01
    assert reports["good"]["privacy"]["copied_personal_rows"] == 0
    utility = reports["good"]["utility"]
    assert utility and utility["synthetic"]["f1"] > 0.5 * utility["real"]["f1"]


def test_shuffled_columns_lose_pair_trends(reports: dict[str, dict]) -> None:
    good, bad = reports["good"]["summary"], reports["shuffled"]["summary"]
    assert bad["column_pair_trends"] < good["column_pair_trends"] - 0.15
    assert bad["intertable_trends"] < good["intertable_trends"] - 0.15
    assert bad["detection_auc"] > good["detection_auc"] + 0.1
    assert bad["column_shapes"] > 0.95  # marginals intact: only the matching metric drops


def test_orphaned_children_fail_integrity(reports: dict[str, dict]) -> None:
    assert reports["good"]["integrity"]["ok"]
    bad = reports["orphans"]["integrity"]
    assert not bad["ok"]
    orphans = [c for c in bad["checks"] if c["check"] == "orphans" and c["table"] == "lab_results"]
    assert orphans and orphans[0]["violations"] > 1000


def test_copied_rows_are_caught_by_privacy(reports: dict[str, dict]) -> None:
    assert reports["copied"]["summary"]["exact_copy_share"] > 0.9
    assert reports["good"]["summary"]["exact_copy_share"] < 0.01
    assert reports["copied"]["privacy"]["copied_personal_rows"] > 1000
    # synthetic rows far closer to real rows than real rows are to each other: copying
    assert reports["copied"]["privacy"]["dcr"]["ratio"] < 0.5 < 0.7 < reports["good"]["privacy"]["dcr"]["ratio"]


@pytest.mark.postgres
def test_report_between_postgres_and_duckdb(demo: str, good_copy: str, pg_database_factory) -> None:  # type: ignore[no-untyped-def]
    source = _broken("copied", demo, good_copy, pg_database_factory("report_src"))  # the demo on PostgreSQL
    target = _broken("good", demo, good_copy, pg_database_factory("report_tgt"))
    found = pipeline.report(source, target, sample_rows=ROWS)
    duck = pipeline.report(demo, good_copy, sample_rows=ROWS)
    assert found["summary"]["integrity_ok"]
    assert found["summary"]["column_shapes"] == pytest.approx(duck["summary"]["column_shapes"], abs=0.05)
    found = pipeline.report(target, demo, sample_rows=ROWS)  # either direction, either engine
    assert found["summary"]["overall"] > 0.8


def test_report_cli_writes_html_and_strict_json(demo: str, good_copy: str, tmp_path: Path) -> None:
    html, data = tmp_path / "r.html", tmp_path / "r.json"
    done = subprocess.run([sys.executable, "-m", "dbsynth.cli", "report", demo, good_copy, "-o", str(html),
                           "--json", str(data), "--sample-rows", str(ROWS), "--target", "patients.diagnosis",
                           "--fail-on", "privacy.audit.risk > 0.2"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    found = json.loads(data.read_text(), parse_constant=lambda c: pytest.fail(f"non-JSON {c}"))
    assert found["utility"]["target"] == "patients.diagnosis"
    text = html.read_text()
    assert f"{found['summary']['overall']:.3f}" in text and "<svg" in text
    bad = subprocess.run([sys.executable, "-m", "dbsynth.cli", "report", demo, good_copy,
                          "--target", "patients.nosuch"], capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "patients has no column 'nosuch'" in bad.stderr.strip().splitlines()[-1]



def _all_text_copy(good_copy: str, path: Path) -> str:
    """The good copy as another tool might write it: every column TEXT, no keys declared,
    and one lab result key that is no number ('n/a')."""
    import duckdb

    src = good_copy.removeprefix("duckdb:///")
    conn = duckdb.connect(str(path))
    conn.execute(f"ATTACH '{src}' AS good (READ_ONLY)")
    for (table,) in conn.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'good'").fetchall():
        columns = [r[0] for r in conn.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'good' AND table_name = ? "
            "ORDER BY column_index", [table]).fetchall()]
        parts = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in columns)
        conn.execute(f'CREATE TABLE main."{table}" AS SELECT {parts} FROM good.main."{table}"')
    conn.execute("UPDATE lab_results SET lab_result_id = 'n/a' WHERE rowid = (SELECT min(rowid) FROM lab_results)")
    conn.close()
    return f"duckdb:///{path}"


def test_report_reads_a_copy_written_all_as_text(demo: str, good_copy: str, tmp_path: Path) -> None:
    """A copy whose columns are all TEXT: the report casts each to the source's type (or
    compares as text where a value does not convert), lists what it did, and scores it."""
    from dbsynth.report.html import render_html

    target = _all_text_copy(good_copy, tmp_path / "text.duckdb")
    found = pipeline.report(demo, target, sample_rows=ROWS)
    how = {(c["table"], c["column"]): c["how"] for c in found["casts"]}
    assert how[("lab_results", "value")] == "cast" and how[("patients", "admission_date")] == "cast"
    assert how[("lab_results", "patient_id")] == "cast"  # keys too: the joins bind
    assert how[("lab_results", "lab_result_id")] == "text"  # 'n/a' is no number
    assert how[("treatments", "cost")] == "cast"
    assert ("patients", "sex") not in how  # text in both: nothing to cast
    summary = found["summary"]
    assert summary["integrity_ok"] and summary["overall"] > 0.85 and summary["cardinality"] > 0.8
    assert found["tables"]["lab_results"]["column_shapes"]["value"]["score"] > 0.8
    assert "Types read" in render_html(found) and "compared as text" in render_html(found)
    json.dumps(found, allow_nan=False)


def test_verbatim_copy_at_risk_dbsynth_copy_not(reports: dict[str, dict]) -> None:
    """privacy.audit.risk: the source itself scores about 1, a dbsynth copy about 0."""
    copied, good = reports["copied"]["privacy"]["audit"], reports["good"]["privacy"]["audit"]
    assert copied["risk"] >= 0.8 and good["risk"] <= 0.2
    assert reports["copied"]["summary"]["privacy_risk"] == copied["risk"]
    assert set(copied["tables"]) == {"patients", "lab_results", "treatments"}


def test_exact_copies_stand_beside_the_natural_rate(reports: dict[str, dict]) -> None:
    """Each table's copy share comes with the real data's own repeat rate between two halves,
    and the HTML colours a share by its excess over that rate, never by itself."""
    from dbsynth.report.html import render_html

    for kind in ("good", "copied"):
        privacy = reports[kind]["privacy"]
        assert 0 <= privacy["natural_copy_share"] < 0.5
        for table in ("patients", "lab_results", "treatments"):
            t = privacy["tables"][table]
            assert 0 <= t["natural_copy_share"] <= 1 and t["exact_copy_share"] is not None
    assert reports["copied"]["privacy"]["tables"]["patients"]["exact_copy_share"] > 0.99
    good = reports["good"] | {"summary": reports["good"]["summary"] | {"exact_copy_share": 0.13,
                                                                     "natural_copy_share": 0.13}}
    assert 'class="score good" data-score="0.13"' in render_html(good)  # at the natural rate: no leak
    bad = reports["good"] | {"summary": reports["good"]["summary"] | {"exact_copy_share": 0.3,
                                                                    "natural_copy_share": 0.13}}
    assert 'class="score poor" data-score="0.3"' in render_html(bad)


def test_detection_carries_an_interval_and_small_tables_are_not_judged(reports: dict[str, dict]) -> None:
    import numpy as np
    import pandas as pd

    from dbsynth.report.detection import TOO_FEW, judged

    for table, found in reports["good"]["tables"].items():
        detail = found["detection"]
        low, high = detail["ci"]
        assert low <= detail["auc"] <= high and high - low < 0.1, table
        assert detail["rows_per_side"] >= 100
    shuffled = reports["shuffled"]["tables"]["lab_results"]["detection"]
    assert shuffled["verdict"] == "distinguishable" and shuffled["ci"][0] > 0.5
    rng = np.random.default_rng(0)
    small = pd.DataFrame({"x": rng.normal(size=77)})
    assert judged(small, small.copy(), {"x": "numerical"}) == {"auc": None, "verdict": TOO_FEW,
                                                               "rows_per_side": 77}


def test_row_counts_stand_against_scale_times_source(reports: dict[str, dict], demo: str) -> None:
    from dbsynth.report.build import row_counts

    counts = reports["good"]["integrity"]["row_counts"]
    assert reports["good"]["integrity"]["scale"] == {"value": pytest.approx(1.0, abs=0.1), "estimated": True}
    assert not any(c["off"] for c in counts.values()) and reports["good"]["summary"]["row_counts_off"] == 0
    schema, _ = read_frames(demo)
    written = {t: c["synthetic"] for t, c in counts.items()} | {"treatments": counts["treatments"]["real"] // 2}
    judged, scale = row_counts(schema, written, 1.0)
    assert judged["treatments"]["off"] and not judged["patients"]["off"] and scale["estimated"] is False
    at_two, _ = row_counts(schema, {t: c["synthetic"] for t, c in counts.items()}, 2.0)
    assert all(c["off"] and c["expected"] == 2 * c["real"] for c in at_two.values())


def test_fail_on_gates_a_pipeline(demo: str, targets: dict[str, str], reports: dict[str, dict]) -> None:
    """--fail-on exits 1 naming the conditions that hold; a bad condition is one line before any
    report is built; a path that is no figure is a usage error."""
    from dbsynth.errors import UsageError
    from dbsynth.report.conditions import failed, parse

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "dbsynth.cli", "report", demo, *args],
                              capture_output=True, text=True)

    bad = run(targets["copied"], "--sample-rows", "1000", "--fail-on", "privacy.audit.risk > 0.2",
              "--fail-on", "summary.overall < 0.01")
    assert bad.returncode == 1, bad.stderr
    assert "privacy.audit.risk > 0.2" in bad.stderr and "summary.overall" not in bad.stderr
    typo = run(targets["good"], "--fail-on", "privacy.audit.risk >> 0.2")
    assert typo.returncode != 0 and "Traceback" not in typo.stderr
    assert "PATH OP NUMBER" in typo.stderr.strip().splitlines()[-1] and "read" not in typo.stdout
    assert failed(reports["good"], parse(["privacy.audit.risk > 0.2"])) == []
    with pytest.raises(UsageError, match="no figure"):
        failed(reports["good"], parse(["privacy.nothing > 0.2"]))
