"""Engine selection: unknown names, the optional SDV engine's refusals, and a core free of SDV."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import dbsynth
from dbsynth.errors import ModelError, UsageError
from dbsynth.model.sdv_engine import refusal


def test_hma_refusal_names_every_reason(chinook_duckdb_url: str) -> None:
    why = refusal(dbsynth.inspect(chinook_duckdb_url).schema)
    assert why is not None
    for reason in ("11 tables", "self reference employee(reports_to)",
                   "composite primary key on playlist_track", "relationship depth"):
        assert reason in why


def test_sdv_engine_refuses_before_reading(chinook_duckdb_url: str, tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="refuses this schema|needs the optional extra"):
        dbsynth.synth(chinook_duckdb_url, f"duckdb:///{tmp_path / 't.duckdb'}", engine="sdv-hma")


def test_unknown_engine_is_a_usage_error(zoo_url: str, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown engine 'gan'"):
        dbsynth.synth(zoo_url, f"duckdb:///{tmp_path / 't.duckdb'}", engine="gan")
    with pytest.raises(UsageError, match="unknown engine"):
        dbsynth.synth(zoo_url, f"duckdb:///{tmp_path / 't.duckdb'}", engines={"person": "gan"})


def test_the_core_never_imports_sdv(tmp_path: Path) -> None:
    """A whole demo run (train, generate, write, check) leaves SDV and torch unimported."""
    code = (
        "import sys; from pathlib import Path; import dbsynth; from dbsynth.demo import build_demo_source;"
        f"p = Path({str(tmp_path)!r}); build_demo_source(p / 's.duckdb');"
        "dbsynth.synth(f'duckdb:///{p}/s.duckdb', f'duckdb:///{p}/t.duckdb');"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('sdv', 'rdt', 'copulas', 'ctgan', 'deepecho', 'torch')];"
        "print(bad); assert not bad"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr + proc.stdout
