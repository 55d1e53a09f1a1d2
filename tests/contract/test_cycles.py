"""Cycles whose foreign keys are all NOT NULL, on every backend as target: a store's manager
is a staff member and every staff member belongs to a store (Sakila's shape), and a
three-table ring. Synth succeeds, row counts are the ones asked, our own SQL finds no orphan,
no duplicate one-to-one key and no NULL in a NOT NULL column. Then inference: a key it finds
that would close a cycle nothing can break is dropped, named by inspect, and synth works on
the declared keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import dbsynth
from dbsynth import pipeline
from dbsynth.pipeline import KeyOptions
from dbsynth.schema.vet import dropped_reason
from contract.conftest import Backend, make_backend
from contract.test_contract import duplicates, orphans

NO_INFER = KeyOptions(infer=False)

STORE = """
CREATE TABLE store (store_id INTEGER PRIMARY KEY,
                    manager_staff_id INTEGER NOT NULL UNIQUE REFERENCES staff (staff_id),
                    city TEXT NOT NULL);
CREATE TABLE staff (staff_id INTEGER PRIMARY KEY,
                    store_id INTEGER NOT NULL REFERENCES store (store_id),
                    name TEXT NOT NULL, salary INTEGER NOT NULL);
CREATE TABLE rental (rental_id INTEGER PRIMARY KEY,
                     staff_id INTEGER NOT NULL REFERENCES staff (staff_id),
                     amount REAL NOT NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
INSERT INTO staff SELECT i, 1 + (i % 4), 'staff ' || i, 1000 + 37 * i FROM n;
INSERT INTO store VALUES (1, 4, 'Lethbridge'), (2, 1, 'Woodridge'), (3, 2, 'Sydney'), (4, 3, 'Perth');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
INSERT INTO rental SELECT i, 1 + (i * 7) % 40, (i % 11) + 0.99 FROM n;
"""

RING = """
CREATE TABLE team (team_id INTEGER PRIMARY KEY, captain_id INTEGER NOT NULL REFERENCES player (player_id),
                   name TEXT NOT NULL);
CREATE TABLE squad (squad_id INTEGER PRIMARY KEY, team_id INTEGER NOT NULL REFERENCES team (team_id),
                    level INTEGER NOT NULL);
CREATE TABLE player (player_id INTEGER PRIMARY KEY, squad_id INTEGER NOT NULL REFERENCES squad (squad_id),
                     age INTEGER NOT NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6)
INSERT INTO team SELECT i, 10 * i, 'team ' || i FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 36)
INSERT INTO squad SELECT i, 1 + (i % 6), i % 3 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 180)
INSERT INTO player SELECT i, 1 + (i % 36), 18 + (i % 17) FROM n;
"""

#: (child, columns, parent, ref columns) of every FK above
STORE_FKS = [("store", ["manager_staff_id"], "staff", ["staff_id"]),
             ("staff", ["store_id"], "store", ["store_id"]),
             ("rental", ["staff_id"], "staff", ["staff_id"])]
RING_FKS = [("team", ["captain_id"], "player", ["player_id"]),
            ("squad", ["team_id"], "team", ["team_id"]),
            ("player", ["squad_id"], "squad", ["squad_id"])]


def nulls(backend: Backend, url: str, table: str, column: str) -> int:
    return backend.sql(url, f'SELECT count(*) FROM "{table}" WHERE "{column}" IS NULL')[0][0]


def assert_cycle_copy(backend: Backend, target: str, fks: list, rows: dict[str, int]) -> None:
    for table, count in rows.items():
        assert backend.sql(target, f'SELECT count(*) FROM "{table}"')[0][0] == count, table
    for child, cols, parent, refs in fks:
        assert orphans(backend, target, child, cols, parent, refs) == 0, (child, cols)
        for col in cols:
            assert nulls(backend, target, child, col) == 0, (child, col)


def declared_fks(target: str) -> set[tuple[str, tuple[str, ...]]]:
    return {(t.name, f.columns) for t in pipeline.inspect(target, keys=NO_INFER).schema.tables
            for f in t.foreign_keys}


#: keep_frames: the library's path (every table made, then written); without, the CLI's
#: (each table written as it is made, a held one once its key is drawn)
@pytest.mark.parametrize("scale,keep_frames", [(1.0, False), (2.0, True)])
def test_two_table_not_null_cycle(backend: Backend, request, tmp_path, scale: float,
                                  keep_frames: bool) -> None:
    source = make_backend("sqlite", request, tmp_path).source(STORE, rows=None, name="store")
    plan = pipeline.inspect(source, keys=NO_INFER).plan
    assert [e.label for e in plan.held] == ["store(manager_staff_id) -> staff(staff_id)"]
    target = backend.target()
    result = pipeline.synth(source, target, seed=7, scale=scale, keys=NO_INFER,
                            keep_frames=keep_frames)
    assert result.integrity.ok, result.integrity.violations
    assert_cycle_copy(backend, target, STORE_FKS,
                      {"store": round(4 * scale), "staff": round(40 * scale), "rental": round(300 * scale)})
    assert duplicates(backend, target, "store", ["manager_staff_id"]) == 0  # one store per manager
    held = ("store", ("manager_staff_id",))
    if backend.caps.fk_after_load or backend.caps.deferred_fk_checks:
        assert held in declared_fks(target)  # enforced by the engine after the load
        assert not any("left out" in n for n in result.notes)
    else:  # the engine cannot declare it: said, and checked by SQL (above, and by dbsynth)
        assert held not in declared_fks(target)
        assert any("store(manager_staff_id) -> staff(staff_id)" in n and "left out" in n
                   for n in result.notes), result.notes
    assert ("staff", ("store_id",)) in declared_fks(target)


def test_three_table_not_null_cycle(backend: Backend, request, tmp_path) -> None:
    source = make_backend("sqlite", request, tmp_path).source(RING, rows=None, name="ring")
    target = backend.target()
    result = pipeline.synth(source, target, seed=2, keys=NO_INFER, keep_frames=False)
    assert result.integrity.ok, result.integrity.violations
    assert_cycle_copy(backend, target, RING_FKS, {"team": 6, "squad": 36, "player": 180})


def test_not_null_cycle_through_the_model_file(backend: Backend, request, tmp_path) -> None:
    """train, then generate from the file (another process's plan, same held cut)."""
    source = make_backend("sqlite", request, tmp_path).source(STORE, rows=None, name="store")
    model = tmp_path / "store.dbsynth"
    pipeline.save(pipeline.train(source, keys=NO_INFER), model)
    target = backend.target()
    result = pipeline.generate(pipeline.load(model), target, seed=3)
    assert result.integrity.ok, result.integrity.violations
    assert_cycle_copy(backend, target, STORE_FKS, {"store": 4, "staff": 40, "rental": 300})


NAMED_CYCLE = {  # the cycle declared with named constraints, as each engine can
    "postgres": """
CREATE TABLE store (store_id integer PRIMARY KEY, manager_staff_id integer NOT NULL UNIQUE,
                    city text NOT NULL);
CREATE TABLE staff (staff_id integer PRIMARY KEY, store_id integer NOT NULL
                    CONSTRAINT staff_store_fk REFERENCES store (store_id), name text NOT NULL);
ALTER TABLE store ADD CONSTRAINT store_manager_fk FOREIGN KEY (manager_staff_id)
    REFERENCES staff (staff_id) DEFERRABLE INITIALLY DEFERRED;
BEGIN;
INSERT INTO store SELECT i, i * 10, 'city ' || i FROM generate_series(1, 5) i;
INSERT INTO staff SELECT i, 1 + i % 5, 'staff ' || i FROM generate_series(1, 50) i;
COMMIT;
""",
    "sqlite": """
CREATE TABLE store (store_id INTEGER PRIMARY KEY, manager_staff_id INTEGER NOT NULL UNIQUE,
                    city TEXT NOT NULL, CONSTRAINT store_manager_fk FOREIGN KEY
                    (manager_staff_id) REFERENCES staff (staff_id));
CREATE TABLE staff (staff_id INTEGER PRIMARY KEY, store_id INTEGER NOT NULL, name TEXT NOT NULL,
                    CONSTRAINT staff_store_fk FOREIGN KEY (store_id) REFERENCES store (store_id));
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5)
INSERT INTO store SELECT i, i * 10, 'city ' || i FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)
INSERT INTO staff SELECT i, 1 + i % 5, 'staff ' || i FROM n;
""",
    "mysql": """
SET SESSION foreign_key_checks = 0;
CREATE TABLE store (store_id integer PRIMARY KEY, manager_staff_id integer NOT NULL UNIQUE,
                    city varchar(40) NOT NULL);
CREATE TABLE staff (staff_id integer PRIMARY KEY, store_id integer NOT NULL, name varchar(40)
                    NOT NULL, CONSTRAINT staff_store_fk FOREIGN KEY (store_id)
                    REFERENCES store (store_id));
ALTER TABLE store ADD CONSTRAINT store_manager_fk FOREIGN KEY (manager_staff_id)
    REFERENCES staff (staff_id);
INSERT INTO store SELECT seq, seq * 10, concat('city ', seq) FROM seq_1_to_5;
INSERT INTO staff SELECT seq, 1 + seq % 5, concat('staff ', seq) FROM seq_1_to_50;
SET SESSION foreign_key_checks = 1;
""",
}


def test_named_not_null_cycle_from_the_backend_into_duckdb(backend: Backend, request,
                                                            tmp_path) -> None:
    """A source that declares the cycle itself, with constraint names (PostgreSQL: a
    DEFERRABLE key added after; SQLite: a forward reference); DuckDB cannot declare one."""
    if not (backend.caps.fk_after_load or backend.caps.deferred_fk_checks):
        pytest.skip(f"{backend.name} lacks fk_after_load and deferred_fk_checks")
    source = backend.source(NAMED_CYCLE[backend.name], rows=None, name="named")
    found = pipeline.inspect(source, keys=NO_INFER)
    assert [e.label for e in found.plan.held] == ["store(manager_staff_id) -> staff(staff_id)"]
    for into in (make_backend("duckdb", request, tmp_path), backend):
        target = into.target()
        result = pipeline.synth(source, target, seed=4, keys=NO_INFER, keep_frames=False)
        assert result.integrity.ok, result.integrity.violations
        assert_cycle_copy(into, target, STORE_FKS[:2], {"store": 5, "staff": 50})


# -- inference never breaks what the declared keys synthesize -------------------------------
CAPITAL_DDL = """
CREATE TABLE country (country_code VARCHAR(4) PRIMARY KEY, name VARCHAR(40) NOT NULL UNIQUE,
                      city_name VARCHAR(40) NOT NULL, area INTEGER NOT NULL);
CREATE TABLE city (country_code VARCHAR(4) NOT NULL REFERENCES country (country_code),
                   city_name VARCHAR(40) NOT NULL, population INTEGER NOT NULL,
                   PRIMARY KEY (country_code, city_name));
CREATE TABLE spoken (country_name VARCHAR(40) NOT NULL REFERENCES country (name),
                     language VARCHAR(10) NOT NULL, share REAL NOT NULL,
                     PRIMARY KEY (country_name, language));
"""


def capital_rows() -> str:
    """40 countries; country.city_name (undeclared) names the capital, a city of the same
    country: (country_code, city_name) matches city's key exactly, so inference finds it."""
    countries, cities, spoken = [], [], []
    languages = ["en", "fr", "de", "es", "it", "pt", "nl"]
    for i in range(40):
        names = [f"city{i}_{j}" for j in range(3 + i % 4)]
        countries.append(f"('C{i:02d}', 'Country {i}', '{names[0]}', {1000 + 97 * i})")
        cities += [f"('C{i:02d}', '{n}', {5000 + 313 * i * (j + 1)})" for j, n in enumerate(names)]
        spoken += [f"('Country {i}', '{languages[(i + k) % 7]}', {0.1 + k / 10})"
                   for k in range(1 + i % 3)]
    return (f"INSERT INTO country VALUES {', '.join(countries)};\n"
            f"INSERT INTO city VALUES {', '.join(cities)};\n"
            f"INSERT INTO spoken VALUES {', '.join(spoken)};\n")


CAPITAL_KEY = "country(country_code, city_name) -> city(country_code, city_name)"


def test_inferred_key_closing_an_unbreakable_cycle_is_dropped(backend: Backend) -> None:
    """FKs onto a UNIQUE non-PK column (spoken -> country.name) and an undeclared column
    (country.city_name, the capital) that inference turns into a key closing a cycle of keys
    that are part of primary keys: dropped, with its reason; synth works."""
    source = backend.source(CAPITAL_DDL, capital_rows(), name="capital")
    found = pipeline.inspect(source)
    [key] = [k for k in found.inference.keys if k.label() == CAPITAL_KEY]
    assert dropped_reason(key) and "cycle" in str(dropped_reason(key))
    assert key.score < found.inference.threshold
    assert not any(fk.source == "inferred" for t in found.schema.tables for fk in t.foreign_keys)
    target = backend.target()
    result = dbsynth.synth(source, target, seed=1)
    assert result.integrity.ok, result.integrity.violations
    assert orphans(backend, target, "spoken", ["country_name"], "country", ["name"]) == 0
    assert orphans(backend, target, "city", ["country_code"], "country", ["country_code"]) == 0
    assert backend.sql(target, 'SELECT count(*) FROM "country"')[0][0] == 40
    # the command line names it, in words and in JSON
    env = {**os.environ, "COLUMNS": "300"}
    proc = subprocess.run([sys.executable, "-m", "dbsynth.cli", "inspect", source],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert f"dropped {CAPITAL_KEY}" in proc.stdout and "cannot be broken" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "dbsynth.cli", "inspect", source, "--json"],
                          capture_output=True, text=True, env=env, timeout=120)
    keys = json.loads(proc.stdout)["inferred_keys"]["keys"]
    [entry] = [k for k in keys if k["table"] == "country" and k["kind"] == "foreign"]
    assert entry["used"] is False and "cycle" in entry["evidence"]["dropped"]
