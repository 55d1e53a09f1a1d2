"""The command line as users meet it: real processes, exit codes, one-line errors, JSON."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from conftest import run_sql
from databases import kill_mid_load

SECRET = "s3cr3t-pw"


def dbsynth(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dbsynth.cli", *args], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "COLUMNS": "200"})


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unknown_scheme_suggests_the_right_one() -> None:
    proc = dbsynth("inspect", "postgresq://x@localhost/db")
    assert_one_line_error(proc, "unknown database URL scheme", "did you mean 'postgresql'")
    assert proc.returncode == 2


def test_unreachable_server_never_prints_the_password() -> None:
    url = f"postgresql://alice:{SECRET}@127.0.0.1:{closed_port()}/app"
    proc = dbsynth("inspect", url)
    assert_one_line_error(proc, "cannot connect", "127.0.0.1")
    assert SECRET not in proc.stdout + proc.stderr


def test_missing_duckdb_file(tmp_path: Path) -> None:
    proc = dbsynth("inspect", f"duckdb:///{tmp_path / 'nope.duckdb'}")
    assert_one_line_error(proc, "not found", "nope.duckdb")


def test_missing_schema(zoo_url: str) -> None:
    proc = dbsynth("inspect", zoo_url, "--schema", "no_such_schema")
    assert_one_line_error(proc, "no_such_schema", "does not exist")


def test_bad_scale_is_refused(zoo_url: str, tmp_path: Path) -> None:
    proc = dbsynth("synth", zoo_url, f"duckdb:///{tmp_path / 't.duckdb'}", "--scale", "100")
    assert_one_line_error(proc, "--scale")
    assert proc.returncode == 2
    assert not (tmp_path / "t.duckdb").exists() or run_sql(
        f"duckdb:///{tmp_path / 't.duckdb'}", "SELECT count(*) FROM duckdb_tables()")[0][0] == 0


def test_duckdb_memory_limit_in_the_url(zoo_url: str, tmp_path: Path) -> None:
    """``?memory_limit=`` caps the DuckDB engine; a bad value or unknown parameter is one line."""
    bad = dbsynth("synth", zoo_url, f"duckdb:///{tmp_path / 'b.duckdb'}?memory_limit=lots")
    assert_one_line_error(bad, "memory_limit", "512MB")
    unknown = dbsynth("synth", zoo_url, f"duckdb:///{tmp_path / 'b.duckdb'}?cache=1")
    assert_one_line_error(unknown, "unknown DuckDB URL parameter", "cache")
    assert not (tmp_path / "b.duckdb").exists()
    good = dbsynth("synth", zoo_url, f"duckdb:///{tmp_path / 'g.duckdb'}?memory_limit=256MB", "--json")
    assert good.returncode == 0, good.stderr
    assert run_sql(f"duckdb:///{tmp_path / 'g.duckdb'}", "SELECT count(*) FROM person")[0][0] > 0
    from dbsynth.connectors.registry import connect

    target = connect(f"duckdb:///{tmp_path / 'g.duckdb'}?memory_limit=256MB", role="target")
    try:
        assert target.query("SELECT current_setting('memory_limit')")[0][0] == "244.1 MiB"
    finally:
        target.close()


def test_unknown_flag_exits_non_zero() -> None:
    proc = dbsynth("synth", "--no-such-flag")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_inspect_json(zoo_url: str) -> None:
    proc = dbsynth("inspect", zoo_url, "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    tables = {t["name"]: t for t in data["schema"]["tables"]}
    assert tables["order_line"]["primary_key"]["columns"] == ["order_id", "line_no"]
    assert data["plan"]["order"].index("order") < data["plan"]["order"].index("order_line")
    assert data["plan"]["self_references"] == ["employee(manager_id) -> employee(employee_id)"]


def test_synth_json_and_refusal(zoo_url: str, tmp_path: Path) -> None:
    target = f"duckdb:///{tmp_path / 'copy.duckdb'}"
    proc = dbsynth("synth", zoo_url, target, "--seed", "4", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["integrity"]["ok"] is True
    assert data["rows"]["product"] == 25  # a root table: exactly the source's size at scale 1
    assert sum(t["orphans"] for t in data["integrity"]["tables"]) == 0
    again = dbsynth("synth", zoo_url, target)
    assert_one_line_error(again, "already has", "--replace")


def test_demo_runs_offline_and_proves_integrity(tmp_path: Path) -> None:
    proc = dbsynth("demo", "--dir", str(tmp_path), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["integrity"]["ok"] is True
    assert data["rows"]["patients"] == 5000
    assert (tmp_path / "hospital_synthetic.duckdb").exists()


def test_killed_mid_load_leaves_target_as_before(tmp_path: Path) -> None:
    """SIGKILL the process while it is loading: the transaction never commits."""
    from dbsynth.demo import build_demo_source

    source = tmp_path / "hospital.duckdb"
    build_demo_source(source)
    target = f"duckdb:///{tmp_path / 'target.duckdb'}"
    run_sql(target, "CREATE TABLE keep_me (x INTEGER); INSERT INTO keep_me VALUES (42)")
    kill_mid_load(f"duckdb:///{source}", target)
    tables = {r[0] for r in run_sql(target, "SELECT table_name FROM duckdb_tables()")}
    assert tables == {"keep_me"}
    assert run_sql(target, "SELECT x FROM keep_me") == [(42,)]


def test_flags_are_checked_before_the_source_is_touched(tmp_path: Path) -> None:
    """A bad flag wins over an unreachable source: nothing is opened or read first."""
    dead = f"postgresql://alice:{SECRET}@127.0.0.1:{closed_port()}/app"
    for args, needle in (
            (["train", dead, "--seed", "4294967296"], "--seed must be between 0 and 4294967295"),
            (["train", dead, "--table-engine", "t=gan"], "unknown engine 'gan'"),
            (["train", dead, "--table-engine", "bad"], "--table-engine wants TABLE=ENGINE"),
            (["train", dead, "-o", str(tmp_path)], "is a directory"),
            (["inspect", dead, "-o", str(tmp_path)], "is a directory"),
            (["synth", dead, f"duckdb:///{tmp_path / 't.duckdb'}", "--seed", "-1"], "--seed"),
            (["report", dead, dead, "--target", "nodot"], "--target wants TABLE.COLUMN"),
            (["report", dead, dead, "-o", str(tmp_path)], "is a directory"),
            (["generate", str(tmp_path / "m.dbsynth"), "duckdb:///x.duckdb", "--versions", "0"],
             "--versions")):
        proc = dbsynth(*args)
        assert_one_line_error(proc, needle)
        assert proc.returncode == 2, proc.stderr


def test_table_names_in_flags_are_checked_against_the_source(zoo_url: str, tmp_path: Path) -> None:
    proc = dbsynth("train", zoo_url, "--table-engine", "prodcut=copula", "-o", str(tmp_path / "m"))
    assert_one_line_error(proc, "no table 'prodcut'", "did you mean 'product'")
    proc = dbsynth("report", zoo_url, zoo_url, "--target", "product.nosuch")
    assert_one_line_error(proc, "product has no column 'nosuch'")
    assert not (tmp_path / "m").exists()


def test_a_source_without_tables_writes_nothing(tmp_path: Path) -> None:
    import duckdb

    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    for args in (["train", f"duckdb:///{empty}", "-o", str(tmp_path / "m.dbsynth")],
                 ["inspect", f"duckdb:///{empty}", "-o", str(tmp_path / "meta.yaml")],
                 ["synth", f"duckdb:///{empty}", f"duckdb:///{tmp_path / 't.duckdb'}"]):
        assert_one_line_error(dbsynth(*args), "has no tables in schema 'main'")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.duckdb"]


def test_names_with_any_characters_survive_inspect_and_metadata(tmp_path: Path) -> None:
    """Parentheses, commas, quotes, spaces and dots in names: written quoted, read back."""
    import duckdb

    source = tmp_path / "odd.duckdb"
    con = duckdb.connect(str(source))
    con.execute('CREATE TABLE "p(a)r,en" ("k(1)" INT PRIMARY KEY, "we ird.""q" VARCHAR)')
    con.execute("""INSERT INTO "p(a)r,en" SELECT i, 'v' || i FROM range(1, 50) t(i)""")
    con.execute('CREATE TABLE "ch ild" (id INT PRIMARY KEY, "p, (k)" INT REFERENCES "p(a)r,en" ("k(1)"))')
    con.execute("""INSERT INTO "ch ild" SELECT i, i % 49 + 1 FROM range(1, 200) t(i)""")
    con.close()
    meta = tmp_path / "odd.yaml"
    proc = dbsynth("inspect", f"duckdb:///{source}", "-o", str(meta))
    assert proc.returncode == 0, proc.stderr
    assert '"p(a)r,en"("k(1)")' in meta.read_text()
    target = tmp_path / "copy.duckdb"
    proc = dbsynth("synth", f"duckdb:///{source}", f"duckdb:///{target}", "--metadata", str(meta))
    assert proc.returncode == 0, proc.stderr
    assert run_sql(f"duckdb:///{target}", 'SELECT count(*) FROM "ch ild" c JOIN "p(a)r,en" p '
                                          'ON c."p, (k)" = p."k(1)"')[0][0] == 199


def test_a_sqlite_file_is_named_as_such(tmp_path: Path) -> None:
    import sqlite3

    lite = tmp_path / "app.db"
    con = sqlite3.connect(lite)
    con.execute("CREATE TABLE a (x)")
    con.commit()
    con.close()
    before = lite.read_bytes()
    for args in (["inspect", f"duckdb:///{lite}"],
                 ["synth", f"duckdb:///{lite}", f"duckdb:///{tmp_path / 't.duckdb'}"]):
        assert_one_line_error(dbsynth(*args), "is a SQLite database file", "not read SQLite yet")
    assert lite.read_bytes() == before
    assert not (tmp_path / "t.duckdb").exists()


def test_binary_metadata_is_one_line(zoo_url: str, tmp_path: Path) -> None:
    meta = tmp_path / "meta.yaml"
    meta.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    assert_one_line_error(dbsynth("inspect", zoo_url, "--metadata", str(meta)), "not UTF-8")


def test_columns_without_a_model_exit_4_and_are_listed(tmp_path: Path) -> None:
    """A copy is written and checked, but a column dbsynth cannot model (a DuckDB MAP) is
    written NULL: the run says so and exits 4, and --json lists it under "gaps"."""
    import duckdb

    source = tmp_path / "src.duckdb"
    con = duckdb.connect(str(source))
    con.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, price DOUBLE, tags MAP(VARCHAR, INTEGER))")
    con.execute("INSERT INTO item SELECT i, i * 1.5, MAP {'a': i} FROM range(1, 41) t(i)")
    con.close()
    proc = dbsynth("synth", f"duckdb:///{source}", f"duckdb:///{tmp_path / 'out.duckdb'}", "--json")
    assert proc.returncode == 4, proc.stderr
    payload = json.loads(proc.stdout)
    assert payload["integrity"]["ok"] and payload["rows"]["item"] == 40
    assert any("item.tags" in gap for gap in payload["gaps"]), payload["gaps"]
    assert "1 column(s) written without a model" in proc.stderr
    out = duckdb.connect(str(tmp_path / "out.duckdb"), read_only=True)
    assert out.execute("SELECT count(*), count(tags) FROM item").fetchone() == (40, 0)
    out.close()
