"""Train once, generate many: the model file is safe data, and generation needs no source."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
import tracemalloc
import zlib
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


def _gzip_of_zeros(unpacked: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    return b"".join(packer.compress(block) for _ in range(unpacked >> 20)) + packer.flush()


def test_a_gzip_bomb_stops_at_the_limit_quickly_and_small(tmp_path: Path) -> None:
    """Unpacking stops once the limit is passed: memory stays near the limit, not the bomb."""
    bomb = tmp_path / "bomb.dbsynth"
    bomb.write_bytes(_gzip_of_zeros(512 << 20))  # 512 MB of zeros in about 0.5 MB
    assert bomb.stat().st_size < 1 << 20
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(ModelError, match="unpacks to more than the model size limit of 8 MB"):
        pipeline.load(bomb, max_size=8 << 20)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert seconds < 5 and peak < 40 << 20, (seconds, peak)


def test_max_model_size_refuses_and_raising_it_loads(zoo_url: str, tmp_path: Path) -> None:
    path = tmp_path / "zoo.dbsynth"
    pipeline.save(pipeline.train(zoo_url), path)
    unpacked = len(gzip.decompress(path.read_bytes()))
    with pytest.raises(ModelError, match="--max-model-size"):
        pipeline.load(path, max_size=unpacked - 1)
    assert pipeline.load(path, max_size=unpacked).tables
    env = {**os.environ, "COLUMNS": "200"}
    small = subprocess.run([sys.executable, "-m", "dbsynth.cli", "generate", str(path),
                            f"duckdb:///{tmp_path / 'a.duckdb'}", "--max-model-size", "1kB"],
                           capture_output=True, text=True, env=env)
    assert small.returncode == 1 and "limit of 1 kB" in small.stderr
    assert not (tmp_path / "a.duckdb").exists()
    raised = subprocess.run([sys.executable, "-m", "dbsynth.cli", "generate", str(path),
                             f"duckdb:///{tmp_path / 'b.duckdb'}", "--max-model-size", "50MB"],
                            capture_output=True, text=True, env=env)
    assert raised.returncode == 0, raised.stderr


@pytest.mark.parametrize(("field", "value", "needle"), [
    ("row_count", -5, "row_count: -5 is outside"),
    ("row_count", 10**12, "row_count: 1000000000000 is outside"),
    ("row_count", "many", "row_count: expected a 64-bit integer"),
    ("orphan_rows", 10**11, "orphan_rows"),
])
def test_model_values_out_of_range_are_refused(zoo_url: str, tmp_path: Path, field: str,
                                               value: object, needle: str) -> None:
    path = tmp_path / "zoo.dbsynth"
    pipeline.save(pipeline.train(zoo_url), path)
    payload = json.loads(gzip.decompress(path.read_bytes()))
    next(iter(payload["tables"].values()))[field] = value
    path.write_bytes(gzip.compress(json.dumps(payload).encode()))
    with pytest.raises(ModelError, match=needle):
        pipeline.load(path)
