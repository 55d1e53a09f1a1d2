"""Train once, generate many: the model file is safe data, and generation needs no source."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_sql

from dbsynth import pipeline
from dbsynth.schema.model import Schema
from dbsynth.errors import ModelError


def test_generate_from_a_file_without_the_source(zoo_url: str, tmp_path: Path) -> None:
    trained = pipeline.train(zoo_url)
    path = tmp_path / "zoo.dbsynth"
    pipeline.save(trained, path)
    payload = json.loads(gzip.decompress(path.read_bytes()))
    assert payload["format"] == "dbsynth-model" and payload["dbsynth_version"]
    assert {t["name"] for t in payload["schema"]["tables"]} == set(trained.frames)
    # no source needed from here on: the model alone writes and proves the copy
    model = pipeline.load(path)
    first = pipeline.generate(model, f"duckdb:///{tmp_path / 'a.duckdb'}", seed=3)
    again = pipeline.generate(pipeline.load(path), f"duckdb:///{tmp_path / 'b.duckdb'}", seed=3)
    assert first.integrity.ok
    for name, frame in first.synthetic_frames.items():
        assert frame.equals(again.synthetic_frames[name]), name
    assert run_sql(f"duckdb:///{tmp_path / 'a.duckdb'}", "SELECT count(*) FROM product")[0][0] == 25


def test_model_file_holds_no_source_rows(chinook_duckdb_url: str, tmp_path: Path) -> None:
    path = tmp_path / "chinook.dbsynth"
    pipeline.save(pipeline.train(chinook_duckdb_url), path)
    text = gzip.decompress(path.read_bytes()).decode()
    for secret in ("luisg@embraer.com.br", "+55 (12) 3923-5555", "Av. Brigadeiro Faria Lima"):
        assert secret not in text  # customer email, phone, address of Chinook's first customer


def test_versions_are_independent_copies(zoo_url: str, tmp_path: Path) -> None:
    model = pipeline.train(zoo_url).model
    results = pipeline.generate_versions(model, f"duckdb:///{tmp_path / 'copy.duckdb'}",
                                         versions=3, seed=10)
    assert [Path(r.target.removeprefix("duckdb:///")).name for r in results] == [
        "copy_v1.duckdb", "copy_v2.duckdb", "copy_v3.duckdb"]
    assert all(r.integrity.ok for r in results)
    assert not results[0].synthetic_frames["person"].equals(results[1].synthetic_frames["person"])


def test_version_paths_keep_the_url_parameters(tmp_path: Path) -> None:
    schema = Schema("duckdb", "main", ())
    for url, first in ((f"duckdb:///{tmp_path}/c.duckdb?memory_limit=1.5GB",
                        f"duckdb:///{tmp_path}/c_v1.duckdb?memory_limit=1.5GB"),
                       (f"duckdb:///{tmp_path}/plain?memory_limit=1GB",
                        f"duckdb:///{tmp_path}/plain_v1.duckdb?memory_limit=1GB")):
        assert pipeline.version_targets(url, None, 2, schema)[0] == (first, None)


@pytest.mark.parametrize("damage", ["truncated", "not-gzip", "wrong-format", "bad-schema"])
def test_damaged_model_files_give_a_clear_error(tmp_path: Path, zoo_url: str, damage: str) -> None:
    good = tmp_path / "good.dbsynth"
    pipeline.save(pipeline.train(zoo_url), good)
    bad = tmp_path / "bad.dbsynth"
    raw = good.read_bytes()
    if damage == "truncated":
        bad.write_bytes(raw[: len(raw) // 2])
    elif damage == "not-gzip":
        bad.write_bytes(b"\x80\x04\x95 pickle-looking bytes")
    elif damage == "wrong-format":
        bad.write_bytes(gzip.compress(b'{"format": "something-else"}'))
    else:
        payload = json.loads(gzip.decompress(raw))
        payload["schema"]["tables"][0]["columns"] = "oops"
        bad.write_bytes(gzip.compress(json.dumps(payload).encode()))
    with pytest.raises(ModelError):
        pipeline.load(bad)
    proc = subprocess.run([sys.executable, "-m", "dbsynth.cli", "generate", str(bad),
                           f"duckdb:///{tmp_path / 't.duckdb'}"], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().startswith("error:") and len(proc.stderr.strip().splitlines()) == 1


def test_sample_rows_bounds_what_training_reads(chinook_duckdb_url: str) -> None:
    trained = pipeline.train(chinook_duckdb_url, sample_rows=500, seed=1)
    assert len(trained.frames["playlist_track"]) == 500
    assert len(trained.frames["artist"]) == 275  # small tables are read whole
    # generation still targets the full table size
    assert trained.model.tables["playlist_track"].row_count == 8715


def test_the_library_and_the_service_sample_like_the_cli() -> None:
    """Omitting sample_rows trains on the CLI's sample, never whole tables by omission
    (``sample_rows=None`` asks for whole tables)."""
    import inspect as signature_of

    from dbsynth import cli
    from dbsynth.service.worker import _training_rows

    for function in (pipeline.train, pipeline.synth, pipeline.refresh):
        default = signature_of.signature(function).parameters["sample_rows"].default
        assert default == pipeline.DEFAULT_SAMPLE_ROWS == cli.DEFAULT_SAMPLE_ROWS, function
    assert _training_rows({}) == _training_rows({"sample_rows": None}) == pipeline.DEFAULT_SAMPLE_ROWS
    assert _training_rows({"sample_rows": 500}) == 500
