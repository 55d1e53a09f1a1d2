"""Privacy audit risk: a verbatim copy at risk, a dbsynth copy not; --fail-on exits accordingly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dbsynth import pipeline
from dbsynth.demo import build_demo_source
from databases import read_frames, write_frames

ROWS = 3000


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = Path(tmp_path_factory.mktemp("audit"))
    build_demo_source(folder / "demo.duckdb")
    demo = f"duckdb:///{folder / 'demo.duckdb'}"
    good = f"duckdb:///{folder / 'good.duckdb'}"
    pipeline.synth(demo, good, seed=1)
    schema, real = read_frames(demo)
    copied = write_frames(f"duckdb:///{folder / 'copied.duckdb'}", schema, real)
    return {"demo": demo, "good": good, "copied": copied}


def test_verbatim_copy_at_risk_dbsynth_copy_not(copies: dict[str, str]) -> None:
    copied = pipeline.report(copies["demo"], copies["copied"], sample_rows=ROWS)
    good = pipeline.report(copies["demo"], copies["good"], sample_rows=ROWS)
    assert copied["privacy"]["audit"]["risk"] >= 0.8
    assert good["privacy"]["audit"]["risk"] <= 0.2


def _report(copies: dict[str, str], target: str, *conditions: str) -> subprocess.CompletedProcess[str]:
    args = [a for c in conditions for a in ("--fail-on", c)]
    return subprocess.run([sys.executable, "-m", "dbsynth.cli", "report", copies["demo"], copies[target],
                           "--sample-rows", str(ROWS), *args], capture_output=True, text=True)


def test_fail_on(copies: dict[str, str]) -> None:
    bad = _report(copies, "copied", "privacy.audit.risk > 0.2")
    assert bad.returncode != 0 and "privacy.audit.risk" in bad.stderr
    assert _report(copies, "good", "privacy.audit.risk > 0.2").returncode == 0
    wrong = _report(copies, "good", "privacy.nothing > 0.2")
    assert wrong.returncode != 0 and "no figure" in wrong.stderr and "Traceback" not in wrong.stderr
