"""A refactor of the generator must not change what a seed makes: every table's rows, hashed.

The demo database (also with its patients copied verbatim), Chinook and two small cycles (a store's manager is one of its staff: a
NOT NULL one-to-one key, held; a team's captain is one of its players: a NULL-able key, filled
at the end) are trained with fixed seeds, then generated three ways: whole,
streamed in small chunks at half scale, and as one partition of two. Each table's rows (its
column names, dtypes and every value's repr) are hashed and compared with the hashes in
tests/data/same_rows.json, recorded from the code before the generator became a package.
The model file's content (minus its creation time and version) is hashed too: its format is
read by other versions and must not change either.

Run with DBSYNTH_RECORD_HASHES=1 to record new hashes (only when a change of rows is meant).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
import yaml

from dbsynth import pipeline
from dbsynth.demo import build_demo_source
from dbsynth.model.partition import Partition
from dbsynth.model.store import model_from_bytes, model_to_bytes
from dbsynth.model.stream import TableStream
from dbsynth.schema.graph import build_plan
from dbsynth.schema.metadata import load_metadata, metadata_from_schema, to_yaml

HASHES = Path(__file__).resolve().parent / "data" / "same_rows.json"
RECORD = os.environ.get("DBSYNTH_RECORD_HASHES") == "1"

CYCLE = """
CREATE TABLE store (store_id INTEGER PRIMARY KEY,
                    manager_staff_id INTEGER NOT NULL UNIQUE REFERENCES staff (staff_id),
                    city TEXT NOT NULL);
CREATE TABLE staff (staff_id INTEGER PRIMARY KEY,
                    store_id INTEGER NOT NULL REFERENCES store (store_id),
                    name TEXT NOT NULL, salary INTEGER NOT NULL,
                    hired DATE NOT NULL, left_on DATE);
CREATE TABLE rental (rental_id INTEGER PRIMARY KEY,
                     staff_id INTEGER NOT NULL REFERENCES staff (staff_id),
                     amount REAL NOT NULL, kind TEXT NOT NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60)
INSERT INTO staff SELECT i, 1 + (i % 4), 'staff ' || i, 1000 + 37 * i,
       date('2020-01-01', '+' || (i * 5) || ' days'),
       CASE WHEN i % 3 = 0 THEN date('2020-01-01', '+' || (i * 5 + 40 + i % 7) || ' days') END
FROM n;
INSERT INTO store VALUES (1, 4, 'Lethbridge'), (2, 1, 'Woodridge'), (3, 2, 'Sydney'), (4, 3, 'Perth');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
INSERT INTO rental SELECT i, 1 + (i * 7) % 60, (i % 11) + 0.99,
       CASE WHEN i % 5 = 0 THEN 'late' ELSE 'normal' END FROM n;
CREATE TABLE team (team_id INTEGER PRIMARY KEY, captain_id INTEGER REFERENCES player (player_id),
                   name TEXT NOT NULL);
CREATE TABLE player (player_id INTEGER PRIMARY KEY,
                     team_id INTEGER NOT NULL REFERENCES team (team_id), age INTEGER NOT NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
INSERT INTO team SELECT i, CASE WHEN i % 4 = 0 THEN NULL ELSE 3 * i END, 'team ' || i FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
INSERT INTO player SELECT i, 1 + (i * 13) % 40, 18 + (i % 17) FROM n;
"""


def table_hash(frame: pd.DataFrame) -> str:
    """Column names, dtypes and every value of every row, in order."""
    digest = hashlib.sha256()
    digest.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    for row in frame.itertuples(index=False, name=None):
        digest.update(repr(row).encode())
        digest.update(b"\n")
    return digest.hexdigest()[:24]


def whole(data: pd.DataFrame | TableStream) -> pd.DataFrame:
    if isinstance(data, TableStream):
        chunks = list(data)
        return pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame()
    return data.reset_index(drop=True)


def model_hash(content: bytes) -> str:
    payload = json.loads(gzip.decompress(content))
    payload.pop("created"), payload.pop("dbsynth_version")
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:24]


def hashes_of(url: str, seed: int, keys: pipeline.KeyOptions = pipeline.KeyOptions()
              ) -> dict[str, object]:
    trained = pipeline.train(url, seed=seed, keys=keys)
    content = model_to_bytes(trained.model)
    model = model_from_bytes(content)  # generate from the model file, as `generate` does
    plan = build_plan(model.schema)
    out: dict[str, object] = {"model": model_hash(content)}
    out["whole"] = {n: table_hash(whole(f)) for n, f in
                    model.sample_all_at_once(plan, scale=1.0, seed=seed + 1).items()}
    streamed = {}
    synthesis = model.sample_table_by_table(plan, scale=0.5, seed=seed + 2, stream_rows=700)
    for name, data in synthesis:
        streamed[name] = table_hash(whole(data))  # a stream is read before the next table
    streamed["cut"] = {n: table_hash(f.reset_index(drop=True))
                       for n, f in synthesis.cut_columns().items()}
    out["streamed"] = streamed
    out["partition"] = {n: table_hash(whole(f)) for n, f in
                        model.sample_all_at_once(plan, scale=1.0, seed=seed + 3, stream_rows=900,
                                                 partition=Partition(1, 2)).items()}
    return out


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = Path(tmp_path_factory.mktemp("demo")) / "hospital.duckdb"
    build_demo_source(path)
    return f"duckdb:///{path}"


@pytest.fixture(scope="module")
def cycle_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = Path(tmp_path_factory.mktemp("cycle")) / "stores.db"
    con = sqlite3.connect(path)
    con.executescript(CYCLE)
    con.commit()
    con.close()
    return f"sqlite:///{path}"


def check(name: str, found: dict[str, object]) -> None:
    recorded = json.loads(HASHES.read_text()) if HASHES.is_file() else {}
    if RECORD:
        recorded[name] = found
        HASHES.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
        return
    assert name in recorded, f"no hashes recorded for {name}: run with DBSYNTH_RECORD_HASHES=1"
    assert found == recorded[name]


def test_demo_rows_unchanged(demo_url: str) -> None:
    check("demo", hashes_of(demo_url, seed=11))


def test_copied_table_rows_unchanged(demo_url: str, tmp_path: Path) -> None:
    """The parent table copied verbatim (metadata mode copy), its children generated for it."""
    found = pipeline.inspect(demo_url)
    data = yaml.safe_load(to_yaml(metadata_from_schema(found.schema, found.inference), found.schema))
    data["tables"]["patients"]["mode"] = "copy"
    path = tmp_path / "dbsynth.yaml"
    path.write_text(yaml.safe_dump(data))
    check("demo_copy", hashes_of(demo_url, seed=13, keys=pipeline.KeyOptions(metadata=load_metadata(path))))


def test_cycle_rows_unchanged(cycle_url: str) -> None:
    check("cycle", hashes_of(cycle_url, seed=5))


@pytest.mark.postgres
def test_chinook_rows_unchanged(chinook_duckdb_url: str) -> None:
    check("chinook", hashes_of(chinook_duckdb_url, seed=3))
