"""Folders of CSV or Parquet files as sources and targets (``csv:///folder``, ``parquet:///…``):
keys inferred from files that declare none, written back with a ``dbsynth.yaml`` that keeps
them, atomic writes, and the usual one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from dbsynth import pipeline
from dbsynth.connectors.registry import connect
from dbsynth.errors import DbsynthError
from dbsynth.schema.model import Column, SqlType, Table
from test_cli import assert_one_line_error, dbsynth


def folder_url(kind: str, path: Path) -> str:
    return f"{kind}:///{path}"


@pytest.fixture
def patients_folder(tmp_path: Path) -> Path:
    """The seed example: patients, their lab results and treatments, as CSV exports."""
    rng = np.random.default_rng(7)
    folder = tmp_path / "exports"
    folder.mkdir()
    patients = pd.DataFrame({
        "patient_id": np.arange(1, 301),
        "sex": rng.choice(["F", "M"], 300),
        "age": rng.integers(18, 90, 300),
        "admitted": pd.date_range("2024-01-01", periods=300, freq="D").date,
    })
    labs = pd.DataFrame({
        "lab_result_id": np.arange(1, 901),
        "patient_id": rng.integers(1, 301, 900),
        "test_name": rng.choice(["hemoglobin", "glucose", "systolic_bp"], 900),
        "value": rng.normal(100, 15, 900).round(1),
    })
    treatments = pd.DataFrame({
        "treatment_id": np.arange(1, 501),
        "patient_id": rng.integers(1, 301, 500),
        "cost": rng.choice([9.99, 19.99, 49.99], 500),
    })
    for name, frame in {"patients": patients, "lab_results": labs, "treatments": treatments}.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def test_csv_folder_keys_are_inferred_and_the_copy_keeps_them(patients_folder: Path,
                                                               tmp_path: Path) -> None:
    inspection = pipeline.inspect(folder_url("csv", patients_folder))
    schema = inspection.schema
    assert schema.table("patients").primary_key.columns == ("patient_id",)
    refs = {(t.name, fk.columns, fk.ref_table) for t in schema.tables for fk in t.foreign_keys}
    assert refs == {("lab_results", ("patient_id",), "patients"),
                    ("treatments", ("patient_id",), "patients")}
    target = tmp_path / "out.duckdb"
    proc = dbsynth("synth", folder_url("csv", patients_folder), f"duckdb:///{target}",
                   "--scale", "2", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["integrity"]["ok"]
    assert result["rows"] == {"patients": 600, "lab_results": 1800, "treatments": 1000}
    con = duckdb.connect(str(target), read_only=True)
    try:
        orphans = con.execute("SELECT count(*) FROM treatments t LEFT JOIN patients p "
                              "USING (patient_id) WHERE p.patient_id IS NULL").fetchone()[0]
    finally:
        con.close()
    assert orphans == 0


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_folder_target_writes_one_file_per_table_and_its_keys(kind: str, patients_folder: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / f"copy-{kind}"
    result = pipeline.synth(folder_url("csv", patients_folder), folder_url(kind, out), seed=1)
    assert result.integrity.ok
    suffix = {"csv": ".csv", "parquet": ".parquet"}[kind]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["dbsynth.yaml"] + [f"{n}{suffix}" for n in ("lab_results", "patients", "treatments")])
    reader = "read_csv" if kind == "csv" else "read_parquet"
    counted = duckdb.execute(f"SELECT count(*) FROM {reader}('{out / ('patients' + suffix)}')").fetchone()[0]
    assert counted == 300
    # Read back, the folder declares the keys its dbsynth.yaml describes: nothing inferred.
    source = connect(folder_url(kind, out), role="source")
    try:
        schema = source.introspect()
    finally:
        source.close()
    assert schema.table("patients").primary_key.columns == ("patient_id",)
    assert {fk.ref_table for fk in schema.table("treatments").foreign_keys} == {"patients"}
    if kind == "parquet":  # Parquet keeps the types
        assert schema.table("treatments").column("cost").type.name == "double"


def test_folder_target_refuses_existing_tables_and_replace_keeps_other_files(
        patients_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "staging"
    out.mkdir()
    (out / "notes.csv").write_text("id,text\n1,keep me\n")
    (out / "patients.csv").write_text("patient_id\n1\n")
    proc = dbsynth("synth", folder_url("csv", patients_folder), folder_url("csv", out))
    assert_one_line_error(proc, "already has", "patients", "--replace")
    assert (out / "patients.csv").read_text() == "patient_id\n1\n"  # untouched
    proc = dbsynth("synth", folder_url("csv", patients_folder), folder_url("csv", out), "--replace")
    assert proc.returncode == 0, proc.stderr
    assert (out / "notes.csv").read_text() == "id,text\n1,keep me\n"
    assert len(pd.read_csv(out / "patients.csv")) == 300
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left


def test_a_failed_write_leaves_the_folder_as_it_was(patients_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "target"
    target = connect(folder_url("csv", out), role="target")
    table = Table("patients", (Column("patient_id", SqlType("bigint")),))
    session = target.begin_target()
    session.existing_tables()
    session.execute('CREATE TABLE "patients" (patient_id BIGINT)')
    session.load(table, pd.DataFrame({"patient_id": [1, 2]}))
    session.rollback()  # as the writer does on any error
    session.close()
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_bad_folders_get_one_line(tmp_path: Path) -> None:
    proc = dbsynth("inspect", folder_url("csv", tmp_path / "nope"))
    assert_one_line_error(proc, "folder not found", "nope")
    (tmp_path / "empty").mkdir()
    proc = dbsynth("inspect", folder_url("parquet", tmp_path / "empty"))
    assert_one_line_error(proc, "no parquet files")
    (tmp_path / "file.csv").write_text("a\n1\n")
    with pytest.raises(DbsynthError, match="is a file, not a folder"):
        connect(folder_url("csv", tmp_path / "file.csv"))


def _write(out: Path, kind: str, tables: dict[str, pd.DataFrame], ddl: dict[str, str],
           drop: tuple[str, ...] = ()) -> None:
    """One write through a folder session, as the writer makes it."""
    target = connect(folder_url(kind, out), role="target")
    session = target.begin_target()
    try:
        session.existing_tables()
        for name in drop:
            session.execute(f'DROP TABLE "{name}"')
        for name, frame in tables.items():
            session.execute(ddl[name])
            columns = tuple(Column(c, SqlType("bigint" if c == "id" else "varchar"))
                            for c in frame.columns)
            session.load(Table(name, columns), frame)
        session.commit()
    finally:
        session.close()
        target.close()


def _read(out: Path, kind: str, name: str) -> pd.DataFrame:
    source = connect(folder_url(kind, out), role="source")
    try:
        return source.read_table(source.introspect().table(name))
    finally:
        source.close()


def test_csv_keeps_empty_strings_apart_from_nulls(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _write(out, "csv", {"t": pd.DataFrame({"id": [1, 2, 3], "s": ["", None, "x"]})},
           {"t": 'CREATE TABLE "t" (id BIGINT, s VARCHAR)'})
    back = _read(out, "csv", "t").sort_values("id")
    assert back["s"].iloc[0] == ""
    assert back["s"].iloc[1] is None or pd.isna(back["s"].iloc[1])
    assert back["s"].iloc[2] == "x"


def test_replacing_a_table_whose_file_has_another_ending_removes_the_old_file(
        tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "t.tsv").write_text("id\n1\n")
    _write(out, "csv", {"t": pd.DataFrame({"id": [5, 6]})},
           {"t": 'CREATE TABLE "t" (id BIGINT)'}, drop=("t",))
    assert sorted(p.name for p in out.iterdir()) == ["dbsynth.yaml", "t.csv"]
    assert sorted(_read(out, "csv", "t")["id"]) == [5, 6]


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failure_while_moving_files_into_place_puts_the_old_ones_back(
        error: BaseException, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from dbsynth.connectors import files

    out = tmp_path / "out"
    out.mkdir()
    (out / "a.csv").write_text("id\n1\n")
    (out / "b.csv").write_text("id\n2\n")
    moves: list[str] = []

    def failing_replace(src: object, dst: object) -> None:
        moves.append(str(dst))
        if len(moves) == 2 and str(src).find(".old") < 0:
            raise error
        os.rename(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(files.os, "replace", failing_replace)
    with pytest.raises(DbsynthError if isinstance(error, OSError) else KeyboardInterrupt):
        _write(out, "csv", {"a": pd.DataFrame({"id": [10]}), "b": pd.DataFrame({"id": [20]})},
               {"a": 'CREATE TABLE "a" (id BIGINT)', "b": 'CREATE TABLE "b" (id BIGINT)'},
               drop=("a", "b"))
    assert (out / "a.csv").read_text() == "id\n1\n"
    assert (out / "b.csv").read_text() == "id\n2\n"
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "b.csv"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("name", ["../evil", "a/b", ".hidden"])
def test_a_table_name_that_is_no_file_name_is_refused(name: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(DbsynthError, match="file name"):
        _write(out, "csv", {name: pd.DataFrame({"id": [1]})},
               {name: f'CREATE TABLE "{name}" (id BIGINT)'})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert list(out.iterdir()) == []


def test_table_names_with_quotes_and_spaces_round_trip(tmp_path: Path) -> None:
    out = tmp_path / "out"
    name = "it's a \"table\""
    _write(out, "parquet", {name: pd.DataFrame({"id": [1, 2]})},
           {name: 'CREATE TABLE "it\'s a ""table""" (id BIGINT)'})
    assert sorted(_read(out, "parquet", name)["id"]) == [1, 2]


def test_what_a_killed_folder_write_left_is_removed(tmp_path: Path) -> None:
    from dbsynth.connectors.duckdb import building_path

    out = tmp_path / "out"
    left = building_path(out)
    left = left.with_name(left.name.replace(f"-{__import__('os').getpid()}-", "-999999999-"))
    (left / "out").mkdir(parents=True)
    (left / "stage.duckdb").write_text("x")
    assert [p.name for p in pipeline.clean(folder_url("csv", out))] == [left.name]
    assert not left.exists()
    (left / "out").mkdir(parents=True)  # and the next write removes it too
    (left / "stage.duckdb").write_text("x")
    _write(out, "csv", {"t": pd.DataFrame({"id": [1]})}, {"t": 'CREATE TABLE "t" (id BIGINT)'})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_folder_write_stages_beside_the_target(tmp_path: Path) -> None:
    out = tmp_path / "out"
    session = connect(folder_url("csv", out), role="target").begin_target()
    try:
        assert [p.name.startswith(".out.dbsynth-new-") for p in tmp_path.iterdir()] == [True]
    finally:
        session.rollback()
        session.close()
    assert list(tmp_path.iterdir()) == []


def test_csv_files_read_back_with_the_types_they_were_written_with(tmp_path: Path) -> None:
    """CSV carries text: bytes, JSON, lists, UUIDs, decimals' scale and text of digits came
    back as other types (VARCHAR, DOUBLE, BIGINT) unless dbsynth.yaml's types are used."""
    out = tmp_path / "out"
    target = connect(folder_url("csv", out), role="target")
    session = target.begin_target()
    try:
        session.existing_tables()
        session.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB, j JSON, l INTEGER[], "
                        "u UUID, n DECIMAL(10, 2), code VARCHAR)")
        session.execute("INSERT INTO t VALUES (1, '\\xAA\\x00'::BLOB, '{\"a\": 1}', [1, 2], "
                        "'c6b61ea6-daf9-4349-9cc6-005a480db00a', 1.5, '1'), "
                        "(2, NULL, NULL, NULL, NULL, NULL, NULL)")
        session.commit()
    finally:
        session.close()
        target.close()
    source = connect(folder_url("csv", out), role="source")
    try:
        table = source.introspect().table("t")
        rows = source.query("SELECT * FROM t ORDER BY id")
    finally:
        source.close()
    assert {c.name: c.type.name for c in table.columns} == {
        "id": "integer", "b": "bytes", "j": "json", "l": "array", "u": "uuid", "n": "numeric",
        "code": "varchar"}
    assert rows[0][1] == b"\xaa\x00" and rows[0][3] == [1, 2] and rows[0][6] == "1"
    assert rows[1][1:] == (None,) * 6


def test_a_folders_metadata_naming_a_table_without_a_file_still_reads(tmp_path: Path) -> None:
    """dbsynth.yaml keeps entries of tables written earlier; a parent whose file was removed
    (or never copied along) leaves its children readable, without that foreign key."""
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "orders.csv").write_text("id,customer_id\n1,1\n2,1\n")
    (folder / "dbsynth.yaml").write_text(
        "version: 1\ntables:\n"
        "  customers: {mode: synthesize, primary_key: [id], foreign_keys: [], columns: {id: {kind: auto}}}\n"
        "  orders:\n    mode: synthesize\n    primary_key: [id]\n    foreign_keys:\n"
        "    - {columns: [customer_id], references: customers(id), source: declared}\n"
        "    columns: {id: {kind: auto}, customer_id: {kind: auto}}\n")
    schema = pipeline.inspect(folder_url("csv", folder)).schema
    assert schema.table_names == ("orders",)
    assert schema.table("orders").primary_key.columns == ("id",)
    assert schema.table("orders").foreign_keys == ()


def test_two_files_of_one_table_are_named(tmp_path: Path) -> None:
    (tmp_path / "Users.csv").write_text("id\n1\n")
    (tmp_path / "users.tsv").write_text("id\n1\n")
    proc = dbsynth("inspect", folder_url("csv", tmp_path))
    assert_one_line_error(proc, "Users.csv and users.tsv")


def test_replacing_a_table_whose_file_name_differs_in_case_removes_the_old_file(
        tmp_path: Path) -> None:
    """DuckDB (the stage) takes "Users" for the folder's users.csv, so --replace replaces it:
    users.csv must go, or the folder has two files of one table and cannot be read."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "users.csv").write_text("id\n1\n")
    _write(out, "csv", {"Users": pd.DataFrame({"id": [5]})},
           {"Users": 'CREATE TABLE "Users" (id BIGINT)'}, drop=("Users",))
    assert sorted(p.name for p in out.iterdir()) == ["Users.csv", "dbsynth.yaml"]
    assert list(_read(out, "csv", "Users")["id"]) == [5]


def test_a_folder_is_the_source_whatever_format_writes_into_it(patients_folder: Path) -> None:
    """Parquet files written into a CSV source's folder would rewrite its dbsynth.yaml (the
    source's declared keys) and add tables to it: the target is the source."""
    from dbsynth.connectors.registry import location_of

    with pytest.raises(DbsynthError, match="is the source"):
        pipeline.synth(folder_url("csv", patients_folder), folder_url("parquet", patients_folder))
    assert sorted(p.suffix for p in patients_folder.iterdir()) == [".csv"] * 3
    assert location_of(folder_url("csv", patients_folder)) == location_of(
        folder_url("parquet", patients_folder))


def test_other_files_in_a_target_folder_are_not_read_whole(tmp_path: Path) -> None:
    """Only the files of the tables written are counted (a big CSV is a full parse); here
    an unrelated file that fails beyond the sniffer's sample would fail the write."""
    out = tmp_path / "out"
    out.mkdir()
    notes = "id,text\n" + "".join(f"{i},note {i}\n" for i in range(30_000)) + "x,y,z,w\n"
    (out / "notes.csv").write_text(notes)
    _write(out, "csv", {"t": pd.DataFrame({"id": [1]})}, {"t": 'CREATE TABLE "t" (id BIGINT)'})
    assert (out / "notes.csv").read_text() == notes
    assert (out / "t.csv").read_text() == "id\n1\n"


def test_a_failed_write_into_a_new_nested_folder_leaves_no_folders(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "out"
    session = connect(folder_url("csv", out), role="target").begin_target()
    session.existing_tables()
    session.rollback()
    session.close()
    assert list(tmp_path.iterdir()) == []
    _write(out, "csv", {"t": pd.DataFrame({"id": [1]})}, {"t": 'CREATE TABLE "t" (id BIGINT)'})
    assert (out / "t.csv").is_file()


def test_a_folder_named_with_url_characters_is_written(tmp_path: Path) -> None:
    """The stage beside it carries the folder's name: it is opened by path, not by a URL
    ('%41' would be read as 'A' there)."""
    from urllib.parse import quote

    out = tmp_path / "odd #1 %41"
    _write(Path(quote(str(out))), "parquet", {"t": pd.DataFrame({"id": [1, 2]})},
           {"t": 'CREATE TABLE "t" (id BIGINT)'})
    assert sorted(p.name for p in out.iterdir()) == ["dbsynth.yaml", "t.parquet"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_an_unreadable_unrelated_file_in_a_target_folder_does_not_fail_the_write(
        tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "junk.parquet").write_bytes(b"not parquet at all")
    _write(out, "parquet", {"t": pd.DataFrame({"id": [1]})}, {"t": 'CREATE TABLE "t" (id BIGINT)'})
    assert (out / "junk.parquet").read_bytes() == b"not parquet at all"
    assert (out / "t.parquet").is_file()


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_a_written_folder_keeps_not_null_unique_keys_and_checks(kind: str, tmp_path: Path) -> None:
    """What the metadata format has no field for (NOT NULL, a unique key a foreign key
    references, a CHECK) is in the folder's dbsynth.yaml: the folder read back declares it,
    and a copy of the folder into DuckDB enforces it."""
    source = tmp_path / "src.duckdb"
    con = duckdb.connect(str(source))
    con.execute("CREATE TABLE country (code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL UNIQUE,"
                " area INTEGER CHECK (area > 0));"
                "CREATE TABLE spoken (country_name VARCHAR NOT NULL REFERENCES country (name),"
                " lang VARCHAR NOT NULL, PRIMARY KEY (country_name, lang));"
                "INSERT INTO country SELECT 'C' || i, 'Country ' || i, 100 + i FROM range(30) t(i);"
                "INSERT INTO spoken SELECT 'Country ' || (i % 30), 'l' || (i // 30) FROM range(60) t(i);")
    con.close()
    folder = tmp_path / "out"
    assert pipeline.synth(f"duckdb:///{source}", folder_url(kind, folder), seed=1,
                          keys=pipeline.KeyOptions(infer=False)).integrity.ok
    schema = pipeline.inspect(folder_url(kind, folder), keys=pipeline.KeyOptions(infer=False)).schema
    country = schema.table("country")
    assert [u.columns for u in country.uniques] == [("name",)]
    assert not country.column("name").nullable and country.column("area").nullable
    assert len(country.checks) == 1
    (fk,) = schema.table("spoken").foreign_keys
    assert (fk.columns, fk.ref_table, fk.ref_columns) == (("country_name",), "country", ("name",))
    copy = tmp_path / "copy.duckdb"
    assert pipeline.synth(folder_url(kind, folder), f"duckdb:///{copy}", seed=2,
                          keys=pipeline.KeyOptions(infer=False)).integrity.ok
    con = duckdb.connect(str(copy))
    try:
        with pytest.raises(duckdb.Error):  # the copy declares the unique key
            con.execute("INSERT INTO country SELECT 'X', name, 5 FROM country LIMIT 1")
        with pytest.raises(duckdb.Error):  # and the CHECK
            con.execute("INSERT INTO country VALUES ('Y', 'new', -1)")
    finally:
        con.close()


def test_replacing_a_folders_table_replaces_its_recorded_constraints(tmp_path: Path) -> None:
    """A table written again (``--replace``) from a source that declares no key, NOT NULL or
    CHECK on it loses the ones dbsynth.yaml recorded for the old rows: read back, the folder
    must not declare a unique, NOT NULL code its new rows repeat and leave NULL. Other
    tables keep theirs."""
    first, second = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    con = duckdb.connect(str(first))
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, code VARCHAR NOT NULL UNIQUE"
                " CHECK (length(code) = 3));"
                "CREATE TABLE other (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL);"
                "INSERT INTO t SELECT i, 'c' || lpad(i::VARCHAR, 2, '0') FROM range(40) x(i);"
                "INSERT INTO other SELECT i, 'n' || i FROM range(40) x(i);")
    con.close()
    con = duckdb.connect(str(second))
    con.execute("CREATE TABLE t (id INTEGER, code VARCHAR);"  # no key: no NOT NULL either
                "INSERT INTO t SELECT i, CASE WHEN i % 5 = 0 THEN NULL ELSE 'code' || (i % 3) END"
                " FROM range(40) x(i);")
    con.close()
    folder = tmp_path / "out"
    no_inference = pipeline.KeyOptions(infer=False)
    assert pipeline.synth(f"duckdb:///{first}", folder_url("csv", folder), seed=1,
                          keys=no_inference).integrity.ok
    assert pipeline.synth(f"duckdb:///{second}", folder_url("csv", folder), seed=1,
                          keys=no_inference, replace=True).integrity.ok
    schema = pipeline.inspect(folder_url("csv", folder), keys=no_inference).schema
    t = schema.table("t")
    assert t.uniques == () and t.checks == () and t.column("code").nullable
    assert t.primary_key is None and t.column("id").nullable
    assert not schema.table("other").column("name").nullable  # not rewritten: kept
