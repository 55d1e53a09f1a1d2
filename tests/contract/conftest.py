"""The backend fixture of the contract suite: one object per engine carrying its dialect's
capability flags (as ibis's ``BackendTest`` does). Tests ask ``backend.require(flag)`` or
read ``backend.caps.<flag>``; they never compare engine names.

    backend            function  parametrized over postgres, duckdb, sqlite, mysql, csv, parquet
    backend.source()   a fresh database with the contract schema (schema/<engine>.sql) and rows
    backend.target()   URL of a fresh, empty target (a new database, or a file not yet there)
    backend.sql(url, text)  rows of the last statement
    backend.drop_table(url, name)  the table gone (a folder: its file removed)
    backend.missing_url     a URL that names nothing reachable

A folder of files (csv, parquet) is built as DuckDB builds it (its dialect is DuckDB's):
the schema and rows run in dbsynth's own folder write session, whose commit exports one file
per table and the ``dbsynth.yaml`` of their keys. Queries on a folder run in an in-memory
DuckDB over its files, one view per table; they read, they never write the files.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path

import pytest

import duckdb

from conftest import _mariadb_binary, duckdb_url, run_sql
from dbsynth.connectors.registry import connect
from dbsynth.dialects import Dialect, get_dialect
from dbsynth.dialects.files import FORMATS

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
ROWS = (SCHEMA_DIR / "rows.sql").read_text()


def sqlite_url(path: Path | str) -> str:
    return "sqlite:///" + str(Path(path).resolve())


def folder_url(kind: str, path: Path | str) -> str:
    return f"{kind}:///{Path(path).resolve()}"


def _folder_of(url: str) -> tuple[str, Path] | None:
    """(format, folder) of a ``csv:///…`` or ``parquet:///…`` URL; None for a database."""
    kind, sep, rest = url.partition(":///")
    return (kind, Path(rest)) if sep and kind in FORMATS else None


def run_on_folder(kind: str, folder: Path, sql: str) -> list[tuple]:
    """``sql`` in an in-memory DuckDB where every file of the folder is a view named after
    its table (types as DuckDB's reader finds them: a test's own reading, not dbsynth's)."""
    fmt = FORMATS[kind]
    con = duckdb.connect(":memory:")
    try:
        for path in sorted(folder.iterdir()):
            suffix = next((x for x in fmt.suffixes if path.name.endswith(x)), None)
            if suffix is None or path.name.startswith("."):
                continue
            literal = "'" + str(path).replace("'", "''") + "'"
            name = path.name[:-len(suffix)].replace('"', '""')
            con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM {fmt.reader.format(path=literal)}')
        cur = con.execute(sql)
        return cur.fetchall() if cur.description else []
    finally:
        con.close()


def run_any(url: str, sql: str) -> list[tuple]:
    """run_sql for every backend (SQLite: the file opened and closed per call)."""
    folder = _folder_of(url)
    if folder is not None:
        return run_on_folder(*folder, sql)
    if url.startswith("mysql://"):
        return MARIA[0].run(url, sql)
    if url.startswith("sqlite:///"):
        con = sqlite3.connect(url[len("sqlite:///"):])
        try:
            statements = [s for s in sql.split(";") if s.strip()]  # no ';' inside literals here
            rows: list[tuple] = []
            for statement in statements:
                rows = con.execute(statement).fetchall()
            con.commit()
            return rows
        finally:
            con.close()
    return run_sql(url, sql)


#: the session's MariaDB cluster, once a mysql backend asked for it (run_any needs it)
MARIA: list = []


class Backend:
    def __init__(self, name: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
        self.name = name
        self.caps: Dialect = get_dialect(name)
        self._request = request
        self._tmp = tmp_path

    def require(self, flag: str) -> None:
        if not getattr(self.caps, flag):
            pytest.skip(f"{self.name} lacks {flag}")

    def target(self, name: str = "target") -> str:
        if self.name == "mysql":
            cluster = self._request.getfixturevalue("maria_cluster")
            MARIA[:] = [cluster]
            return cluster.create_database(name)
        if self.name in FORMATS:
            return folder_url(self.name, self._tmp / f"{name}-{uuid.uuid4().hex[:6]}")
        if not self.caps.file_database:
            return self._request.getfixturevalue("pg_database_factory")(name)
        suffix = {"duckdb": ".duckdb"}.get(self.name, ".db")
        path = self._tmp / f"{name}-{uuid.uuid4().hex[:6]}{suffix}"
        return duckdb_url(path) if self.name == "duckdb" else sqlite_url(path)

    def source(self, ddl: str | None = None, rows: str | None = ROWS, name: str = "source") -> str:
        url = self.target(name)
        text = (ddl if ddl is not None else (SCHEMA_DIR / f"{self.ddl_name}.sql").read_text())
        if rows:
            text += "\n" + rows
        if self.name in FORMATS:
            _write_folder(url, text)
        elif url.startswith("sqlite:///"):
            con = sqlite3.connect(url[len("sqlite:///"):])
            con.executescript(text)
            con.close()
        else:
            run_any(url, text)
        return url

    @property
    def ddl_name(self) -> str:
        """Whose SQL builds this backend's sources (schema/<ddl_name>.sql): a folder's DuckDB."""
        return "duckdb" if self.name in FORMATS else self.name

    def sql(self, url: str, text: str) -> list[tuple]:
        return run_any(url, text)

    def drop_table(self, url: str, name: str) -> None:
        folder = _folder_of(url)
        if folder is None:
            run_any(url, f'DROP TABLE "{name}"')
            return
        kind, path = folder
        (path / (name + FORMATS[kind].suffixes[0])).unlink()

    @property
    def missing_url(self) -> str:
        if self.name in FORMATS:
            return folder_url(self.name, self._tmp / "nowhere" / "folder")
        if self.caps.file_database:
            return (duckdb_url if self.name == "duckdb" else sqlite_url)(self._tmp / "nowhere" / "x.db")
        if self.name == "mysql":
            return "mysql://nobody@127.0.0.1:1/nothing"
        return "postgresql://nobody@127.0.0.1:1/nothing"

    def __repr__(self) -> str:
        return f"Backend({self.name!r})"


def _write_folder(url: str, text: str) -> None:
    """A new folder holding ``text``'s tables, written by dbsynth's folder target: the SQL
    runs in its DuckDB stage, and the commit exports the files and their ``dbsynth.yaml``."""
    session = connect(url, role="target").begin_target()
    try:
        session.execute(text)
    except BaseException:
        session.rollback()
        raise
    session.commit()


#: "mysql" runs on a throwaway MariaDB server where its binaries are installed (Debian's
#: mariadb-server), or always with ``DBSYNTH_CONTRACT_MYSQL=1`` (failing if they are not);
#: ``DBSYNTH_CONTRACT_MYSQL=0`` leaves it out.
BACKENDS = [pytest.param("postgres", marks=pytest.mark.postgres), "duckdb", "sqlite", "csv",
            "parquet"]
_MYSQL = os.environ.get("DBSYNTH_CONTRACT_MYSQL")
if _MYSQL == "1" or (_MYSQL != "0" and _mariadb_binary("mariadbd", "mysqld") is not None):
    BACKENDS.append(pytest.param("mysql", marks=pytest.mark.mysql))


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path) -> Backend:
    return Backend(request.param, request, tmp_path)


def make_backend(name: str, request, tmp_path) -> Backend:
    return Backend(name, request, tmp_path)
