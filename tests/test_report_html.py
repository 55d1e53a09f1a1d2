"""The HTML report page: self-contained, summary first, one plot per column, escaped, and
really rendered by a headless Chromium (skipped only when no Chromium is installed)."""

from __future__ import annotations

import copy
import math
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from dbsynth.report.html import render_html

OVERALL = 0.913  # distinctive enough to be found in the page text


def make_report() -> dict[str, Any]:
    """A realistic report: two tables, one foreign key, utility and privacy filled in."""
    patients_plots = {
        "age": {"kind": "numeric", "edges": [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
                "real": [.05, .08, .12, .15, .16, .14, .12, .09, .06, .03],
                "synthetic": [.06, .07, .13, .14, .15, .15, .11, .10, .06, .03]},
        "admitted": {"kind": "datetime",
                     "edges": ["2020-01-01", "2020-07-01", "2021-01-01", "2021-07-01", "2022-01-01"],
                     "real": [.2, .3, .25, .25], "synthetic": [.22, .28, .27, .23]},
        "diagnosis": {"kind": "categorical", "categories": ["flu", "asthma", "diabetes", "(other)"],
                      "real": [.4, .3, .2, .1], "synthetic": [.35, .33, .22, .1]},
    }
    labs_plots = {
        "value": {"kind": "numeric", "edges": [0.5 * i for i in range(11)],
                  "real": [.02, .05, .1, .2, .25, .2, .1, .05, .02, .01],
                  "synthetic": [.01, .04, .08, .15, .3, .25, .1, .04, .02, .01]},
        "test": {"kind": "categorical", "categories": ["hba1c", "ldl", "crp"],
                 "real": [.5, .3, .2], "synthetic": [.45, .35, .2]},
    }
    return {
        "title": "dbsynth report", "source": "duckdb:///data/hospital.duckdb",
        "target": "postgresql://dbsynth:***@db:5432/copy",
        "created": "2026-11-23T15:00:00+00:00", "seconds": 12.3, "sample_rows": 200000,
        "summary": {"overall": OVERALL, "column_shapes": 0.95, "column_pair_trends": 0.9, "cardinality": 0.97,
                    "intertable_trends": 0.85, "detection_auc": 0.55, "detection_auc_parent": 0.62,
                    "utility_gap": 0.02, "exact_copy_share": 0.0, "dcr_closer_to_training": 0.51,
                    "integrity_ok": False},
        "tables": {
            "patients": {
                "rows": {"real": 5000, "synthetic": 4990},
                "column_shapes": {"age": {"metric": "KSComplement", "score": 0.98},
                                  "admitted": {"metric": "KSComplement", "score": 0.93},
                                  "diagnosis": {"metric": "TVComplement", "score": 0.612}},
                "column_pair_trends": [
                    {"columns": ["age", "admitted"], "metric": "CorrelationSimilarity", "score": 0.93,
                     "real": 0.5, "synthetic": 0.45},
                    {"columns": ["age", "diagnosis"], "metric": "ContingencySimilarity", "score": 0.88,
                     "real": 0.2, "synthetic": None}],
                "detection_auc": 0.52,
                "plots": {"columns": patients_plots,
                          "correlation": {"columns": ["age", "admitted"], "real": [[1, .5], [.5, 1]],
                                          "synthetic": [[1, .45], [.45, 1]]}},
            },
            "lab_results": {
                "rows": {"real": 20000, "synthetic": 19870},
                "column_shapes": {"value": {"metric": "KSComplement", "score": 0.9},
                                  "test": {"metric": "TVComplement", "score": 0.95}},
                "column_pair_trends": [{"columns": ["value", "test"], "metric": "ContingencySimilarity",
                                        "score": 0.91, "real": 0.3, "synthetic": None}],
                "detection_auc": 0.81,
                "plots": {"columns": labs_plots, "correlation": None},
            },
        },
        "worst_columns": [{"table": "patients", "column": "diagnosis", "score": 0.612}],
        "relationships": [{
            "child": "lab_results", "columns": ["patient_id"], "parent": "patients",
            "cardinality": 0.97, "detection_auc": 0.58,
            "child_counts": {"values": [0, 1, 2, 3, 4, ">30"], "real": [.1, .2, .3, .2, .15, .05],
                             "synthetic": [.12, .18, .3, .22, .13, .05]},
            "intertable_trends": [{"columns": ["patients.age", "lab_results.value"],
                                   "metric": "CorrelationSimilarity", "score": 0.9}]}],
        "utility": {"target": "patients.diagnosis", "task": "classification", "model": "HistGradientBoosting",
                    "train_rows": 4000, "test_rows": 1000, "real": {"accuracy": 0.8, "f1": 0.78},
                    "synthetic": {"accuracy": 0.77, "f1": 0.76}, "gap": 0.02},
        "privacy": {"exact_copy_share": 0.0, "exact_copies": 0, "compared_rows": 5000,
                    "dcr": {"closer_to_training_share": 0.51, "median_synthetic": 0.8, "median_holdout": 0.79},
                    "pii_columns": [{"table": "patients", "column": "email", "copied_values": 3, "checked": 5000}]},
        "integrity": {"ok": False,
                      "row_counts": {"patients": {"real": 5000, "synthetic": 4990},
                                     "lab_results": {"real": 20000, "synthetic": 19870}},
                      "checks": [{"check": "orphans", "table": "lab_results",
                                  "detail": "lab_results(patient_id) → patients(id)", "violations": 7},
                                 {"check": "duplicates", "table": "patients", "detail": "primary key (id)",
                                  "violations": 0}]},
    }


@pytest.fixture
def report() -> dict[str, Any]:
    return make_report()


@pytest.fixture
def sparse_report() -> dict[str, Any]:
    """The same report with no utility, NaN scores, no DCR and a table without plots."""
    out = make_report()
    out["utility"] = None
    out["summary"].update(overall=math.nan, utility_gap=None, dcr_closer_to_training=None, integrity_ok=None)
    out["tables"]["patients"]["column_shapes"]["age"]["score"] = math.nan
    out["tables"]["lab_results"]["detection_auc"] = math.nan
    out["tables"]["lab_results"]["plots"] = None
    out["relationships"][0]["detection_auc"] = None
    out["privacy"]["dcr"] = None
    out["integrity"] = None
    return out


def plotted_columns(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(t, c) for t, d in report["tables"].items() for c in ((d.get("plots") or {}).get("columns") or {})]


def svg_titles(page: str) -> list[str]:
    return re.findall(r'<svg class="plot"[^>]*><title>([^<]*)</title>', page)


def test_page_is_self_contained(report: dict[str, Any]) -> None:
    page = render_html(report)
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert "<script src" not in page.lower()
    assert "<link" not in page.lower()
    assert "@import" not in page and "url(" not in page
    assert "<style>" in page  # the styling is inline, not absent


def test_summary_scores_come_first(report: dict[str, Any]) -> None:
    page = render_html(report)
    overall = page.find(f'data-score="{OVERALL}">{OVERALL:.3f}<')
    assert overall != -1
    assert overall < page.find("<svg")
    assert overall < page.find('id="fidelity"') < page.find('id="relationships"') < page.find('id="integrity"')


def test_scores_have_data_attribute_and_colour_hint(report: dict[str, Any]) -> None:
    page = render_html(report)
    assert f'<span class="score good" data-score="{OVERALL}">{OVERALL:.3f}</span>' in page
    assert '<span class="score fair" data-score="0.62">0.620</span>' in page  # parent AUC: amber
    assert '<span class="score poor" data-score="0.81">0.810</span>' in page  # lab_results AUC: red
    assert '<span class="score fair" data-score="0.612">0.612</span>' in page  # worst column: amber


def test_every_plotted_column_gets_an_svg(report: dict[str, Any]) -> None:
    page = render_html(report)
    titles = svg_titles(page)
    for table, column in plotted_columns(report):
        assert any(t.startswith(f"{table}.{column}: real vs synthetic") for t in titles), (table, column)
    assert any("histogram" in t for t in titles) and any("category" in t for t in titles)
    assert sum("correlation matrix" in t for t in titles) == 2  # real and synthetic for patients only
    assert any("children per parent" in t for t in titles)
    assert page.count('<svg class="plot"') == len(titles) == len(plotted_columns(report)) + 2 + 1


def test_plots_carry_both_series(report: dict[str, Any]) -> None:
    page = render_html(report)
    age = re.search(r'<svg class="plot".*?<title>patients\.age:.*?</svg>', page, re.S)
    assert age is not None
    svg = age.group(0)
    assert ">real</text>" in svg and ">synthetic</text>" in svg
    # 10 bins x 2 series, plus the two legend swatches
    assert svg.count("<rect") == 22


def test_worst_column_is_marked(report: dict[str, Any]) -> None:
    page = render_html(report)
    worst_rows = re.findall(r'<tr class="worst"><td>([^<]*)</td>', page)
    assert worst_rows == ["diagnosis"]


def test_strings_are_escaped(report: dict[str, Any]) -> None:
    report["tables"]["<b>x</b>"] = report["tables"].pop("lab_results")
    report["source"] = 'duckdb:///"quoted".duckdb'
    page = render_html(report)
    assert "<b>x</b>" not in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page
    assert "&lt;b&gt;x&lt;/b&gt;.value: real vs synthetic" in page  # in the SVG title too
    assert "&quot;quoted&quot;" in page


def test_sections_in_detail(report: dict[str, Any]) -> None:
    page = render_html(report)
    utility = page[page.find('id="utility"'):page.find('id="privacy"')]
    assert re.search(r"<td>f1</td><td class=\"num\">0.780</td><td class=\"num\">0.760</td>", utility)
    integrity = page[page.find('id="integrity"'):]
    assert '<td class="num bad">7</td>' in integrity and '<td class="num">0</td>' in integrity
    assert "19,870" in integrity
    privacy = page[page.find('id="privacy"'):page.find('id="integrity"')]
    assert '<td class="num bad">3</td>' in privacy


def test_missing_parts_render_as_not_computed(sparse_report: dict[str, Any]) -> None:
    page = render_html(sparse_report)
    utility = page[page.find('id="utility"'):page.find('id="privacy"')]
    assert "not computed" in utility and "<table" not in utility
    assert "not computed" in page[page.find('id="integrity"'):]
    assert '<span class="score na" data-score="">–</span>' in page  # NaN overall
    assert not re.search(r"\bnan\b", page, re.I)
    assert page.count('<svg class="plot"') == 3 + 2 + 1  # lab_results has no plots now


def test_empty_report_does_not_crash() -> None:
    page = render_html({})
    for section in ("summary", "fidelity", "relationships", "detection", "utility", "privacy", "integrity"):
        part = page[page.find(f'id="{section}"'):]
        assert "not computed" in part.split("</section>")[0], section


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no Chromium installed")


def run_chromium(binary: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [binary, "--headless=new", "--no-sandbox", "--disable-gpu",
               f"--user-data-dir={tmp_path / 'profile'}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_headless_chromium_renders_the_page(report: dict[str, Any], tmp_path: Path) -> None:
    binary = chromium()
    page = tmp_path / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    dumped = run_chromium(binary, tmp_path, "--dump-dom", page.as_uri())
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = dumped.stdout
    assert f"{OVERALL:.3f}" in dom
    assert dom.count("<svg") >= len(plotted_columns(report))
    assert "<title>patients.diagnosis: real vs synthetic category shares</title>" in dom
    shot = tmp_path / "page.png"
    taken = run_chromium(binary, tmp_path, f"--screenshot={shot}", "--window-size=1200,2000",
                         "--hide-scrollbars", page.as_uri())
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.exists()
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 10_000
