"""The target's safety and what the copy can hold, on real servers and files: a target that
already has one of our tables (even empty) is refused unless --replace; --replace and the
refresh dry run name what they drop and refuse to drop what is not ours; CHECKs cross engines
with their identifiers' case, or are left out with a note; killed DuckDB writes leave only
files the next run (or `dbsynth clean`) removes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from databases import kill_mid_load
from conftest import duckdb_url, run_sql

import dbsynth
from dbsynth import pipeline
from dbsynth.connectors.duckdb import building_path, stale_builds
from dbsynth.errors import UnsafeTargetError

SOURCE_SQL = """
CREATE TABLE artist (artist_id INTEGER PRIMARY KEY, name VARCHAR NOT NULL);
CREATE TABLE album (album_id INTEGER PRIMARY KEY, artist_id INTEGER NOT NULL REFERENCES artist (artist_id),
                    title VARCHAR NOT NULL);
INSERT INTO artist SELECT i, 'artist ' || i FROM range(1, 31) t(i);
INSERT INTO album SELECT i, 1 + i % 30, 'album ' || i FROM range(1, 81) t(i);
"""


def dbsynth_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dbsynth.cli", *args], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "COLUMNS": "200"})


@pytest.fixture
def music(tmp_path: Path) -> str:
    path = tmp_path / "music.duckdb"
    run_sql(duckdb_url(path), SOURCE_SQL)
    return duckdb_url(path)


def columns_of(url: str, table: str) -> list[str]:
    return [r[0] for r in run_sql(url, "SELECT column_name FROM information_schema.columns "
                                       f"WHERE table_name = '{table}' ORDER BY ordinal_position")]


def comment_of(url: str, table: str) -> str | None:
    if url.startswith("duckdb:"):
        return run_sql(url, f"SELECT comment FROM duckdb_tables() WHERE table_name = '{table}'")[0][0]
    return run_sql(url, f"SELECT obj_description('{table}'::regclass, 'pg_class')")[0][0]


def tables_of(url: str) -> set[str]:
    return {r[0] for r in run_sql(url, "SELECT table_name FROM information_schema.tables "
                                       "WHERE table_type = 'BASE TABLE' AND table_schema IN ('public', 'main')")}


HAND_MADE = ("CREATE TABLE artist (mycol integer, note text); "
             "COMMENT ON TABLE artist IS 'hand made'")


def test_an_empty_table_of_ours_is_refused_and_left_as_it_was(music: str, db_factory,
                                                              tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = db_factory.new(HAND_MADE, name="hand")
    with pytest.raises(UnsafeTargetError, match=r"already has table artist \(empty\).*--replace"):
        dbsynth.synth(music, target)
    model = tmp_path / "music.dbsynth"
    pipeline.save(pipeline.train(music), model)
    with pytest.raises(UnsafeTargetError, match=r"artist \(empty\)"):  # the generate path too
        pipeline.generate(pipeline.load(model), target)
    assert columns_of(target, "artist") == ["mycol", "note"]
    assert comment_of(target, "artist") == "hand made"
    assert tables_of(target) == {"artist"}  # album was not written either


def test_a_table_named_like_ours_in_another_case_is_refused_on_duckdb(music: str, tmp_path: Path) -> None:
    """DuckDB names match whatever their case: "Artist" there is our artist."""
    target = duckdb_url(tmp_path / "cased.duckdb")
    run_sql(target, 'CREATE TABLE "Artist" (mycol integer); INSERT INTO "Artist" VALUES (1)')
    with pytest.raises(UnsafeTargetError, match=r"already has table artist \(1 rows\)"):
        dbsynth.synth(music, target)
    assert run_sql(target, 'SELECT mycol FROM "Artist"') == [(1,)]


def test_replace_names_what_it_drops_and_never_drops_a_view(music: str, db_factory) -> None:  # type: ignore[no-untyped-def]
    target = db_factory.new(HAND_MADE + "; CREATE VIEW artist_view AS SELECT * FROM artist",
                            name="viewed")
    proc = dbsynth_cli("synth", music, target, "--replace", "--json")
    if db_factory.kind == "postgres":  # DROP TABLE would take the view: refused, named, before any work
        assert proc.returncode == 1
        assert "view artist_view" in proc.stderr and "artist (empty)" in proc.stderr
        assert "learning" not in proc.stderr  # refused before training
        assert columns_of(target, "artist") == ["mycol", "note"]
        assert comment_of(target, "artist") == "hand made"
        assert run_sql(target, "SELECT count(*) FROM artist_view") == [(0,)]
        return
    # DuckDB binds a view by name: it is kept and reads the new table; named all the same
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["replaced"]["tables"] == {"artist": 0}
    assert any("view main.artist_view" in what for what in data["replaced"]["also"])
    assert any("artist (empty)" in note for note in data["notes"])
    assert "drops and recreates table artist (empty)" in proc.stderr  # said before the work
    assert columns_of(target, "artist") == ["artist_id", "name"]
    assert run_sql(target, "SELECT count(*) FROM artist_view") == run_sql(
        target, "SELECT count(*) FROM artist")


@pytest.mark.postgres
def test_replace_names_another_tables_foreign_key(music: str, pg_database_factory) -> None:  # type: ignore[no-untyped-def]
    target = pg_database_factory("fk")
    dbsynth.synth(music, target)
    run_sql(target, "CREATE TABLE review (album_id integer REFERENCES album (album_id)); "
                    "CREATE TRIGGER t BEFORE INSERT ON artist FOR EACH ROW "
                    "EXECUTE FUNCTION suppress_redundant_updates_trigger()")
    with pytest.raises(UnsafeTargetError, match=r"constraint review_album_id_fkey on table review"):
        dbsynth.synth(music, target, replace=True)
    run_sql(target, "DROP TABLE review")
    result = dbsynth.synth(music, target, replace=True, seed=3)
    assert result.replaced.tables == {"album": 80, "artist": 30}
    assert any("trigger t on table artist" in what for what in result.replaced.also)


def test_refresh_dry_run_says_what_it_drops(music: str, db_factory) -> None:  # type: ignore[no-untyped-def]
    target = db_factory.new(HAND_MADE + "; CREATE VIEW artist_view AS SELECT * FROM artist",
                            name="dry")
    proc = dbsynth_cli("refresh", music, target, "--dry-run", "--on-drift", "recreate", "--json")
    # a dry run of a refresh that would be refused prints its plan and exits 3
    assert proc.returncode == (3 if db_factory.kind == "postgres" else 0), proc.stderr
    plan = json.loads(proc.stdout)["plan"]
    assert plan["replaces"]["tables"] == ({} if db_factory.kind == "postgres" else {"artist": 0})
    if db_factory.kind == "postgres":
        assert "view artist_view" in plan["refused"]
    else:
        assert plan["refused"] is None
        assert any("view main.artist_view" in what for what in plan["replaces"]["also"])
        assert any("drops and recreates table artist (empty)" in n for n in plan["notes"])
    assert columns_of(target, "artist") == ["mycol", "note"]  # a dry run changes nothing
    assert comment_of(target, "artist") == "hand made"


# ---------------------------------------------------------------------------------- CHECKs
MIXED_CASE = {
    "duckdb": """CREATE TABLE payment (payment_id INTEGER PRIMARY KEY,
                   "Amount" INTEGER NOT NULL CHECK ("Amount" > 0),
                   "Fee" DOUBLE CHECK (Fee >= 0 AND Fee < "Amount"));
                 INSERT INTO payment SELECT i, 10 + i % 50, (i % 7) * 0.5 FROM range(1, 121) t(i);""",
    "postgres": """CREATE TABLE payment (payment_id integer PRIMARY KEY,
                   "Amount" integer NOT NULL CHECK ("Amount" > 0),
                   "Fee" double precision CHECK ("Fee" >= 0 AND "Fee" < "Amount"));
                 INSERT INTO payment SELECT i, 10 + i % 50, (i % 7) * 0.5 FROM generate_series(1, 120) i;""",
}


def _new(kind: str, pg_database_factory, duckdb_path_factory, name: str) -> str:  # type: ignore[no-untyped-def]
    return pg_database_factory(name) if kind == "postgres" else duckdb_url(duckdb_path_factory(name))


def check_count(url: str, table: str) -> int:
    if url.startswith("duckdb:"):
        return run_sql(url, "SELECT count(*) FROM duckdb_constraints() "
                            f"WHERE table_name = '{table}' AND constraint_type = 'CHECK'")[0][0]
    return run_sql(url, f"SELECT count(*) FROM pg_constraint WHERE conrelid = '{table}'::regclass "
                        "AND contype = 'c'")[0][0]


@pytest.mark.postgres
@pytest.mark.parametrize("source_kind,target_kind", [("duckdb", "postgres"), ("postgres", "duckdb"),
                                                     ("postgres", "postgres"), ("duckdb", "duckdb")])
def test_mixed_case_checks_cross_engines(source_kind: str, target_kind: str, pg_database_factory,
                                         duckdb_path_factory) -> None:  # type: ignore[no-untyped-def]
    source = _new(source_kind, pg_database_factory, duckdb_path_factory, "pay")
    run_sql(source, MIXED_CASE[source_kind])
    target = _new(target_kind, pg_database_factory, duckdb_path_factory, "pay_copy")
    result = dbsynth.synth(source, target, seed=5)
    assert result.integrity.ok and result.notes == []
    assert check_count(target, "payment") == 2  # declared in the target's catalog
    assert run_sql(target, 'SELECT count(*) FROM payment') == [(120,)]
    assert run_sql(target, 'SELECT count(*) FROM payment WHERE NOT ("Amount" > 0 AND '
                           '("Fee" IS NULL OR ("Fee" >= 0 AND "Fee" < "Amount")))') == [(0,)]


USER_FUNCTION_SQL = """
CREATE FUNCTION is_positive(x numeric) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT x > 0';
CREATE TABLE invoice (
    invoice_id integer PRIMARY KEY,
    total numeric(10,2) NOT NULL CONSTRAINT total_positive CHECK (is_positive(total)),
    qty integer NOT NULL CONSTRAINT qty_small CHECK (qty < 100),
    code text NOT NULL UNIQUE
);
INSERT INTO invoice SELECT i, 5 + i % 40, i % 90, 'INV-' || i FROM generate_series(1, 90) i;
"""


@pytest.mark.postgres
def test_a_check_calling_a_user_function_is_left_out_of_another_engine_with_a_note(
        duckdb_path_factory, pg_database_factory) -> None:  # type: ignore[no-untyped-def]
    source = pg_database_factory("userfn")
    run_sql(source, USER_FUNCTION_SQL)
    target = duckdb_url(duckdb_path_factory("userfn_copy"))
    result = dbsynth.synth(source, target, seed=1)
    assert result.integrity.ok
    [note] = [n for n in result.notes if n.startswith("CHECK")]  # (is_positive is not
    assert "total_positive" in note and "is_positive" in note   # portable to DuckDB)
    assert "not enforced on the generated rows" in note  # dbsynth cannot run is_positive either
    assert check_count(target, "invoice") == 1  # qty_small is there
    assert run_sql(target, "SELECT count(*) FROM invoice WHERE qty >= 100") == [(0,)]
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        run_sql(target, "INSERT INTO invoice SELECT invoice_id + 1000, total, qty, code FROM invoice LIMIT 1")


@pytest.mark.postgres
def test_a_check_calling_a_copied_function_is_added_after_it(pg_database_factory) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL → PostgreSQL copies is_positive, so its CHECK comes after it: NOT VALID,
    then validated where the generated rows satisfy it; a CHECK the source itself holds NOT
    VALID over rows that break it stays NOT VALID in the copy, said in a note, and still
    checks the application's new rows."""
    source = pg_database_factory("userfn_pg")
    run_sql(source, USER_FUNCTION_SQL
            + "CREATE FUNCTION is_small(x numeric) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT x < 10';"
              "ALTER TABLE invoice ADD CONSTRAINT total_small CHECK (is_small(total)) NOT VALID;")
    target = pg_database_factory("userfn_pg_copy")
    result = dbsynth.synth(source, target, seed=1)
    assert result.integrity.ok
    valid = dict(run_sql(target, "SELECT conname, convalidated FROM pg_constraint "
                                 "WHERE conrelid = 'invoice'::regclass AND contype = 'c'"))
    assert valid == {"qty_small": True, "total_positive": True, "total_small": False}
    assert not [n for n in result.notes if "total_positive" in n]
    [note] = [n for n in result.notes if "total_small" in n]
    assert "violated" in note
    with pytest.raises(Exception, match="total_positive"):
        run_sql(target, "INSERT INTO invoice VALUES (5000, -1, 1, 'new')")
    with pytest.raises(Exception, match="total_small"):
        run_sql(target, "INSERT INTO invoice VALUES (5001, 50, 1, 'new2')")


@pytest.mark.postgres
def test_a_check_dbsynth_evaluates_but_the_target_cannot_hold_is_still_enforced(
        pg_database_factory, duckdb_path_factory) -> None:  # type: ignore[no-untyped-def]
    """A DuckDB CHECK calling a function PostgreSQL lacks (``contains``) is left out of the
    PostgreSQL copy, and its condition still holds on every generated row (dbsynth evaluates
    it in DuckDB)."""
    source = duckdb_url(duckdb_path_factory("evaluable"))
    run_sql(source, "CREATE TABLE t (t_id INTEGER PRIMARY KEY, word VARCHAR NOT NULL "
                    "CONSTRAINT has_a CHECK (contains(word, 'a')));"
                    "INSERT INTO t SELECT i, CASE WHEN i % 2 = 0 THEN 'cat' ELSE 'bar' END || i "
                    "FROM range(1, 101) r(i)")
    target = pg_database_factory("evaluable_copy")
    result = dbsynth.synth(source, target, seed=2)
    [note] = result.notes
    assert "CHECK t_word_check on t" in note and "contains(word, 'a')" in note  # DuckDB names it
    assert "still enforced on the generated rows" in note
    assert check_count(target, "t") == 0
    assert run_sql(target, "SELECT count(*) FROM t WHERE strpos(word, 'a') = 0") == [(0,)]


# ------------------------------------------------------------------------------- leftovers
def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_builds_are_only_those_of_dead_writers(tmp_path: Path) -> None:
    final = tmp_path / "copy.duckdb"
    live = building_path(final)  # this process: alive
    here = live.name.rsplit("@", 1)[1]
    dead = final.with_name(f".copy.duckdb.dbsynth-new-{_dead_pid()}-abcd1234@{here}")
    legacy = final.with_name(".copy.duckdb.dbsynth-new-12345678")  # no pid: owner unknown
    elsewhere = final.with_name(f".copy.duckdb.dbsynth-new-{_dead_pid()}-abcd9999@another-host")
    folder = final.with_name(f".copy.duckdb.dbsynth-new-{_dead_pid()}-dir0@{here}")
    other = tmp_path / f".other.duckdb.dbsynth-new-{_dead_pid()}-x@{here}"
    for path in (live, dead, Path(f"{dead}.wal"), legacy, elsewhere):
        path.write_text("x")
    folder.mkdir()  # not a file dbsynth wrote: never removed
    assert stale_builds(final) == [dead, Path(f"{dead}.wal")]
    proc = dbsynth_cli("clean", duckdb_url(final))
    assert proc.returncode == 0, proc.stderr
    assert f"removed {dead}" in proc.stdout and "2 leftover file(s) removed" in proc.stdout
    assert not dead.exists() and live.exists() and legacy.exists() and elsewhere.exists()
    assert folder.is_dir()
    other.write_text("x")  # a folder: every target's leftovers
    assert pipeline.clean(str(tmp_path)) == [other]


def _kill_mid_write(source: Path, target: Path) -> int:
    """SIGKILL a synth into a new DuckDB file while it loads; returns the killed pid."""
    return kill_mid_load(duckdb_url(source), duckdb_url(target))


def test_a_killed_write_leaves_files_that_clean_and_the_next_run_remove(tmp_path: Path) -> None:
    from dbsynth.demo import build_demo_source

    source, target = tmp_path / "hospital.duckdb", tmp_path / "copy.duckdb"
    build_demo_source(source)
    pid = _kill_mid_write(source, target)
    left = sorted(tmp_path.glob(".copy.duckdb.dbsynth-new-*"))
    assert left and all(f"-new-{pid}-" in p.name for p in left) and not target.exists()
    proc = dbsynth_cli("clean", str(target), "--json")
    assert proc.returncode == 0, proc.stderr
    assert sorted(json.loads(proc.stdout)["removed"]) == [str(p) for p in left]
    assert not list(tmp_path.glob(".copy.duckdb.dbsynth-new-*"))

    _kill_mid_write(source, target)  # again; now the next run cleans up by itself
    assert list(tmp_path.glob(".copy.duckdb.dbsynth-new-*"))
    again = dbsynth_cli("synth", duckdb_url(source), duckdb_url(target), "--scale", "0.1")
    assert again.returncode == 0, again.stderr
    assert "removed what killed dbsynth writes left" in again.stderr
    assert not list(tmp_path.glob(".copy.duckdb.dbsynth-new-*"))
    assert run_sql(duckdb_url(target), "SELECT count(*) > 0 FROM patients") == [(True,)]
