"""The backend fixture of the contract suite: one object per engine carrying its dialect's
capability flags (as ibis's ``BackendTest`` does). Tests ask ``backend.require(flag)`` or
read ``backend.caps.<flag>``; they never compare engine names.

    backend            function  parametrized over postgres, duckdb, sqlite, mysql
    backend.source()   a fresh database with the contract schema (schema/<engine>.sql) and rows
    backend.target()   URL of a fresh, empty target (a new database, or a file not yet there)
    backend.sql(url, text)  rows of the last statement
    backend.missing_url     a URL that names nothing reachable
"""

from __future__ import annotations

import os

import sqlite3
import uuid
from pathlib import Path

import pytest

from conftest import _mariadb_binary, duckdb_url, run_sql
from dbsynth.dialects import Dialect, get_dialect

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
ROWS = (SCHEMA_DIR / "rows.sql").read_text()


def sqlite_url(path: Path | str) -> str:
    return "sqlite:///" + str(Path(path).resolve())


def run_any(url: str, sql: str) -> list[tuple]:
    """run_sql for the three engines (SQLite: the file opened and closed per call)."""
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
        if not self.caps.file_database:
            return self._request.getfixturevalue("pg_database_factory")(name)
        suffix = {"duckdb": ".duckdb"}.get(self.name, ".db")
        path = self._tmp / f"{name}-{uuid.uuid4().hex[:6]}{suffix}"
        return duckdb_url(path) if self.name == "duckdb" else sqlite_url(path)

    def source(self, ddl: str | None = None, rows: str | None = ROWS, name: str = "source") -> str:
        url = self.target(name)
        text = (ddl if ddl is not None else (SCHEMA_DIR / f"{self.name}.sql").read_text())
        if rows:
            text += "\n" + rows
        if url.startswith("sqlite:///"):
            con = sqlite3.connect(url[len("sqlite:///"):])
            con.executescript(text)
            con.close()
        else:
            run_any(url, text)
        return url

    def sql(self, url: str, text: str) -> list[tuple]:
        return run_any(url, text)

    @property
    def missing_url(self) -> str:
        if self.caps.file_database:
            return (duckdb_url if self.name == "duckdb" else sqlite_url)(self._tmp / "nowhere" / "x.db")
        if self.name == "mysql":
            return "mysql://nobody@127.0.0.1:1/nothing"
        return "postgresql://nobody@127.0.0.1:1/nothing"

    def __repr__(self) -> str:
        return f"Backend({self.name!r})"


#: "mysql" runs on a throwaway MariaDB server where its binaries are installed (Debian's
#: mariadb-server), or always with ``DBSYNTH_CONTRACT_MYSQL=1`` (failing if they are not);
#: ``DBSYNTH_CONTRACT_MYSQL=0`` leaves it out.
BACKENDS = [pytest.param("postgres", marks=pytest.mark.postgres), "duckdb", "sqlite"]
_MYSQL = os.environ.get("DBSYNTH_CONTRACT_MYSQL")
if _MYSQL == "1" or (_MYSQL != "0" and _mariadb_binary("mariadbd", "mysqld") is not None):
    BACKENDS.append(pytest.param("mysql", marks=pytest.mark.mysql))


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path) -> Backend:
    return Backend(request.param, request, tmp_path)


def make_backend(name: str, request, tmp_path) -> Backend:
    return Backend(name, request, tmp_path)
