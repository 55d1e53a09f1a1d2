"""Hostile input through the real CLI: URLs, flags, model files, metadata files.

Every case runs ``dbsynth`` in a subprocess and must fail the way a user can act on: an exit
code that is neither 0 nor 70 (``internal error``), exactly one line on stderr starting with
``error:`` (and naming what was wrong), no traceback. DuckDB files are made in a temp dir, and
the only PostgreSQL URLs are ones that cannot connect.

Importing dbsynth (pandas, scipy, DuckDB…) costs more than most cases, so one runner process
imports it once and forks a fresh child per case that runs the real entry point
(``dbsynth.cli.main``) with its own argv, stdout, stderr and exit code: the corpus stays well
under a minute. ``test_cli.py`` runs the entry point from scratch.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import socket
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import duckdb
import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the runner forks one process per case")

SOURCE_SQL = """
CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR NOT NULL, code INT NOT NULL);
INSERT INTO parent SELECT i, 'name ' || i, i * 7 FROM range(1, 61) t(i);
CREATE TABLE child (id INT PRIMARY KEY, pid INT REFERENCES parent (id), code INT NOT NULL,
                    note VARCHAR);
INSERT INTO child SELECT i, i % 60 + 1, i, 'n' || (i % 5) FROM range(1, 301) t(i);
"""


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _gzip_json(payload: Any) -> bytes:
    return gzip.compress(json.dumps(payload).encode(), mtime=0)


def _bomb(unpacked: int) -> bytes:
    """A gzip stream of ``unpacked`` zero bytes, built without holding them."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    parts = [packer.compress(block) for _ in range(unpacked >> 20)]
    return b"".join(parts) + packer.flush()


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


def _model_variants(good: dict[str, Any]) -> dict[str, bytes]:
    """Crafted model files: each breaks one thing a loader must check."""
    table = next(iter(good["tables"]))
    column = next(iter(good["tables"][table]["columns"]))

    def variant(edit: Any) -> bytes:
        payload = json.loads(json.dumps(good))
        edit(payload)
        return _gzip_json(payload)

    def set_table(key: str, value: Any) -> Any:
        return lambda p: p["tables"][table].__setitem__(key, value)

    def set_column(key: str, value: Any) -> Any:
        return lambda p: p["tables"][table]["columns"][column].__setitem__(key, value)

    def cyclic_tree(p: dict[str, Any]) -> None:
        tree = p["tables"][table]["engine"]["trees"][0]
        tree.update(left=[0], right=[0], feature=[0], threshold=[0.0], nan_left=[1])

    return {
        "row_count_negative": variant(set_table("row_count", -5)),
        "row_count_huge": variant(set_table("row_count", 10**12)),
        "row_count_text": variant(set_table("row_count", "many")),
        "row_count_float": variant(set_table("row_count", 1.5)),
        "columns_list": variant(set_table("columns", [1, 2])),
        "unknown_table_field": variant(set_table("surprise", 1)),
        "null_share_2": variant(set_column("null_share", 2.0)),
        "null_share_nan": variant(set_column("null_share", float("nan"))),
        "kind_unknown": variant(set_column("kind", "hologram")),
        "deep_categories": variant(set_column("categories", [_nested(200)])),
        "engine_unknown": variant(lambda p: p["tables"][table]["engine"].__setitem__("name", "gan")),
        "tree_cycle": variant(cyclic_tree),
        "tables_list": variant(lambda p: p.__setitem__("tables", [])),
        "schema_missing": variant(lambda p: p.pop("schema")),
        "schema_fk_unknown_table": variant(
            lambda p: [t for t in p["schema"]["tables"] if t["foreign_keys"]][0]["foreign_keys"][0]
            .__setitem__("ref_table", "nowhere")),
        "format_version": variant(lambda p: p.__setitem__("format_version", 99)),
        "links_wrong": variant(lambda p: p.__setitem__("links", [{"child": 1}])),
        "json_list": _gzip_json([]),
        "json_deep": gzip.compress(b"[" * 100_000 + b"]" * 100_000),
        "not_json": gzip.compress(b"\x00\xffnot json"),
        "random_bytes": random.Random(1).randbytes(4096),
        "truncated": _gzip_json(good)[:200],
        "empty": b"",
        "bomb": _bomb(64 << 20),
    }


METADATA_FILES: dict[str, bytes | str] = {
    "binary": b"\xff\xfe\x00\x01\x89PNG\r\n",
    "top_list": "- a\n- b\n",
    "tables_list": "tables: [parent]\n",
    "mode_list": "tables:\n  parent: {mode: [1, 2]}\n",
    "unknown_field": "tables:\n  parent: {colour: red}\n",
    "version": "version: 7\ntables: {}\n",
    "columns_number": "tables:\n  parent: {columns: 5}\n",
    "kind_unknown": "tables:\n  parent: {columns: {name: {kind: hologram}}}\n",
    "references_number": "tables:\n  child: {foreign_keys: [{columns: [pid], references: 5}]}\n",
    "references_unknown": "tables:\n  child: {foreign_keys: [{columns: [pid], references: 'nowhere(id)'}]}\n",
    "references_count": "tables:\n  child: {foreign_keys: [{columns: [pid, code], references: 'parent(id)'}]}\n",
    "fk_types_differ": "tables:\n  child: {foreign_keys: [{columns: [note], references: 'parent(id)'}]}\n",
    "pk_twice": "tables:\n  parent: {primary_key: [id, id]}\n",
    "pk_moved_away": "tables:\n  parent: {primary_key: [name]}\n",
    "unknown_table": "tables:\n  nosuch: {mode: copy}\n",
    "deep": "tables: " + "[" * 5000 + "]" * 5000 + "\n",
    "yaml_syntax": "tables: {parent: [\n",
    "empty": "",
    "sdv_relationships": json.dumps({"METADATA_SPEC_VERSION": "V1", "tables": {},
                                     "relationships": 5}),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from dbsynth import pipeline

    d = tmp_path_factory.mktemp("fuzz")
    con = duckdb.connect(str(d / "src.duckdb"))
    con.execute(SOURCE_SQL)
    con.close()
    duckdb.connect(str(d / "empty.duckdb")).close()
    lite = sqlite3.connect(d / "lite.db")
    lite.execute("CREATE TABLE a (x)")
    lite.commit()
    lite.close()
    (d / "text.txt").write_text("just some text\n")
    (d / "folder").mkdir()
    pipeline.save(pipeline.train(f"duckdb:///{d / 'src.duckdb'}"), d / "model.dbsynth")
    good = json.loads(gzip.decompress((d / "model.dbsynth").read_bytes()))
    for name, content in _model_variants(good).items():
        (d / f"m_{name}.dbsynth").write_bytes(content)
    for name, text in METADATA_FILES.items():
        path = d / f"meta_{name}.yaml"
        path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text)
    return {"dir": d, "src": f"duckdb:///{d / 'src.duckdb'}", "model": str(d / "model.dbsynth"),
            "dead_pg": f"postgresql://alice:pw@127.0.0.1:{_closed_port()}/app"}


def _cases() -> list[tuple[str, list[str], str]]:
    """(id, arguments with {placeholders}, text the error line must contain)."""
    src, out = "{src}", "duckdb:///{dir}/out.duckdb"
    urls = [
        ("url_empty", ["inspect", ""], "not a database URL"),
        ("url_garbage", ["inspect", "not a url at all"], "not a database URL"),
        ("url_scheme", ["inspect", "postgresq://x@localhost/db"], "did you mean"),
        ("url_sqlite_missing", ["inspect", "sqlite:///{dir}/nosuch.db"], "not found"),
        ("url_bad_bracket", ["inspect", "postgresql://u:pw@[::1/db"], "not a database URL"),
        ("url_pg_closed_port", ["inspect", "{dead_pg}"], "cannot connect"),
        ("url_pg_blackhole", ["inspect", "postgresql://u@192.0.2.1:5432/db?connect_timeout=2"],
         "cannot connect"),
        ("url_duckdb_no_path", ["inspect", "duckdb:///"], "needs a file path"),
        ("url_duckdb_missing", ["inspect", "duckdb:///{dir}/nope.duckdb"], "not found"),
        ("url_duckdb_directory", ["inspect", "duckdb:///{dir}/folder"], "directory"),
        ("url_duckdb_text_file", ["inspect", "duckdb:///{dir}/text.txt"], "cannot open"),
        ("url_duckdb_sqlite_file", ["inspect", "duckdb:///{dir}/lite.db"], "SQLite"),
        ("url_duckdb_sqlite_target", ["synth", src, "duckdb:///{dir}/lite.db"], "SQLite"),
        ("url_duckdb_bad_param", ["inspect", "{src}?memory_limit=lots"], "memory_limit"),
        ("url_no_tables", ["inspect", "duckdb:///{dir}/empty.duckdb"], "no tables"),
        ("url_target_is_source", ["synth", src, src], "is the source"),
    ]
    flags = [
        ("seed_negative", ["train", src, "--seed", "-1", "-o", "{dir}/x.dbsynth"], "--seed"),
        ("seed_32bit", ["train", src, "--seed", "4294967296", "-o", "{dir}/x.dbsynth"], "--seed"),
        ("seed_huge", ["synth", src, out, "--seed", "1" + "0" * 40], "--seed"),
        ("seed_text", ["synth", src, out, "--seed", "abc"], "--seed"),
        ("seed_versions", ["generate", "{model}", out, "--seed", "4294967295", "--versions", "2"],
         "--versions"),
        ("scale_nan", ["synth", src, out, "--scale", "nan"], "--scale"),
        ("scale_inf", ["synth", src, out, "--scale", "inf"], "--scale"),
        ("scale_overflow", ["generate", "{model}", out, "--scale", "1e309"], "--scale"),
        ("scale_negative", ["synth", src, out, "--scale", "-1"], "--scale"),
        ("scale_text", ["synth", src, out, "--scale", "lots"], "--scale"),
        ("sample_rows_zero", ["train", src, "--sample-rows", "0", "-o", "{dir}/x.dbsynth"],
         "--sample-rows"),
        ("key_threshold_nan", ["inspect", src, "--key-threshold", "nan"], "--key-threshold"),
        ("key_threshold_big", ["inspect", src, "--key-threshold", "2"], "--key-threshold"),
        ("versions_zero", ["generate", "{model}", out, "--versions", "0"], "--versions"),
        ("versions_huge", ["generate", "{model}", out, "--versions", "100000000"], "--versions"),
        ("engine_unknown", ["train", src, "--engine", "gan", "-o", "{dir}/x.dbsynth"], "unknown engine"),
        ("table_engine_form", ["train", src, "--table-engine", "bad", "-o", "{dir}/x.dbsynth"],
         "TABLE=ENGINE"),
        ("table_engine_table", ["synth", src, out, "--table-engine", "parnet=cart"], "did you mean"),
        ("table_engine_engine", ["synth", src, out, "--table-engine", "parent=gan"], "unknown engine"),
        ("workers_zero", ["synth", src, out, "--workers", "0"], "--workers"),
        ("partitions_alone", ["synth", src, out, "--partitions", "2"], "--partitions"),
        ("executor_bad", ["generate", "{model}", out, "--executor", "http://x"], "--executor"),
        ("on_drift_bogus", ["refresh", src, out, "--on-drift", "sometimes"], "--on-drift"),
        ("max_model_size_text", ["generate", "{model}", out, "--max-model-size", "big"],
         "--max-model-size"),
        ("max_model_size_zero", ["generate", "{model}", out, "--max-model-size", "0"],
         "--max-model-size"),
        ("max_model_size_negative", ["generate", "{model}", out, "--max-model-size", "-5MB"],
         "--max-model-size"),
        ("report_target_table", ["report", src, src, "--target", "nosuch.col"], "no table"),
        ("report_target_column", ["report", src, src, "--target", "parent.nme"], "did you mean"),
        ("report_target_form", ["report", src, src, "--target", "nodot"], "TABLE.COLUMN"),
        ("train_output_directory", ["train", src, "-o", "{dir}/folder"], "is a directory"),
        ("inspect_output_directory", ["inspect", src, "-o", "{dir}/folder"], "is a directory"),
        ("report_output_directory", ["report", src, src, "-o", "{dir}/folder"], "is a directory"),
        ("output_under_a_file", ["train", src, "-o", "{dir}/text.txt/m.dbsynth"], "not a directory"),
        ("unknown_option", ["inspect", src, "--nope"], "--nope"),
        ("missing_argument", ["train"], "Missing argument"),
        ("unknown_command", ["frobnicate"], "No such command"),
    ]
    models = [(f"model_{name}", ["generate", f"{{dir}}/m_{name}.dbsynth", out], needle)
              for name, needle in (
                  ("row_count_negative", "row_count"), ("row_count_huge", "row_count"),
                  ("row_count_text", "row_count"), ("row_count_float", "row_count"),
                  ("columns_list", "columns"), ("unknown_table_field", "surprise"),
                  ("null_share_2", "null_share"), ("null_share_nan", "null_share"),
                  ("kind_unknown", "hologram"), ("deep_categories", "nested"),
                  ("engine_unknown", "unknown engine"), ("tree_cycle", "node 0"),
                  ("tables_list", "tables"), ("schema_missing", "schema"),
                  ("schema_fk_unknown_table", "nowhere"), ("format_version", "format"),
                  ("links_wrong", "links[0]"), ("json_list", "not a dbsynth model file"),
                  ("json_deep", "nested"), ("not_json", "damaged"),
                  ("random_bytes", "not gzip"), ("truncated", "truncated"),
                  ("empty", "truncated"))]
    models += [
        ("model_bomb", ["generate", "{dir}/m_bomb.dbsynth", out, "--max-model-size", "1MB"],
         "unpacks to more than the model size limit of 1 MB"),
        ("model_directory", ["generate", "{dir}/folder", out], "directory"),
        ("model_missing", ["generate", "{dir}/nope.dbsynth", out], "not found"),
    ]
    metadata = [(f"metadata_{name}", ["inspect", src, "--metadata", f"{{dir}}/meta_{name}.yaml"],
                 needle)
                for name, needle in (
                    ("binary", "not UTF-8"), ("top_list", "expected a mapping"),
                    ("tables_list", "expected a mapping"), ("mode_list", "mode"),
                    ("unknown_field", "colour"), ("version", "version 7"),
                    ("columns_number", "columns"), ("kind_unknown", "hologram"),
                    ("references_number", "references"), ("references_unknown", "nowhere"),
                    ("references_count", "as many"), ("fk_types_differ", "types differ"),
                    ("pk_twice", "twice"), ("pk_moved_away", "no longer"),
                    ("unknown_table", "nosuch"), ("deep", "nested"),
                    ("yaml_syntax", "not valid YAML"), ("empty", "expected a mapping"),
                    ("sdv_relationships", "relationships"))]
    metadata.append(("metadata_directory", ["inspect", src, "--metadata", "{dir}/folder"],
                     "not found"))
    return urls + flags + models + metadata


CASES = _cases()


RUNNER = r"""
import json, os, signal, sys
import dbsynth.cli  # once, before forking
cases = json.load(sys.stdin)
out = {}
for name, argv in cases.items():
    stdout, stderr = f"{sys.argv[1]}/{name}.out", f"{sys.argv[1]}/{name}.err"
    pid = os.fork()
    if pid == 0:  # the child is one dbsynth run
        signal.alarm(60)  # a hanging case dies (and fails its test) instead of the suite
        for fd, path in ((1, stdout), (2, stderr)):
            os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
        sys.argv = ["dbsynth", *argv]
        code = 1
        try:
            dbsynth.cli.main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            import traceback
            traceback.print_exc()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    out[name] = os.waitstatus_to_exitcode(status)
print(json.dumps(out))
"""


def _run_all(argv: dict[str, list[str]], folder: Path) -> dict[str, subprocess.CompletedProcess[str]]:
    """Each case in its own forked process; a case gets 60 s, as a whole at most 300 s."""
    runner = subprocess.run([sys.executable, "-c", RUNNER, str(folder)], input=json.dumps(argv),
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "COLUMNS": "200"})
    assert runner.returncode == 0, runner.stderr[-3000:]
    codes = json.loads(runner.stdout.strip().splitlines()[-1])
    return {name: subprocess.CompletedProcess(args, codes[name],
                                              (folder / f"{name}.out").read_text(),
                                              (folder / f"{name}.err").read_text())
            for name, args in argv.items()}


@pytest.fixture(scope="module")
def results(corpus: dict[str, Any]) -> dict[str, tuple[list[str], subprocess.CompletedProcess[str]]]:
    """Every case's process."""
    fill = {"dir": str(corpus["dir"]), "src": corpus["src"], "model": corpus["model"],
            "dead_pg": corpus["dead_pg"]}
    argv = {name: [a.format(**fill) for a in args] for name, args, _ in CASES}
    logs = corpus["dir"] / "logs"
    logs.mkdir()
    done = _run_all(argv, logs)
    return {name: (argv[name], done[name]) for name in argv}


@pytest.mark.parametrize(("name", "needle"), [(n, needle) for n, _, needle in CASES],
                         ids=[n for n, _, _ in CASES])
def test_hostile_input_gets_one_clean_line(results: dict[str, Any], name: str, needle: str) -> None:
    args, proc = results[name]
    where = f"dbsynth {' '.join(args)}\nstdout: {proc.stdout[-500:]}\nstderr: {proc.stderr[-2000:]}"
    assert proc.returncode not in (0, 70), where
    assert "Traceback" not in proc.stderr + proc.stdout, where
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), where
    assert needle in lines[0], where
    assert "internal error" not in lines[0], where


def test_nothing_is_written_for_hostile_input(results: dict[str, Any], corpus: dict[str, Any]) -> None:
    """No case left a model file or a target behind (all failed before writing)."""
    d = corpus["dir"]
    assert not (d / "x.dbsynth").exists()
    assert not (d / "out.duckdb").exists()
    assert (d / "lite.db").read_bytes().startswith(b"SQLite format 3\x00")
